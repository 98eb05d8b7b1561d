package kb_test

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/frontdesk/frontdesk/kb"
)

func TestRenderMarkdownIsSafe(t *testing.T) {
	cases := []struct {
		name    string
		src     string
		want    []string
		mustNot []string
	}{
		{"script tag", "Hello\n\n<script>alert(1)</script>\n", []string{"Hello"}, []string{"<script", "alert(1)"}},
		{"inline script", "a <script>alert(1)</script> b", []string{"a"}, []string{"<script"}},
		{"javascript link", "[click](javascript:alert(1))", []string{"click"}, []string{"javascript:"}},
		{"data link", "[x](data:text/html;base64,PHNjcmlwdD4=)", nil, []string{"data:text/html"}},
		{"onerror attribute", `<img src="x" onerror="alert(1)">`, nil, []string{"onerror", "alert(1)"}},
		{"image with onerror in markdown title", `![a](x.png "t\" onerror=\"alert(1)")`, nil, []string{"onerror="}},
		{"iframe", `<iframe src="https://evil.example"></iframe>`, nil, []string{"<iframe"}},
		{"heading ids", "## Change your email\n\n### Step two\n", []string{`<h2 id="change-your-email">`, `<h3 id="step-two">`}, nil},
		{"table", "| a | b |\n|---|---|\n| 1 | 2 |\n", []string{"<table>", "<th>a</th>", "<td>2</td>"}, nil},
		{"fenced code", "```go\nfmt.Println(\"<b>\")\n```\n", []string{`<code class="language-go">`, "&lt;b&gt;"}, nil},
		{"autolink", "See https://example.com/docs today", []string{`href="https://example.com/docs"`, `rel="nofollow noreferrer"`}, nil},
		{"internal link stays followed", "[reset](/kb/a/reset)", []string{`<a href="/kb/a/reset">`}, []string{"nofollow"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			html, _ := kb.RenderMarkdown(tc.src)
			got := string(html)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in %s", w, got)
				}
			}
			for _, w := range tc.mustNot {
				if strings.Contains(got, w) {
					t.Errorf("unsafe %q survived in %s", w, got)
				}
			}
		})
	}
}

func TestRenderMarkdownTOC(t *testing.T) {
	_, toc := kb.RenderMarkdown("# Title\n\n## First `step`\n\ntext\n\n### Detail\n\n## Second\n")
	want := []kb.Heading{{2, "first-step", "First step"}, {3, "detail", "Detail"}, {2, "second", "Second"}}
	if len(toc) != len(want) {
		t.Fatalf("toc = %+v", toc)
	}
	for i := range want {
		if toc[i] != want[i] {
			t.Errorf("toc[%d] = %+v, want %+v", i, toc[i], want[i])
		}
	}
}

func FuzzRenderMarkdown(f *testing.F) {
	f.Add("# hi\n\n<script>x</script> [a](javascript:x)")
	f.Add("| a |\n|---|\n| <img src=x onerror=y> |")
	f.Add("[x](JaVaScRiPt:alert(1)) <a href=\"javascript:y\">z</a>")
	f.Fuzz(func(t *testing.T, src string) {
		out, _ := kb.RenderMarkdown(src)
		doc, err := html.Parse(strings.NewReader(string(out)))
		if err != nil {
			t.Fatal(err)
		}
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				switch n.Data {
				case "script", "iframe", "object", "embed", "style":
					t.Fatalf("<%s> survived: %s", n.Data, out)
				}
				for _, a := range n.Attr {
					v := strings.ToLower(strings.TrimSpace(a.Val))
					if strings.HasPrefix(a.Key, "on") || strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") {
						t.Fatalf("dangerous attribute %s=%q survived: %s", a.Key, a.Val, out)
					}
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
	})
}
