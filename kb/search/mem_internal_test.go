package search

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTermDict checks the pointer-free term table against a map: ids
// from 1 in order of addition, through several growths of the table.
func TestTermDict(t *testing.T) {
	d := newTermDict()
	want := map[string]uint32{}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		w := fmt.Sprintf("w%x", r.IntN(15000))
		if i%97 == 0 {
			w = "ünïcödé" + w
		}
		id, added := d.add(w)
		if old, ok := want[w]; ok {
			if added || id != old {
				t.Fatalf("add(%q) again = %d, %v; want %d, false", w, id, added, old)
			}
			continue
		}
		if !added || id != uint32(len(want)+1) {
			t.Fatalf("add(%q) = %d, %v; want %d, true", w, id, added, len(want)+1)
		}
		want[w] = id
	}
	for w, id := range want {
		if got := d.lookup(w); got != id {
			t.Fatalf("lookup(%q) = %d, want %d", w, got, id)
		}
	}
	for _, w := range []string{"", "w", "absent", "W1"} {
		if got := d.lookup(w); got != 0 {
			t.Fatalf("lookup(%q) = %d, want 0", w, got)
		}
	}
	if d.len() != len(want) || 2*d.len() > len(d.slots) {
		t.Fatalf("%d terms in %d slots; want %d, at most half full", d.len(), len(d.slots), len(want))
	}
}

// TestPostingStore drives one field's packed posting lists with random
// additions, deaths and repacks, and compares every list with a plain
// model after each step: lists that move when they outgrow their region
// keep their entries and positions, and a repack drops exactly the dead.
func TestPostingStore(t *testing.T) {
	type ent struct {
		ord uint32
		pos []uint32
	}
	const terms = 300
	var s plStore
	model := make([][]ent, terms+1)
	for i := 0; i <= terms; i++ {
		s.addTerm()
	}
	var alive []bool
	r := rand.New(rand.NewPCG(3, 4))
	check := func(step string) {
		t.Helper()
		for id := 1; id <= terms; id++ {
			pl := s.list(uint32(id))
			if len(pl.ords) != len(model[id]) {
				t.Fatalf("%s: term %d has %d entries, want %d", step, id, len(pl.ords), len(model[id]))
			}
			for j, e := range model[id] {
				if pl.ords[j] != e.ord || !slices.Equal(pl.positions(j), e.pos) {
					t.Fatalf("%s: term %d entry %d = %d %v, want %d %v", step, id, j, pl.ords[j], pl.positions(j), e.ord, e.pos)
				}
			}
			if !slices.Equal(s.ordsOf(uint32(id)), pl.ords) {
				t.Fatalf("%s: ordsOf(%d) differs from list", step, id)
			}
		}
	}
	for ord := uint32(0); ord < 3000; ord++ {
		alive = append(alive, true)
		// A document holds a few terms, common ones (low ids) more often.
		for k := 0; k < 1+r.IntN(12); k++ {
			id := 1 + uint32(r.IntN(1+r.IntN(terms)))
			if n := len(model[id]); n > 0 && model[id][n-1].ord == ord {
				continue
			}
			var pos []uint32
			p := uint32(r.IntN(5))
			for i := 0; i < 1+r.IntN(4); i++ {
				pos = append(pos, p)
				p += 1 + uint32(r.IntN(phraseGap+2))
			}
			s.add(id, ord, pos)
			model[id] = append(model[id], ent{ord, pos})
		}
		if r.IntN(4) == 0 && ord > 0 {
			alive[r.IntN(int(ord))] = false
		}
		if ord%500 == 499 {
			check(fmt.Sprintf("before repack at %d", ord))
			if s.spare == 0 {
				t.Fatalf("no list moved after %d documents", ord+1)
			}
			s.repack(alive)
			for id := range model {
				model[id] = slices.DeleteFunc(model[id], func(e ent) bool { return !alive[e.ord] })
			}
			if s.spare != 0 || len(s.pos) != cap(s.pos) || len(s.ords) != cap(s.ords) {
				t.Fatalf("repack left spare %d, pos %d/%d, ords %d/%d", s.spare, len(s.pos), cap(s.pos), len(s.ords), cap(s.ords))
			}
			check(fmt.Sprintf("after repack at %d", ord))
		}
	}
	check("end")
}

// TestMemIndexArenas checks that articles' texts and term counts survive
// updates, removals and the compaction that rewrites the arenas.
func TestMemIndexArenas(t *testing.T) {
	ix, err := Open(t.TempDir(), Options{ResultCache: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	m := newMemIndex()
	docs := map[int64]indexDoc{}
	put := func(id int64, version int) {
		d := toIndexDoc(Doc{ID: id, Slug: fmt.Sprintf("article-%d", id), Title: fmt.Sprintf("Reset password %d v%d", id, version),
			Summary: "How to reset it", Body: fmt.Sprintf("Open settings and choose reset. Version %d of article %d.", version, id),
			Tags: []string{"account", fmt.Sprintf("tag%d", id%7)}, CategorySlug: fmt.Sprintf("cat-%d", id%3)})
		if id%5 == 0 {
			d.Summary = "" // an empty text between others
		}
		m.upsert(id, d, ix.analyzeDoc(d))
		docs[id] = d
	}
	for id := int64(1); id <= 200; id++ {
		put(id, 1)
	}
	for id := int64(1); id <= 200; id += 3 {
		put(id, 2)
	}
	for id := int64(2); id <= 200; id += 4 {
		m.remove(id)
		delete(docs, id)
	}
	compacted := false
	verify := func(step string) {
		t.Helper()
		if m.live != len(docs) {
			t.Fatalf("%s: %d live, want %d", step, m.live, len(docs))
		}
		df := [memFields]map[uint32]uint32{}
		for id, d := range docs {
			o := m.byID[id]
			want := [docTexts]string{d.Slug, d.Title, d.Summary, joinLines(d.Meta), d.Excerpt, d.CategorySlug}
			for k, w := range want {
				if got := m.docText(o, k); got != w {
					t.Fatalf("%s: article %d text %d = %q, want %q", step, id, k, got, w)
				}
			}
			for f := 0; f < memFields; f++ {
				if df[f] == nil {
					df[f] = map[uint32]uint32{}
				}
				for _, tid := range m.docTermIDs(o, f) {
					df[f][tid]++
				}
			}
		}
		for f := 0; f < memFields; f++ {
			for tid := 1; tid <= m.terms.len(); tid++ {
				if m.df[f][tid] != df[f][uint32(tid)] {
					t.Fatalf("%s: field %d term %d df %d, want %d", step, f, tid, m.df[f][tid], df[f][uint32(tid)])
				}
			}
		}
	}
	verify("before compaction")
	before := len(m.text)
	m.compact()
	compacted = m.dead == 0
	if !compacted || len(m.text) >= before {
		t.Fatalf("compact kept %d dead, text %d -> %d bytes", m.dead, before, len(m.text))
	}
	verify("after compaction")
	// The dead are gone from the posting lists, the living all there.
	id := m.lookupTerm("reset")
	if id == 0 {
		t.Fatal(`no term "reset"`)
	}
	got := len(m.list(mfTitle, id).ords)
	if got != len(docs) {
		t.Fatalf(`"reset" in %d titles after compaction, want %d`, got, len(docs))
	}
}
