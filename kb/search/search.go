package search

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Limits of one query.
const (
	maxOffset = 1000
	maxLimit  = 100
)

// slot is one word of the query with the terms that may stand for it.
type slot struct {
	raw       string   // the word as typed
	terms     []string // analysed terms; the first is the main one
	boosts    []float64
	short     []bool // match the term in the short fields only (a completion)
	position  int    // token position, for phrase proximity
	prefix    bool   // the half-typed last word
	fixed     string // the correction of a misspelled word (a term)
	fixedWord string // the same as written, when known
	df        uint64 // articles holding the main term
	start     int    // byte offsets of the word in the query text
	end       int
}

// parsed is the query split into quoted phrases and free words.
type parsed struct {
	phrases  []string
	free     string // text with the phrases blanked out (same offsets)
	trailing bool   // the last free word is still being typed
}

// parseQuery pulls out "quoted phrases" (an unclosed quote runs to the end,
// as it does while someone types) and decides whether the last word is
// complete: it is not when the text does not end in a space or quote.
func parseQuery(text string) parsed {
	var p parsed
	b := []byte(text)
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		j := i + 1
		for j < len(b) && b[j] != '"' {
			j++
		}
		if ph := strings.TrimSpace(string(b[i+1 : j])); ph != "" {
			p.phrases = append(p.phrases, ph)
		}
		end := j
		if end < len(b) {
			end++
		}
		for k := i; k < end; k++ {
			b[k] = ' '
		}
		i = end - 1
	}
	p.free = string(b)
	last := strings.TrimRightFunc(text, unicode.IsSpace)
	p.trailing = last == text && !strings.HasSuffix(text, `"`) && strings.Count(text, `"`)%2 == 0
	return p
}

// Search runs q. Words are analysed like the index (stemming, stop
// words); a word the index has never seen is replaced by its nearest known
// term; the last word, while still being typed, also matches the most
// frequent terms it begins; quoted phrases must match as phrases.
func (ix *Index) Search(ctx context.Context, q Query) (Result, error) {
	start := time.Now()
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	limit = min(limit, maxLimit)
	offset := min(max(q.Offset, 0), maxOffset)

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.bi == nil {
		return Result{}, errClosed
	}

	key := resultKey(q.Text, q.CategorySlug, limit, offset)
	cached, gen, ok := ix.results.get(key)
	if ok {
		cached.Took = time.Since(start)
		return cached, nil
	}
	if err := ix.gate.Enter(ctx); err != nil {
		return Result{}, err
	}
	out, err := ix.search(ctx, q, limit, offset)
	ix.gate.Leave()
	if err != nil {
		return Result{}, err
	}
	ix.results.put(gen, key, out)
	out.Took = time.Since(start)
	return out, nil
}

// search runs q on the index (Search without the result cache); the
// caller holds ix.mu.
func (ix *Index) search(ctx context.Context, q Query, limit, offset int) (Result, error) {
	p := parseQuery(q.Text)
	lk := &lookup{ix: ix, gen: ix.cache.generation()}
	defer lk.close()

	slots, err := ix.buildSlots(lk, p)
	if err != nil {
		return Result{}, err
	}
	var phraseSlots [][]string
	for _, ph := range p.phrases {
		if terms := ix.phraseTerms(ph); len(terms) > 0 {
			phraseSlots = append(phraseSlots, terms...)
		}
	}
	main, phraseQueries := ix.buildQuery(slots, p.phrases)
	// Synonyms of the query's phrases ("log in": "sign in", "login")
	// match like the query's own words: any of them may.
	if syn := ix.synonymQueries(p.free); len(syn) > 0 {
		if main != nil {
			syn = append([]query.Query{main}, syn...)
		}
		main = query.NewDisjunctionQuery(syn)
	}
	if main == nil && len(phraseQueries) == 0 {
		return Result{}, nil
	}

	bq := query.NewBooleanQuery(nil, nil, nil)
	if len(phraseQueries) > 0 {
		bq.AddMust(phraseQueries...)
		if main != nil {
			bq.AddShould(main)
		}
	} else {
		bq.AddMust(main)
	}
	if prox := ix.proximityQuery(p, slots); prox != nil {
		bq.AddShould(prox)
	}
	if q.CategorySlug != "" {
		f := query.NewTermQuery(q.CategorySlug)
		f.SetField("category_slug")
		bq.Filter = f
	}

	window := max(offset+limit, ix.rank.window)
	sc := rankScratch.Get().(*rankBuffers)
	defer sc.release()
	cands, total, err := ix.candidates(ctx, bq, window, sc.cands[:0])
	sc.cands = cands
	if err != nil {
		return Result{}, err
	}
	m := newMatcher(slots, phraseSlots, ix.docCount())
	qp := ix.newQueryPairs(slots, p.free)
	rk := ix.rank
	all := sc.all[:0]
	for _, c := range cands {
		cover, titleCover, pairs := ix.hitFeatures(m, qp, c.title, c.summary, c.meta)
		tag := ix.tagMatch(m, c.meta)
		score := c.score * (1 + rk.cover*cover + rk.titleCover*titleCover + rk.pairs*pairs + rk.tag*tag + rk.helpful*(c.helpful-0.5))
		if rk.length > 0 {
			score *= 1 + rk.length*math.Log1p(float64(len(c.excerpt))/rk.lengthPivot)
		}
		all = append(all, ranked{
			hit: Hit{
				ID:           c.id,
				Slug:         c.slug,
				Title:        c.title,
				Score:        score,
				CategorySlug: c.categorySlug,
			},
			summary: c.summary,
			excerpt: c.excerpt,
		})
	}
	sc.all = all
	sort.SliceStable(all, func(i, j int) bool { return all[i].hit.Score > all[j].hit.Score })

	out := Result{Total: total}
	if offset < len(all) {
		page := all[offset:min(offset+limit, len(all))]
		out.Hits = make([]Hit, len(page))
		for i, r := range page {
			r.hit.Snippet = m.snippet(r.summary, r.excerpt)
			out.Hits[i] = r.hit
		}
		if top := page[0]; offset == 0 {
			out.Corrected = correctedText(q.Text, slots, ix.analyzer, top.hit.Title, top.summary, top.excerpt)
		}
	}
	return out, nil
}

