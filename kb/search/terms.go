package search

import (
	"sort"
	"sync"

	index "github.com/blevesearch/bleve_index_api"
)

// maxPrefixTerms bounds how many dictionary terms a half-typed last word
// expands to (the most frequent win), so a two-letter prefix stays cheap.
const maxPrefixTerms = 6

// maxCacheEntries bounds each lookup cache; it is simply cleared when full.
const maxCacheEntries = 20000

// resolution is what the dictionary says about one analysed query term.
type resolution struct {
	known bool
	df    uint64 // articles holding the term (or its best correction)
	// fixes are the nearest known terms when the word is unknown (or
	// known to almost no article), best first; empty when none is close.
	fixes []fix
}

// fix is one correction: the term and, when known, the word as written.
type fix struct {
	term, word string
	df         uint64
}

// termCache memoises dictionary lookups between index writes. Every write
// bumps gen and clears the maps; a lookup computed against an older
// generation is not stored.
type termCache struct {
	mu     sync.Mutex
	gen    uint64
	terms  map[string]resolution
	prefix map[string][]string
}

func newTermCache() *termCache {
	return &termCache{terms: map[string]resolution{}, prefix: map[string][]string{}}
}

func (c *termCache) invalidate() {
	c.mu.Lock()
	c.gen++
	clear(c.terms)
	clear(c.prefix)
	c.mu.Unlock()
}

func (c *termCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *termCache) getTerm(t string) (resolution, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.terms[t]
	return r, ok
}

func (c *termCache) putTerm(gen uint64, t string, r resolution) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.terms) >= maxCacheEntries {
		clear(c.terms)
	}
	c.terms[t] = r
}

func (c *termCache) getPrefix(p string) ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.prefix[p]
	return r, ok
}

func (c *termCache) putPrefix(gen uint64, p string, terms []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.prefix) >= maxCacheEntries {
		clear(c.prefix)
	}
	c.prefix[p] = terms
}

// lookup opens an index reader lazily, only when a cache misses.
type lookup struct {
	ix     *Index
	gen    uint64
	reader index.IndexReader
	err    error
}

func (l *lookup) open() (index.IndexReader, error) {
	if l.reader == nil && l.err == nil {
		adv, err := l.ix.bi.Advanced()
		if err == nil {
			l.reader, err = adv.Reader()
		}
		l.err = err
	}
	return l.reader, l.err
}

func (l *lookup) close() {
	if l.reader != nil {
		_ = l.reader.Close()
	}
}

// resolve reports whether term (the analysed form of the typed word raw)
// is in any field's dictionary and, when it is not, the closest known
// word: first among the words of titles, summaries and tags as written,
// then among the stems of titles and bodies. Only unknown terms are
// corrected, so a correct query never pays for fuzzy matching.
func (l *lookup) resolve(term, raw string) (resolution, error) {
	key := term + "\x00" + raw
	if r, ok := l.ix.cache.getTerm(key); ok {
		return r, nil
	}
	r, err := l.resolveUncached(term, raw)
	if err != nil {
		return r, err
	}
	l.ix.cache.putTerm(l.gen, key, r)
	return r, nil
}

// allowedEdits is how many edits (Damerau-Levenshtein by optimal string
// alignment, so a swap of two letters is one) a correction may make: none
// for words of three letters or fewer, where almost anything is a word;
// one for four letters; two beyond. Candidates at a smaller distance
// always win, so the second edit is only used when no word is one edit
// away.
func allowedEdits(word string) int {
	switch n := len([]rune(word)); {
	case n >= 5:
		return 2
	case n >= 4:
		return 1
	}
	return 0
}

func (l *lookup) known(reader index.IndexReader, term string) (bool, error) {
	if m := l.ix.memory(); m != nil {
		df, _ := m.docFreq(term)
		return df > 0, nil
	}
	// A term is known when any indexed text field has it.
	for _, f := range [...]string{"body", "title", "summary", "meta"} {
		found, err := dictContains(reader, f, term)
		if err != nil || found {
			return found, err
		}
	}
	return false, nil
}

