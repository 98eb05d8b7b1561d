package search

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	porterstemmer "github.com/blevesearch/go-porterstemmer"
)

// stopWords is the stop list of englishAnalyzer: bleve's English list
// without the negations.
func stopWords() (analysis.TokenMap, error) {
	stop := analysis.NewTokenMap()
	if err := stop.LoadBytes(en.EnglishStopWords); err != nil {
		return nil, fmt.Errorf("search: stop words: %w", err)
	}
	for _, w := range keptStopWords() {
		delete(stop, w)
	}
	return stop, nil
}

// scanWords calls fn with the byte offsets of every word of text: runs of
// letters and digits with inner apostrophes ("can't"). For the Latin text
// of help articles this finds the words bleve's Unicode tokenizer finds, at
// a fraction of its cost; result pages scan a dozen texts per search.
func scanWords(text string, fn func(start, end int)) {
	start := -1
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf && c != '\'' {
			// ASCII, the bulk of every text: a table says it all.
			if asciiWord[c] {
				if start < 0 {
					start = i
				}
			} else if start >= 0 {
				fn(start, i)
				start = -1
			}
			i++
			continue
		}
		r, size := rune(c), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
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

// lowerWord is strings.ToLower for the words scanWords finds, without
// an allocation for the common ASCII word: a word with capitals is
// lowered into buf and returned as a string over it, valid until buf is
// reused; callers only look it up (and stem, which copies what it keeps).
func lowerWord(buf *[64]byte, w string) string {
	ascii, upper := asciiCase(w)
	switch {
	case ascii && !upper:
		return w
	case !ascii || len(w) > len(buf):
		return strings.ToLower(w)
	}
	return lowerASCII(buf[:len(w)], w)
}

// asciiCase reports whether s is all ASCII and whether it has capitals.
func asciiCase(s string) (ascii, upper bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return false, upper
		}
		upper = upper || ('A' <= c && c <= 'Z')
	}
	return true, upper
}

// lowerASCII writes the ASCII text s lower-cased into dst (len(s) bytes)
// and returns it as a string over dst, valid until dst is reused.
func lowerASCII(dst []byte, s string) string {
	dst = dst[:len(s)]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst[i] = c
	}
	return unsafe.String(unsafe.SliceData(dst), len(dst))
}

// asciiWord marks the ASCII letters and digits.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c))
	}
	return t
}()

// stemCache remembers the stems of the words result texts are made of:
// the second ranking pass and the snippets stem every word of thirty
// titles, summaries and tag lists per search, from a vocabulary that is
// small next to that. It is cleared when full.
var stemCache = struct {
	sync.RWMutex
	m map[string]string
}{m: make(map[string]string, 1024)}

const maxStemCache = 100000

// stem analyses one lower-case word like englishAnalyzer does (minus the
// stop list): possessive removed, Porter-stemmed.
func stem(lower string) string {
	stemCache.RLock()
	st, ok := stemCache.m[lower]
	stemCache.RUnlock()
	if ok {
		return st
	}
	st = stemUncached(lower)
	stemCache.Lock()
	if len(stemCache.m) >= maxStemCache {
		clear(stemCache.m)
	}
	stemCache.m[strings.Clone(lower)] = st
	stemCache.Unlock()
	return st
}

func stemUncached(lower string) string {
	for _, suffix := range [...]string{"'s", "’s"} {
		if strings.HasSuffix(lower, suffix) {
			lower = lower[:len(lower)-len(suffix)]
			break
		}
	}
	return string(porterstemmer.StemWithoutLowerCasing([]rune(lower)))
}

// head is the first three runes of s, the part stemming never changes:
// a cheap filter before stemming a word.
func head(s string) string {
	n := 0
	for i := range s {
		if n == 3 {
			return s[:i]
		}
		n++
	}
	return s
}