// ranked is a candidate scored by the second pass.
type ranked struct {
	hit              Hit
	summary, excerpt string
}

// rankBuffers are a search's candidate and ranking slices, reused from
// search to search (the results copy what they keep): they were a fifth
// of an uncached search's garbage.
type rankBuffers struct {
	cands []candidate
	all   []ranked
}

var rankScratch = sync.Pool{New: func() any { return new(rankBuffers) }}

func (b *rankBuffers) release() {
	clear(b.cands) // let go of texts bleve returned
	clear(b.all)
	b.cands, b.all = b.cands[:0], b.all[:0]
	rankScratch.Put(b)
}

// candidate is one of the first pass's best hits, with what the second
// pass reads.
type candidate struct {
	id             int64
	slug, title    string
	summary, meta  string
	excerpt        string // the plain-text start of the body
	categorySlug   string
	helpful, score float64
}

// candidates runs the first pass: the window best documents for bq by
// bleve's scoring, and how many documents match. The in-memory mirror
// answers when it is loaded and mirrors every part of bq; bleve otherwise.
// The candidates are appended to out.
func (ix *Index) candidates(ctx context.Context, bq query.Query, window int, out []candidate) ([]candidate, int, error) {
	if mem := ix.memory(); mem != nil {
		mem.mu.RLock()
		defer mem.mu.RUnlock()
		if mq, ok := mem.compile(bq); ok {
			defer mq.release()
			es := mq.run()
			var keep func(uint32) bool
			total := len(es)
			if mq.category != "" {
				keep = func(o uint32) bool { return mem.docText(o, dtCategory) == mq.category }
				total = 0
				for _, e := range es {
					if keep(e.ord) {
						total++
					}
				}
			}
			top := topEntries(es, window, keep)
			for _, e := range top {
				o := e.ord
				d := &mem.docs[o]
				out = append(out, candidate{id: d.id, slug: mem.docText(o, dtSlug), title: mem.docText(o, dtTitle),
					summary: mem.docText(o, dtSummary), meta: mem.docText(o, dtMeta), excerpt: mem.docText(o, dtExcerpt),
					categorySlug: mem.docText(o, dtCategory), helpful: d.helpful, score: e.score})
			}
			return out, total, nil
		}
	}
	req := bleve.NewSearchRequestOptions(bq, window, 0, false)
	req.Fields = []string{"slug", "title", "category_slug", "helpful", "summary", "meta", "excerpt"}
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	for _, h := range res.Hits {
		id, err := strconv.ParseInt(h.ID, 10, 64)
		if err != nil {
			continue
		}
		helpful, _ := h.Fields["helpful"].(float64)
		out = append(out, candidate{id: id, slug: fieldString(h.Fields, "slug"), title: fieldString(h.Fields, "title"),
			summary: fieldString(h.Fields, "summary"), meta: fieldStrings(h.Fields, "meta"), excerpt: fieldString(h.Fields, "excerpt"),
			categorySlug: fieldString(h.Fields, "category_slug"), helpful: helpful, score: h.Score})
	}
	return out, int(res.Total), nil
}

// docCount is the number of indexed articles (0 on error).
func (ix *Index) docCount() uint64 {
	if mem := ix.memory(); mem != nil {
		mem.mu.RLock()
		defer mem.mu.RUnlock()
		return uint64(mem.live)
	}
	n, _ := ix.bi.DocCount()
	return n
}

