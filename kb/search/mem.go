package search

import (
	"cmp"
	"math"
	"slices"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
)

// The in-memory ranking index.
//
// bleve stays the index of record (it is what is on disk, what the typo
// and prefix lookups read, and where the snippet excerpts are stored), but
// scoring a query through bleve's searcher tree cost about 4 ms of CPU at
// 50,000 articles: iterator set-up per term and field, document-at-a-time
// merging through several levels of disjunctions, and per-hit stored-field
// decoding. A 50,000-article help center fits in memory many times over,
// so every write to bleve is mirrored into memIndex: per field and term a
// posting array of document ordinals with term frequencies, per document
// the field lengths and token positions (for phrases), and the few short
// stored texts the second ranking pass reads. memQuery evaluates the very
// bleve query the search builds, with bleve's BM25 formulas, a term at a
// time into dense accumulators: the same scores (TestMemMatchesBleve
// holds them equal on every judged query), several times cheaper.

// Fields of memIndex, in the order of memFieldNames.
const (
	mfTitle = iota
	mfSummary
	mfBody
	mfMeta
	mfPhrase
	memFields
)

var memFieldNames = [memFields]string{"title", "summary", "body", "meta", "phrase"}

func memField(name string) (int, bool) {
	for i, n := range memFieldNames {
		if n == name {
			return i, true
		}
	}
	return 0, false
}

// postings are one term's documents in one field, ordinals ascending,
// with the term's positions in each: entry j's are
// pos[start[j]:start[j]+tfs[j]], ascending. Positions run on across the
// values of a multi-valued field with phraseGap between values, so no
// phrase spans two values.
type postings struct {
	ords  []uint32
	tfs   []uint16
	start []uint32
	pos   []uint32
}

// phraseGap separates the positions of two values of a field; no phrase
// is that long (a query is at most a few hundred bytes).
const phraseGap = 1 << 16

// positions returns entry j's positions.
func (pl *postings) positions(j int) []uint32 {
	s := pl.start[j]
	return pl.pos[s : s+uint32(pl.tfs[j])]
}

// memDoc is what memIndex keeps of one article.
type memDoc struct {
	id           int64
	slug, title  string
	summary      string
	meta         string // tags and category, one per line
	excerpt      string // the plain-text start of the body, for snippets
	categorySlug string
	helpful      float64
	// terms lists, per field, the ids of the distinct terms the article
	// holds (to take it out of the document counts when it goes).
	terms [memFields][]uint32
}

// termPos is one token: its term id and position.
type termPos struct{ id, pos uint32 }

// memIndex is the in-memory mirror of the bleve index. Ordinals only grow:
// an updated article gets a new ordinal and its old one is marked dead;
// compact drops dead entries from the posting arrays.
type memIndex struct {
	mu    sync.RWMutex
	terms map[string]uint32 // term -> id (from 1)
	post  [memFields][]postings
	// df counts live documents per field and term; card counts the terms
	// with df > 0 per field (bleve's "field cardinality").
	df   [memFields][]uint32
	card [memFields]int
	docs []memDoc
	// alive and flen are indexed by ordinal, apart from docs so the
	// scoring loops read compact arrays. flen is bleve's field length as
	// its BM25 sees it: the token count round-tripped through the float32
	// norm zap stores.
	alive []bool
	flen  [memFields][]float64
	byID  map[int64]uint32
	live  int
	dead  int
}

func newMemIndex() *memIndex {
	m := &memIndex{terms: map[string]uint32{}, byID: map[int64]uint32{}}
	for f := range m.post { // id 0 is no term: it marks a gap in positions
		m.post[f] = []postings{{}}
		m.df[f] = []uint32{0}
	}
	return m
}

// termID returns the id of term, adding it when missing.
func (m *memIndex) termID(t string) uint32 {
	if id, ok := m.terms[t]; ok {
		return id
	}
	id := uint32(len(m.terms) + 1)
	m.terms[t] = id
	for f := range m.post {
		m.post[f] = append(m.post[f], postings{})
		m.df[f] = append(m.df[f], 0)
	}
	return id
}

// lookupTerm returns the id of term (0 when no document ever held it).
func (m *memIndex) lookupTerm(t string) uint32 { return m.terms[t] }

// analyzedDoc is a document split into the memIndex fields' token streams.
type analyzedDoc struct {
	values [memFields][]analysis.TokenStream
}

// analyzeDoc runs the index's analyzers over the values bleve indexes for
// d (toIndexDoc's output), field by field.
func (ix *Index) analyzeDoc(d indexDoc) analyzedDoc {
	var a analyzedDoc
	one := func(f int, an analysis.Analyzer, vals ...string) {
		for _, v := range vals {
			a.values[f] = append(a.values[f], an.Analyze([]byte(v)))
		}
	}
	one(mfTitle, ix.analyzer, d.Title)
	one(mfSummary, ix.analyzer, d.Summary)
	one(mfBody, ix.analyzer, d.Body)
	one(mfMeta, ix.analyzer, d.Meta...)
	one(mfPhrase, ix.words, d.Phrase...)
	return a
}

