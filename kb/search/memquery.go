package search

import (
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/blevesearch/bleve/v2/search/query"
)

// bleve's BM25 constants (search.BM25_k1, search.BM25_b).
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// Node kinds of a compiled query.
const (
	mnTerm = iota
	mnDisj
	mnConj
	mnPhrase
	mnBool
)

// mnode is a bleve query compiled against a memIndex snapshot.
type mnode struct {
	kind  uint8
	field int
	term  uint32
	// Term scoring: score = w * tf / (tf + c1 + c2*fieldLength), which is
	// bleve's idf * tf*k1 / (tf + k1*(1-b+b*len/avg)) * boost*idf*queryNorm.
	w, c1, c2 float64
	tfidf     bool    // bleve's TF-IDF branch (a field with no terms at all)
	idf       float64 // kept for the weight sum
	boost     float64
	kids      []*mnode
	// phrase: per position the term leaves (none: a gap matching any word)
	positions [][]*mnode
	// bool
	must, should *mnode
}

// entry is one matching document and its score.
type entry struct {
	ord   uint32
	score float64
}

// memQuery is one compiled query with its scratch space.
type memQuery struct {
	m        *memIndex
	root     *mnode
	category string // filter: only this category_slug
	weight   float64
	leaves   []*mnode

	acc     []float64
	cnt     []uint16
	touched []uint32
	chunks  [][]entry
	chunk   int
	used    int
	// nodes are the compiled query's nodes, reused from query to query
	// (with their child slices) rather than allocated: at as-you-type
	// rates, per-request garbage is what sets how often the collector
	// runs, and each of its cycles delays the searches in flight.
	nodes    [][]mnode
	nodeUsed int
}

const nodeChunk = 64

// newNode returns a cleared node from the query's pool.
func (mq *memQuery) newNode(kind uint8) *mnode {
	c, i := mq.nodeUsed/nodeChunk, mq.nodeUsed%nodeChunk
	if c == len(mq.nodes) {
		mq.nodes = append(mq.nodes, make([]mnode, nodeChunk))
	}
	mq.nodeUsed++
	n := &mq.nodes[c][i]
	*n = mnode{kind: kind, kids: n.kids[:0], positions: n.positions[:0]}
	return n
}

var memScratch = sync.Pool{New: func() any { return &memQuery{} }}

// compileMem turns q into a memQuery, or reports false when q uses
// something the in-memory index does not mirror (the caller then asks
// bleve). The caller holds m.mu for reading until release.
func (m *memIndex) compile(q query.Query) (*memQuery, bool) {
	mq := memScratch.Get().(*memQuery)
	mq.m, mq.category, mq.weight, mq.leaves = m, "", 0, mq.leaves[:0]
	root, ok := mq.compile(q, true)
	if !ok || root == nil {
		mq.release()
		return nil, false
	}
	mq.root = root
	// bleve normalises every term's weight by the whole query's.
	norm := 1.0
	if mq.weight > 0 {
		norm = 1 / math.Sqrt(mq.weight)
	}
	for _, l := range mq.leaves {
		l.w *= l.boost * l.idf * norm
	}
	return mq, true
}

func (mq *memQuery) release() {
	mq.m, mq.root = nil, nil
	clear(mq.leaves)
	mq.leaves = mq.leaves[:0]
	mq.chunk, mq.used = 0, 0
	for i := 0; i < mq.nodeUsed; i++ { // drop the pointers to other nodes
		n := &mq.nodes[i/nodeChunk][i%nodeChunk]
		clear(n.kids)
		for j := range n.positions {
			n.positions[j] = nil
		}
		n.must, n.should = nil, nil
	}
	mq.nodeUsed = 0
	memScratch.Put(mq)
}

func boostOf(b *query.Boost) float64 {
	if b == nil {
		return 1
	}
	return b.Value()
}

