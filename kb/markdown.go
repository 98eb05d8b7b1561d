package kb

import (
	"bytes"
	"html/template"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Heading is one entry of an article's table of contents.
type Heading struct {
	Level int    // 2 or 3
	ID    string // the anchor goldmark gave the heading
	Text  string
}

// markdownRenderer holds the goldmark converter and the sanitising policy.
// Both are immutable after construction and safe for concurrent use, so one
// instance is shared (built lazily: compiling the policy's regexps is the
// expensive part).
type markdownRenderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

var sharedRenderer = sync.OnceValue(newMarkdownRenderer)

func newMarkdownRenderer() *markdownRenderer {
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		// No html.WithUnsafe: raw HTML in the Markdown is dropped by
		// goldmark, and whatever is left goes through bluemonday anyway.
	)
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[a-zA-Z0-9_-]{1,100}$`)).OnElements("h1", "h2", "h3", "h4", "h5", "h6")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[a-zA-Z0-9_+-]{1,40}$`)).OnElements("code")
	p.AllowAttrs("checked", "disabled").OnElements("input")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^checkbox$`)).OnElements("input")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|right|center)$`)).OnElements("th", "td")
	// Links to other articles are ours: only external links get
	// rel="nofollow noreferrer".
	p.RequireNoFollowOnLinks(false)
	p.RequireNoFollowOnFullyQualifiedLinks(true)
	p.RequireNoReferrerOnFullyQualifiedLinks(true)
	return &markdownRenderer{md: md, policy: p}
}

// RenderMarkdown turns an article body into safe HTML and returns the
// table of contents (h2 and h3 headings, in order). Raw HTML, script,
// javascript: links and event-handler attributes never survive.
func RenderMarkdown(src string) (template.HTML, []Heading) {
	r := sharedRenderer()
	source := []byte(src)
	doc := r.md.Parser().Parse(text.NewReader(source))
	var toc []Heading
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		h, ok := n.(*ast.Heading)
		if !ok {
			return ast.WalkContinue, nil
		}
		if h.Level == 2 || h.Level == 3 {
			id, _ := h.AttributeString("id")
			idb, _ := id.([]byte)
			toc = append(toc, Heading{Level: h.Level, ID: string(idb), Text: nodeText(h, source)})
		}
		return ast.WalkSkipChildren, nil
	})
	var buf bytes.Buffer
	if err := r.md.Renderer().Render(&buf, source, doc); err != nil {
		return template.HTML(template.HTMLEscapeString(src)), nil
	}
	// The HTML was sanitised by bluemonday just now.
	return template.HTML(r.policy.SanitizeBytes(buf.Bytes())), toc //nolint:gosec
}

// nodeText is the plain text inside a node (for headings).
func nodeText(n ast.Node, source []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := c.(type) {
		case *ast.Text:
			b.Write(t.Segment.Value(source))
			if t.SoftLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(t.Value)
		case *ast.CodeSpan:
			for ch := t.FirstChild(); ch != nil; ch = ch.NextSibling() {
				if tx, ok := ch.(*ast.Text); ok {
					b.Write(tx.Segment.Value(source))
				}
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}

var (
	mdLinkRe   = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	mdSyntaxRe = regexp.MustCompile("(?m)^\\s{0,3}(#{1,6}\\s+|>\\s?|[-*+]\\s+|\\d+[.)]\\s+|```.*$|~~~.*$|\\|?\\s*:?-{3,}.*$)")
	mdInlineRe = regexp.MustCompile("[*_`~|<>]+")
	spaceRe    = regexp.MustCompile(`\s+`)
)

// PlainText strips Markdown syntax from src, for summaries and meta
// descriptions (the search index does its own stripping).
func PlainText(src string) string {
	s := mdLinkRe.ReplaceAllString(src, "$1")
	s = mdSyntaxRe.ReplaceAllString(s, "")
	s = mdInlineRe.ReplaceAllString(s, " ")
	return strings.TrimSpace(spaceRe.ReplaceAllString(s, " "))
}
