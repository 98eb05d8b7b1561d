package search

import (
	"html"
	"html/template"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// snippetLen is the target length of a snippet in bytes.
const snippetLen = 200

// matcher knows which analysed terms belong to which query word.
type matcher struct {
	terms    map[string]int // term -> query word index
	prefixes []prefixWord   // half-typed words (a slice: there is at most one)
	words    int
	weights  []float64 // rarity of each query word
	heads    map[string]bool
	// headBits is a filter in front of heads: the bit of every ASCII
	// head is set, so most words of a text are turned away without
	// hashing a string (a snippet looks at hundreds of words).
	headBits [headBitWords]uint64
	// needles are what every matching word starts with, lower-case: the
	// heads and the half-typed prefixes. spans looks for them in an ASCII
	// text rather than visiting each of its words.
	needles []string
	// exotic is set when a needle is not lower-case ASCII letters and
	// digits; spans then visits every word.
	exotic bool
}

const headBitWords = 64 // 4,096 bits

// headKey is the filter bit of an ASCII word's head; false when the head
// is not ASCII (such words go to the map).
func headKey(w string) (uint32, bool) {
	n := min(len(w), 3)
	k := uint32(n)
	for i := 0; i < n; i++ {
		c := w[i]
		if c >= utf8.RuneSelf {
			return 0, false
		}
		k = k*131 + uint32(c)
	}
	return (k * 2654435761) >> 20 % (headBitWords * 64), true
}

// prefixWord is a half-typed word and the query word it stands for.
type prefixWord struct {
	prefix string
	word   int
}

// weight is query word i's rarity (1 for words of quoted phrases).
func (m *matcher) weight(i int) float64 {
	if i < len(m.weights) {
		return m.weights[i]
	}
	return 1
}

func newMatcher(slots []slot, phrases [][]string, docs uint64) *matcher {
	m := &matcher{terms: map[string]int{}, heads: map[string]bool{}}
	for _, s := range slots {
		m.weights = append(m.weights, idf(s.df, docs))
	}
	for i, s := range slots {
		for _, t := range s.terms {
			if _, ok := m.terms[t]; !ok {
				m.terms[t] = i
			}
		}
		if s.prefix {
			m.prefixes = append(m.prefixes, prefixWord{s.raw, i})
		}
	}
	m.words = len(slots)
	for _, pos := range phrases {
		if len(pos) == 0 {
			continue
		}
		added := false
		for _, t := range pos {
			if _, ok := m.terms[t]; !ok {
				m.terms[t] = m.words
				added = true
			}
		}
		if added {
			m.words++
		}
	}
	for t := range m.terms {
		h := head(t)
		if !m.heads[h] {
			m.heads[h] = true
			m.needles = append(m.needles, h)
		}
		if k, ok := headKey(t); ok {
			m.headBits[k/64] |= 1 << (k % 64)
		}
	}
	for _, p := range m.prefixes {
		m.needles = append(m.needles, p.prefix)
	}
	for _, n := range m.needles {
		for i := 0; i < len(n); i++ {
			if c := n[i]; c >= utf8.RuneSelf || !asciiWord[c] || ('A' <= c && c <= 'Z') {
				m.exotic = true
			}
		}
		if n == "" {
			m.exotic = true
		}
	}
	return m
}

// matchWord reports which query word a lower-case word of a text stands
// for: a completion of the half-typed word, or a word with the same stem
// as a query term.
func (m *matcher) matchWord(lower string) (int, bool) {
	for _, p := range m.prefixes {
		if strings.HasPrefix(lower, p.prefix) {
			return p.word, true
		}
	}
	if k, ok := headKey(lower); ok && m.headBits[k/64]&(1<<(k%64)) == 0 {
		return 0, false
	}
	if !m.heads[head(lower)] {
		return 0, false
	}
	i, ok := m.terms[stem(lower)]
	return i, ok
}

type span struct{ start, end, word int }

// spans lists the matching words in text, in order.
//
// Every matching word starts with a needle (a head, the part of a word
// stemming keeps, or the half-typed prefix), so in an ASCII text spans
// looks for the needles in its lower-case form, which is several times
// faster than visiting each of the hundreds of words of a body excerpt
// (the snippets were a tenth of an uncached search's CPU). Each hit that
// starts a word, by scanWords's rules, is that word; matchWord decides.
// Other texts, and needles this cannot look for, take the word-by-word
// path, spansByWord, which TestSpansFindTheSameWords holds this to.
func (m *matcher) spans(text string) []span {
	if m.exotic || len(m.needles) == 0 {
		return m.spansByWord(text)
	}
	ascii, upper := asciiCase(text)
	if !ascii {
		return m.spansByWord(text)
	}
	lower := text
	if upper {
		bp := lowerBufs.Get().(*[]byte)
		defer lowerBufs.Put(bp)
		if cap(*bp) < len(text) {
			*bp = make([]byte, len(text))
		}
		lower = lowerASCII(*bp, text)
	}
	var starts []int
	for _, n := range m.needles {
		for from := 0; from < len(lower); {
			i := strings.Index(lower[from:], n)
			if i < 0 {
				break
			}
			i += from
			from = i + 1
			if wordStartASCII(lower, i) {
				starts = append(starts, i)
			}
		}
	}
	if len(starts) == 0 {
		return nil
	}
	slices.Sort(starts)
	starts = slices.Compact(starts)
	var out []span
	for _, st := range starts {
		end := wordEndASCII(lower, st)
		if i, ok := m.matchWord(lower[st:end]); ok {
			out = append(out, span{st, end, i})
		}
	}
	return out
}

// lowerBufs hold the lower-case copies spans searches (a body excerpt is
// up to 4,000 bytes; ten of them per search were a fifth of its garbage).
var lowerBufs = sync.Pool{New: func() any { return new([]byte) }}

// wordStartASCII reports whether a word of the ASCII text s starts at i
// (i holds a letter or digit), as scanWords finds words: not after a
// letter or digit, nor after an apostrophe that joins a word ("can't").
func wordStartASCII(s string, i int) bool {
	if i == 0 {
		return true
	}
	c := s[i-1]
	if asciiWord[c] {
		return false
	}
	if c == '\'' && i >= 2 && asciiWord[s[i-2]] && isASCIILetter(s[i]) {
		return false
	}
	return true
}

// wordEndASCII is the end of the word of the ASCII text s starting at i.
func wordEndASCII(s string, i int) int {
	for i < len(s) {
		c := s[i]
		switch {
		case asciiWord[c]:
			i++
		case c == '\'' && i+1 < len(s) && isASCIILetter(s[i+1]):
			i++
		default:
			return i
		}
	}
	return i
}

func isASCIILetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// spansByWord lists the matching words in text, visiting every word.
func (m *matcher) spansByWord(text string) []span {
	var out []span
	var buf [64]byte
	scanWords(text, func(start, end int) {
		if i, ok := m.matchWord(lowerWord(&buf, text[start:end])); ok {
			out = append(out, span{start, end, i})
		}
	})
	return out
}

// bestWindow picks the run of matches fitting in snippetLen bytes with the
// most distinct query words, then the most matches.
func (m *matcher) bestWindow(sp []span) (from, to, score int) {
	if len(sp) == 0 {
		return 0, 0, 0
	}
	seen := make([]int, m.words+1)
	best := -1
	for i := range sp {
		distinct, count := 0, 0
		for k := range seen {
			seen[k] = 0
		}
		j := i
		for ; j < len(sp) && sp[j].end-sp[i].start <= snippetLen; j++ {
			if seen[sp[j].word] == 0 {
				distinct++
			}
			seen[sp[j].word]++
			count++
		}
		if s := distinct*100 + count; s > best {
			best, from, to = s, i, j
		}
	}
	return from, to, best
}

// snippet builds a short excerpt of the summary or the body around the
// best cluster of matches. Every piece of text is HTML-escaped; only the
// <mark> tags are markup, so the result is safe to render.
func (m *matcher) snippet(summary, body string) template.HTML {
	ss := m.spans(summary)
	sf, st, sscore := m.bestWindow(ss)
	// The body wins only with more distinct query words than the
	// summary's best window: when that holds them all, the body (up to
	// 4,000 bytes) need not be scanned.
	var bs []span
	var bf, bt, bscore int
	if sscore/100 < m.words {
		bs = m.spans(body)
		bf, bt, bscore = m.bestWindow(bs)
	}
	switch {
	case bscore > sscore && bscore/100 > sscore/100:
		return render(body, bs[bf:bt])
	case sscore > 0:
		return render(summary, ss[sf:st])
	case bscore > 0:
		return render(body, bs[bf:bt])
	case summary != "":
		return render(summary, nil)
	default:
		return render(body, nil)
	}
}

// render cuts a window of about snippetLen bytes around marks (or the
// start of text when there are none) at word boundaries and escapes it.
func render(text string, marks []span) template.HTML {
	if text == "" {
		return ""
	}
	start, end := 0, min(len(text), snippetLen)
	if len(marks) > 0 {
		first, last := marks[0].start, marks[len(marks)-1].end
		room := snippetLen - (last - first)
		start = max(0, first-min(room/3, 60))
		end = min(len(text), last+max(room-(first-start), 0))
	}
	// Move to word boundaries.
	if start > 0 {
		for start < len(text) && !isBreak(text, start-1) {
			start++
		}
	}
	if end < len(text) {
		e := end
		for e > start && !isBreak(text, e) {
			e--
		}
		if e > start && (len(marks) == 0 || e >= marks[len(marks)-1].end) {
			end = e
		}
		for end < len(text) && !utf8.RuneStart(text[end]) {
			end++
		}
	}
	var b strings.Builder
	b.Grow(end - start + 64)
	if start > 0 {
		b.WriteString("… ")
	}
	pos := start
	for _, mk := range marks {
		if mk.start < pos || mk.end > end {
			continue
		}
		b.WriteString(html.EscapeString(flatten(text[pos:mk.start])))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[mk.start:mk.end]))
		b.WriteString("</mark>")
		pos = mk.end
	}
	b.WriteString(html.EscapeString(flatten(strings.TrimRight(text[pos:end], " \n"))))
	if end < len(text) {
		b.WriteString(" …")
	}
	return template.HTML(b.String()) //nolint:gosec // built from escaped text and fixed <mark> tags
}

