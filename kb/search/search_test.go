package search

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
)

// sampleDocs is a small help center covering the behaviours under test.
func sampleDocs() []Doc {
	return []Doc{
		{ID: 1, Slug: "reset-password", Title: "Reset your password", Summary: "Forgot your password? Send yourself a reset link.",
			Body: "## Forgotten password\n\nSelect **Forgot password** on the sign-in page and we email you a link. The link works for one hour.",
			Tags: []string{"login", "security"}, Category: "Account", CategorySlug: "account"},
		{ID: 2, Slug: "download-invoice", Title: "Download an invoice as PDF", Summary: "Every invoice can be downloaded from the Billing page.",
			Body: "Open **Billing**, pick the invoice and select *Download PDF*. Invoices are kept for seven years.",
			Tags: []string{"invoice", "pdf"}, Category: "Billing", CategorySlug: "billing"},
		{ID: 3, Slug: "email-notifications", Title: "Why don't I receive email notifications?", Summary: "What to check when our emails never arrive.",
			Body: "Check your spam folder and add our support address to your contacts. Notifications are sent when an agent replies.",
			Tags: []string{"email", "notifications"}, Category: "Troubleshooting", CategorySlug: "troubleshooting"},
		{ID: 4, Slug: "cancel-subscription", Title: "Cancel or change your subscription", Summary: "Switch plans or cancel at the end of the billing period.",
			Body: "Your subscription renews every month. To cancel, open **Billing → Plan** and select *Cancel subscription*.",
			Tags: []string{"plan", "subscription"}, Category: "Billing", CategorySlug: "billing"},
		{ID: 5, Slug: "billing-email", Title: "Change your billing email", Summary: "Send invoices to another address.",
			Body: "The billing email receives every invoice. Change it under **Billing → Contacts**.",
			Tags: []string{"invoice", "contact"}, Category: "Billing", CategorySlug: "billing"},
		{ID: 6, Slug: "email-and-billing", Title: "Email templates", Summary: "Customise the emails we send.",
			Body: "Templates cover email sent by agents. Billing documents are separate; each email has a footer.",
			Tags: []string{"templates"}, Category: "Tickets", CategorySlug: "tickets"},
		{ID: 7, Slug: "script-tags", Title: "Embedding the widget", Summary: "Add the support widget to your site.",
			Body: "Paste `<script src=\"/widget.js\"></script>` before </body>. The widget <b>loads</b> & shows a help button.",
			Tags: []string{"widget"}, Category: "Integrations", CategorySlug: "integrations"},
	}
}

func openTest(t *testing.T, docs ...Doc) *Index {
	t.Helper()
	ix, err := Open(filepath.Join(t.TempDir(), "index"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	if len(docs) > 0 {
		if err := ix.Upsert(docs...); err != nil {
			t.Fatal(err)
		}
	}
	return ix
}

func slugs(r Result) []string {
	out := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		out[i] = h.Slug
	}
	return out
}

func search(t *testing.T, ix *Index, q Query) Result {
	t.Helper()
	r, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%q): %v", q.Text, err)
	}
	return r
}

func TestSearchFindsTheRightArticle(t *testing.T) {
	ix := openTest(t, sampleDocs()...)
	tests := []struct {
		name, query, want string
		corrected         string // want this "Did you mean" text ("" = none)
	}{
		{"plural finds singular", "invoices", "download-invoice", ""},
		{"stemming resetting", "resetting my password ", "reset-password", ""},
		{"typo pasword", "pasword", "reset-password", "password"},
		{"typo recieve", "recieve emails ", "email-notifications", "receive emails "},
		{"typo subscripton", "cancel subscripton", "cancel-subscription", "cancel subscription"},
		{"prefix last word", "reset pass", "reset-password", ""},
		{"prefix short", "subscr", "cancel-subscription", ""},
		{"question", "how do I change my billing email", "billing-email", ""},
		{"quoted phrase", `"billing email"`, "billing-email", ""},
		{"tag", "pdf", "download-invoice", ""},
		{"category name", "troubleshooting notifications", "email-notifications", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := search(t, ix, Query{Text: tt.query})
			if len(r.Hits) == 0 || r.Hits[0].Slug != tt.want {
				t.Fatalf("Search(%q) = %v, want %s first", tt.query, slugs(r), tt.want)
			}
			if r.Corrected != tt.corrected {
				t.Errorf("Corrected = %q, want %q", r.Corrected, tt.corrected)
			}
		})
	}
}

func TestSearchPhraseNeedsAdjacentWords(t *testing.T) {
	ix := openTest(t, sampleDocs()...)
	// "email-and-billing" has both words but never side by side.
	r := search(t, ix, Query{Text: `"billing email"`})
	if slices.Contains(slugs(r), "email-and-billing") {
		t.Errorf("phrase matched an article without the phrase: %v", slugs(r))
	}
	r = search(t, ix, Query{Text: "billing email "})
	if !slices.Contains(slugs(r), "email-and-billing") {
		t.Errorf("unquoted words should match both: %v", slugs(r))
	}
}

