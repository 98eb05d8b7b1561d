package search

import "testing"

// The issue: "log in" ranked an attachments article first because the
// sign-in articles say "sign in".
func TestSynonymsFindWhatArticlesCallOtherwise(t *testing.T) {
	docs := []Doc{
		{ID: 1, Slug: "sign-in-trouble", Title: "Can't sign in to your account", Summary: "What to check when signing in fails.",
			Body: "Check your password and sign in again. Accounts lock after five failed attempts."},
		{ID: 2, Slug: "attachments", Title: "Attachments on tickets",
			Body: "You must log in before you can add attachments. Files up to 20 MB are accepted. Log files help us debug."},
		{ID: 3, Slug: "invoices", Title: "Download an invoice", Body: "Every invoice is kept in your account as a PDF."},
	}
	ix := openTest(t, docs...)
	ix.SetSynonyms(DefaultSynonyms())

	res := search(t, ix, Query{Text: "log in "})
	if len(res.Hits) == 0 || res.Hits[0].Slug != "sign-in-trouble" {
		t.Errorf(`"log in": got %v, want sign-in-trouble first`, slugs(res))
	}
	res = search(t, ix, Query{Text: "where is my bill "})
	if len(res.Hits) == 0 || res.Hits[0].Slug != "invoices" {
		t.Errorf(`"where is my bill": got %v, want invoices first`, slugs(res))
	}

	// The list is editable: without the group the synonym finds nothing.
	ix.SetSynonyms([][]string{{"log in", "sign in"}})
	res = search(t, ix, Query{Text: "where is my bill "})
	for _, h := range res.Hits {
		if h.Slug == "invoices" {
			t.Errorf(`"bill" still finds invoices after its group was removed: %v`, slugs(res))
		}
	}
}