func (l *lookup) resolveUncached(term, raw string) (resolution, error) {
	var reader index.IndexReader
	if m := l.ix.memory(); m != nil {
		// Known words (most) are answered from memory; the reader is
		// opened for the fuzzy search only.
		if df, _ := m.docFreq(term); df > 1 || neverCorrect(raw) {
			return resolution{known: df > 0, df: df}, nil
		}
	}
	reader, err := l.open()
	if err != nil {
		return resolution{}, err
	}
	var r resolution
	if ok, err := l.known(reader, term); err != nil {
		return resolution{}, err
	} else if ok {
		df, err := l.docFreq(reader, term)
		if err != nil {
			return resolution{}, err
		}
		r = resolution{known: true, df: df}
		// A word only one article uses is as likely a typo that made it
		// into an article; its correction is searched beside it.
		if df > 1 {
			return r, nil
		}
	}
	if neverCorrect(raw) {
		return r, nil
	}
	words, dist, err := l.nearest(reader, raw, allowedEdits(raw), "spell")
	if err != nil {
		return resolution{}, err
	}
	seen := map[string]bool{term: true}
	for _, w := range words {
		toks := l.ix.analyzer.Analyze([]byte(w))
		if len(toks) != 1 {
			continue
		}
		stem := string(toks[0].Term)
		if seen[stem] {
			continue
		}
		if ok, err := l.known(reader, stem); err != nil {
			return resolution{}, err
		} else if ok {
			df, err := l.docFreq(reader, stem)
			if err != nil {
				return resolution{}, err
			}
			seen[stem] = true
			r.fixes = append(r.fixes, fix{term: stem, word: w, df: df})
		}
	}
	// The words as written come from titles, summaries and tags only; a
	// stem of the bodies one edit closer wins ("freze": "frame" and
	// "tree" are two edits away as written, the stem "freez" of
	// "freeze" and "freezing" one).
	if len(r.fixes) == 0 {
		dist = allowedEdits(term) + 1
	}
	if dist > 1 {
		stems, _, err := l.nearest(reader, term, min(allowedEdits(term), dist-1), "title", "body")
		if err != nil {
			return resolution{}, err
		}
		if len(stems) > 0 {
			r.fixes = r.fixes[:0]
		}
		for _, st := range stems {
			if seen[st] {
				continue
			}
			df, err := l.docFreq(reader, st)
			if err != nil {
				return resolution{}, err
			}
			r.fixes = append(r.fixes, fix{term: st, df: df})
		}
	}
	if r.known {
		// Beside a known word only a clearly more common correction.
		kept := r.fixes[:0]
		for _, f := range r.fixes {
			if f.df >= 5 {
				kept = append(kept, f)
			}
		}
		r.fixes = kept
	} else if len(r.fixes) > 0 {
		r.df = r.fixes[0].df
	}
	return r, nil
}

// nearest returns the dictionary terms of fields closest to term within
// allowed edits: those at the smallest distance (returned too), the ones
// found in more documents first, at most maxCorrections; nil when none is
// close enough.
func (l *lookup) nearest(reader index.IndexReader, term string, allowed int, fields ...string) ([]string, int, error) {
	if allowed == 0 {
		return nil, 0, nil
	}
	fr, ok := reader.(index.IndexReaderFuzzy)
	if !ok {
		return nil, 0, nil
	}
	// Enumerate one Levenshtein edit wider (bleve stops at two): a swap
	// costs two there.
	fuzziness := min(allowed+1, 2)
	type cand struct {
		term  string
		dist  int
		count uint64
	}
	var cands []cand
	bestDist := allowed + 1
	counts := map[string]int{}
	for _, f := range fields {
		dict, err := fr.FieldDictFuzzy(f, term, fuzziness, "")
		if err != nil {
			return nil, 0, err
		}
		for {
			e, err := dict.Next()
			if err != nil {
				_ = dict.Close()
				return nil, 0, err
			}
			if e == nil {
				break
			}
			d := editDistance(term, e.Term)
			if d > allowed || d > bestDist || e.Term == term {
				continue
			}
			bestDist = d
			if i, ok := counts[e.Term]; ok {
				cands[i].count = max(cands[i].count, e.Count)
				continue
			}
			counts[e.Term] = len(cands)
			cands = append(cands, cand{e.Term, d, e.Count})
		}
		_ = dict.Close()
	}
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.dist != b.dist {
			return a.dist < b.dist
		}
		if a.count != b.count {
			return a.count > b.count
		}
		return a.term < b.term
	})
	var out []string
	for _, c := range cands {
		if c.dist != bestDist || len(out) == maxCorrections {
			break
		}
		out = append(out, c.term)
	}
	return out, bestDist, nil
}