func (mq *memQuery) leaf(field int, term string, boost float64) *mnode {
	m := mq.m
	id := m.lookupTerm(term)
	df := 0.0
	if id != 0 {
		df = float64(m.df[field][id])
	}
	n := float64(m.live)
	l := mq.newNode(mnTerm)
	l.field, l.term, l.boost = field, id, boost
	avg := 0.0
	if m.live > 0 {
		avg = math.Ceil(float64(m.card[field]) / n)
	}
	if avg > 0 {
		l.idf = math.Log(1 + (n-df+0.5)/(df+0.5))
		l.w = l.idf * bm25K1
		l.c1 = bm25K1 * (1 - bm25B)
		l.c2 = bm25K1 * bm25B / avg
	} else {
		l.idf = 1 + math.Log(n/(df+1))
		l.tfidf = true
		l.w = l.idf
	}
	mq.weight += (boost * l.idf) * (boost * l.idf)
	mq.leaves = append(mq.leaves, l)
	return l
}

// compileKids compiles a conjunction or disjunction; it is not covered when
// any child is not, or when it has no children.
func (mq *memQuery) compileKids(kind uint8, qs []query.Query) (*mnode, bool) {
	n := mq.newNode(kind)
	for _, c := range qs {
		k, ok := mq.compile(c, false)
		if !ok {
			return nil, false
		}
		n.kids = append(n.kids, k)
	}
	if len(n.kids) == 0 {
		return nil, false
	}
	return n, true
}

func (mq *memQuery) compile(q query.Query, top bool) (*mnode, bool) {
	switch q := q.(type) {
	case *query.TermQuery:
		f, ok := memField(q.FieldVal)
		if !ok {
			return nil, false
		}
		return mq.leaf(f, q.Term, boostOf(q.BoostVal)), true
	case *query.DisjunctionQuery:
		return mq.compileKids(mnDisj, q.Disjuncts)
	case *query.ConjunctionQuery:
		return mq.compileKids(mnConj, q.Conjuncts)
	case *query.MultiPhraseQuery:
		f, ok := memField(q.FieldVal)
		if !ok || q.Fuzziness != 0 || len(q.Terms) == 0 {
			return nil, false
		}
		boost := boostOf(q.BoostVal)
		n := mq.newNode(mnPhrase)
		n.field = f
		for _, pos := range q.Terms {
			var leaves []*mnode
			for _, t := range pos {
				if t != "" {
					leaves = append(leaves, mq.leaf(f, t, boost))
				}
			}
			n.positions = append(n.positions, leaves)
		}
		return n, true
	case *query.BooleanQuery:
		if !top || q.MustNot != nil {
			return nil, false
		}
		n := mq.newNode(mnBool)
		if q.Filter != nil {
			tq, ok := q.Filter.(*query.TermQuery)
			if !ok || tq.FieldVal != "category_slug" {
				return nil, false
			}
			mq.category = tq.Term
		}
		if q.Must != nil {
			c, ok := q.Must.(*query.ConjunctionQuery)
			if !ok {
				return nil, false
			}
			if len(c.Conjuncts) > 0 {
				k, ok := mq.compile(c, false)
				if !ok {
					return nil, false
				}
				n.must = k
			}
		}
		if q.Should != nil {
			d, ok := q.Should.(*query.DisjunctionQuery)
			if !ok || d.Min > 1 {
				return nil, false
			}
			if len(d.Disjuncts) > 0 {
				k, ok := mq.compile(d, false)
				if !ok {
					return nil, false
				}
				n.should = k
			}
		}
		if n.must == nil && n.should == nil {
			return nil, false
		}
		return n, true
	}
	return nil, false
}

// alloc returns an empty entry slice with room for n entries, carved from
// the query's pooled chunks.
func (mq *memQuery) alloc(n int) []entry {
	for mq.chunk < len(mq.chunks) {
		c := mq.chunks[mq.chunk]
		if cap(c)-mq.used >= n {
			out := c[mq.used : mq.used : mq.used+n]
			mq.used += n
			return out
		}
		mq.chunk++
		mq.used = 0
	}
	size := max(n, 1<<15)
	c := make([]entry, size)
	mq.chunks = append(mq.chunks, c)
	mq.chunk = len(mq.chunks) - 1
	mq.used = n
	return c[0:0:n]
}

