package eval_test

import (
	"context"
	"testing"

	"github.com/frontdesk/frontdesk/kb/eval"
)

// TestHeldOut scores kb/search and SQLite FTS5 on the held-out corpus and
// holds the held-out half to its targets against FTS5. The third target
// (tuning and held-out MRR within 0.03) is reported, not enforced: see
// `go run ./bench/kbeval`.
func TestHeldOut(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: indexes 2,328 articles")
	}
	corpus, err := eval.LoadCorpus("testdata/libreoffice.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	if len(corpus) < 1000 {
		t.Fatalf("corpus has %d articles, want >= 1000", len(corpus))
	}
	qs, err := eval.LoadQueries("testdata/queries.json", corpus)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 120 {
		t.Fatalf("%d queries, want >= 120", len(qs))
	}
	kb, err := eval.NewKB(t.TempDir(), corpus)
	if err != nil {
		t.Fatal(err)
	}
	defer kb.Close()
	fts, err := eval.NewFTS5(corpus)
	if err != nil {
		t.Fatal(err)
	}
	defer fts.Close()
	rep, err := eval.Compare(context.Background(), qs, kb, fts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range eval.Check(rep, kb.Name(), fts.Name()) {
		t.Log(c)
		if !c.Met && c.Name != "|tuning MRR - held-out MRR| <= 0.03" {
			t.Errorf("target not met: %s", c)
		}
	}
}
