package kb_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// The importer cases: titles cut by characters, slug collisions
// never overwrite, identity by source path or front-matter slug, empty
// files are errors that name the file.
func TestImportTitleFromFileNameKeepsCharacters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := kb.NewService(kb.Deps{DB: db})
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "über-uns.md"), "Wir sind ein kleines Team.\n")
		writeFile(t, filepath.Join(dir, "long.md"), "# "+strings.Repeat("é", 400)+"\n\nText.\n")
		rep, err := svc.Import(ctx, kb.CollectFiles([]string{dir}), kb.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 2 || rep.Failed != 0 {
			t.Fatalf("report = %+v", rep)
		}
		arts, _, err := svc.ListArticles(ctx, kb.ArticleFilter{})
		if err != nil {
			t.Fatal(err)
		}
		titles := map[string]bool{}
		for _, a := range arts {
			titles[a.Title] = true
		}
		if !titles["Über uns"] {
			t.Errorf("titles = %v, want \"Über uns\"", titles)
		}
		if !titles[strings.Repeat("é", 300)] {
			t.Errorf("the 400-character title was not cut to 300 characters: %v", titles)
		}
	})
}

func TestImportSameSlugNeverOverwrites(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := kb.NewService(kb.Deps{DB: db})
		dir := t.TempDir()
		// Same title, no slug: two articles.
		writeFile(t, filepath.Join(dir, "a", "faq.md"), "# FAQ\n\nBilling questions.\n")
		writeFile(t, filepath.Join(dir, "b", "faq.md"), "# FAQ\n\nAccount questions.\n")
		// Same front-matter slug: the second is refused, naming both.
		writeFile(t, filepath.Join(dir, "c", "one.md"), "---\ntitle: One\nslug: shared\n---\nFirst.\n")
		writeFile(t, filepath.Join(dir, "c", "two.md"), "---\ntitle: Two\nslug: shared\n---\nSecond.\n")
		rep, err := svc.Import(ctx, kb.CollectFiles([]string{dir}), kb.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 3 || rep.Updated != 0 || rep.Failed != 1 {
			t.Fatalf("report = %+v, want 3 created, 1 failed", rep)
		}
		msg := rep.Failures[0].Err.Error()
		if !strings.HasSuffix(rep.Failures[0].Path, "two.md") || !strings.Contains(msg, "one.md") {
			t.Errorf("failure %s: %s, want two.md refused naming one.md", rep.Failures[0].Path, msg)
		}
		arts, _, err := svc.ListArticles(ctx, kb.ArticleFilter{})
		if err != nil {
			t.Fatal(err)
		}
		bodies := map[string]string{}
		for _, a := range arts {
			full, err := svc.Article(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			bodies[a.Slug] = full.Body
		}
		if len(bodies) != 3 || !strings.Contains(bodies["faq"]+bodies["faq-2"], "Billing") ||
			!strings.Contains(bodies["faq"]+bodies["faq-2"], "Account") || !strings.Contains(bodies["shared"], "First") {
			t.Errorf("articles = %v", bodies)
		}

		// Re-importing updates by source path; a moved file keeps its
		// article through its front-matter slug.
		writeFile(t, filepath.Join(dir, "a", "faq.md"), "# FAQ\n\nBilling questions, updated.\n")
		writeFile(t, filepath.Join(dir, "c", "two.md"), "Gone.\n")
		writeFile(t, filepath.Join(dir, "moved", "one.md"), "---\ntitle: One\nslug: shared\n---\nFirst, moved.\n")
		rep, err = svc.Import(ctx, kb.CollectFiles([]string{filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "moved")}), kb.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 0 || rep.Updated != 2 || rep.Unchanged != 1 || rep.Failed != 0 {
			t.Fatalf("re-import report = %+v, want 2 updated, 1 unchanged", rep)
		}
		shared, err := svc.ArticleBySlug(ctx, "shared")
		if err != nil || !strings.Contains(shared.Body, "moved") {
			t.Errorf("moved file did not update its article: %v %+v", err, shared)
		}
	})
}

func TestImportEmptyFileIsAnError(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := kb.NewService(kb.Deps{DB: db})
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "empty.md"), "")
		writeFile(t, filepath.Join(dir, "blank.md"), " \n\n")
		writeFile(t, filepath.Join(dir, "title-only.md"), "# Just a title\n")
		writeFile(t, filepath.Join(dir, "ok.md"), "# Fine\n\nText.\n")
		rep, err := svc.Import(ctx, kb.CollectFiles([]string{dir}), kb.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 1 || rep.Failed != 3 {
			t.Fatalf("report = %+v, want 1 created, 3 failed", rep)
		}
		for _, f := range rep.Failures {
			if f.Path == "" || f.Err == nil {
				t.Errorf("failure without a file name or reason: %+v", f)
			}
		}
	})
}