// prepare sizes the dense accumulators to the index.
func (mq *memQuery) prepare() {
	n := len(mq.m.docs)
	if cap(mq.acc) < n {
		mq.acc = make([]float64, n, n+n/4)
		mq.cnt = make([]uint16, n, n+n/4)
	}
	mq.acc, mq.cnt = mq.acc[:n], mq.cnt[:n]
}

// run evaluates the query: every matching document with its bleve score.
func (mq *memQuery) run() []entry {
	mq.prepare()
	return mq.eval(mq.root)
}

func (mq *memQuery) eval(n *mnode) []entry {
	switch n.kind {
	case mnTerm:
		return mq.evalTerm(n)
	case mnDisj:
		return mq.evalDisj(n.kids)
	case mnConj:
		return mq.evalConj(n.kids)
	case mnPhrase:
		return mq.evalPhrase(n)
	case mnBool:
		return mq.evalBool(n)
	}
	return nil
}

func (mq *memQuery) evalTerm(n *mnode) []entry {
	m := mq.m
	if n.term == 0 {
		return nil
	}
	pl := m.list(n.field, n.term)
	out := mq.alloc(len(pl.ords))
	flen := m.flen[n.field]
	alive := m.alive
	if n.tfidf {
		for j, o := range pl.ords {
			if alive[o] {
				out = append(out, entry{o, mq.leafScore(n, pl.tfs[j], o)})
			}
		}
		return out
	}
	w, c1, c2 := n.w, n.c1, n.c2
	for j, o := range pl.ords {
		if !alive[o] {
			continue
		}
		tf := sqrtTF(pl.tfs[j])
		out = append(out, entry{o, w * tf / (tf + c1 + c2*flen[o])})
	}
	return out
}

// leafScore is one term's score in one document (tf: its frequency).
func (mq *memQuery) leafScore(n *mnode, freq uint16, o uint32) float64 {
	tf := sqrtTF(freq)
	fl := mq.m.flen[n.field][o]
	if n.tfidf {
		return tf * n.w / math.Sqrt(fl)
	}
	return n.w * tf / (tf + n.c1 + n.c2*fl)
}

var sqrtCache = func() [64]float64 {
	var c [64]float64
	for i := range c {
		c[i] = math.Sqrt(float64(i))
	}
	return c
}()

func sqrtTF(f uint16) float64 {
	if f < 64 {
		return sqrtCache[f]
	}
	return math.Sqrt(float64(f))
}

// scatter adds lists into the accumulators and returns the upper bound
// of distinct documents.
func (mq *memQuery) scatter(lists [][]entry) int {
	total := 0
	mq.touched = mq.touched[:0]
	for _, l := range lists {
		total += len(l)
		for _, e := range l {
			if mq.cnt[e.ord] == 0 {
				mq.touched = append(mq.touched, e.ord)
			}
			mq.cnt[e.ord]++
			mq.acc[e.ord] += e.score
		}
	}
	return len(mq.touched)
}

func (mq *memQuery) evalLists(kids []*mnode) [][]entry {
	lists := make([][]entry, len(kids))
	for i, k := range kids {
		lists[i] = mq.eval(k)
	}
	return lists
}

// evalDisj is bleve's disjunction: the sum of the matching clauses'
// scores times the share of clauses that match.
func (mq *memQuery) evalDisj(kids []*mnode) []entry {
	if len(kids) == 1 {
		return mq.eval(kids[0])
	}
	// Inner clauses first (they use the accumulators themselves), then
	// every clause is added in: term clauses straight from their postings.
	lists := make([][]entry, len(kids))
	for i, k := range kids {
		if k.kind != mnTerm {
			lists[i] = mq.eval(k)
		}
	}
	mq.touched = mq.touched[:0]
	for i, k := range kids {
		if k.kind == mnTerm {
			mq.scatterTerm(k)
		} else {
			mq.scatterList(lists[i])
		}
	}
	out := mq.alloc(len(mq.touched))
	t := float64(len(kids))
	for _, o := range mq.touched {
		out = append(out, entry{o, mq.acc[o] * float64(mq.cnt[o]) / t})
		mq.acc[o], mq.cnt[o] = 0, 0
	}
	return out
}

