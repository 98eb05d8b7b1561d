package kb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"time"

	"github.com/uptrace/bun"
)

// renderVersion changes whenever RenderMarkdown's output changes; stored
// renders of another version are redone (backfill, or on first view).
const renderVersion = 1

// Shapes of Markdown the parser handles in quadratic time, bounded so no
// article can make rendering slow: unclosed link or image openers
// ("[a](" repeated: 0.5 s at 16 KB, 5 s at 64 KB), deeply nested block
// quotes, and long runs of inline markup delimiters.
const (
	maxLinkBrackets   = 2000
	maxQuoteDepth     = 20
	maxInlineMarkup   = 20000
	editorRenderLimit = 2 * time.Second
)

// ErrMarkdownTooComplex is returned for Markdown outside those bounds; its
// message (see MarkdownProblem) tells the author what to change.
var ErrMarkdownTooComplex = errors.New("kb: markdown too complex to render")

// ErrRenderBudget is returned when a preview does not render within its
// time budget or its request is cancelled.
var ErrRenderBudget = errors.New("kb: markdown took too long to render")

// MarkdownProblem returns what an author must change for the body to be
// rendered, or "" when it is fine.
func MarkdownProblem(md string) string {
	brackets, inline, depth := 0, 0, 0
	lineStart := true
	quote := 0
	for i := 0; i < len(md); i++ {
		c := md[i]
		switch c {
		case '[':
			brackets++
		case '*', '_', '`', '<', '~':
			inline++
		}
		switch {
		case c == '\n':
			lineStart, quote = true, 0
		case lineStart && c == '>':
			quote++
			depth = max(depth, quote)
		case lineStart && (c == ' ' || c == '\t'):
		default:
			lineStart = false
		}
	}
	switch {
	case brackets > maxLinkBrackets:
		return fmt.Sprintf("The article has %d “[” brackets; at most %d are allowed. Unclosed link brackets make pages very slow to show: close or remove some.", brackets, maxLinkBrackets)
	case depth > maxQuoteDepth:
		return fmt.Sprintf("Quotes are nested %d levels deep (“>” at the start of a line); at most %d levels are allowed.", depth, maxQuoteDepth)
	case inline > maxInlineMarkup:
		return fmt.Sprintf("The article has %d formatting characters (* _ ` < ~); at most %d are allowed. Put long code or data in an attachment.", inline, maxInlineMarkup)
	}
	return ""
}

// RenderMarkdownContext renders like RenderMarkdown within a time budget:
// Markdown outside the bounds is refused at once with
// ErrMarkdownTooComplex, and a render that outlasts budget or ctx returns
// ErrRenderBudget. (goldmark cannot be interrupted; the bounds are what
// keep the abandoned render short.)
func RenderMarkdownContext(ctx context.Context, md string, budget time.Duration) (template.HTML, []Heading, error) {
	if p := MarkdownProblem(md); p != "" {
		return "", nil, fmt.Errorf("%w: %s", ErrMarkdownTooComplex, p)
	}
	type out struct {
		html template.HTML
		toc  []Heading
	}
	done := make(chan out, 1)
	go func() {
		h, toc := RenderMarkdown(md)
		done <- out{h, toc}
	}()
	timer := time.NewTimer(budget)
	defer timer.Stop()
	select {
	case o := <-done:
		return o.html, o.toc, nil
	case <-ctx.Done():
		return "", nil, fmt.Errorf("%w: %v", ErrRenderBudget, ctx.Err())
	case <-timer.C:
		return "", nil, ErrRenderBudget
	}
}

// articleRender is the stored rendering of an article (kb_articles'
// body_html, toc and render_version columns).
type articleRender struct {
	bun.BaseModel `bun:"table:kb_articles"`

	ID            int64  `bun:"id,pk"`
	BodyHTML      string `bun:"body_html,notnull"`
	TOC           string `bun:"toc,notnull"` // JSON list of Heading
	RenderVersion int    `bun:"render_version,notnull"`
}

// storeRendered renders body and stores the result on the article.
func storeRendered(ctx context.Context, db bun.IDB, id int64, body string) (*articleRender, error) {
	html, toc := RenderMarkdown(body)
	tj, err := json.Marshal(toc)
	if err != nil {
		return nil, err
	}
	r := &articleRender{ID: id, BodyHTML: string(html), TOC: string(tj), RenderVersion: renderVersion}
	if _, err := db.NewUpdate().Model(r).Column("body_html", "toc", "render_version").WherePK().Exec(ctx); err != nil {
		return nil, fmt.Errorf("store rendered article: %w", err)
	}
	return r, nil
}

// Rendered returns the article's HTML and table of contents as stored at
// its last save; an article saved before rendering was stored is rendered
// now (and stored, best effort).
func (s *Service) Rendered(ctx context.Context, a *Article) (template.HTML, []Heading, error) {
	var r articleRender
	if err := s.db.NewSelect().Model(&r).Column("id", "body_html", "toc", "render_version").Where("id = ?", a.ID).Scan(ctx); err != nil {
		return "", nil, fmt.Errorf("load rendered article: %w", err)
	}
	if r.RenderVersion != renderVersion {
		stored, err := storeRendered(ctx, s.db, a.ID, a.Body)
		if err != nil {
			s.log.Warn("store rendered article", "id", a.ID, "err", err)
			h, toc := RenderMarkdown(a.Body)
			return h, toc, nil
		}
		r = *stored
	}
	var toc []Heading
	if r.TOC != "" {
		if err := json.Unmarshal([]byte(r.TOC), &toc); err != nil {
			return "", nil, fmt.Errorf("stored table of contents: %w", err)
		}
	}
	// body_html was produced by RenderMarkdown (sanitised by bluemonday).
	return template.HTML(r.BodyHTML), toc, nil //nolint:gosec
}

// RenderBackfill renders the articles stored before rendering was stored
// (or by an older renderer), a batch at a time, then waits for shutdown.
type RenderBackfill struct {
	svc   *Service
	log   *slog.Logger
	batch int
}

// NewRenderBackfill returns the worker.
func NewRenderBackfill(svc *Service, log *slog.Logger) *RenderBackfill {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &RenderBackfill{svc: svc, log: log, batch: 200}
}

// RunOnce renders every outdated article and reports how many it did.
func (w *RenderBackfill) RunOnce(ctx context.Context) (int, error) {
	total := 0
	for ctx.Err() == nil {
		var rows []struct {
			ID   int64  `bun:"id"`
			Body string `bun:"body"`
		}
		if err := w.svc.db.NewSelect().Model((*Article)(nil)).Column("id", "body").
			Where("render_version <> ?", renderVersion).Order("id").Limit(int64(w.batch)).Scan(ctx, &rows); err != nil {
			return total, err
		}
		if len(rows) == 0 {
			return total, nil
		}
		for _, r := range rows {
			if _, err := storeRendered(ctx, w.svc.db, r.ID, r.Body); err != nil {
				return total, err
			}
			total++
		}
	}
	return total, ctx.Err()
}

// Run backfills, then idles until ctx ends.
func (w *RenderBackfill) Run(ctx context.Context) error {
	n, err := w.RunOnce(ctx)
	if err != nil && ctx.Err() == nil {
		w.log.Warn("kb render backfill", "err", err)
	} else if n > 0 {
		w.log.Info("kb render backfill", "articles", n)
	}
	<-ctx.Done()
	return nil
}