func isBreak(s string, i int) bool {
	c := s[i]
	return c == ' ' || c == '\n' || c == '\t'
}

// flatten turns the excerpt's line breaks into spaces.
func flatten(s string) string {
	return strings.ReplaceAll(s, "\n", " ")
}

// correctedText rewrites the query with each corrected word replaced by
// a word from the top hit that analyses to the correction (so the user
// reads "receive", not the stem "receiv"). It returns "" when nothing was
// corrected.
func correctedText(text string, slots []slot, a analysis.Analyzer, texts ...string) string {
	var fixed []slot
	for _, s := range slots {
		if s.fixed != "" {
			fixed = append(fixed, s)
		}
	}
	if len(fixed) == 0 {
		return ""
	}
	surface := map[string]string{}
	for _, t := range texts {
		if allFixedHaveWords(fixed) {
			break
		}
		for _, tok := range a.Analyze([]byte(t)) {
			term := string(tok.Term)
			if _, ok := surface[term]; !ok {
				surface[term] = strings.ToLower(t[tok.Start:tok.End])
			}
		}
	}
	var b strings.Builder
	pos := 0
	for _, s := range fixed {
		if s.start < pos || s.end > len(text) {
			continue
		}
		b.WriteString(text[pos:s.start])
		if s.fixedWord != "" {
			b.WriteString(s.fixedWord)
		} else if w, ok := surface[s.fixed]; ok {
			b.WriteString(w)
		} else {
			b.WriteString(s.fixed)
		}
		pos = s.end
	}
	b.WriteString(text[pos:])
	return b.String()
}

func allFixedHaveWords(fixed []slot) bool {
	for _, s := range fixed {
		if s.fixedWord == "" {
			return false
		}
	}
	return true
}
