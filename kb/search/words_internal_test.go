package search

import (
	"math/rand"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// scanWordsReference is scanWords without its ASCII table: every rune
// through unicode.IsLetter and unicode.IsDigit.
func scanWordsReference(text string, fn func(start, end int)) {
	start := -1
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		isWord := unicode.IsLetter(r) || unicode.IsDigit(r)
		if !isWord && start >= 0 && (r == '\'' || r == '’') && i+size < len(text) {
			next, _ := utf8.DecodeRuneInString(text[i+size:])
			isWord = unicode.IsLetter(next)
		}
		switch {
		case isWord && start < 0:
			start = i
		case !isWord && start >= 0:
			fn(start, i)
			start = -1
		}
		i += size
	}
	if start >= 0 {
		fn(start, len(text))
	}
}

// TestScanWordsAndLowerWord checks the fast paths of scanWords and
// lowerWord against the plain Unicode versions on random texts of ASCII,
// apostrophes, accented letters and punctuation.
func TestScanWordsAndLowerWord(t *testing.T) {
	pieces := []string{"a", "Z", "q", "7", " ", "\n", "'", "’", "é", "Ü", "ß", "-", ".", "İ", "x'", "'s", "\t", "Ω", "٣", "_"}
	rng := rand.New(rand.NewSource(9))
	var buf [64]byte
	for n := 0; n < 20000; n++ {
		var b strings.Builder
		for k := rng.Intn(40); k >= 0; k-- {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		text := b.String()
		var got, want [][2]int
		scanWords(text, func(s, e int) { got = append(got, [2]int{s, e}) })
		scanWordsReference(text, func(s, e int) { want = append(want, [2]int{s, e}) })
		if len(got) != len(want) {
			t.Fatalf("%q: words %v, want %v", text, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%q: words %v, want %v", text, got, want)
			}
			w := text[got[i][0]:got[i][1]]
			if l := lowerWord(&buf, w); l != strings.ToLower(w) {
				t.Fatalf("lowerWord(%q) = %q", w, l)
			}
		}
	}
}

// TestSpansFindTheSameWords holds spans, which looks for the matching
// words' beginnings in ASCII texts, to spansByWord, which visits every
// word: the same matches at the same offsets, on random texts made of
// query words in every case, parts of them, apostrophes, digits,
// punctuation and some non-ASCII letters, for queries with and without a
// half-typed word.
func TestSpansFindTheSameWords(t *testing.T) {
	matchers := []*matcher{
		newMatcher([]slot{{raw: "password", terms: []string{"password"}}, {raw: "reset", terms: []string{"reset"}}}, nil, 100),
		newMatcher([]slot{{raw: "email", terms: []string{"email"}}, {raw: "sign", terms: []string{"sign"}}, {raw: "pa", terms: []string{"pa", "password"}, prefix: true}}, nil, 100),
		newMatcher([]slot{{raw: "2fa", terms: []string{"2fa"}}, {raw: "can't", terms: []string{"can't"}}, {raw: "it", terms: []string{"it"}}}, [][]string{{"invoic", "bill"}}, 100),
		newMatcher([]slot{{raw: "s", terms: []string{"s"}, prefix: true}}, nil, 100),
		newMatcher([]slot{{raw: "über", terms: []string{"über"}}, {raw: "reset", terms: []string{"reset"}}}, nil, 100),
	}
	pieces := []string{"password", "Passwords", "PASSWORD", "pass", "pas", "Pa", "reset", "Resetting", "email", "E-mail",
		"signed", "Sign", "2fa", "2FA", "can't", "Can't", "cant", "it", "It's", "item", "invoices", "bill", "s", "S",
		" ", " ", " ", "\n", "'", "''", "-", ".", ",", "7", "x", "a'", "'s", "_", "é", "über", "’"}
	rng := rand.New(rand.NewSource(11))
	for n := 0; n < 30000; n++ {
		var b strings.Builder
		for k := rng.Intn(30); k >= 0; k-- {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		text := b.String()
		for mi, m := range matchers {
			got, want := m.spans(text), m.spansByWord(text)
			if len(got) != len(want) {
				t.Fatalf("matcher %d, %q: spans %v, want %v", mi, text, got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("matcher %d, %q: spans %v, want %v", mi, text, got, want)
				}
			}
		}
	}
}
