package kb_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/platform/web"
)

// Unclosed link openers made goldmark quadratic (5 s at 64 KB): such a
// body is refused with a message the author can act on, before anything
// renders.
func TestPathologicalMarkdownIsRefusedWithAReason(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		svc := kb.NewService(kb.Deps{DB: db})
		_, err := svc.SaveArticle(context.Background(), kb.ArticleInput{Title: "Links", Body: strings.Repeat("[a](", 16000), Status: kb.StatusPublished}, nil, "")
		var fe web.FieldErrors
		if !errors.As(err, &fe) || !strings.Contains(fe["body"], "brackets") {
			t.Fatalf("save: %v, want a body error about brackets", err)
		}
	})
	for name, md := range map[string]string{
		"link openers": strings.Repeat("[a](", 16000),
		"quotes":       strings.Repeat(">", 5000),
	} {
		start := time.Now()
		_, _, err := kb.RenderMarkdownContext(context.Background(), md, time.Second)
		if !errors.Is(err, kb.ErrMarkdownTooComplex) {
			t.Errorf("%s: err = %v, want ErrMarkdownTooComplex", name, err)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("%s: refusing took %v: it must not render first", name, d)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := kb.RenderMarkdownContext(ctx, "# Fine\n\ntext", time.Second); err != nil && !errors.Is(err, kb.ErrRenderBudget) {
		t.Errorf("cancelled render: %v", err)
	}
}

// Public pages serve the HTML stored at save; rows from before the
// column existed are rendered by the backfill.
func TestArticleHTMLIsRenderedOnceAndBackfilled(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		f := newPortalFixture(t, b)
		ctx := context.Background()
		page := func() string { return body(t, apptestGet(t, f, "/kb/a/"+f.password.Slug)) }
		if p := page(); !strings.Contains(p, `<h2 id="steps">Steps</h2>`) {
			t.Fatalf("article page lacks its rendered body: %s", p)
		}
		// Change the Markdown behind the service's back: the page keeps
		// showing what was rendered at save.
		if _, err := f.db.NewUpdate().Table("kb_articles").Set("body = ?", "## Changed\n").Where("id = ?", f.password.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if p := page(); !strings.Contains(p, "Steps") || strings.Contains(p, "Changed") {
			t.Error("the article page rendered the Markdown again instead of serving the stored HTML")
		}
		// A row as the migration leaves it: no stored render.
		if _, err := f.db.NewUpdate().Table("kb_articles").Set("body_html = ''").Set("toc = ''").Set("render_version = 0").Where("1 = 1").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		n, err := kb.NewRenderBackfill(f.svc, nil).RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n < 5 {
			t.Errorf("backfill rendered %d articles, want every article (5)", n)
		}
		var html string
		if err := f.db.NewSelect().Table("kb_articles").Column("body_html").Where("id = ?", f.password.ID).Scan(ctx, &html); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(html, `<h2 id="changed">Changed</h2>`) {
			t.Errorf("backfilled HTML = %q", html)
		}
		if n, _ := kb.NewRenderBackfill(f.svc, nil).RunOnce(ctx); n != 0 {
			t.Errorf("a second backfill rendered %d articles again", n)
		}
	})
}

func apptestGet(t *testing.T, f *portalFixture, path string) *http.Response {
	t.Helper()
	return apptest.NewClient(t, f.app).Get(path)
}

// FuzzRenderMarkdownTime: whatever the editor accepts (MarkdownProblem
// finds nothing) renders within a second per input. FuzzRenderMarkdown
// checks the output is safe.
func FuzzRenderMarkdownTime(f *testing.F) {
	for _, seed := range []string{
		"# Title\n\n[link](https://example.com) *em* `code`",
		strings.Repeat("[a](", 1999),
		strings.Repeat("![a](", 1999),
		strings.Repeat(">", 20) + " deep",
		strings.Repeat("*a", 9999),
		strings.Repeat("<a", 9999),
		strings.Repeat("- ", 5000),
		strings.Repeat("[", 2000) + strings.Repeat("]", 2000),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, md string) {
		if kb.MarkdownProblem(md) != "" {
			return // refused before rendering
		}
		start := time.Now()
		kb.RenderMarkdown(md)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("rendering %d bytes took %v", len(md), d)
		}
	})
}
