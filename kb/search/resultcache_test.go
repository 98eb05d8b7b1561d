package search

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

func TestResultCacheFollowsIndexWrites(t *testing.T) {
	ix := openTest(t, sampleDocs()...)
	q := Query{Text: "invoice"}
	has := func(r Result, slug string) bool { return slices.Contains(slugs(r), slug) }

	first := search(t, ix, q)
	if !has(first, "download-invoice") {
		t.Fatalf("invoice: got %v", slugs(first))
	}
	if ix.results.len() != 1 {
		t.Fatalf("cached results after one search = %d, want 1", ix.results.len())
	}
	// A caller editing its hits (the service drops unpublished ones in
	// place) must not change what the next search gets.
	first.Hits[0].Slug = "tampered"
	if again := search(t, ix, q); !slices.Equal(slugs(again), slugs(search(t, ix, q))) || has(again, "tampered") {
		t.Fatalf("cached result was changed by a caller: %v", slugs(again))
	}

	steps := []struct {
		name  string
		write func() error
		slug  string
		want  bool
	}{
		{"published article appears", func() error {
			return ix.Upsert(Doc{ID: 50, Slug: "invoice-vat", Title: "Invoice VAT numbers", Summary: "Add a VAT number to each invoice.", CategorySlug: "billing"})
		}, "invoice-vat", true},
		{"unpublished article disappears", func() error { return ix.Delete(2) }, "download-invoice", false},
		{"rebuild replaces everything", func() error {
			return ix.Rebuild(0, func(put func(Doc) error) error { return put(sampleDocs()[1]) })
		}, "invoice-vat", false},
		{"rebuilt article is back", func() error { return nil }, "download-invoice", true},
	}
	for _, s := range steps {
		if err := s.write(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := search(t, ix, q); has(got, s.slug) != s.want {
			t.Errorf("%s: %q in %v is %v, want %v", s.name, s.slug, slugs(got), !s.want, s.want)
		}
	}
}

func TestResultCacheKeysAndBound(t *testing.T) {
	ix, err := Open(filepath.Join(t.TempDir(), "index"), Options{ResultCache: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	if err := ix.Upsert(sampleDocs()...); err != nil {
		t.Fatal(err)
	}
	all := search(t, ix, Query{Text: "billing"})
	billing := search(t, ix, Query{Text: "billing", CategorySlug: "tickets"})
	if slices.Equal(slugs(all), slugs(billing)) || len(billing.Hits) != 1 || billing.Hits[0].Slug != "email-and-billing" {
		t.Fatalf("category filter answered from the unfiltered entry: %v vs %v", slugs(all), slugs(billing))
	}
	second := search(t, ix, Query{Text: "billing", Limit: 1, Offset: 1})
	if len(second.Hits) != 1 || second.Hits[0].Slug != all.Hits[1].Slug {
		t.Fatalf("page 2 of one: got %v, want %s", slugs(second), all.Hits[1].Slug)
	}
	if n := ix.results.len(); n != 2 {
		t.Fatalf("cache holds %d results, want its bound 2", n)
	}

	// A result computed before a write is not stored after it.
	c := newResultCache(10)
	_, gen, _ := c.get("k")
	c.invalidate()
	c.put(gen, "k", Result{Total: 1})
	if _, _, ok := c.get("k"); ok {
		t.Fatal("a result from before the write was cached")
	}
}

func TestResultCacheDisabled(t *testing.T) {
	ix, err := Open(filepath.Join(t.TempDir(), "index"), Options{ResultCache: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	if err := ix.Upsert(sampleDocs()...); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if r, err := ix.Search(context.Background(), Query{Text: "password"}); err != nil || len(r.Hits) == 0 {
			t.Fatalf("password: %v %v", slugs(r), err)
		}
	}
	if n := ix.results.len(); n != 0 {
		t.Fatalf("disabled cache holds %d results", n)
	}
}
