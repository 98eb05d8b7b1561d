package search

import (
	"math/rand"
	"slices"
	"testing"
)

// TestTopEntriesIsTheSortedPrefix compares topEntries with sorting every
// entry (score descending, then ordinal ascending) on random lists with
// many tied scores, with and without a filter.
func TestTopEntriesIsTheSortedPrefix(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for n := 0; n < 2000; n++ {
		es := make([]entry, rng.Intn(300))
		perm := rng.Perm(len(es))
		for i := range es {
			es[i] = entry{uint32(perm[i]), float64(rng.Intn(20)) / 4}
		}
		k := 1 + rng.Intn(40)
		var keep func(uint32) bool
		if n%2 == 1 {
			keep = func(o uint32) bool { return o%3 != 0 }
		}
		var want []entry
		for _, e := range es {
			if keep == nil || keep(e.ord) {
				want = append(want, e)
			}
		}
		slices.SortFunc(want, func(a, b entry) int {
			if a.score != b.score {
				if a.score > b.score {
					return -1
				}
				return 1
			}
			return int(a.ord) - int(b.ord)
		})
		want = want[:min(k, len(want))]
		got := topEntries(slices.Clone(es), k, keep)
		if !slices.Equal(got, want) {
			t.Fatalf("k=%d: got %v, want %v", k, got, want)
		}
	}
}
