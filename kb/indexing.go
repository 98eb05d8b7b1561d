package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/kb/search"
	"github.com/frontdesk/frontdesk/platform/database"
)

// SearchRequest is one search as the pages and the API ask it.
type SearchRequest struct {
	Text         string
	CategorySlug string
	Limit        int
	Offset       int
	// Arrived is when the request asking for the search arrived (zero:
	// when Search is called). No hit is an article unpublished or deleted
	// before it (see Service.freshHead); a newly published article shows
	// once the index has followed.
	Arrived time.Time
}

// SearchHit is one result.
type SearchHit struct {
	ID           int64
	Slug         string
	Title        string
	Snippet      template.HTML // highlighted with <mark>, escaped by the index
	Score        float64
	CategorySlug string
}

// SearchResponse is a page of results.
type SearchResponse struct {
	Hits      []SearchHit
	Total     int
	Took      time.Duration
	Corrected string // "Did you mean" query, empty when the query was fine
}

// Searcher answers searches (the bleve index in kb/search, adapted).
type Searcher interface {
	Search(ctx context.Context, req SearchRequest) (*SearchResponse, error)
}

// Search runs a search on the index and drops any hit that is not a
// published article in the database right now, so a lagging index never
// shows a draft or a deleted article.
func (s *Service) Search(ctx context.Context, req SearchRequest) (*SearchResponse, error) {
	req.Text = strings.TrimSpace(req.Text)
	if req.Limit <= 0 || req.Limit > 100 {
		req.Limit = 10
	}
	if req.Offset < 0 {
		req.Offset = 0
	}
	if req.Text == "" || s.index == nil {
		return &SearchResponse{}, nil
	}
	if req.Arrived.IsZero() {
		req.Arrived = time.Now()
	}
	res, err := s.index.Search(ctx, req)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	live, err := s.publishedByIDs(ctx, ids, req.Arrived)
	if err != nil {
		return nil, err
	}
	kept := res.Hits[:0]
	for _, h := range res.Hits {
		if a, ok := live[h.ID]; ok {
			h.Slug, h.Title = a.slug, a.title
			kept = append(kept, h)
		} else {
			res.Total--
		}
	}
	res.Hits = kept
	if res.Total < len(kept)+req.Offset {
		res.Total = len(kept) + req.Offset
	}
	return res, nil
}

// IndexSearcher adapts the bleve index of kb/search to Searcher.
type IndexSearcher struct{ Index *search.Index }

// Search runs req on the index.
func (is IndexSearcher) Search(ctx context.Context, req SearchRequest) (*SearchResponse, error) {
	res, err := is.Index.Search(ctx, search.Query{Text: req.Text, CategorySlug: req.CategorySlug, Limit: req.Limit, Offset: req.Offset})
	if err != nil {
		return nil, err
	}
	out := &SearchResponse{Total: res.Total, Took: res.Took, Corrected: res.Corrected, Hits: make([]SearchHit, len(res.Hits))}
	for i, h := range res.Hits {
		out.Hits[i] = SearchHit{ID: h.ID, Slug: h.Slug, Title: h.Title, Snippet: h.Snippet, Score: h.Score, CategorySlug: h.CategorySlug}
	}
	return out, nil
}

// Source is what the index follower reads from the database: the change
// log and the published articles as index documents.
type Source struct{ db *bun.DB }

// NewSource returns the database side of the search index.
func NewSource(db *bun.DB) *Source { return &Source{db: db} }

// MaxChangeID is the newest kb_changes id (0 when none).
func (src *Source) MaxChangeID(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	err := src.db.NewSelect().Model((*Change)(nil)).ColumnExpr("MAX(id)").Scan(ctx, &id)
	return id.Int64, err
}

// ChangesSince returns up to limit change rows after afterID, oldest
// first. Writers append to kb_changes under a lock held until commit (see
// addChanges), so ids become visible in order and none is skipped.
func (src *Source) ChangesSince(ctx context.Context, afterID int64, limit int) ([]search.Change, error) {
	var rows []Change
	if err := src.db.NewSelect().Model(&rows).Column("id", "article_id").
		Where("id > ?", afterID).Order("id").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]search.Change, len(rows))
	for i, r := range rows {
		out[i] = search.Change{ID: r.ID, ArticleID: r.ArticleID}
	}
	return out, nil
}

