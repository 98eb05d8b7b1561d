package kb_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
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

// TestSearchHeadReadAfterArrival checks what a search may take from a
// change-log head another search read: a search that arrived before an
// unpublish committed may still show the article (it ran concurrently with
// the change), but no search that arrives after the commit does, however
// many searches run at once and whatever they read before.
func TestSearchHeadReadAfterArrival(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		ix, err := kb.OpenIndex(filepath.Join(t.TempDir(), "kb-index"), nil, 10*time.Second, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = ix.Close() })
		follower := search.NewFollower(ix, kb.NewSource(db), time.Second, nil)
		svc := kb.NewService(kb.Deps{DB: db, Index: kb.IndexSearcher{Index: ix}})
		a, err := svc.SaveArticle(ctx, kb.ArticleInput{Title: "Ask for a refund", Slug: "ask-refund",
			Body: "Request a refund from the billing page.", Status: kb.StatusPublished}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := follower.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		found := func(arrived time.Time) (bool, error) {
			res, err := svc.Search(ctx, kb.SearchRequest{Text: "refund", Arrived: arrived})
			if err != nil {
				return false, err
			}
			return slices.ContainsFunc(res.Hits, func(h kb.SearchHit) bool { return h.Slug == "ask-refund" }), nil
		}
		early := time.Now()
		if ok, err := found(early); err != nil || !ok {
			t.Fatalf("published article: found %v, %v", ok, err)
		}
		if _, err := svc.SetStatus(ctx, a.ID, kb.StatusDraft, nil); err != nil {
			t.Fatal(err)
		}
		// The index has not followed: only the head tells the article is
		// no longer published. A request that arrived before the change
		// may use the head read for the search above.
		if ok, err := found(early); err != nil || !ok {
			t.Errorf("a search that arrived before the change did not reuse the head read after its arrival: found %v, %v", ok, err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := 0; i < 20; i++ {
			wg.Add(2)
			go func() { // arrived before the change: either answer, no error
				defer wg.Done()
				if _, err := found(early); err != nil {
					errs <- err
				}
			}()
			go func() {
				defer wg.Done()
				ok, err := found(time.Now())
				if err == nil && ok {
					err = errors.New("a search that arrived after the unpublish committed shows the article")
				}
				if err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}
