package inbound

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"regexp"
	"strconv"
	"strings"

	"github.com/jhillyerd/enmime"
	"github.com/microcosm-cc/bluemonday"
)

var parser = enmime.NewParser(
	enmime.SkipMalformedParts(true),
	enmime.MaxStoredPartErrors(20),
	enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
)

// UnparsedText is the body of a message whose MIME structure could not be
// read; the raw message kept beside it is the only faithful copy.
const UnparsedText = "This email could not be read (its MIME structure is broken). The original message is attached."

// ParseBytes parses a raw RFC 5322 message.
func ParseBytes(raw []byte) *Message { return Parse(bytes.NewReader(raw)) }

// Parse reads a raw RFC 5322 message. It never fails: a message whose MIME
// structure cannot be read comes back with Unparsed set, whatever headers
// could be read, and a Text that says so.
func Parse(r io.ReadSeeker) (m *Message) {
	defer func() {
		if p := recover(); p != nil {
			m = unparsed(r, fmt.Sprintf("parser panic: %v", p))
		}
	}()
	var sk *skeleton
	src := io.Reader(r)
	if ra, ok := r.(io.ReaderAt); ok {
		if size, err := r.Seek(0, io.SeekEnd); err == nil && size > streamMessageMin {
			if s, ok := buildSkeleton(ra, size); ok {
				sk, src = s, bytes.NewReader(s.msg)
			}
		}
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return unparsed(r, err.Error())
		}
	}
	env, err := parser.ReadEnvelope(src)
	if err != nil {
		return unparsed(r, err.Error())
	}
	m = &Message{Header: mail.Header{}}
	for _, k := range env.GetHeaderKeys() {
		if !strings.EqualFold(k, spoolHeader) {
			m.Header[k] = env.GetHeaderValues(k)
		}
	}
	m.readHeaders(func(k string) string { return env.GetHeader(k) }, env.Root.Header.Get)
	for _, e := range env.Errors {
		m.ParseErrors = append(m.ParseErrors, e.Error())
	}
	m.Text = strings.TrimSpace(normalizeNewlines(env.Text))
	if env.HTML != "" {
		m.HTML = SanitizeHTML(env.HTML)
	}
	m.collectAttachments(env, sk)
	return m
}

// unparsed builds the Message for mail enmime gave up on, reading what
// headers net/mail can.
func unparsed(r io.ReadSeeker, reason string) *Message {
	m := &Message{Unparsed: true, ParseErrors: []string{reason}, Text: UnparsedText, Header: mail.Header{}}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return m
	}
	msg, err := mail.ReadMessage(io.LimitReader(r, 1<<20))
	if err != nil {
		return m
	}
	m.Header = msg.Header
	dec := new(mime.WordDecoder)
	m.readHeaders(func(k string) string {
		v := msg.Header.Get(k)
		if d, err := dec.DecodeHeader(v); err == nil {
			return d
		}
		return v
	}, msg.Header.Get)
	return m
}

var idRE = regexp.MustCompile(`<[^<>\s]+>`)

// readHeaders fills the envelope fields from decoded (RFC 2047) and raw
// header accessors.
func (m *Message) readHeaders(decoded, raw func(string) string) {
	m.MessageID = strings.TrimSpace(unfold(raw("Message-Id")))
	m.InReplyTo = idRE.FindAllString(raw("In-Reply-To"), -1)
	m.References = idRE.FindAllString(raw("References"), -1)
	m.Subject = strings.TrimSpace(unfold(decoded("Subject")))
	m.From = firstAddress(decoded("From"))
	if m.From.Address == "" {
		m.From = firstAddress(decoded("Sender"))
	}
	m.To = addressList(decoded("To"))
	m.Cc = addressList(decoded("Cc"))
	m.ReplyTo = addressList(decoded("Reply-To"))
	if d, err := mail.ParseDate(strings.TrimSpace(unfold(raw("Date")))); err == nil {
		m.Date = d.UTC()
	}
}

func unfold(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}

var bareAddrRE = regexp.MustCompile(`[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?`)

// addressList parses an address header, falling back to picking out
// anything that looks like an address when the header is malformed (as
// real mail often is).
func addressList(v string) []mail.Address {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	var out []mail.Address
	if list, err := mail.ParseAddressList(v); err == nil {
		for _, a := range list {
			out = append(out, mail.Address{Name: a.Name, Address: strings.TrimSpace(a.Address)})
		}
		return out
	}
	for _, a := range bareAddrRE.FindAllString(v, -1) {
		out = append(out, mail.Address{Address: a})
	}
	if len(out) == 1 {
		if i := strings.Index(v, "<"); i > 0 {
			out[0].Name = strings.Trim(strings.TrimSpace(v[:i]), `"`)
		}
	}
	return out
}

func firstAddress(v string) mail.Address {
	if l := addressList(v); len(l) > 0 {
		return l[0]
	}
	return mail.Address{}
}