func fieldString(f map[string]interface{}, name string) string {
	s, _ := f[name].(string)
	return s
}

// fieldStrings joins a stored multi-valued field (one value comes back as
// a string, several as a slice) with line breaks, so words of different
// values never count as neighbours.
func fieldStrings(f map[string]interface{}, name string) string {
	switch v := f[name].(type) {
	case string:
		return v
	case []interface{}:
		parts := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "\n")
	}
	return ""
}

// buildSlots analyses the free words and resolves each against the index
// dictionary.
func (ix *Index) buildSlots(lk *lookup, p parsed) ([]slot, error) {
	tokens := ix.analyzer.Analyze([]byte(p.free))
	trimmedEnd := len(strings.TrimRightFunc(p.free, unicode.IsSpace))
	slots := make([]slot, 0, len(tokens))
	seen := map[string]bool{}
	for i, tok := range tokens {
		term := string(tok.Term)
		raw := strings.ToLower(p.free[tok.Start:tok.End])
		s := slot{raw: raw, position: tok.Position, start: tok.Start, end: tok.End}
		isLast := i == len(tokens)-1 && p.trailing && tok.End == trimmedEnd
		r, err := lk.resolve(term, raw)
		if err != nil {
			return nil, err
		}
		s.df = r.df
		if r.known {
			w := 1.0
			if negations[raw] {
				w = ix.rank.negation
			}
			s.terms, s.boosts, s.short = append(s.terms, term), append(s.boosts, w), append(s.short, false)
		}
		if isLast && len([]rune(raw)) >= 2 && !(r.known && ix.rank.exactStops) {
			s.prefix = true
			completions, err := lk.prefixTerms(raw)
			if err != nil {
				return nil, err
			}
			for _, c := range completions {
				if c != term {
					s.terms, s.boosts, s.short = append(s.terms, c), append(s.boosts, ix.rank.prefixAlt), append(s.short, true)
				}
			}
		}
		// Corrections are searched beside the word as typed, never
		// instead of it.
		for i, f := range r.fixes {
			s.terms, s.boosts, s.short = append(s.terms, f.term), append(s.boosts, ix.rank.corrected), append(s.short, false)
			if i == 0 && !r.known {
				s.fixed, s.fixedWord = f.term, f.word
			}
		}
		if len(s.terms) == 0 {
			continue // unknown and nothing close: it cannot match anything
		}
		key := strings.Join(s.terms, " ")
		if seen[key] {
			continue
		}
		seen[key] = true
		slots = append(slots, s)
	}
	return slots, nil
}

// phraseTerms analyses a quoted phrase into positions (a stop word leaves
// an empty position, matching any word).
func (ix *Index) phraseTerms(ph string) [][]string {
	tokens := ix.analyzer.Analyze([]byte(ph))
	if len(tokens) == 0 {
		return nil
	}
	first, last := tokens[0].Position, tokens[len(tokens)-1].Position
	out := make([][]string, last-first+1)
	for _, t := range tokens {
		out[t.Position-first] = append(out[t.Position-first], string(t.Term))
	}
	return out
}

// termQuery matches one term in every text field with its weight (only
// in the title, summary and tags when short).
func termQuery(rk *ranking, term string, boost float64, short bool) query.Query {
	fields := [...]struct {
		name  string
		boost float64
	}{{"title", rk.title}, {"summary", rk.summary}, {"body", rk.body}, {"meta", rk.meta}}
	qs := make([]query.Query, 0, len(fields))
	for _, f := range fields {
		if short && f.name == "body" {
			continue
		}
		tq := query.NewTermQuery(term)
		tq.SetField(f.name)
		tq.SetBoost(f.boost * boost)
		qs = append(qs, tq)
	}
	return query.NewDisjunctionQuery(qs)
}

