package kb_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// fixedSearcher answers every search with the same hits, so the benchmark
// measures only what kb.Service.Search adds to the index's own time: the
// check that each hit is still a published article.
type fixedSearcher struct{ hits []kb.SearchHit }

func (f fixedSearcher) Search(context.Context, kb.SearchRequest) (*kb.SearchResponse, error) {
	return &kb.SearchResponse{Hits: append([]kb.SearchHit(nil), f.hits...), Total: len(f.hits)}, nil
}

// BenchmarkSearchPublishedFilter: go test ./kb -run '^$' -bench SearchPublishedFilter
func BenchmarkSearchPublishedFilter(b *testing.B) {
	ctx := context.Background()
	db := dbtest.Open(b, dbtest.SQLite(b))
	svc := kb.NewService(kb.Deps{DB: db})
	var hits []kb.SearchHit
	for i := 0; i < 200; i++ {
		a, err := svc.SaveArticle(ctx, kb.ArticleInput{Title: fmt.Sprintf("Article %d", i), Status: kb.StatusPublished}, nil, "")
		if err != nil {
			b.Fatal(err)
		}
		if i < 10 {
			hits = append(hits, kb.SearchHit{ID: a.ID})
		}
	}
	svc.SetSearch(fixedSearcher{hits}, nil)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := svc.Search(ctx, kb.SearchRequest{Text: "x", Limit: 10})
			if err != nil || len(res.Hits) != 10 {
				b.Fatal(err, res)
			}
		}
	})
}
