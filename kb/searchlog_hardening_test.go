package kb_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// Issue 8 item 2: a search the database refuses (PostgreSQL takes no NUL
// byte or broken UTF-8 in text) is dropped alone; the other searches and
// the views in the same flush are kept.
func TestSearchLogFlushIsolatesABadRow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		a, l := newSearchLogFixture(t, db)
		l.Log("refund", 1, nil, 0)
		l.Log("bad\x00query", 0, nil, 0)
		l.Log("broken \xff utf-8", 0, nil, 0)
		l.Log("invoice", 2, nil, 0)
		l.View(a.ID)
		if err := l.Flush(ctx); err != nil {
			t.Fatalf("flush: %v", err)
		}
		var queries []string
		if err := db.NewSelect().Model((*kb.SearchLog)(nil)).Column("query").Order("id").Scan(ctx, &queries); err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, q := range queries {
			got[q] = true
		}
		if !got["refund"] || !got["invoice"] {
			t.Errorf("stored searches = %q: the good ones were lost with the bad", queries)
		}
		views, err := db.NewSelect().Table("kb_article_views").Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if views == 0 {
			t.Error("the views flushed with a bad search were lost")
		}
	})
}
