package search

import (
	"strings"
	"testing"
)

func correctionDocs() []Doc {
	return []Doc{
		{ID: 1, Slug: "outlook-password-prompt", Title: "Outlook keeps prompting for a password",
			Body: "When Outlook asks for your password again and again, remove the saved credentials and sign in once more."},
		{ID: 2, Slug: "printing-invoices", Title: "Printing invoices",
			Body: "Open the invoice and choose Print. Printing uses your browser's print dialog."},
		{ID: 3, Slug: "onedrive-sync", Title: "OneDrive does not sync",
			Body: "If OneDrive won't sync, pause and resume syncing, then check free disk space."},
		{ID: 4, Slug: "change-font", Title: "Change the font of the editor",
			Body: "Pick a font and a font size under Settings. The font applies to every reply."},
		{ID: 5, Slug: "error-404", Title: "Error 404 on the portal",
			Body: "A 404 error means the page was moved; search for the article instead."},
	}
}

// The wrong corrections: a contraction became another word and a
// misspelling took a word two edits away over one an edit away.
func TestCorrectionKeepsContractionsAndPrefersNearestWord(t *testing.T) {
	ix := openTest(t, correctionDocs()...)

	res := search(t, ix, Query{Text: "onedrvie wont sync "})
	if len(res.Hits) == 0 || res.Hits[0].Slug != "onedrive-sync" {
		t.Fatalf(`"onedrvie wont sync": got %v, want onedrive-sync first`, slugs(res))
	}
	if strings.Contains(res.Corrected, "font") || !strings.Contains(res.Corrected, "onedrive") {
		t.Errorf(`"onedrvie wont sync" corrected to %q: want onedrive, and "wont" left alone`, res.Corrected)
	}
	for _, h := range res.Hits {
		if h.Slug == "change-font" {
			t.Errorf(`"wont" matched the font article: %v`, slugs(res))
		}
	}

	res = search(t, ix, Query{Text: "outlok keeps promting for my pasword "})
	if len(res.Hits) == 0 || res.Hits[0].Slug != "outlook-password-prompt" {
		t.Fatalf("got %v, want outlook-password-prompt first", slugs(res))
	}
	if strings.Contains(res.Corrected, "printing") {
		t.Errorf("corrected to %q: promting is one edit from prompting, two from printing", res.Corrected)
	}
	if !strings.Contains(res.Corrected, "prompting") || !strings.Contains(res.Corrected, "password") {
		t.Errorf("corrected to %q, want prompting and password", res.Corrected)
	}
}

func TestCorrectionLeavesNumbersAndCountsSwapsAsOneEdit(t *testing.T) {
	ix := openTest(t, correctionDocs()...)
	res := search(t, ix, Query{Text: "error 4044 "})
	if strings.Contains(res.Corrected, "404") {
		t.Errorf(`"4044" corrected to %q: numbers are never corrected`, res.Corrected)
	}
	// A swap is one edit (two by plain Levenshtein).
	res = search(t, ix, Query{Text: "outlook passwrod "})
	if strings.TrimSpace(res.Corrected) != "outlook password" {
		t.Errorf(`"outlook passwrod" corrected to %q, want "outlook password"`, res.Corrected)
	}
	if d := editDistance("passowrd", "password"); d != 1 {
		t.Errorf("editDistance(passowrd, password) = %d, want 1", d)
	}
}

func TestNeverCorrect(t *testing.T) {
	for _, w := range []string{"wont", "cant", "dont", "won't", "the", "free", "2024", "v2", "404"} {
		if !neverCorrect(w) {
			t.Errorf("neverCorrect(%q) = false", w)
		}
	}
	for _, w := range []string{"onedrvie", "promting", "pasword", "outlok"} {
		if neverCorrect(w) {
			t.Errorf("neverCorrect(%q) = true", w)
		}
	}
}

