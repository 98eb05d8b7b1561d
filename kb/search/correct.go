package search

import (
	_ "embed"
	"strings"
	"unicode"
)

// commonWordsText is the embedded list of common English words (see the
// file's header for its source).
//
//go:embed commonwords.txt
var commonWordsText string

// commonWords holds the common English words and the contractions, with
// and without their apostrophe: none is ever "corrected". People write
// "wont" and "cant"; turning them into "font" and "cat" changes the
// question.
var commonWords = func() map[string]bool {
	m := make(map[string]bool, 10200)
	for _, line := range strings.Split(commonWordsText, "\n") {
		w := strings.TrimSpace(line)
		if w == "" || strings.HasPrefix(w, "#") {
			continue
		}
		m[strings.ToLower(w)] = true
	}
	for _, c := range contractions {
		m[c] = true
		m[strings.ReplaceAll(c, "'", "")] = true
		m[strings.ReplaceAll(c, "'", "’")] = true
	}
	return m
}()

var contractions = []string{
	"won't", "can't", "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't",
	"hasn't", "haven't", "hadn't", "shouldn't", "wouldn't", "couldn't", "mustn't", "needn't",
	"i'm", "i've", "i'd", "i'll", "you're", "you've", "you'd", "you'll", "we're", "we've", "we'd",
	"we'll", "they're", "they've", "they'd", "they'll", "it's", "that's", "what's", "where's",
	"who's", "how's", "there's", "here's", "let's", "he's", "she's", "ain't", "shan't",
}

// neverCorrect reports whether the typed word raw (lower case) must be
// searched as typed: a common English word, a contraction, or anything
// holding a digit (a number, a version, an error code).
func neverCorrect(raw string) bool {
	if commonWords[raw] {
		return true
	}
	for _, r := range raw {
		if unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// maxCorrections is how many corrections of one word are searched beside
// it: the best and, at the same distance, the next most common ("freze"
// is one edit from both "free" and "freeze").
const maxCorrections = 2
