package search_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/frontdesk/frontdesk/kb/eval"
	"github.com/frontdesk/frontdesk/kb/search"
	"github.com/frontdesk/frontdesk/kb/search/searchtest"
)

// sameResults runs q scored by bleve and by the in-memory mirror and
// reports how they differ: the same articles in the same order with the
// same scores (up to float rounding), the same total and correction.
func sameResults(ctx context.Context, ix *search.Index, q search.Query) error {
	return sameAs(ctx, ix, ix, q)
}

// sameAs compares the in-memory scoring of mem with bleve's of ref (an
// index of the same articles).
func sameAs(ctx context.Context, mem, ref *search.Index, q search.Query) error {
	ref.SetBleveOnly(true)
	want, err := ref.Search(ctx, q)
	ref.SetBleveOnly(false)
	if err != nil {
		return err
	}
	got, err := mem.Search(ctx, q)
	if err != nil {
		return err
	}
	if got.Total != want.Total || got.Corrected != want.Corrected || len(got.Hits) != len(want.Hits) {
		return fmt.Errorf("total %d, corrected %q, %d hits; bleve: %d, %q, %d", got.Total, got.Corrected, len(got.Hits),
			want.Total, want.Corrected, len(want.Hits))
	}
	for i := range got.Hits {
		g, w := got.Hits[i], want.Hits[i]
		if math.Abs(g.Score-w.Score) > 1e-6*math.Max(1, math.Abs(w.Score)) {
			return fmt.Errorf("hit %d: %s %.9f; bleve: %s %.9f", i+1, g.Slug, g.Score, w.Slug, w.Score)
		}
		// Equal scores may come in either order.
		if g.Slug != w.Slug && math.Abs(g.Score-w.Score) > 1e-9 {
			return fmt.Errorf("hit %d: %s %.12f; bleve: %s %.12f", i+1, g.Slug, g.Score, w.Slug, w.Score)
		}
		if g.Snippet != w.Snippet && g.Slug == w.Slug {
			return fmt.Errorf("hit %d (%s): snippet %q; bleve: %q", i+1, g.Slug, g.Snippet, w.Snippet)
		}
	}
	return nil
}

// TestMemMatchesBleve holds the in-memory scoring to bleve's: every judged
// query of the regression set and of the evaluation corpus, as typed and
// limited to a category, after updates and deletes, gives the same
// results either way.
func TestMemMatchesBleve(t *testing.T) {
	ctx := context.Background()
	sets := loadSets(t)
	judged := loadJudgements(t)
	for name, docs := range sets {
		ix, err := search.Open(filepath.Join(t.TempDir(), name), search.Options{ResultCache: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		if err := ix.Upsert(docs...); err != nil {
			t.Fatal(err)
		}
		ix.SetSynonyms(search.DefaultSynonyms())
		if !ix.MemoryLoaded() {
			t.Fatal("a new index should be mirrored in memory")
		}
		check := func(stage string, ref *search.Index) {
			n := 0
			for _, j := range judged {
				if j.Set != name {
					continue
				}
				n++
				for _, q := range []search.Query{{Text: j.Query, Limit: 10}, {Text: j.Query + " ", Limit: 10},
					{Text: j.Query, Limit: 10, CategorySlug: docs[n%len(docs)].CategorySlug}} {
					if err := sameAs(ctx, ix, ref, q); err != nil {
						t.Errorf("%s %s %q (category %q): %v", stage, name, q.Text, q.CategorySlug, err)
					}
				}
			}
			if n == 0 {
				t.Fatalf("no queries for set %s", name)
			}
		}
		check("fresh", ix)
		// Change a third of the articles, delete a tenth: the mirror
		// follows.
		var changed []search.Doc
		var deleted []int64
		for i, d := range docs {
			switch {
			case i%10 == 3:
				deleted = append(deleted, d.ID)
			case i%3 == 0:
				d.Title += " updated guide"
				d.Body += "\n\nSee also the password reset guide."
				changed = append(changed, d)
			}
		}
		if err := ix.Apply(changed, deleted, 0); err != nil {
			t.Fatal(err)
		}
		// bleve's statistics after an update depend on its segments (its
		// "average length" sums the terms of every segment's dictionary),
		// so the reference is a fresh index of the same articles.
		final := map[int64]search.Doc{}
		for _, d := range docs {
			final[d.ID] = d
		}
		for _, d := range changed {
			final[d.ID] = d
		}
		for _, id := range deleted {
			delete(final, id)
		}
		var finalDocs []search.Doc
		for _, d := range docs {
			if fd, ok := final[d.ID]; ok {
				finalDocs = append(finalDocs, fd)
			}
		}
		ref, err := search.Open(filepath.Join(t.TempDir(), name+"-ref"), search.Options{ResultCache: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer ref.Close()
		if err := ref.Upsert(finalDocs...); err != nil {
			t.Fatal(err)
		}
		ref.SetSynonyms(search.DefaultSynonyms())
		check("updated", ref)
	}
}

// TestMemMatchesBleveEval does the same on the evaluation corpus and its
// judged queries, and on an index reopened from disk whose mirror is
// loaded afterwards.
func TestMemMatchesBleveEval(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: indexes the 2,328-article evaluation corpus")
	}
	ctx := context.Background()
	corpus, err := eval.LoadCorpus("../eval/testdata/libreoffice.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	qs, err := eval.LoadQueries("../eval/testdata/queries.json", corpus)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := search.Open(dir, search.Options{ResultCache: -1})
	if err != nil {
		t.Fatal(err)
	}
	docs := eval.Docs(corpus)
	if err := ix.Upsert(docs...); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err = search.Open(dir, search.Options{ResultCache: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if ix.MemoryLoaded() {
		t.Fatal("a reopened index has no mirror until LoadMemory")
	}
	err = ix.LoadMemory(feed(docs))
	if err != nil {
		t.Fatal(err)
	}
	ix.SetSynonyms(search.DefaultSynonyms())
	words, _ := searchtest.Vocabulary(docs[:200])
	extra := searchtest.Queries(3, words, 100)
	for i, q := range qs {
		for _, text := range []string{q.Query, q.Query[:max(1, len(q.Query)*2/3)]} {
			if err := sameResults(ctx, ix, search.Query{Text: text, Limit: 10}); err != nil {
				t.Errorf("%q: %v", text, err)
			}
		}
		if i < len(extra) {
			if err := sameResults(ctx, ix, search.Query{Text: extra[i], Limit: 10}); err != nil {
				t.Errorf("%q: %v", extra[i], err)
			}
		}
	}
	_ = os.Getenv
}

// feed hands docs to Rebuild or LoadMemory.
func feed(docs []search.Doc) func(put func(search.Doc) error) error {
	return func(put func(search.Doc) error) error {
		for _, d := range docs {
			if err := put(d); err != nil {
				return err
			}
		}
		return nil
	}
}