// upsert adds (or replaces) an article.
func (m *memIndex) upsert(id int64, d indexDoc, a analyzedDoc) {
	m.remove(id)
	ord := uint32(len(m.docs))
	md := memDoc{
		id: id, slug: d.Slug, title: d.Title, summary: d.Summary,
		meta: joinLines(d.Meta), excerpt: d.Excerpt, categorySlug: d.CategorySlug, helpful: d.Helpful,
	}
	var toks []termPos
	for f := 0; f < memFields; f++ {
		toks = toks[:0]
		n := 0
		base := uint32(0)
		for _, ts := range a.values[f] {
			n += len(ts)
			last := 0
			for _, t := range ts {
				last = max(last, t.Position)
				toks = append(toks, termPos{m.termID(string(t.Term)), base + uint32(t.Position-1)})
			}
			base += uint32(last) + phraseGap
		}
		slices.SortFunc(toks, func(a, b termPos) int {
			if a.id != b.id {
				return cmp.Compare(a.id, b.id)
			}
			return cmp.Compare(a.pos, b.pos)
		})
		// zap stores the length as float32 bits and hands BM25 the norm
		// 1/sqrt(len) as a float32; bleve turns it back into a length.
		fl := 0.0
		if n > 0 {
			norm := float64(float32(1 / math.Sqrt(float64(n))))
			fl = 1 / (norm * norm)
		}
		m.flen[f] = append(m.flen[f], fl)
		for i := 0; i < len(toks); {
			id := toks[i].id
			j := i
			pl := &m.post[f][id]
			pl.ords = append(pl.ords, ord)
			pl.start = append(pl.start, uint32(len(pl.pos)))
			for ; j < len(toks) && toks[j].id == id; j++ {
				pl.pos = append(pl.pos, toks[j].pos)
			}
			pl.tfs = append(pl.tfs, uint16(j-i))
			i = j
			md.terms[f] = append(md.terms[f], id)
			if m.df[f][id] == 0 {
				m.card[f]++
			}
			m.df[f][id]++
		}
	}
	m.docs = append(m.docs, md)
	m.alive = append(m.alive, true)
	m.byID[id] = ord
	m.live++
}

// remove marks an article's ordinal dead; unknown ids are ignored.
func (m *memIndex) remove(id int64) {
	ord, ok := m.byID[id]
	if !ok {
		return
	}
	delete(m.byID, id)
	d := &m.docs[ord]
	for f := 0; f < memFields; f++ {
		for _, id := range d.terms[f] {
			m.df[f][id]--
			if m.df[f][id] == 0 {
				m.card[f]--
			}
		}
	}
	*d = memDoc{id: d.id}
	m.alive[ord] = false
	m.live--
	m.dead++
}

// compact drops dead ordinals from the posting arrays once they are a
// fifth of all.
func (m *memIndex) compact() {
	if m.dead == 0 || m.dead*5 < len(m.docs) {
		return
	}
	for f := range m.post {
		for i := range m.post[f] {
			pl := &m.post[f][i]
			k := 0
			var pos []uint32
			for j, o := range pl.ords {
				if m.alive[o] {
					p := pl.positions(j)
					pl.ords[k], pl.tfs[k], pl.start[k] = o, pl.tfs[j], uint32(len(pos))
					pos = append(pos, p...)
					k++
				}
			}
			if k == 0 {
				pl.ords, pl.tfs, pl.start, pl.pos = nil, nil, nil, nil
			} else {
				pl.ords, pl.tfs, pl.start, pl.pos = pl.ords[:k], pl.tfs[:k], pl.start[:k], pos
			}
		}
	}
	// Ordinals stay as they are (the arrays above still refer to them);
	// dead documents hold no texts, so they cost a few dozen bytes each.
	m.dead = 0
}

func joinLines(vals []string) string {
	switch len(vals) {
	case 0:
		return ""
	case 1:
		return vals[0]
	}
	n := len(vals) - 1
	for _, v := range vals {
		n += len(v)
	}
	b := make([]byte, 0, n)
	for i, v := range vals {
		if i > 0 {
			b = append(b, '\n')
		}
		b = append(b, v...)
	}
	return string(b)
}

// docFreq is the number of live articles holding term in the body, title,
// summary or tags, approximated (as the bleve lookup does) by the largest
// count of one field.
func (m *memIndex) docFreq(term string) (uint64, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	id := m.terms[term]
	if id == 0 {
		return 0, nil
	}
	var df uint32
	for _, f := range [...]int{mfBody, mfTitle, mfSummary, mfMeta} {
		df = max(df, m.df[f][id])
	}
	return uint64(df), nil
}

// shrink trims the spare capacity appending left in the posting arrays
// (up to half of them after a bulk load).
func (m *memIndex) shrink() {
	for f := range m.post {
		for i := range m.post[f] {
			pl := &m.post[f][i]
			if cap(pl.ords) > len(pl.ords) {
				pl.ords = slices.Clip(slices.Clone(pl.ords))
				pl.tfs = slices.Clip(slices.Clone(pl.tfs))
				pl.start = slices.Clip(slices.Clone(pl.start))
			}
			if cap(pl.pos) > len(pl.pos) {
				pl.pos = slices.Clip(slices.Clone(pl.pos))
			}
		}
	}
}
