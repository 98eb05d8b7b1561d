package search

import (
	"cmp"
	"hash/maphash"
	"math"
	"slices"
	"sync"
	"unsafe"

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
// phrase spans two values. A postings is a view into a plStore, valid
// while the caller holds memIndex.mu.
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

// Why the mirror is packed into flat arrays of numbers:
//
// At 50,000 articles the first version kept four slices per term and
// field, a map keyed by term strings, and six strings and five slices per
// article: over a million small objects the garbage collector had to
// visit on every cycle. A cycle's mark phase took about 100 ms of wall
// time (every 1.5-2 s under load), and the searches in flight finished in
// a burst at its end: that burst was the 99th percentile of uncached
// search (50-110 ms at 64 connections, against a median of 22 ms). Flat
// arrays of numbers are objects the collector never looks inside, so the
// mirror now costs it a few dozen objects, whatever its size.

// Offsets into the arrays and arenas are uint32: one index holds up to 4 G
// positions per field and 4 GB of article text (about 800,000 articles of
// the bench's size), far beyond a help center.

// plStore holds one field's posting lists end to end in four flat arrays.
// Each term's entries (and, apart, its positions) lie in a region with
// room to grow; a list that outgrows its region moves to the end of the
// arrays into one twice the size, leaving its old region as spare until
// repack writes every list anew, tightly.
type plStore struct {
	ords  []uint32
	tfs   []uint16
	start []uint32 // relative to the term's position region
	pos   []uint32
	// Per term id: the entry region (offset, length, room) and the
	// position region (offset, length, room).
	off, n, room    []uint32
	poff, pn, proom []uint32
	spare           int // entries plus positions in abandoned regions
}

// addTerm makes room for one more term id.
func (s *plStore) addTerm() {
	s.off, s.n, s.room = append(s.off, 0), append(s.n, 0), append(s.room, 0)
	s.poff, s.pn, s.proom = append(s.poff, 0), append(s.pn, 0), append(s.proom, 0)
}

// list returns term id's postings (empty for id 0).
func (s *plStore) list(id uint32) postings {
	o, e := s.off[id], s.off[id]+s.n[id]
	po, pe := s.poff[id], s.poff[id]+s.pn[id]
	return postings{ords: s.ords[o:e:e], tfs: s.tfs[o:e:e], start: s.start[o:e:e], pos: s.pos[po:pe:pe]}
}

// ordsOf returns the ordinals of term id's documents.
func (s *plStore) ordsOf(id uint32) []uint32 {
	o, e := s.off[id], s.off[id]+s.n[id]
	return s.ords[o:e:e]
}

// grow moves a region of a (at off, n long) to the end of a with room
// for size elements, and returns the new array and offset.
func grow[T any](a []T, off, n, size uint32) ([]T, uint32) {
	at := len(a)
	a = slices.Grow(a, int(size))[:at+int(size)]
	copy(a[at:], a[off:off+n])
	clear(a[at+int(n):])
	return a, uint32(at)
}

// add appends document ord, which must be greater than every ordinal of
// the list, with its positions in the field, to term id's list.
func (s *plStore) add(id, ord uint32, positions []uint32) {
	if s.n[id] == s.room[id] {
		size := max(1, 2*s.room[id])
		o, n := s.off[id], s.n[id]
		s.ords, _ = grow(s.ords, o, n, size)
		s.tfs, _ = grow(s.tfs, o, n, size)
		s.start, s.off[id] = grow(s.start, o, n, size)
		s.spare += int(s.room[id])
		s.room[id] = size
	}
	k := uint32(len(positions))
	if s.pn[id]+k > s.proom[id] {
		size := max(k, 2*s.proom[id], s.pn[id]+k)
		s.pos, s.poff[id] = grow(s.pos, s.poff[id], s.pn[id], size)
		s.spare += int(s.proom[id])
		s.proom[id] = size
	}
	j := s.off[id] + s.n[id]
	s.ords[j], s.tfs[j], s.start[j] = ord, uint16(k), s.pn[id]
	copy(s.pos[s.poff[id]+s.pn[id]:], positions)
	s.n[id]++
	s.pn[id] += k
}

// repack writes every list anew into tight arrays, keeping only the
// entries of documents alive reports true for.
func (s *plStore) repack(alive []bool) {
	entries, npos := 0, 0
	for id := range s.n {
		l := s.list(uint32(id))
		for j, o := range l.ords {
			if alive[o] {
				entries++
				npos += int(l.tfs[j])
			}
		}
	}
	out := plStore{
		ords: make([]uint32, 0, entries), tfs: make([]uint16, 0, entries),
		start: make([]uint32, 0, entries), pos: make([]uint32, 0, npos),
		off: make([]uint32, len(s.off)), n: make([]uint32, len(s.n)), room: make([]uint32, len(s.room)),
		poff: make([]uint32, len(s.poff)), pn: make([]uint32, len(s.pn)), proom: make([]uint32, len(s.proom)),
	}
	for id := range s.n {
		l := s.list(uint32(id))
		out.off[id], out.poff[id] = uint32(len(out.ords)), uint32(len(out.pos))
		for j, o := range l.ords {
			if !alive[o] {
				continue
			}
			out.ords = append(out.ords, o)
			out.tfs = append(out.tfs, l.tfs[j])
			out.start = append(out.start, uint32(len(out.pos))-out.poff[id])
			out.pos = append(out.pos, l.positions(j)...)
		}
		out.n[id] = uint32(len(out.ords)) - out.off[id]
		out.pn[id] = uint32(len(out.pos)) - out.poff[id]
		out.room[id], out.proom[id] = out.n[id], out.pn[id]
	}
	*s = out
}

// size is the number of entries and positions held, spare included.
func (s *plStore) size() int { return len(s.ords) + len(s.pos) }

// termDict maps terms to ids (from 1) with no pointer per term: the
// terms' bytes lie end to end in one array, and an open-addressing table
// of ids finds them.
type termDict struct {
	seed  maphash.Seed
	bytes []byte
	end   []uint32 // term id i is bytes[end[i-1]:end[i]]; end[0] = 0
	slots []uint32 // 0: empty; a power of two long, at most half full
}

func newTermDict() termDict {
	return termDict{seed: maphash.MakeSeed(), end: []uint32{0}, slots: make([]uint32, 1024)}
}

// len is the number of terms.
func (d *termDict) len() int { return len(d.end) - 1 }

// slot returns the slot of t: the one holding its id, or the empty one
// where it would go.
func (d *termDict) slot(t string) int {
	mask := uint64(len(d.slots) - 1)
	for i := maphash.String(d.seed, t) & mask; ; i = (i + 1) & mask {
		id := d.slots[i]
		if id == 0 || string(d.bytes[d.end[id-1]:d.end[id]]) == t {
			return int(i)
		}
	}
}

// lookup returns t's id, 0 when absent.
func (d *termDict) lookup(t string) uint32 { return d.slots[d.slot(t)] }

// add returns t's id, adding t when absent (added reports which).
func (d *termDict) add(t string) (id uint32, added bool) {
	i := d.slot(t)
	if d.slots[i] != 0 {
		return d.slots[i], false
	}
	d.bytes = append(d.bytes, t...)
	d.end = append(d.end, uint32(len(d.bytes)))
	id = uint32(d.len())
	d.slots[i] = id
	if 2*d.len() > len(d.slots) {
		old := d.slots
		d.slots = make([]uint32, 2*len(old))
		for _, id := range old {
			if id != 0 {
				d.slots[d.slot(string(d.bytes[d.end[id-1]:d.end[id]]))] = id
			}
		}
	}
	return id, true
}

// The texts memIndex keeps of an article, in its text arena.
const (
	dtSlug = iota
	dtTitle
	dtSummary
	dtMeta    // tags and category, one per line
	dtExcerpt // the plain-text start of the body, for snippets
	dtCategory
	docTexts
)

// memDoc is what memIndex keeps of one article: numbers only, its texts
// and term lists being regions of the index's arenas.
type memDoc struct {
	id      int64
	helpful float64
	text    uint32           // offset of its texts in memIndex.text, end to end
	tlen    [docTexts]uint32 // their lengths
	// terms lists, per field, the ids of the distinct terms the article
	// holds (to take it out of the document counts when it goes):
	// memIndex.docTerms[terms:], tn[f] of them per field in field order.
	terms uint32
	tn    [memFields]uint32
}

// termPos is one token: its term id and position.
type termPos struct{ id, pos uint32 }

// memIndex is the in-memory mirror of the bleve index. Ordinals only grow:
// an updated article gets a new ordinal and its old one is marked dead;
// compact drops dead entries from the posting arrays.
type memIndex struct {
	mu    sync.RWMutex
	terms termDict
	post  [memFields]plStore
	// df counts live documents per field and term; card counts the terms
	// with df > 0 per field (bleve's "field cardinality").
	df   [memFields][]uint32
	card [memFields]int
	docs []memDoc
	// text and docTerms are the arenas of the articles' texts and term
	// lists (memDoc); a removed article's regions stay as spare until
	// compact.
	text     []byte
	docTerms []uint32
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
	m := &memIndex{terms: newTermDict(), byID: map[int64]uint32{}}
	for f := range m.post { // id 0 is no term: it marks a gap in positions
		m.post[f].addTerm()
		m.df[f] = []uint32{0}
	}
	return m
}

// termID returns the id of term, adding it when missing.
func (m *memIndex) termID(t string) uint32 {
	id, added := m.terms.add(t)
	if added {
		for f := range m.post {
			m.post[f].addTerm()
			m.df[f] = append(m.df[f], 0)
		}
	}
	return id
}

// lookupTerm returns the id of term (0 when no document ever held it).
func (m *memIndex) lookupTerm(t string) uint32 { return m.terms.lookup(t) }

// list returns term id's postings in field f.
func (m *memIndex) list(f int, id uint32) postings { return m.post[f].list(id) }

// docText returns text k (dtSlug…) of the document at ord. The string
// shares the arena's bytes, which are never written again.
func (m *memIndex) docText(ord uint32, k int) string {
	d := &m.docs[ord]
	n := d.tlen[k]
	if n == 0 {
		return ""
	}
	off := d.text
	for i := 0; i < k; i++ {
		off += d.tlen[i]
	}
	return unsafe.String(&m.text[off], int(n))
}

// docTermIDs returns the distinct term ids of the document at ord in
// field f.
func (m *memIndex) docTermIDs(ord uint32, f int) []uint32 {
	d := &m.docs[ord]
	off := d.terms
	for i := 0; i < f; i++ {
		off += d.tn[i]
	}
	return m.docTerms[off : off+d.tn[f]]
}

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
	md := memDoc{id: id, helpful: d.Helpful, text: uint32(len(m.text)), terms: uint32(len(m.docTerms))}
	for k, t := range [docTexts]string{dtSlug: d.Slug, dtTitle: d.Title, dtSummary: d.Summary,
		dtMeta: joinLines(d.Meta), dtExcerpt: d.Excerpt, dtCategory: d.CategorySlug} {
		m.text = append(m.text, t...)
		md.tlen[k] = uint32(len(t))
	}
	var toks []termPos
	var pos []uint32
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
			pos = pos[:0]
			for ; j < len(toks) && toks[j].id == id; j++ {
				pos = append(pos, toks[j].pos)
			}
			m.post[f].add(id, ord, pos)
			i = j
			m.docTerms = append(m.docTerms, id)
			md.tn[f]++
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
	for f := 0; f < memFields; f++ {
		for _, id := range m.docTermIDs(ord, f) {
			m.df[f][id]--
			if m.df[f][id] == 0 {
				m.card[f]--
			}
		}
	}
	m.docs[ord] = memDoc{id: m.docs[ord].id}
	m.alive[ord] = false
	m.live--
	m.dead++
}