// prefixTerms returns the most frequent terms of the title, summary and
// tags starting with p. (Completing from the body too would expand a
// two-letter prefix into the commonest, and costliest, words of the
// corpus; what someone is typing is far more likely a title word.)
func (l *lookup) prefixTerms(p string) ([]string, error) {
	if r, ok := l.ix.cache.getPrefix(p); ok {
		return r, nil
	}
	reader, err := l.open()
	if err != nil {
		return nil, err
	}
	counts := map[string]uint64{}
	for _, f := range [...]string{"title", "summary", "meta"} {
		dict, err := reader.FieldDictPrefix(f, []byte(p))
		if err != nil {
			return nil, err
		}
		for {
			e, err := dict.Next()
			if err != nil {
				_ = dict.Close()
				return nil, err
			}
			if e == nil {
				break
			}
			if e.Count > counts[e.Term] {
				counts[e.Term] = e.Count
			}
		}
		_ = dict.Close()
	}
	terms := make([]string, 0, len(counts))
	for t := range counts {
		terms = append(terms, t)
	}
	sort.Slice(terms, func(i, j int) bool {
		if counts[terms[i]] != counts[terms[j]] {
			return counts[terms[i]] > counts[terms[j]]
		}
		return terms[i] < terms[j]
	})
	if len(terms) > maxPrefixTerms {
		terms = terms[:maxPrefixTerms]
	}
	l.ix.cache.putPrefix(l.gen, p, terms)
	return terms, nil
}

// editDistance is the optimal-string-alignment distance: insertions,
// deletions, substitutions and adjacent transpositions ("recieve").
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	n, m := len(ra), len(rb)
	prev2 := make([]int, m+1)
	prev := make([]int, m+1)
	cur := make([]int, m+1)
	for j := 0; j <= m; j++ {
		prev[j] = j
	}
	for i := 1; i <= n; i++ {
		cur[0] = i
		for j := 1; j <= m; j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[m]
}

// dictContains reports whether field's dictionary holds term.
func dictContains(reader index.IndexReader, field, term string) (bool, error) {
	if rc, ok := reader.(index.IndexReaderContains); ok {
		fd, err := rc.FieldDictContains(field)
		if err != nil {
			return false, err
		}
		return fd.Contains([]byte(term))
	}
	dict, err := reader.FieldDictRange(field, []byte(term), []byte(term))
	if err != nil {
		return false, err
	}
	defer func() { _ = dict.Close() }()
	e, err := dict.Next()
	return e != nil && e.Term == term, err
}

// docFreq is docFreq from memory when the mirror is loaded.
func (l *lookup) docFreq(reader index.IndexReader, term string) (uint64, error) {
	if m := l.ix.memory(); m != nil {
		return m.docFreq(term)
	}
	return docFreq(reader, term)
}

// docFreq is the number of articles holding term in any text field,
// approximated by the largest count of one field.
func docFreq(reader index.IndexReader, term string) (uint64, error) {
	var df uint64

	for _, f := range [...]string{"body", "title", "summary", "meta"} {
		dict, err := reader.FieldDictRange(f, []byte(term), []byte(term))
		if err != nil {
			return 0, err
		}
		e, err := dict.Next()
		_ = dict.Close()
		if err != nil {
			return 0, err
		}
		if e != nil && e.Term == term {
			df = max(df, e.Count)
		}
	}
	return df, nil
}
