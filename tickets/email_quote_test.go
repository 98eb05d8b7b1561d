package tickets_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/frontdesk/frontdesk/mail/inbound"
	"github.com/frontdesk/frontdesk/tickets"
)

var quoteTokenRE = regexp.MustCompile(`\b(VISIBLE|QUOTED|TAIL|KEEP)-[A-Z0-9]+\b`)

// TestHTMLQuoteFoldingKeepsInterleavedAnswers runs real-world-shaped HTML
// replies (Gmail, Apple Mail, Thunderbird, Outlook desktop and web)
// through the ingestion sanitiser and the ticket page's quote folding.
// Each fixture marks its words: VISIBLE-… (and KEEP-…) must show without
// a click, QUOTED-… must be folded in place between the answers, TAIL-…
// must be in the history folded under the message.
func TestHTMLQuoteFoldingKeepsInterleavedAnswers(t *testing.T) {
	fixtures, _ := filepath.Glob("testdata/quotes/*.html")
	if len(fixtures) < 8 {
		t.Fatalf("%d fixtures", len(fixtures))
	}
	for _, f := range fixtures {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(strings.TrimSuffix(filepath.Base(f), ".html"), func(t *testing.T) {
			visible, quoted := tickets.SplitQuotedHTML(inbound.SanitizeHTML(string(raw)))
			doc, err := goquery.NewDocumentFromReader(strings.NewReader("<div id=v>" + visible + "</div>"))
			if err != nil {
				t.Fatal(err)
			}
			folds := doc.Find("details.tk-quoted")
			folds.Each(func(_ int, d *goquery.Selection) {
				if s := d.ChildrenFiltered("summary").Text(); s != "Show quoted text" {
					t.Errorf("in-place toggle %q", s)
				}
			})
			inPlace := folds.Text()
			folds.Remove()
			shown := doc.Find("#v").Text()
			for _, tok := range quoteTokenRE.FindAllString(string(raw), -1) {
				var where string
				switch {
				case strings.Contains(shown, tok):
					where = "VISIBLE"
				case strings.Contains(inPlace, tok):
					where = "QUOTED"
				case strings.Contains(quoted, tok):
					where = "TAIL"
				}
				want := strings.Split(tok, "-")[0]
				if want == "KEEP" {
					want = "VISIBLE"
				}
				if where != want {
					t.Errorf("%s is %q, want %s\nshown: %q\nfolded in place: %q\nhistory: %q", tok, where, want, shown, inPlace, quoted)
				}
			}
			if strings.Contains(shown, "wrote:") {
				t.Errorf("an attribution stays visible: %q", shown)
			}
		})
	}
}

// FuzzSplitQuotedHTML: whatever HTML a mail carries, folding never
// panics and never loses words: what shows, what folds in place and the
// history together hold every word of the message.
func FuzzSplitQuotedHTML(f *testing.F) {
	fixtures, _ := filepath.Glob("testdata/quotes/*.html")
	for _, name := range fixtures {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(string(b))
		}
	}
	words := func(s string) []string {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader("<div>" + s + "</div>"))
		if err != nil {
			return nil
		}
		doc.Find("details.tk-quoted > summary").Remove()
		w := strings.Fields(doc.Text())
		slices.Sort(w)
		return w
	}
	f.Fuzz(func(t *testing.T, raw string) {
		in := inbound.SanitizeHTML(raw)
		visible, quoted := tickets.SplitQuotedHTML(in)
		if got, want := words(visible+quoted), words(in); !slices.Equal(got, want) {
			t.Fatalf("words changed:\n in %q\nout %q | %q", in, visible, quoted)
		}
	})
}