// compact drops dead ordinals from the posting arrays once they are a
// fifth of all, and rewrites the arrays tightly once lists that moved
// have left as much spare as they hold.
func (m *memIndex) compact() {
	switch {
	case m.dead > 0 && m.dead*5 >= len(m.docs):
		m.repack()
		m.dead = 0
	default:
		for f := range m.post {
			if p := &m.post[f]; p.spare > 1024 && 2*p.spare > p.size() {
				p.repack(m.alive)
			}
		}
	}
}

// repack rewrites every arena and posting array tightly, without the dead
// documents' entries. Ordinals stay as they are (the posting arrays refer
// to them); dead documents hold no texts, so they cost a few dozen bytes
// each.
func (m *memIndex) repack() {
	for f := range m.post {
		m.post[f].repack(m.alive)
	}
	textLen, termsLen := 0, 0
	for i := range m.docs {
		d := &m.docs[i]
		for _, n := range d.tlen {
			textLen += int(n)
		}
		for _, n := range d.tn {
			termsLen += int(n)
		}
	}
	text, terms := make([]byte, 0, textLen), make([]uint32, 0, termsLen)
	for i := range m.docs {
		d := &m.docs[i]
		n, k := 0, 0
		for _, l := range d.tlen {
			n += int(l)
		}
		for _, l := range d.tn {
			k += int(l)
		}
		at, tat := uint32(len(text)), uint32(len(terms))
		text = append(text, m.text[d.text:d.text+uint32(n)]...)
		terms = append(terms, m.docTerms[d.terms:d.terms+uint32(k)]...)
		d.text, d.terms = at, tat
	}
	m.text, m.docTerms = text, terms
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
	id := m.terms.lookup(term)
	if id == 0 {
		return 0, nil
	}
	var df uint32
	for _, f := range [...]int{mfBody, mfTitle, mfSummary, mfMeta} {
		df = max(df, m.df[f][id])
	}
	return uint64(df), nil
}

// shrink rewrites the arrays tightly after a bulk load (lists that grew
// while loading left up to half of them spare).
func (m *memIndex) shrink() { m.repack() }
