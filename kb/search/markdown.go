package search

import (
	"html"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// markdownParser is built per call: goldmark parsers are cheap to create
// and this keeps the package free of globals.
func markdownParser() goldmark.Markdown {
	return goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify, extension.TaskList))
}

// PlainText strips Markdown to the words a reader sees: headings,
// paragraphs, list items, table cells, link and image text and code, each
// block on its own line. URLs of links, raw HTML and formatting marks are
// dropped.
func PlainText(md string) string {
	if strings.TrimSpace(md) == "" {
		return ""
	}
	src := []byte(md)
	doc := markdownParser().Parser().Parse(text.NewReader(src))
	var b strings.Builder
	b.Grow(len(md))
	block := func() {
		s := b.String()
		if len(s) > 0 && s[len(s)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	space := func() {
		s := b.String()
		if len(s) > 0 && s[len(s)-1] != '\n' && s[len(s)-1] != ' ' {
			b.WriteByte(' ')
		}
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch n := n.(type) {
		case *ast.HTMLBlock, *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			if entering {
				block()
				lines := n.Lines()
				for i := 0; i < lines.Len(); i++ {
					seg := lines.At(i)
					b.Write(seg.Value(src))
				}
				block()
			}
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			if entering {
				// Character references are text: "&nbsp;" is a space and
				// "&amp;" an ampersand, escaped once when shown.
				writeUnescaped(&b, n.Segment.Value(src))
				if n.SoftLineBreak() || n.HardLineBreak() {
					b.WriteByte(' ')
				}
			}
		case *ast.String:
			if entering {
				b.Write(n.Value)
			}
		case *ast.AutoLink:
			if entering {
				b.Write(n.Label(src))
			}
			return ast.WalkSkipChildren, nil
		case *extast.TableCell:
			if entering {
				space()
			} else {
				b.WriteByte(' ')
			}
		case *ast.Image:
			// Alt text is the children; keep it.
		default:
			if n.Type() == ast.TypeBlock {
				block()
			}
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(collapseSpaces(b.String()))
}

// collapseSpaces folds runs of spaces and tabs into one and drops spaces
// around newlines.
func collapseSpaces(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ', '\t', '\r':
			if n := len(out); n > 0 && (out[n-1] == ' ' || out[n-1] == '\n') {
				continue
			}
			out = append(out, ' ')
		case '\n':
			if n := len(out); n > 0 && out[n-1] == ' ' {
				out = out[:n-1]
			}
			if n := len(out); n > 0 && out[n-1] == '\n' {
				continue
			}
			out = append(out, '\n')
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

// writeUnescaped writes text with its HTML character references decoded
// (a no-break space becomes a plain one).
func writeUnescaped(b *strings.Builder, text []byte) {
	if !bytesContains(text, '&') {
		b.Write(text)
		return
	}
	b.WriteString(strings.ReplaceAll(html.UnescapeString(string(text)), "\u00a0", " "))
}

func bytesContains(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}