func (mq *memQuery) scatterList(l []entry) {
	for _, e := range l {
		if mq.cnt[e.ord] == 0 {
			mq.touched = append(mq.touched, e.ord)
		}
		mq.cnt[e.ord]++
		mq.acc[e.ord] += e.score
	}
}

// scatterTerm adds a term's scores into the accumulators.
func (mq *memQuery) scatterTerm(n *mnode) {
	if n.term == 0 {
		return
	}
	m := mq.m
	pl := m.list(n.field, n.term)
	if n.tfidf {
		for j, o := range pl.ords {
			if m.alive[o] {
				mq.scatterList([]entry{{o, mq.leafScore(n, pl.tfs[j], o)}})
			}
		}
		return
	}
	flen := m.flen[n.field]
	alive := m.alive
	acc, cnt := mq.acc, mq.cnt
	w, c1, c2 := n.w, n.c1, n.c2
	for j, o := range pl.ords {
		if !alive[o] {
			continue
		}
		tf := sqrtTF(pl.tfs[j])
		if cnt[o] == 0 {
			mq.touched = append(mq.touched, o)
		}
		cnt[o]++
		acc[o] += w * tf / (tf + c1 + c2*flen[o])
	}
}

// evalConj is bleve's conjunction: documents matching every clause, the
// sum of their scores.
func (mq *memQuery) evalConj(kids []*mnode) []entry {
	return mq.conjLists(mq.evalLists(kids))
}

func (mq *memQuery) conjLists(lists [][]entry) []entry {
	if len(lists) == 1 {
		return lists[0]
	}
	for _, l := range lists {
		if len(l) == 0 {
			return nil
		}
	}
	mq.scatter(lists)
	out := mq.alloc(len(mq.touched))
	want := uint16(len(lists))
	for _, o := range mq.touched {
		if mq.cnt[o] == want {
			out = append(out, entry{o, mq.acc[o]})
		}
		mq.acc[o], mq.cnt[o] = 0, 0
	}
	return out
}

// evalPhrase is bleve's (multi-)phrase search with no slop: the documents
// holding a term of every position, kept when the terms stand in order in
// one value of the field, scored as the sum over positions of each
// position's terms as a disjunction. The documents of the rarest position
// drive; the others are looked up in their sorted posting arrays, and
// positions are checked before anything is scored.
func (mq *memQuery) evalPhrase(n *mnode) []entry {
	m := mq.m
	// The first position must hold a term: bleve's phrase searcher
	// anchors on it.
	if len(n.positions) == 0 || len(n.positions[0]) == 0 {
		return nil
	}
	var used [][]*mnode
	var offs []uint32 // each used position's offset from the first
	for i, leaves := range n.positions {
		if len(leaves) > 0 {
			used = append(used, leaves)
			offs = append(offs, uint32(i))
		}
	}
	size := func(leaves []*mnode) int {
		t := 0
		for _, l := range leaves {
			if l.term != 0 {
				t += int(m.post[l.field].n[l.term])
			}
		}
		return t
	}
	driver, best := 0, -1
	for i, leaves := range used {
		if s := size(leaves); best < 0 || s < best {
			driver, best = i, s
		}
	}
	if best == 0 {
		return nil
	}
	var ords []uint32
	if dl := used[driver]; len(dl) == 1 {
		ords = m.post[dl[0].field].ordsOf(dl[0].term)
	} else {
		for _, l := range dl {
			if l.term != 0 {
				ords = append(ords, m.post[l.field].ordsOf(l.term)...)
			}
		}
		slices.Sort(ords)
		ords = slices.Compact(ords)
	}
	// One cursor per leaf of every position.
	var cursors [][]int
	for _, leaves := range used {
		cursors = append(cursors, make([]int, len(leaves)))
	}
	out := mq.alloc(len(ords))
	alive := m.alive
docs:
	for _, o := range ords {
		if !alive[o] {
			continue
		}
		for i, leaves := range used {
			found := false
			for k, l := range leaves {
				if l.term == 0 {
					continue
				}
				po := m.post[l.field].ordsOf(l.term)
				c := cursors[i][k]
				if c < len(po) && po[c] < o {
					c += sort.Search(len(po)-c, func(x int) bool { return po[c+x] >= o })
					cursors[i][k] = c
				}
				if c < len(po) && po[c] == o {
					found = true
				}
			}
			if !found {
				continue docs
			}
		}
		if !phraseAt(m, o, used, offs, cursors) {
			continue
		}
		score := 0.0
		for i, leaves := range used {
			sum, matched := 0.0, 0
			for k, l := range leaves {
				if l.term == 0 {
					continue
				}
				pl := m.list(l.field, l.term)
				if c := cursors[i][k]; c < len(pl.ords) && pl.ords[c] == o {
					sum += mq.leafScore(l, pl.tfs[c], o)
					matched++
				}
			}
			score += sum * float64(matched) / float64(len(leaves))
		}
		out = append(out, entry{o, score})
	}
	return out
}

