package kb

import (
	"strings"
	"testing"
)

func TestHitListEscapesTitlesAndLinksTheSearch(t *testing.T) {
	got := string(hitList([]SearchHit{
		{Slug: "reset-password", Title: `Reset <script>alert("x")</script> & more`, Snippet: "Your <mark>password</mark>"},
		{Slug: `a"b`, Title: "No snippet"},
	}, 42))
	for _, want := range []string{
		`href="/kb/a/reset-password?s=42">Reset &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more</a>`,
		`<p class="kb-snippet">Your <mark>password</mark></p>`,
		`href="/kb/a/a%22b?s=42">No snippet</a>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("hit list lacks %s:\n%s", want, got)
		}
	}
	if strings.Count(got, "<li") != 2 || strings.Count(got, "kb-snippet") != 1 || strings.Contains(got, "<script") {
		t.Errorf("want two items, one snippet, nothing unescaped:\n%s", got)
	}
	if got := string(hitList([]SearchHit{{Slug: "x", Title: "X"}}, 0)); strings.Contains(got, "?s=") {
		t.Errorf("no search id, yet a link carries one: %s", got)
	}
}
