package kb_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/kb/search"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// TestSearchShowsPublishChangesDespiteCache publishes and unpublishes an
// article between identical searches: the index's result cache must never
// hide a newly published article once the index has it, and an
// unpublished one disappears at once, even before the index follows.
func TestSearchShowsPublishChangesDespiteCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		ix, err := kb.OpenIndex(filepath.Join(t.TempDir(), "kb-index"), nil, 10*time.Second, search.DefaultResultCache)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = ix.Close() })
		follower := search.NewFollower(ix, kb.NewSource(db), time.Second, nil)
		svc := kb.NewService(kb.Deps{DB: db, Index: kb.IndexSearcher{Index: ix}})
		catchUp := func() {
			t.Helper()
			if err := follower.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
		}
		found := func(slug string) bool {
			t.Helper()
			res, err := svc.Search(ctx, kb.SearchRequest{Text: "refund"})
			if err != nil {
				t.Fatal(err)
			}
			return slices.ContainsFunc(res.Hits, func(h kb.SearchHit) bool { return h.Slug == slug })
		}
		if _, err := svc.SaveArticle(ctx, kb.ArticleInput{Title: "Refund policy", Slug: "refund-policy",
			Body: "How a refund works.", Status: kb.StatusPublished}, nil, ""); err != nil {
			t.Fatal(err)
		}
		a, err := svc.SaveArticle(ctx, kb.ArticleInput{Title: "Ask for a refund", Slug: "ask-refund",
			Body: "Request a refund from the billing page.", Status: kb.StatusDraft}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		catchUp()
		if !found("refund-policy") || found("ask-refund") {
			t.Fatal("before publishing: want the published article only")
		}

		if _, err := svc.SetStatus(ctx, a.ID, kb.StatusPublished, nil); err != nil {
			t.Fatal(err)
		}
		catchUp()
		if !found("ask-refund") {
			t.Fatal("published article missing from a repeated search (stale cached result)")
		}

		if _, err := svc.SetStatus(ctx, a.ID, kb.StatusDraft, nil); err != nil {
			t.Fatal(err)
		}
		if found("ask-refund") {
			t.Fatal("unpublished article still found before the index followed")
		}
		catchUp()
		if found("ask-refund") || !found("refund-policy") {
			t.Fatal("after the index followed: want the published article only")
		}
	})
}