// docQuery selects published articles with their category's name.
func docQuery(db bun.IDB, rows *[]Article) *bun.SelectQuery {
	return db.NewSelect().Model(rows).Relation("Category", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Column("name", "slug")
	}).Where("article.status = ?", StatusPublished)
}

// toDoc turns an article into the index's document.
func toDoc(a *Article) search.Doc {
	d := search.Doc{
		ID: a.ID, Slug: a.Slug, Title: a.Title, Summary: a.Summary, Body: a.Body,
		Tags: TagList(a.Tags), UpdatedAt: a.UpdatedAt,
		// Laplace-smoothed share of "yes" votes: 0.5 without votes.
		Helpful: float64(a.HelpfulYes+1) / float64(a.HelpfulYes+a.HelpfulNo+2),
	}
	if a.Category != nil {
		d.Category, d.CategorySlug = a.Category.Name, a.Category.Slug
	}
	return d
}

// Docs returns the index documents of those of ids that are published;
// an id missing from the map must be removed from the index.
func (src *Source) Docs(ctx context.Context, ids []int64) (map[int64]search.Doc, error) {
	out := make(map[int64]search.Doc, len(ids))
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		var rows []Article
		if err := docQuery(src.db, &rows).Where("article.id IN (?)", bun.In(chunk)).Scan(ctx); err != nil {
			return nil, fmt.Errorf("load articles to index: %w", err)
		}
		for i := range rows {
			out[rows[i].ID] = toDoc(&rows[i])
		}
	}
	return out, nil
}

// AllDocs calls fn for every published article, in id order, reading the
// table in pages so memory stays flat on large corpora, on one connection
// whose page cache is emptied afterwards (database.Scan says why).
func (src *Source) AllDocs(ctx context.Context, fn func(search.Doc) error) error {
	return database.Scan(ctx, src.db, func(db bun.IDB) error {
		var after int64
		for {
			var rows []Article
			if err := docQuery(db, &rows).Where("article.id > ?", after).OrderExpr("article.id").Limit(1000).Scan(ctx); err != nil {
				return fmt.Errorf("load articles to index: %w", err)
			}
			for i := range rows {
				if err := fn(toDoc(&rows[i])); err != nil {
					return err
				}
			}
			if len(rows) < 1000 {
				return nil
			}
			after = rows[len(rows)-1].ID
		}
	})
}

var _ search.Source = (*Source)(nil)

// ErrIndexLocked means another process (a running serve for the same data
// directory) holds the search index.
var ErrIndexLocked = errors.New("the search index is locked by another frontdesk process using the same --data-dir (a running 'frontdesk serve'?): stop it first")

// OpenIndex opens the bleve index in dir, giving up after wait when
// another process holds bleve's lock (bleve itself would wait forever, and
// a serve started twice on one data directory would hang silently).
// resultCache is how many finished searches it keeps (--kb-search-cache);
// 0 disables the cache.
func OpenIndex(dir string, log *slog.Logger, wait time.Duration, resultCache int) (*search.Index, error) {
	if resultCache <= 0 {
		resultCache = -1 // search.Options: negative disables, 0 would mean its default
	}
	type result struct {
		ix  *search.Index
		err error
	}
	ch := make(chan result, 1)
	go func() {
		ix, err := search.Open(dir, search.Options{Log: log, ResultCache: resultCache})
		ch <- result{ix, err}
	}()
	select {
	case r := <-ch:
		return r.ix, r.err
	case <-time.After(wait):
		// The goroutine stays blocked until the process exits, which is
		// what the caller does with this error.
		return nil, fmt.Errorf("%s: %w", dir, ErrIndexLocked)
	}
}

// LoadSearchMemory loads the search index's in-memory scoring mirror now,
// for a process that never runs the index follower (serve's follower loads
// it in the background at start; benchmarks and tests that only build the
// app call this). It must not run beside a running follower.
func (s *Service) LoadSearchMemory(ctx context.Context) error {
	is, ok := s.index.(IndexSearcher)
	if !ok || is.Index.MemoryLoaded() {
		return nil
	}
	src := NewSource(s.db)
	return is.Index.LoadMemory(func(put func(search.Doc) error) error { return src.AllDocs(ctx, put) })
}

// ResultStamp reports the index's result cache generation (see
// search.Index.ResultStamp).
func (is IndexSearcher) ResultStamp() (uint64, bool) { return is.Index.ResultStamp() }
