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
// wrote (visible) and the quoted history at its end (quoted), folding only
// what is quoted:
//   - each <blockquote> (with the "On … wrote:" attribution right before
//     it, as Gmail's div.gmail_quote, Apple Mail and Thunderbird write
//     it) is a quoted block;
//   - an "-----Original Message-----" separator, Outlook's "From: … Sent:
//     …" block (div#divRplyFwdMsg), an attribution with no blockquote
//     after it, or a "-- " signature starts history that runs to the end
//     (Outlook quotes without markup).
//
// The quoted blocks after the sender's last words, and the history, go to
// quoted; a quoted block with the sender's answers after it (interleaved
// replies) folds in place, inside visible, as its own <details>, so the
// answers stay visible. Elements that contain the cut are split (their
// earlier children stay visible), so both halves are well-formed. When
// nothing visible would remain, everything stays visible.
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
	sc := &quoteScan{}
	sc.walk(root)
	lastVisible := -1
	for i, e := range sc.events {
		if e.visible {
			lastVisible = i
		}
	}
	if lastVisible < 0 {
		return s, ""
	}
	// The cut: the first quoted block with nothing the sender wrote after
	// it, else the start of the history.
	cut := sc.tail
	var inPlace []quoteUnit
	for i, e := range sc.events {
		if e.visible {
			continue
		}
		if i > lastVisible {
			cut = e.unit.start
			break
		}
		inPlace = append(inPlace, e.unit)
	}
	if cut == nil && len(inPlace) == 0 {
		return s, ""
	}
	for _, u := range inPlace {
		foldInPlace(u)
	}
	if cut == nil {
		return renderChildren(root), ""
	}
	above := map[*html.Node]bool{}
	for p := cut.Parent; p != nil; p = p.Parent {
		above[p] = true
	}
	v, q := splitAt(root, cut, above)
	return renderChildren(v), renderChildren(q)
}

// quoteUnit is a quoted block: the sibling range start…end (an
// attribution and its blockquote, or the blockquote alone).
type quoteUnit struct{ start, end *html.Node }

// quoteScan lists, in document order, what the sender wrote (visible
// text and images) and the quoted blocks, up to the start of the history
// (tail).
type quoteScan struct {
	events []quoteEvent
	tail   *html.Node
}

type quoteEvent struct {
	visible bool
	unit    quoteUnit
}

func (sc *quoteScan) walk(n *html.Node) {
	for c := n.FirstChild; c != nil && sc.tail == nil; c = c.NextSibling {
		switch {
		case isBlockquote(c):
			sc.events = append(sc.events, quoteEvent{unit: quoteUnit{c, c}})
		case isAttribution(c) && isBlockquote(nextSibling(c)):
			bq := nextSibling(c)
			sc.events = append(sc.events, quoteEvent{unit: quoteUnit{c, bq}})
			c = bq
		case isHistoryMarker(c):
			sc.tail = c
		case c.Type == html.TextNode:
			if strings.TrimSpace(c.Data) != "" {
				sc.events = append(sc.events, quoteEvent{visible: true})
			}
		case c.Type == html.ElementNode && (c.DataAtom == atom.Img):
			sc.events = append(sc.events, quoteEvent{visible: true})
		case c.Type == html.ElementNode:
			sc.walk(c)
		}
	}
}

func isBlockquote(n *html.Node) bool {
	return n != nil && n.Type == html.ElementNode && n.DataAtom == atom.Blockquote
}

// nextSibling skips whitespace and <br> between an attribution and its
// blockquote.
func nextSibling(n *html.Node) *html.Node {
	for c := n.NextSibling; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode && strings.TrimSpace(c.Data) == "" || c.Type == html.CommentNode ||
			c.Type == html.ElementNode && c.DataAtom == atom.Br {
			continue
		}
		return c
	}
	return nil
}

// nextInDocument is the next node after n's subtree, skipping what
// nextSibling skips, climbing out of parents.
func nextInDocument(n *html.Node) *html.Node {
	for ; n != nil; n = n.Parent {
		if s := nextSibling(n); s != nil {
			return s
		}
	}
	return nil
}

func isAttribution(n *html.Node) bool {
	var t string
	switch n.Type {
	case html.TextNode:
		t = n.Data
	case html.ElementNode:
		t = textOf(n)
	default:
		return false
	}
	t = collapse(t)
	return len(t) <= 600 && htmlAttributionRE.MatchString(t)
}

// isHistoryMarker: where quoted history without markup starts (it runs to
// the end of the message): a separator, Outlook's header block, a
// signature, or an attribution that no blockquote follows.
func isHistoryMarker(n *html.Node) bool {
	if isAttribution(n) {
		return !isBlockquote(nextInDocument(n))
	}
	if n.Type == html.TextNode {
		t := strings.TrimSpace(n.Data)
		return t == "--" || htmlSeparatorRE.MatchString(t)
	}
	if n.Type != html.ElementNode {
		return false
	}
	for _, a := range n.Attr {
		if a.Key == "id" && strings.EqualFold(a.Val, "divRplyFwdMsg") {
			return true
		}
	}
	t := collapse(textOf(n))
	if len(t) > 600 {
		// A long element holds more than the marker: look inside it.
		return false
	}
	return htmlSeparatorRE.MatchString(t) || htmlOutlookRE.MatchString(t) ||
		t == "--" || strings.HasPrefix(t, "-- ") && len(t) < 400 && !strings.Contains(t[3:], "--")
}

// foldInPlace wraps a quoted block in the same toggle the page puts
// around the history.
func foldInPlace(u quoteUnit) {
	parent := u.start.Parent
	details := &html.Node{Type: html.ElementNode, Data: "details", DataAtom: atom.Details,
		Attr: []html.Attribute{{Key: "class", Val: "tk-quoted"}}}
	summary := &html.Node{Type: html.ElementNode, Data: "summary", DataAtom: atom.Summary}
	summary.AppendChild(&html.Node{Type: html.TextNode, Data: "Show quoted text"})
	body := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div,
		Attr: []html.Attribute{{Key: "class", Val: "tk-body"}}}
	details.AppendChild(summary)
	details.AppendChild(body)
	parent.InsertBefore(details, u.start)
	for c := u.start; ; {
		next := c.NextSibling
		parent.RemoveChild(c)
		body.AppendChild(c)
		if c == u.end {
			break
		}
		c = next
	}
}

// splitAt returns copies of n holding what comes before cut (v) and cut
// with what follows it (q); above marks cut's ancestors.
func splitAt(n, cut *html.Node, above map[*html.Node]bool) (v, q *html.Node) {
	v, q = shallow(n), shallow(n)
	found := false
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case found || c == cut:
			found = true
			q.AppendChild(deepCopy(c))
		case above[c]:
			cv, cq := splitAt(c, cut, above)
			v.AppendChild(cv)
			q.AppendChild(cq)
			found = true
		default:
			v.AppendChild(deepCopy(c))
		}
	}
	return v, q
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