// collectAttachments gathers every leaf part that is not the body: files,
// inline images, forwarded messages, signatures, report parts. TNEF
// (winmail.dat) is replaced by the files inside it.
// Parts the streaming walk cut (see stream.go) are opened from the raw
// message instead of held.
func (m *Message) collectAttachments(env *enmime.Envelope, sk *skeleton) {
	if env.Root == nil {
		return
	}
	leaves := env.Root.DepthMatchAll(func(p *enmime.Part) bool {
		return p.FirstChild == nil && !strings.HasPrefix(p.ContentType, "multipart/")
	})
	n := 0
	for _, p := range leaves {
		if p == env.Root && !isFilePart(p) {
			continue // single-part text or HTML mail
		}
		if isBodyPart(p) {
			continue
		}
		n++
		a := Attachment{
			Filename:    cleanFilename(p.FileName),
			ContentType: strings.ToLower(p.ContentType),
			ContentID:   strings.Trim(strings.TrimSpace(p.ContentID), "<>"),
			Data:        p.Content,
		}
		if sp, ok := sk.part(p.Header.Get(spoolHeader)); ok {
			a.Data, a.size, a.open = nil, sp.size, sk.open(sp)
		}
		if a.ContentType == "" {
			a.ContentType = "application/octet-stream"
		}
		switch a.ContentType {
		case "application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature":
			a.Origin = "signature"
		case "message/rfc822", "message/global", "text/rfc822-headers":
			a.Origin = "message"
		}
		if a.ContentID != "" && (p.Disposition == "inline" || strings.Contains(env.HTML, "cid:"+a.ContentID)) && p.Disposition != "attachment" {
			a.Inline = true
		}
		if a.ContentType == "application/ms-tnef" || a.ContentType == "application/vnd.ms-tnef" || strings.EqualFold(a.Filename, "winmail.dat") {
			if files, body, err := DecodeTNEF(a.Data); err == nil {
				m.Attachments = append(m.Attachments, files...)
				if m.Text == "" && body != "" {
					m.Text = strings.TrimSpace(normalizeNewlines(body))
				}
				continue
			} else {
				m.ParseErrors = append(m.ParseErrors, "winmail.dat: "+err.Error())
			}
		}
		if a.Filename == "" {
			a.Filename = defaultFilename(a, n)
		}
		m.Attachments = append(m.Attachments, a)
	}
}

// isBodyPart: the text/plain and text/html parts enmime reads as the body.
func isBodyPart(p *enmime.Part) bool {
	if p.ContentType != "text/plain" && p.ContentType != "text/html" && p.ContentType != "" {
		return false
	}
	return !isFilePart(p)
}

func isFilePart(p *enmime.Part) bool {
	return p.Disposition == "attachment" || p.FileName != "" ||
		(p.ContentType != "" && p.ContentType != "text/plain" && p.ContentType != "text/html")
}

func defaultFilename(a Attachment, n int) string {
	switch a.ContentType {
	case "message/rfc822", "message/global":
		return "message.eml"
	case "text/rfc822-headers":
		return "headers.txt"
	case "message/delivery-status", "message/global-delivery-status":
		return "delivery-status.txt"
	case "message/feedback-report":
		return "feedback-report.txt"
	case "message/disposition-notification":
		return "disposition-notification.txt"
	case "application/pkcs7-signature", "application/x-pkcs7-signature":
		return "smime.p7s"
	case "application/pgp-signature":
		return "signature.asc"
	}
	ext := ""
	if exts, _ := mime.ExtensionsByType(a.ContentType); len(exts) > 0 {
		ext = exts[0]
	}
	if ext == "" {
		ext = ".bin"
	}
	return "part-" + strconv.Itoa(n) + ext
}

// cleanFilename keeps the base name, without path separators or control
// characters.
func cleanFilename(name string) string {
	name = strings.TrimSpace(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if name == "." || name == ".." {
		return ""
	}
	if len(name) > 200 {
		name = name[:200]
	}
	return name
}

func normalizeNewlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

var htmlPolicy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto", "cid")
	p.AllowAttrs("width", "height", "alt").OnElements("img")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// SanitizeHTML makes email HTML safe to show inside a page: bluemonday's
// user-generated-content policy (no scripts, styles, forms or event
// handlers), links with rel=nofollow, cid: image URLs kept for RewriteCIDs.
func SanitizeHTML(html string) string { return htmlPolicy.Sanitize(html) }

var cidRE = regexp.MustCompile(`(?i)cid:([^"'\s>)]+)`)

// RewriteCIDs replaces cid: URLs in sanitised HTML with url(contentID)
// (e.g. the download URL of the stored inline image); a content ID that url
// answers "" for is left alone.
func RewriteCIDs(html string, url func(contentID string) string) string {
	return cidRE.ReplaceAllStringFunc(html, func(s string) string {
		if u := url(s[4:]); u != "" {
			return u
		}
		return s
	})
}
