package tickets

import (
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/frontdesk/frontdesk/mail/inbound"
)

// MessageDisplay is how the ticket page shows a message: what the sender
// wrote, and the quoted history and signature under it, which the page
// folds away behind "Show quoted text" (<details>, no JavaScript needed).
type MessageDisplay struct {
	Visible template.HTML
	Quoted  template.HTML
}

// Display renders m for a ticket page whose attachment links start with
// base ("/tickets" or "/agent/tickets") and ticket number. Email messages
// get their quoted history folded (inbound.SplitQuoted for text, the same
// markers in HTML) and their cid: inline images pointed at this message's
// own image attachments (image/* only; other cid: references stay
// broken). Other channels show their body as written.
func (m Message) Display(base string, number int64) MessageDisplay {
	if m.Channel != ChannelEmail {
		return MessageDisplay{Visible: m.Body()}
	}
	if m.HTML == "" {
		visible, quoted := inbound.SplitQuoted(m.Text)
		d := MessageDisplay{Visible: textHTML(visible)}
		if quoted != "" {
			d.Quoted = textHTML(quoted)
		}
		return d
	}
	body := inbound.RewriteCIDs(m.HTML, func(cid string) string {
		return m.inlineImageURL(base, number, cid)
	})
	visible, quoted := splitQuotedHTML(body)
	return MessageDisplay{Visible: template.HTML(visible), Quoted: template.HTML(quoted)} // sanitised when stored; re-rendered by x/net/html
}

// inlineImageURL is the download URL of the message's image attachment
// named cid, "" when it has none.
func (m Message) inlineImageURL(base string, number int64, cid string) string {
	if u, err := url.PathUnescape(cid); err == nil {
		cid = u
	}
	for i := range m.Attachments {
		a := &m.Attachments[i]
		if a.ContentID != "" && strings.EqualFold(a.ContentID, cid) && a.IsImage() {
			return fmt.Sprintf("%s/%d/files/%d/%s", base, number, a.ID, url.PathEscape(a.Filename))
		}
	}
	return ""
}

// truncateID cuts s to at most n bytes.
func truncateID(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

var (
	htmlAttributionRE = regexp.MustCompile(`(?i)^(?:on\s.{1,200}\swrote:|am\s.{1,200}\sschrieb.{0,80}:|le\s.{1,200}\sa\sécrit\s?:|el\s.{1,200}\sescribió:|il\s.{1,200}\sha\sscritto:|op\s.{1,200}\sschreef.{0,80}:|em\s.{1,200}\sescreveu:)$`)
	htmlSeparatorRE   = regexp.MustCompile(`(?i)^-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|forwarded message|weitergeleitete nachricht)\s*-{2,}`)
	htmlOutlookRE     = regexp.MustCompile(`(?i)^\*?(?:from|von|de|da|van)\s?\*?:\s*\S.{0,300}?\s\*?(?:sent|date|gesendet|datum|envoyé|enviado|inviato|verzonden)\s?\*?:\s*\S`)
)

// splitQuotedHTML separates sanitised email HTML into what the sender
// wrote and the quoted history: the cut is at the first <blockquote>, or
// the first element whose whole text is an "On … wrote:" attribution, an
// "-----Original Message-----" separator, Outlook's "From: … Sent: …"
// block or a "-- " signature. Elements that contain the cut are split
// (their earlier children stay visible), so both halves are well-formed.
// When nothing visible would remain, everything stays visible.
func splitQuotedHTML(s string) (visible, quoted string) {
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	if err != nil {
		return s, ""
	}
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	v, q, found := splitNode(root)
	if !found || strings.TrimSpace(textOf(v)) == "" && !hasImage(v) {
		return s, ""
	}
	return renderChildren(v), renderChildren(q)
}

// splitNode returns copies of n holding the children before the quote
// marker (v) and from it on (q).
func splitNode(n *html.Node) (v, q *html.Node, found bool) {
	v, q = shallow(n), shallow(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if found {
			q.AppendChild(deepCopy(c))
			continue
		}
		switch {
		case isQuoteMarker(c):
			found = true
			q.AppendChild(deepCopy(c))
		case c.Type == html.ElementNode && containsMarker(c):
			cv, cq, _ := splitNode(c)
			v.AppendChild(cv)
			q.AppendChild(cq)
			found = true
		default:
			v.AppendChild(deepCopy(c))
		}
	}
	return v, q, found
}

func isQuoteMarker(n *html.Node) bool {
	if n.Type != html.ElementNode {
		if n.Type == html.TextNode {
			t := strings.TrimSpace(n.Data)
			return t == "--" || htmlSeparatorRE.MatchString(t) || htmlAttributionRE.MatchString(collapse(t))
		}
		return false
	}
	if n.DataAtom == atom.Blockquote {
		return true
	}
	t := collapse(textOf(n))
	if len(t) > 600 {
		// A long element holds more than the marker: look inside it.
		return false
	}
	return htmlAttributionRE.MatchString(t) || htmlSeparatorRE.MatchString(t) || htmlOutlookRE.MatchString(t) ||
		t == "--" || strings.HasPrefix(t, "-- ") && len(t) < 400 && !strings.Contains(t[3:], "--")
}

func containsMarker(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if isQuoteMarker(c) || c.Type == html.ElementNode && containsMarker(c) {
			return true
		}
	}
	return false
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

func textOf(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Br {
			b.WriteString("\n")
		}
		b.WriteString(textOf(c))
	}
	return b.String()
}

func hasImage(n *html.Node) bool {
	if n.Type == html.ElementNode && n.DataAtom == atom.Img {
		return true
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if hasImage(c) {
			return true
		}
	}
	return false
}

func shallow(n *html.Node) *html.Node {
	return &html.Node{Type: n.Type, Data: n.Data, DataAtom: n.DataAtom, Namespace: n.Namespace, Attr: append([]html.Attribute(nil), n.Attr...)}
}

func deepCopy(n *html.Node) *html.Node {
	c := shallow(n)
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		c.AppendChild(deepCopy(k))
	}
	return c
}

func renderChildren(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		_ = html.Render(&b, c)
	}
	return b.String()
}

// messagePolicy sanitises message HTML: bluemonday's user-content policy,
// plus cid: URLs (an email's inline images, which Display points at the
// message's own attachments; a browser resolves cid: to nothing).
func messagePolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("cid")
	return p
}