// buildQuery returns the main query (any word may match; documents
// matching more words score higher through the disjunction's coordination
// factor) and one query per quoted phrase.
func (ix *Index) buildQuery(slots []slot, phrases []string) (query.Query, []query.Query) {
	var main query.Query
	if len(slots) > 0 && ix.rank.fieldCentric {
		// One disjunction of the query's words per field: bleve scales a
		// disjunction by the share of its clauses that match, so here a
		// field holding more of the query scores higher, and an article is
		// not punished for having a word in its body only.
		fields := [...]struct {
			name  string
			boost float64
		}{{"title", ix.rank.title}, {"summary", ix.rank.summary}, {"body", ix.rank.body}, {"meta", ix.rank.meta}}
		perField := make([]query.Query, 0, len(fields))
		for _, f := range fields {
			words := make([]query.Query, 0, len(slots))
			for _, s := range slots {
				var alts []query.Query
				for i, t := range s.terms {
					if s.short[i] && f.name == "body" {
						continue
					}
					tq := query.NewTermQuery(t)
					tq.SetField(f.name)
					tq.SetBoost(f.boost * s.boosts[i])
					alts = append(alts, tq)
				}
				switch len(alts) {
				case 0:
				case 1:
					words = append(words, alts[0])
				default:
					words = append(words, query.NewDisjunctionQuery(alts))
				}
			}
			if len(words) == 1 {
				perField = append(perField, words[0])
			} else if len(words) > 1 {
				perField = append(perField, query.NewDisjunctionQuery(words))
			}
		}
		main = query.NewDisjunctionQuery(perField)
	} else if len(slots) > 0 {
		qs := make([]query.Query, 0, len(slots))
		for _, s := range slots {
			if len(s.terms) == 1 {
				qs = append(qs, termQuery(&ix.rank, s.terms[0], s.boosts[0], s.short[0]))
				continue
			}
			alts := make([]query.Query, len(s.terms))
			for i, t := range s.terms {
				alts[i] = termQuery(&ix.rank, t, s.boosts[i], s.short[i])
			}
			qs = append(qs, query.NewDisjunctionQuery(alts))
		}
		if len(qs) == 1 {
			main = qs[0]
		} else {
			main = query.NewDisjunctionQuery(qs)
		}
	}
	var phraseQueries []query.Query
	for _, ph := range phrases {
		terms := ix.phraseTerms(ph)
		if len(terms) == 0 {
			continue
		}
		if len(terms) == 1 && len(terms[0]) == 1 {
			phraseQueries = append(phraseQueries, termQuery(&ix.rank, terms[0][0], 1, false))
			continue
		}
		var alts []query.Query
		for _, f := range [...]string{"title", "summary", "body"} {
			mp := query.NewMultiPhraseQuery(terms, f)
			alts = append(alts, mp)
		}
		phraseQueries = append(phraseQueries, query.NewDisjunctionQuery(alts))
	}
	return main, phraseQueries
}

// proximityQuery rewards documents where the query's words stand together
// as typed: in the title, summary or tags (all words, stop words included,
// so "sign up" is not "sign in"), or in the body (stop words as gaps).
func (ix *Index) proximityQuery(p parsed, slots []slot) query.Query {
	var qs []query.Query
	words := ix.words.Analyze([]byte(p.free))
	if len(words) >= 2 && len(words) <= 12 && ix.rank.phraseShort > 0 {
		terms := make([][]string, 0, len(words))
		for i, w := range words {
			t := []string{string(w.Term)}
			if i == len(words)-1 && len(slots) > 0 && slots[len(slots)-1].prefix && slots[len(slots)-1].end == w.End {
				t = append(t, slots[len(slots)-1].terms...)
			}
			terms = append(terms, t)
		}
		pq := query.NewMultiPhraseQuery(terms, "phrase")
		pq.SetBoost(ix.rank.phraseShort)
		qs = append(qs, pq)
	}
	// The body phrase is costly to verify on the thousands of articles
	// holding two common words, and short queries are well served by the
	// title, summary and tags; it is kept for longer questions.
	if len(slots) >= 3 && ix.rank.phraseBody > 0 {
		first := slots[0].position
		last := slots[len(slots)-1].position
		if last-first+1 <= 12 && last >= first {
			terms := make([][]string, last-first+1)
			for _, s := range slots {
				pos := s.position - first
				if s.prefix {
					terms[pos] = append(terms[pos], s.terms...)
				} else {
					terms[pos] = append(terms[pos], s.terms[0])
				}
			}
			body := query.NewMultiPhraseQuery(terms, "body")
			body.SetBoost(ix.rank.phraseBody)
			qs = append(qs, body)
		}
	}
	// Adjacent pairs of content words side by side in a short field:
	// "cancel a label" meets the tag "cancel label".
	var pairs []query.Query
	for i := 1; i < len(slots) && len(pairs) < 4 && ix.rank.pairShort > 0; i++ {
		a, b := slots[i-1], slots[i]
		if b.position != a.position+1 && b.position != a.position+2 {
			continue
		}
		second := b.terms[:1]
		if b.prefix {
			second = b.terms
		}
		for _, f := range [...]string{"title", "summary", "meta"} {
			pq := query.NewMultiPhraseQuery([][]string{a.terms[:1], second}, f)
			pq.SetBoost(ix.rank.pairShort)
			pairs = append(pairs, pq)
		}
	}
	if len(pairs) > 0 {
		qs = append(qs, query.NewDisjunctionQuery(pairs))
	}
	switch len(qs) {
	case 0:
		return nil
	case 1:
		return qs[0]
	}
	return query.NewDisjunctionQuery(qs)
}