// Imported articles carry HTML entities in their Markdown; the snippet
// shows the characters, escaped once.
func TestSnippetDecodesEntitiesOnce(t *testing.T) {
	ix := openTest(t, Doc{ID: 1, Slug: "kb-252687", Title: "Mailbox quota",
		Body: "Original KB number: &nbsp; 252687. Quotas &amp; limits apply to every mailbox."})
	res := search(t, ix, Query{Text: "mailbox quota limits"})
	if len(res.Hits) != 1 {
		t.Fatalf("got %v", slugs(res))
	}
	snip := string(res.Hits[0].Snippet)
	if strings.Contains(snip, "nbsp") || strings.Contains(snip, "&amp;amp;") {
		t.Errorf("snippet shows entities as text: %s", snip)
	}
	if !strings.Contains(snip, "&amp;") {
		t.Errorf("snippet lost the ampersand (want it escaped once): %s", snip)
	}
}

// A correction may come from the bodies' stems when they hold a word one
// edit closer than any title or tag word: "freze" is two edits from
// "frame" and "tree" as written in titles, one from "freez", the stem of
// "freeze" and "freezing" that only the article's text uses.
func TestCorrectionTakesTheCloserStemOfTheBodies(t *testing.T) {
	ix := openTest(t,
		Doc{ID: 1, Slug: "frame-styles", Title: "Frame styles", Body: "Frames hold text and pictures; a frame style sets their borders."},
		Doc{ID: 2, Slug: "tree-view", Title: "Tree view", Body: "The tree view lists the folders of a document."},
		Doc{ID: 3, Slug: "keep-headers-visible", Title: "Keeping headers visible", Tags: []string{"scrolling"},
			Body: "To keep the first row in view while you scroll, freeze it: choose View, then Freeze Cells. Freezing rows keeps headers visible."},
	)
	res := search(t, ix, Query{Text: "freze rows "})
	if len(res.Hits) == 0 || res.Hits[0].Slug != "keep-headers-visible" {
		t.Fatalf(`"freze rows": got %v, want keep-headers-visible first`, slugs(res))
	}
	for _, h := range res.Hits {
		if h.Slug == "frame-styles" || h.Slug == "tree-view" {
			t.Errorf(`"freze" searched for a word two edits away: %v (corrected %q)`, slugs(res), res.Corrected)
		}
	}
}

// A negation is kept for phrases ("not working") but weighs little as a
// word of its own: an article titled with "not" does not answer every
// question containing it.
func TestNegationWeighsLittleAlone(t *testing.T) {
	ix := openTest(t,
		Doc{ID: 1, Slug: "not-operator", Title: "Not operator", Body: "Not negates a logical value: Not True is False."},
		Doc{ID: 2, Slug: "spellcheck", Title: "Automatic spellcheck", Body: "When spellcheck marks nothing, turn on automatic spellcheck under Tools and check the text language."},
	)
	res := search(t, ix, Query{Text: "spellcheck not working "})
	if len(res.Hits) == 0 || res.Hits[0].Slug != "spellcheck" {
		t.Fatalf(`"spellcheck not working": got %v, want spellcheck first`, slugs(res))
	}
}

// Among articles matching a query alike, the one that explains the task
// ranks above a stub that only names it.
func TestLongerArticleWinsATie(t *testing.T) {
	long := "To merge cells, select them and choose Format, Merge Cells. " +
		strings.Repeat("Merged cells keep the content of the first cell; you can split them again at any time, and the alignment follows the first cell. ", 12)
	ix := openTest(t,
		Doc{ID: 1, Slug: "merge-cells-stub", Title: "Merge cells", Body: "Merges the selected cells."},
		Doc{ID: 2, Slug: "merge-cells-guide", Title: "Merge cells", Body: long},
	)
	res := search(t, ix, Query{Text: "merge cells "})
	if len(res.Hits) != 2 || res.Hits[0].Slug != "merge-cells-guide" {
		t.Fatalf(`"merge cells": got %v, want merge-cells-guide first`, slugs(res))
	}
}
