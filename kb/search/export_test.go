package search

// Ranking exposes the second-pass weights to the relevance experiments.
type Ranking = ranking

// DefaultRanking returns the weights an Index starts with.
func DefaultRanking() Ranking { return defaultRanking() }

// SetRanking replaces ix's second-pass weights (and forgets results
// ranked with the old ones).
func (ix *Index) SetRanking(r Ranking) {
	ix.rank = r
	ix.results.invalidate()
}

// RankingParams names the tunable weights of r.
func RankingParams(r *Ranking) map[string]*float64 {
	return map[string]*float64{
		"title": &r.title, "summary": &r.summary, "body": &r.body, "meta": &r.meta,
		"prefixAlt": &r.prefixAlt, "negation": &r.negation, "corrected": &r.corrected,
		"phraseShort": &r.phraseShort, "pairShort": &r.pairShort, "helpful": &r.helpful, "length": &r.length, "phraseBody": &r.phraseBody,
		"cover": &r.cover, "titleCover": &r.titleCover, "pairs": &r.pairs, "tag": &r.tag,
	}
}

// SetQueryShape switches the query structure variants.
func (r *Ranking) SetQueryShape(fieldCentric, exactStops bool) {
	r.fieldCentric, r.exactStops = fieldCentric, exactStops
}

// SetProximity switches the proximity clauses off (0) or on.
func (r *Ranking) SetProximity(short, body float64) { r.phraseShort, r.phraseBody = short, body }

// SetBleveOnly makes ix score every search with bleve (true) or from its
// in-memory mirror when loaded (false), and forgets cached results.
func (ix *Index) SetBleveOnly(b bool) {
	ix.memMu.Lock()
	ix.bleveOnly = b
	ix.memMu.Unlock()
	ix.results.invalidate()
}
