package kb_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

func TestSearchLoggerFoldsTypingIntoOneSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := kb.NewService(kb.Deps{DB: db})
		a, err := svc.SaveArticle(ctx, kb.ArticleInput{Title: "Invoices", Status: kb.StatusPublished}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		l := kb.NewSearchLogger(db, nil)
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