// phraseAt checks the term positions of a phrase in document o: a
// position of a first-position term followed, at each used position's
// offset, by one of that position's terms. cursors point every leaf at o
// in its postings where it holds o. The work is proportional to the
// phrase terms' frequencies in o, not to the field's length.
func phraseAt(m *memIndex, o uint32, used [][]*mnode, offs []uint32, cursors [][]int) bool {
	// at returns leaf k of used position i's positions in o (nil: none).
	at := func(i, k int) []uint32 {
		l := used[i][k]
		if l.term == 0 {
			return nil
		}
		pl := m.list(l.field, l.term)
		if c := cursors[i][k]; c < len(pl.ords) && pl.ords[c] == o {
			return pl.positions(c)
		}
		return nil
	}
	holds := func(i int, p uint32) bool {
		for k := range used[i] {
			for _, q := range at(i, k) {
				if q >= p {
					if q == p {
						return true
					}
					break
				}
			}
		}
		return false
	}
	for k := range used[0] {
	start:
		for _, p := range at(0, k) {
			for i := 1; i < len(used); i++ {
				if !holds(i, p+offs[i]) {
					continue start
				}
			}
			return true
		}
	}
	return false
}

// evalBool is bleve's boolean query: the documents of must (or, without
// must, of should), should adding its score where it matches.
func (mq *memQuery) evalBool(n *mnode) []entry {
	if n.must == nil {
		return mq.eval(n.should)
	}
	must := mq.eval(n.must)
	if n.should == nil || len(must) == 0 {
		return must
	}
	should := mq.eval(n.should)
	for _, e := range should {
		mq.acc[e.ord] = e.score
		mq.cnt[e.ord] = 1
	}
	for i := range must {
		if o := must[i].ord; mq.cnt[o] != 0 {
			must[i].score += mq.acc[o]
		}
	}
	for _, e := range should {
		mq.acc[e.ord], mq.cnt[e.ord] = 0, 0
	}
	return must
}

// topEntries returns the best k entries, best first (ties: the earlier
// ordinal, as bleve's collector keeps the earlier document). A typed
// min-heap of the k best so far: container/heap's interface calls were
// most of its cost over tens of thousands of matches.
func topEntries(es []entry, k int, keep func(uint32) bool) []entry {
	if k <= 0 {
		return nil
	}
	h := make([]entry, 0, k)
	for _, e := range es {
		if keep != nil && !keep(e.ord) {
			continue
		}
		if len(h) < k {
			h = append(h, e)
			for i := len(h) - 1; i > 0; { // sift up
				p := (i - 1) / 2
				if !worse(h[i], h[p]) {
					break
				}
				h[i], h[p] = h[p], h[i]
				i = p
			}
			continue
		}
		if !worse(h[0], e) {
			continue
		}
		h[0] = e
		for i := 0; ; { // sift down
			l, m := 2*i+1, i
			if l < len(h) && worse(h[l], h[m]) {
				m = l
			}
			if r := l + 1; r < len(h) && worse(h[r], h[m]) {
				m = r
			}
			if m == i {
				break
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	slices.SortFunc(h, func(a, b entry) int {
		switch {
		case worse(b, a):
			return -1
		case worse(a, b):
			return 1
		}
		return 0
	})
	return h
}

// worse reports whether a ranks below b.
func worse(a, b entry) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.ord > b.ord
}