func TestSearchUnknownWordFindsNothing(t *testing.T) {
	ix := openTest(t, sampleDocs()...)
	for _, q := range []string{"xylophone ", "", "   ", "the of and ", `""`} {
		r := search(t, ix, Query{Text: q})
		if len(r.Hits) != 0 || r.Total != 0 {
			t.Errorf("Search(%q) = %v, want nothing", q, slugs(r))
		}
	}
}

func TestSearchCategoryFilter(t *testing.T) {
	ix := openTest(t, sampleDocs()...)
	r := search(t, ix, Query{Text: "email ", CategorySlug: "billing"})
	if len(r.Hits) == 0 {
		t.Fatal("no hits in billing")
	}
	for _, h := range r.Hits {
		if h.CategorySlug != "billing" {
			t.Errorf("hit %s in category %s, want billing", h.Slug, h.CategorySlug)
		}
	}
	all := search(t, ix, Query{Text: "email "})
	if all.Total <= r.Total {
		t.Errorf("unfiltered total %d should exceed billing total %d", all.Total, r.Total)
	}
}

func TestSearchPagination(t *testing.T) {
	var docs []Doc
	for i := 1; i <= 25; i++ {
		docs = append(docs, Doc{ID: int64(i), Slug: fmt.Sprintf("widget-%d", i), Title: fmt.Sprintf("Widget guide %d", i),
			Body: strings.Repeat("widget ", i%7+1) + "setup"})
	}
	ix := openTest(t, docs...)
	seen := map[string]bool{}
	for page := 0; page < 3; page++ {
		r := search(t, ix, Query{Text: "widget ", Limit: 10, Offset: page * 10})
		if r.Total != 25 {
			t.Fatalf("Total = %d, want 25", r.Total)
		}
		want := 10
		if page == 2 {
			want = 5
		}
		if len(r.Hits) != want {
			t.Fatalf("page %d has %d hits, want %d", page, len(r.Hits), want)
		}
		for _, h := range r.Hits {
			if seen[h.Slug] {
				t.Errorf("%s on two pages", h.Slug)
			}
			seen[h.Slug] = true
		}
	}
	if r := search(t, ix, Query{Text: "widget ", Offset: 30}); len(r.Hits) != 0 || r.Total != 25 {
		t.Errorf("past the end: %d hits, total %d", len(r.Hits), r.Total)
	}
}

func TestSnippetIsEscapedAndHighlighted(t *testing.T) {
	ix := openTest(t, sampleDocs()...)
	r := search(t, ix, Query{Text: "widget loads "})
	if len(r.Hits) == 0 || r.Hits[0].Slug != "script-tags" {
		t.Fatalf("hits = %v", slugs(r))
	}
	s := string(r.Hits[0].Snippet)
	if strings.Contains(s, "<script") || strings.Contains(s, "<b>") || strings.Contains(s, "</body>") {
		t.Errorf("snippet leaks markup: %s", s)
	}
	if !strings.Contains(s, "&lt;script") || !strings.Contains(s, "&amp;") {
		t.Errorf("snippet should show escaped markup: %s", s)
	}
	if !strings.Contains(s, "<mark>widget</mark>") || !strings.Contains(s, "<mark>loads</mark>") {
		t.Errorf("snippet should mark the query words: %s", s)
	}
	if n := strings.Count(s, "<mark>"); n != strings.Count(s, "</mark>") || n == 0 {
		t.Errorf("unbalanced marks: %s", s)
	}
}

func TestSnippetMarksStemmedAndTypedWords(t *testing.T) {
	ix := openTest(t, sampleDocs()...)
	r := search(t, ix, Query{Text: "invoices"})
	if len(r.Hits) == 0 || !strings.Contains(string(r.Hits[0].Snippet), "<mark>") {
		t.Fatalf("no highlight: %+v", r.Hits)
	}
}

func TestUpsertReplacesAndDeleteRemoves(t *testing.T) {
	ix := openTest(t, sampleDocs()...)
	if n, _ := ix.Count(); n != uint64(len(sampleDocs())) {
		t.Fatalf("Count = %d", n)
	}
	d := sampleDocs()[1]
	d.Title = "Get a receipt for your payment"
	d.Summary, d.Body, d.Tags = "Receipts for card payments.", "Receipts arrive by email.", nil
	if err := ix.Upsert(d); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Count(); n != uint64(len(sampleDocs())) {
		t.Errorf("Count after update = %d, want unchanged", n)
	}
	if r := search(t, ix, Query{Text: "receipt "}); len(r.Hits) != 1 || r.Hits[0].Slug != "download-invoice" {
		t.Errorf("updated article not found: %v", slugs(r))
	}
	if r := search(t, ix, Query{Text: "pdf "}); len(r.Hits) != 0 {
		t.Errorf("old text still found: %v", slugs(r))
	}
	if err := ix.Delete(2, 99); err != nil {
		t.Fatal(err)
	}
	if r := search(t, ix, Query{Text: "receipt "}); slices.Contains(slugs(r), "download-invoice") {
		t.Errorf("deleted article found: %v", slugs(r))
	}
	// A correction learnt before a write must not survive it.
	if r := search(t, ix, Query{Text: "widgte "}); len(r.Hits) == 0 {
		t.Fatal("typo not corrected")
	}
	if err := ix.Delete(7); err != nil {
		t.Fatal(err)
	}
	if r := search(t, ix, Query{Text: "widgte "}); len(r.Hits) != 0 {
		t.Errorf("deleted article found through a cached correction: %v", slugs(r))
	}
}

