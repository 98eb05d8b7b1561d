package search_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/frontdesk/frontdesk/kb/search"
	"github.com/frontdesk/frontdesk/kb/search/searchtest"
)

// judgement is one judged query: expect must come back in the top 3.
type judgement struct {
	Query  string `json:"query"`
	Expect string `json:"expect"`
	Set    string `json:"set"` // "demo" or "corpus"
}

// judgementFiles are the judged query sets: the one written with the KB
// fixtures and this package's own.
var judgementFiles = []string{"../testdata/relevance.json", "testdata/relevance.json"}

func loadJudgements(t testing.TB) []judgement {
	t.Helper()
	var all []judgement
	for _, path := range judgementFiles {
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			t.Logf("%s: not present", path)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var js []judgement
		if err := json.Unmarshal(b, &js); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		all = append(all, js...)
	}
	if len(all) == 0 {
		t.Fatal("no judged queries found")
	}
	return all
}

// demoCategoryNames reads kb/demo/categories.yaml (slug → display name).
func demoCategoryNames(t testing.TB) map[string]string {
	t.Helper()
	names := map[string]string{}
	b, err := os.ReadFile("../demo/categories.yaml")
	if err != nil {
		return names
	}
	var cats []struct{ Slug, Name string }
	if err := yaml.Unmarshal(b, &cats); err != nil {
		t.Fatalf("categories.yaml: %v", err)
	}
	for _, c := range cats {
		names[c.Slug] = c.Name
	}
	return names
}

// loadSets reads the demo articles and the realistic corpus, each into its
// own index (a judged query belongs to one set).
func loadSets(t testing.TB) map[string][]search.Doc {
	t.Helper()
	demo, err := searchtest.LoadDir("../demo", 1, demoCategoryNames(t))
	if err != nil {
		t.Fatal(err)
	}
	corpus, err := searchtest.LoadDir("../testdata/corpus", 1, nil)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return map[string][]search.Doc{"demo": demo, "corpus": corpus}
}

// TestRelevance runs every judged query and requires its article in the
// top 3 (the bar); it logs MRR and recall@1/@3 per set.
func TestRelevance(t *testing.T) {
	ctx := context.Background()
	sets := loadSets(t)
	judged := loadJudgements(t)
	indexes := map[string]*search.Index{}
	for name, docs := range sets {
		if len(docs) == 0 {
			continue
		}
		ix, err := search.Open(filepath.Join(t.TempDir(), name), search.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		if err := ix.Upsert(docs...); err != nil {
			t.Fatal(err)
		}
		indexes[name] = ix
	}

	type stats struct {
		n, at1, at3 int
		rr          float64
	}
	per := map[string]*stats{}
	for _, j := range judged {
		ix := indexes[j.Set]
		if ix == nil {
			t.Errorf("query %q: set %q has no articles", j.Query, j.Set)
			continue
		}
		found := false
		for _, d := range sets[j.Set] {
			found = found || d.Slug == j.Expect
		}
		if !found {
			t.Errorf("query %q expects %q, which is not in set %q", j.Query, j.Expect, j.Set)
			continue
		}
		res, err := ix.Search(ctx, search.Query{Text: j.Query, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		st := per[j.Set]
		if st == nil {
			st = &stats{}
			per[j.Set] = st
		}
		st.n++
		rank := 0
		var got []string
		for i, h := range res.Hits {
			got = append(got, h.Slug)
			if h.Slug == j.Expect && rank == 0 {
				rank = i + 1
			}
		}
		if rank > 0 {
			st.rr += 1 / float64(rank)
		}
		if rank == 1 {
			st.at1++
		}
		if rank >= 1 && rank <= 3 {
			st.at3++
		} else {
			t.Errorf("%s query %q: %q at rank %d, want top 3; got %v (corrected %q)", j.Set, j.Query, j.Expect, rank, got, res.Corrected)
		}
	}
	for _, name := range []string{"demo", "corpus"} {
		st := per[name]
		if st == nil || st.n == 0 {
			continue
		}
		t.Logf("set %-6s queries %3d  MRR %.3f  recall@1 %.3f  recall@3 %.3f",
			name, st.n, st.rr/float64(st.n), float64(st.at1)/float64(st.n), float64(st.at3)/float64(st.n))
	}
}
