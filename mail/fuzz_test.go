package mail_test

import (
	"regexp"
	"strings"
	"testing"

	fdmail "github.com/frontdesk/frontdesk/mail"
)

var ownTags = regexp.MustCompile(`</?p>|<br>|<a href="[^"<>]*">|</a>`)

// FuzzTextToHTML: whatever text (names, subjects, ticket text) ends up in a
// text template, the generated HTML part holds only the tags TextToHTML
// writes itself.
func FuzzTextToHTML(f *testing.F) {
	for _, s := range []string{
		"Hello <b>you</b>\n\nhttps://x.test/a?b=1&c=<2>",
		`https://x.test/"onmouseover="alert(1)`,
		"http://a\n\n\n<script>alert(1)</script>",
		"plain & simple",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		out := ownTags.ReplaceAllString(string(fdmail.TextToHTML(text)), "")
		if strings.ContainsAny(out, "<>") {
			t.Fatalf("unexpected markup in %q:\n%s", text, out)
		}
	})
}