func TestOpenKeepsIndexAndLastChange(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !ix.NeedsRebuild() {
		t.Error("a new index should need a rebuild")
	}
	if n, _ := ix.LastChange(); n != 0 {
		t.Errorf("LastChange of a new index = %d", n)
	}
	if err := ix.Apply(sampleDocs(), nil, 42); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	ix, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ix.NeedsRebuild() {
		t.Error("a current index should not need a rebuild")
	}
	if n, _ := ix.LastChange(); n != 42 {
		t.Errorf("LastChange after reopen = %d, want 42", n)
	}
	if err := ix.SetLastChange(43); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Count(); n != uint64(len(sampleDocs())) {
		t.Errorf("Count after reopen = %d", n)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if n, _ := ix.LastChange(); n != 43 {
		t.Errorf("LastChange after SetLastChange and reopen = %d, want 43", n)
	}
}

func TestOpenRecreatesIndexOfAnotherMappingVersion(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Apply(sampleDocs(), nil, 7); err != nil {
		t.Fatal(err)
	}
	name := ix.name
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	// Pretend an older release built it.
	bi, err := bleve.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := bi.SetInternal([]byte(keyMappingVersion), []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := bi.Close(); err != nil {
		t.Fatal(err)
	}

	ix, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if !ix.NeedsRebuild() {
		t.Error("an index of another mapping version should need a rebuild")
	}
	if n, _ := ix.Count(); n != 0 {
		t.Errorf("Count = %d, want an empty index", n)
	}
	if n, _ := ix.LastChange(); n != 0 {
		t.Errorf("LastChange = %d, want 0 so the rebuild starts over", n)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "idx-*")); len(matches) != 1 {
		t.Errorf("old index directories left behind: %v", matches)
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ name, md, want string }{
		{"emphasis and heading", "# Title\n\nSome **bold** and _italic_ text.", "Title\nSome bold and italic text."},
		{"link keeps text not url", "See [the billing page](https://example.com/billing) now.", "See the billing page now."},
		{"image alt", "![Screenshot of settings](/img/a.png)", "Screenshot of settings"},
		{"list", "- one\n- two\n\n1. three", "one\ntwo\nthree"},
		{"code", "Run `frontdesk kb import`:\n\n```sh\nfrontdesk kb reindex\n```", "Run frontdesk kb import:\nfrontdesk kb reindex"},
		{"raw html dropped", "Hello <b>world</b>\n\n<div class=\"x\">block</div>\n\nEnd", "Hello world\nEnd"},
		{"table", "| a | b |\n|---|---|\n| c | d |", "a b\nc d"},
		{"autolink", "Visit https://frontdesk.example today", "Visit https://frontdesk.example today"},
		{"empty", "  ", ""},
		{"entities decoded", "Original KB number: &nbsp; 252687 &amp; more &lt;b&gt;", "Original KB number: 252687 & more <b>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.md); got != tt.want {
				t.Errorf("PlainText(%q) = %q, want %q", tt.md, got, tt.want)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{{"reciev", "receiv", 1}, {"pasword", "password", 1}, {"subscripton", "subscript", 2}, {"same", "same", 0}, {"", "abc", 3}}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in       string
		phrases  []string
		trailing bool
	}{
		{"reset pass", nil, true},
		{"reset pass ", nil, false},
		{`"billing email" change`, []string{"billing email"}, true},
		{`change "billing email"`, []string{"billing email"}, false},
		{`change "billing em`, []string{"billing em"}, false},
	}
	for _, tt := range tests {
		p := parseQuery(tt.in)
		if !slices.Equal(p.phrases, tt.phrases) || p.trailing != tt.trailing || len(p.free) != len(tt.in) {
			t.Errorf("parseQuery(%q) = %+v", tt.in, p)
		}
	}
}

func TestClosedIndexReturnsErrors(t *testing.T) {
	ix, err := Open(filepath.Join(t.TempDir(), "index"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Search(context.Background(), Query{Text: "x"}); err == nil {
		t.Error("Search on a closed index succeeded")
	}
	if err := ix.Upsert(sampleDocs()[0]); err == nil {
		t.Error("Upsert on a closed index succeeded")
	}
	if _, err := ix.Count(); err == nil {
		t.Error("Count on a closed index succeeded")
	}
	if err := ix.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
