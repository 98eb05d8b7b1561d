package search

import (
	"strings"

	"github.com/blevesearch/bleve/v2/search/query"
)

// DefaultSynonyms is the synonym list a new help center starts with (the
// kb_synonyms migration stores it; admins edit it on /agent/kb/synonyms).
// Each group lists words or phrases that mean the same to a customer.
func DefaultSynonyms() [][]string {
	return [][]string{
		{"log in", "sign in", "login", "signin", "log on", "logon"},
		{"log out", "sign out", "logout", "signout"},
		{"sign up", "register", "signup", "create account"},
		{"e-mail", "email", "mail"},
		{"invoice", "bill", "receipt"},
		{"password", "passcode", "passphrase"},
		{"cancel", "unsubscribe", "terminate"},
		{"refund", "money back", "chargeback"},
		{"delete", "remove", "erase"},
		{"two-factor", "2fa", "mfa", "two-step verification"},
		{"attachment", "attached file"},
		{"ticket", "support request"},
	}
}

// synGroup is one synonym group: each phrase as lower-case words (to find
// it in a query) and as analysed terms (to search for it).
type synGroup struct {
	words [][]string
	terms [][]string
}

// SetSynonyms replaces the synonym groups. A query containing one phrase
// of a group also searches for the group's other phrases, so the index
// itself never needs rebuilding when the list changes: the next search
// follows (cached results are dropped).
func (ix *Index) SetSynonyms(groups [][]string) {
	var out []synGroup
	for _, g := range groups {
		var sg synGroup
		for _, phrase := range g {
			var words []string
			scanWords(phrase, func(start, end int) { words = append(words, strings.ToLower(phrase[start:end])) })
			if len(words) == 0 {
				continue
			}
			var terms []string
			for _, t := range ix.analyzer.Analyze([]byte(phrase)) {
				terms = append(terms, string(t.Term))
			}
			sg.words = append(sg.words, words)
			sg.terms = append(sg.terms, terms)
		}
		if len(sg.words) >= 2 {
			out = append(out, sg)
		}
	}
	ix.synMu.Lock()
	ix.synonyms = out
	ix.synMu.Unlock()
	ix.results.invalidate()
}

// synonymQueries returns, for every synonym phrase found in the query's
// free words, a query for each other phrase of its group.
func (ix *Index) synonymQueries(free string) []query.Query {
	ix.synMu.RLock()
	groups := ix.synonyms
	ix.synMu.RUnlock()
	if len(groups) == 0 {
		return nil
	}
	var words []string
	scanWords(free, func(start, end int) { words = append(words, strings.ToLower(free[start:end])) })
	if len(words) == 0 {
		return nil
	}
	var qs []query.Query
	for _, g := range groups {
		found := -1
		for i, ph := range g.words {
			if containsRun(words, ph) {
				found = i
				break
			}
		}
		if found < 0 {
			continue
		}
		for i, terms := range g.terms {
			if i == found || len(terms) == 0 || sameTerms(terms, g.terms[found]) {
				continue
			}
			if len(terms) == 1 {
				qs = append(qs, termQuery(&ix.rank, terms[0], ix.rank.synonym, false))
				continue
			}
			pos := make([][]string, len(terms))
			for k, t := range terms {
				pos[k] = []string{t}
			}
			var alts []query.Query
			for _, f := range [...]struct {
				name  string
				boost float64
			}{{"title", ix.rank.title}, {"summary", ix.rank.summary}, {"meta", ix.rank.meta}, {"body", ix.rank.body}} {
				mp := query.NewMultiPhraseQuery(pos, f.name)
				mp.SetBoost(f.boost * ix.rank.synonym)
				alts = append(alts, mp)
			}
			qs = append(qs, query.NewDisjunctionQuery(alts))
		}
	}
	return qs
}

// containsRun reports whether run occurs in words as consecutive words.
func containsRun(words, run []string) bool {
	for i := 0; i+len(run) <= len(words); i++ {
		ok := true
		for k, w := range run {
			if words[i+k] != w {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func sameTerms(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
