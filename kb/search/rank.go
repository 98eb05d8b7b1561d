package search

import (
	"math"
	"strings"
)

// ranking holds the weights of both ranking passes. bleve's BM25 over the
// weighted fields finds the candidates; the second pass multiplies each
// candidate's score by how well its short texts (title, summary, tags)
// answer the query, which plain BM25 over long bodies misses. The values
// were tuned on kb/testdata/relevance.json.
type ranking struct {
	// Field weights of a query word: title and summary say what an
	// article is about; the body only mentions things.
	title, summary, body, meta float64
	// prefixAlt weighs a completion of the half-typed last word, corrected
	// a typo correction.
	prefixAlt, corrected float64
	// synonym weighs another phrase of a synonym group the query uses.
	synonym float64
	// negation weighs a negation ("not", "can't") as a word of its own:
	// it is kept for phrases ("not working"), but an article about the
	// Not operator does not answer "spellcheck not working".
	negation float64
	// phraseShort weighs the whole query as a phrase in the title,
	// summary or tags; phraseBody its content words as a phrase in the body.
	phraseShort, phraseBody float64
	// pairShort weighs two adjacent content words of the query found side
	// by side in the title, summary or tags.
	pairShort float64

	// cover: share of the query's words (weighted by rarity) found in the
	// title, summary or tags.
	cover float64
	// titleCover: the same for the title alone.
	titleCover float64
	// pairs: share of the query's adjacent word pairs ("manage billing",
	// "who changed") found side by side in the title, summary or tags.
	pairs float64
	// tag: share of the query's words making up one of the article's
	// tags entirely ("cancel a label" and the tag "cancel label"): tags
	// are the phrases editors expect people to search for.
	tag float64
	// helpful: the article's helpfulness (0..1, 0.5 without votes).
	helpful float64
	// length weighs how much an article has to say (log of its plain
	// text, up to the stored excerpt's 4,000 bytes, per lengthPivot
	// bytes). BM25 normalises by length so a long article is not
	// favoured merely for repeating a word; but among articles that
	// match the query alike, a page that explains the task answers it
	// more often than a stub that only names it.
	length, lengthPivot float64
	// fieldCentric builds the main query per field rather than per word;
	// exactStops stops completing a half-typed word that is already a
	// known word.
	fieldCentric, exactStops bool
	// window is how many of bleve's best hits are re-ranked.
	window int
}

func defaultRanking() ranking {
	return ranking{
		title: 1.8, summary: 1.6, body: 1.875, meta: 1.0,
		prefixAlt: 0.7, corrected: 0.338, synonym: 0.8, negation: 0.25,
		phraseShort: 8.0, phraseBody: 6.4, pairShort: 1.0,
		cover: 2.4, titleCover: 0.54, pairs: 0.3, tag: 1.1, helpful: 0.3, length: 0.6, lengthPivot: 1000, window: 30,
		fieldCentric: true, exactStops: true,
	}
}

// idf is the inverse document frequency of a term found in df of n
// articles.
func idf(df, n uint64) float64 {
	return math.Log(1 + float64(n+1)/float64(df+1))
}

// queryPairs lists the adjacent word pairs of the query: pairs of
// consecutive content words (by index into the matcher's words) and pairs
// of words as typed that involve a stop word ("who changed"), by stem.
type queryPairs struct {
	content [][2]int
	raw     [][2]string
}

func (ix *Index) newQueryPairs(slots []slot, free string) queryPairs {
	var qp queryPairs
	for i := 1; i < len(slots); i++ {
		qp.content = append(qp.content, [2]int{i - 1, i})
	}
	var prev string
	prevStop := false
	scanWords(free, func(start, end int) {
		lower := strings.ToLower(free[start:end])
		isStop := ix.stop[lower]
		st := stem(lower)
		if prev != "" && (isStop || prevStop) {
			qp.raw = append(qp.raw, [2]string{prev, st})
		}
		prev, prevStop = st, isStop
	})
	return qp
}

// hitFeatures scores one candidate's short texts against the query.
func (ix *Index) hitFeatures(m *matcher, qp queryPairs, texts ...string) (cover, titleCover, pairs float64) {
	if m.words == 0 {
		return 0, 0, 0
	}
	found := make([]bool, m.words)
	inTitle := make([]bool, m.words)
	contentHit := make([]bool, len(qp.content))
	rawHit := make([]bool, len(qp.raw))
	for ti, text := range texts {
		prev := -1
		prevStem := ""
		var buf [64]byte
		scanWords(text, func(start, end int) {
			lower := lowerWord(&buf, text[start:end])
			if len(qp.raw) > 0 {
				st := stem(lower)
				for k, p := range qp.raw {
					if p[0] == prevStem && p[1] == st {
						rawHit[k] = true
					}
				}
				prevStem = st
			}
			if ix.stop[lower] {
				return // stop words do not separate neighbours
			}
			i, ok := m.matchWord(lower)
			if !ok {
				prev = -1
				return
			}
			found[i] = true
			if ti == 0 {
				inTitle[i] = true
			}
			for k, p := range qp.content {
				if p[0] == prev && p[1] == i {
					contentHit[k] = true
				}
			}
			prev = i
		})
	}
	var total, got, gotTitle float64
	for i := 0; i < m.words; i++ {
		w := m.weight(i)
		total += w
		if found[i] {
			got += w
		}
		if inTitle[i] {
			gotTitle += w
		}
	}
	if total > 0 {
		cover, titleCover = got/total, gotTitle/total
	}
	if n := len(contentHit) + len(rawHit); n > 0 {
		hits := 0
		for _, h := range contentHit {
			if h {
				hits++
			}
		}
		for _, h := range rawHit {
			if h {
				hits++
			}
		}
		pairs = float64(hits) / float64(n)
	}
	return cover, titleCover, pairs
}

// tagMatch is the largest share of the query's words that one tag (a line
// of meta) consists of entirely.
func (ix *Index) tagMatch(m *matcher, meta string) float64 {
	if m.words == 0 {
		return 0
	}
	best := 0
	seen := make([]bool, m.words)
	var buf [64]byte
	for rest, more := meta, true; more; {
		var tag string
		tag, rest, more = strings.Cut(rest, "\n")
		clear(seen)
		n, all := 0, true
		scanWords(tag, func(start, end int) {
			if !all {
				return
			}
			lower := lowerWord(&buf, tag[start:end])
			if ix.stop[lower] {
				return
			}
			if i, ok := m.matchWord(lower); !ok {
				all = false
			} else if !seen[i] {
				seen[i] = true
				n++
			}
		})
		if all && n > best {
			best = n
		}
	}
	return float64(best) / float64(m.words)
}
