package kb_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// newSearchLogFixture publishes one article (for clicks and views) and
// returns it with a search logger writing to db.
func newSearchLogFixture(t *testing.T, db *bun.DB) (*kb.Article, *kb.SearchLogger) {
	t.Helper()
	svc := kb.NewService(kb.Deps{DB: db})
	a, err := svc.SaveArticle(context.Background(), kb.ArticleInput{Title: "Invoices", Status: kb.StatusPublished}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	return a, kb.NewSearchLogger(db, nil)
}

func TestSearchLoggerFoldsTypingIntoOneSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		a, l := newSearchLogFixture(t, db)
		id := l.Log("inv", 3, nil, 0)
		if got := l.Log("invoic", 2, nil, id); got != id {
			t.Fatalf("continued typing made a new search %d (first %d)", got, id)
		}
		if err := l.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		// Typing on after the first write refines the stored row.
		if got := l.Log("invoices", 1, nil, id); got != id {
			t.Fatal("refinement after a flush made a new search")
		}
		l.Click(id, a.ID)
		// A different query, or one after a click, is a new search.
		other := l.Log("refund", 0, nil, id)
		if other == id {
			t.Fatal("an unrelated query refined the previous search")
		}
		if err := l.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		var rows []kb.SearchLog
		if err := db.NewSelect().Model(&rows).Order("created_at", "id").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 {
			t.Fatalf("rows = %+v, want 2", rows)
		}
		first := rows[0]
		if first.ID != id {
			first = rows[1]
		}
		if first.Normalized != "invoices" || first.Results != 1 || first.ClickedArticleID == nil || *first.ClickedArticleID != a.ID {
			t.Errorf("first search row = %+v", first)
		}
	})
}

// TestSearchLoggerFlushWritesLargeBatches checks a flush larger than one
// INSERT statement's chunk: every search is written once, and the
// refinement and click of a search in a later chunk are folded into it.
func TestSearchLoggerFlushWritesLargeBatches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		a, l := newSearchLogFixture(t, db)
		const n = 150
		var last int64
		for i := 0; i < n; i++ {
			last = l.Log(fmt.Sprintf("query %d", i), i, nil, 0)
		}
		if got := l.Log(fmt.Sprintf("query %d refined", n-1), 7, nil, last); got != last {
			t.Fatal("typing on made a new search")
		}
		l.Click(last, a.ID)
		if err := l.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		var rows []kb.SearchLog
		if err := db.NewSelect().Model(&rows).Order("id").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(rows) != n {
			t.Fatalf("%d rows written, want %d", len(rows), n)
		}
		final := rows[n-1]
		if final.ID != last || final.Normalized != fmt.Sprintf("query %d refined", n-1) || final.Results != 7 ||
			final.ClickedArticleID == nil || *final.ClickedArticleID != a.ID {
			t.Errorf("last search row = %+v", final)
		}
	})
}
