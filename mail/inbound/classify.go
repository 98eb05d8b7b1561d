package inbound

import (
	"bytes"
	"mime"
	"net/mail"
	"regexp"
	"strings"

	"github.com/jhillyerd/enmime/dsn"
)

// Kind is what kind of mail a message is.
type Kind string

// Kinds of inbound mail.
const (
	KindPersonal  Kind = "personal"   // a person wrote it: may open or continue a ticket
	KindAutoReply Kind = "auto_reply" // out-of-office, list or bulk mail: threads, never answered, never reopens
	KindBounce    Kind = "bounce"     // delivery failure of mail we sent
	KindComplaint Kind = "complaint"  // ARF spam complaint: never a ticket
	KindReceipt   Kind = "receipt"    // MDN read receipt: never a ticket
	KindOwn       Kind = "own"        // sent by our own support address: ignored (loop)
)

// Classification is the verdict on a message and why.
type Classification struct {
	Kind   Kind
	Reason string // which header, token or pattern decided, for the ingestion log
	// For bounces (and complaints, when the report says): the address that
	// failed and the Message-ID of our mail it was about.
	Recipient         string
	OriginalMessageID string
	Status            string // DSN status code, e.g. "5.1.1"
	Permanent         bool
}

// ClassifyOptions says who "we" are.
type ClassifyOptions struct {
	// SupportAddresses are our own addresses (the support address and any
	// aliases); mail From one of them (or a plus-variant) is ours.
	SupportAddresses []string
	// OwnMessageID reports whether a Message-ID is one we made
	// (mail.VerifyMessageID with the installation's key).
	OwnMessageID func(id string) bool
}

// ParseAndClassify parses raw and classifies it.
func ParseAndClassify(raw []byte, opts ClassifyOptions) *Message {
	m := ParseBytes(raw)
	m.Class = Classify(m, raw, opts)
	return m
}

// Classify decides what kind of mail m is. raw, when not nil, lets it read
// report parts precisely; without it the parsed attachments are used.
func Classify(m *Message, raw []byte, opts ClassifyOptions) Classification {
	from := m.FromAddress()
	for _, own := range opts.SupportAddresses {
		if own != "" && sameMailbox(from, own) {
			return Classification{Kind: KindOwn, Reason: "From is our support address " + strings.ToLower(own)}
		}
	}
	if opts.OwnMessageID != nil && m.MessageID != "" && opts.OwnMessageID(m.MessageID) {
		return Classification{Kind: KindOwn, Reason: "Message-ID was made by us"}
	}

	ctype, params := contentType(m.Header.Get("Content-Type"))
	if ctype == "multipart/report" {
		switch strings.ToLower(params["report-type"]) {
		case "delivery-status":
			c := Classification{Kind: KindBounce, Reason: "multipart/report; report-type=delivery-status"}
			readDSN(m, raw, &c)
			return c
		case "feedback-report":
			c := Classification{Kind: KindComplaint, Reason: "multipart/report; report-type=feedback-report (ARF)"}
			c.OriginalMessageID, c.Recipient = originalFromAttachments(m)
			return c
		case "disposition-notification":
			c := Classification{Kind: KindReceipt, Reason: "multipart/report; report-type=disposition-notification (MDN)"}
			c.OriginalMessageID = headerFromReport(m, "message/disposition-notification", "Original-Message-Id")
			return c
		}
	}
	if c, ok := nonStandardBounce(m); ok {
		return c
	}
	if r := autoReplyReason(m); r != "" {
		return Classification{Kind: KindAutoReply, Reason: r}
	}
	return Classification{Kind: KindPersonal, Reason: "personal mail"}
}

func contentType(v string) (string, map[string]string) {
	mt, params, err := mime.ParseMediaType(v)
	if err != nil {
		return "", nil
	}
	return mt, params
}

// readDSN fills a bounce from the RFC 3464 delivery-status part. A report
// whose every recipient was delivered (Action: delivered/relayed/expanded)
// or merely delayed is not a bounce: it becomes an auto-reply.
func readDSN(m *Message, raw []byte, c *Classification) {
	var report *dsn.Report
	if raw != nil {
		if env, err := parser.ReadEnvelope(bytes.NewReader(raw)); err == nil && env.Root != nil {
			report, _ = dsn.ParseReport(env.Root)
		}
	}
	failed := false
	seen := false
	if report != nil {
		for _, r := range report.DeliveryStatus.RecipientDSNs {
			seen = true
			if !dsn.IsFailed(r) {
				continue
			}
			failed = true
			if c.Recipient == "" {
				c.Recipient = addrOfType(r.Get("Original-Recipient"))
				if fr := addrOfType(r.Get("Final-Recipient")); fr != "" {
					c.Recipient = fr
				}
				c.Status = strings.TrimSpace(r.Get("Status"))
			}
		}
	}
	if !seen { // no readable delivery-status: fall back to the attachment text
		for _, a := range m.Attachments {
			if a.ContentType == "message/delivery-status" || a.ContentType == "message/global-delivery-status" {
				for _, block := range bytes.Split(normalizeCRLF(a.Data), []byte("\n\n")) {
					h := headerBlock(block)
					if r := h.Get("Final-Recipient"); r != "" {
						seen = true
						if strings.EqualFold(strings.TrimSpace(h.Get("Action")), "failed") {
							failed = true
							if c.Recipient == "" {
								c.Recipient = addrOfType(r)
								c.Status = strings.TrimSpace(h.Get("Status"))
							}
						}
					}
				}
			}
		}
	}
	if seen && !failed {
		c.Kind = KindAutoReply
		c.Reason = "delivery-status report without a failed recipient (delayed or delivered)"
		return
	}
	c.Permanent = strings.HasPrefix(c.Status, "5") || c.Status == ""
	c.OriginalMessageID, _ = originalFromAttachments(m)
	if c.Recipient == "" {
		c.Recipient = strings.ToLower(strings.TrimSpace(m.Header.Get("X-Failed-Recipients")))
	}
}

func normalizeCRLF(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }

func headerBlock(b []byte) mail.Header {
	msg, err := mail.ReadMessage(bytes.NewReader(append(bytes.TrimSpace(b), '\n', '\n')))
	if err != nil {
		return mail.Header{}
	}
	return msg.Header
}

// addrOfType reads "rfc822; user@example.com".
func addrOfType(v string) string {
	if i := strings.Index(v, ";"); i >= 0 {
		v = v[i+1:]
	}
	return strings.ToLower(strings.Trim(strings.TrimSpace(v), "<>"))
}

// originalFromAttachments finds the returned message (message/rfc822 or
// text/rfc822-headers) and reads its Message-ID and To.
func originalFromAttachments(m *Message) (messageID, to string) {
	for _, a := range m.Attachments {
		if a.Origin != "message" {
			continue
		}
		h := headerBlock(headerPart(a.Data))
		if id := strings.TrimSpace(h.Get("Message-Id")); id != "" {
			if l, err := mail.ParseAddress(h.Get("To")); err == nil {
				to = strings.ToLower(l.Address)
			}
			return id, to
		}
	}
	return "", ""
}

func headerPart(b []byte) []byte {
	b = normalizeCRLF(b)
	if i := bytes.Index(b, []byte("\n\n")); i >= 0 {
		return b[:i]
	}
	return b
}

func headerFromReport(m *Message, ctype, key string) string {
	for _, a := range m.Attachments {
		if a.ContentType == ctype {
			return strings.TrimSpace(headerBlock(a.Data).Get(key))
		}
	}
	return ""
}

var (
	bounceSenderRE  = regexp.MustCompile(`(?i)^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@`)
	bounceSubjectRE = regexp.MustCompile(`(?i)(undeliver(ed|able)|delivery (status notification|failure|has failed|failed)|mail delivery (failed|failure|subsystem)|returned mail|failure notice|non[- ]?delivery|unzustellbar|nicht zustellbar|non remis|no entregado|message not delivered|could not be delivered)`)
	// Lines that name the failed address in the body of common MTAs:
	// Postfix "<a@b>: host … said", Exim "The following address(es)
	// failed:\n\n  a@b", qmail "<a@b>:", Gmail "wasn't delivered to a@b",
	// Exchange "Your message to a@b couldn't be delivered".
	bodyRecipientRE = []*regexp.Regexp{
		regexp.MustCompile(`(?im)^\s*<([^<>\s@]+@[^<>\s]+)>:`),
		regexp.MustCompile(`(?is)following (?:address(?:\(es\))?|recipients?)[^\n]*failed[^\n]*:\s*\n\s*<?([^<>\s@]+@[^<>\s:]+)`),
		regexp.MustCompile(`(?i)(?:wasn't|was not|couldn't be|could not be) delivered to\s+<?([^<>\s@]+@[^<>\s:,]+?)>?[\s.,]`),
		regexp.MustCompile(`(?i)your message to\s+<?([^<>\s@]+@[^<>\s:,]+?)>?\s+couldn't be delivered`),
		regexp.MustCompile(`(?im)^\s*Original-Recipient:\s*rfc822;\s*<?([^<>\s@]+@[^<>\s]+?)>?\s*$`),
	}
	bodyMessageIDRE = regexp.MustCompile(`(?im)^\s*Message-ID:\s*(<[^<>\s]+>)`)
)

// nonStandardBounce recognises bounces that are not RFC 3464 reports: from
// MAILER-DAEMON/postmaster or with an X-Failed-Recipients header, with a
// delivery-failure subject.
func nonStandardBounce(m *Message) (Classification, bool) {
	failed := strings.TrimSpace(m.Header.Get("X-Failed-Recipients"))
	fromDaemon := bounceSenderRE.MatchString(m.FromAddress())
	subj := bounceSubjectRE.MatchString(m.Subject)
	var reason string
	switch {
	case failed != "":
		reason = "X-Failed-Recipients header"
	case fromDaemon && subj:
		reason = "From " + m.FromAddress() + " with a delivery-failure subject"
	case subj && strings.TrimSpace(m.Header.Get("Return-Path")) == "<>":
		reason = "empty Return-Path with a delivery-failure subject"
	default:
		return Classification{}, false
	}
	c := Classification{Kind: KindBounce, Reason: reason, Permanent: true}
	if failed != "" {
		c.Recipient = strings.ToLower(strings.TrimSpace(strings.Split(failed, ",")[0]))
	}
	text := m.Text
	for _, a := range m.Attachments {
		if strings.HasPrefix(a.ContentType, "text/") || a.Origin == "message" {
			text += "\n" + string(a.Data)
		}
	}
	if c.Recipient == "" {
		for _, re := range bodyRecipientRE {
			if s := re.FindStringSubmatch(text); s != nil {
				c.Recipient = strings.ToLower(strings.TrimRight(s[1], "."))
				break
			}
		}
	}
	c.OriginalMessageID, _ = originalFromAttachments(m)
	if c.OriginalMessageID == "" {
		// The returned message is quoted inline: its Message-ID is the
		// first one in the body (the bounce's own is in its header).
		for _, s := range bodyMessageIDRE.FindAllStringSubmatch(text, -1) {
			if s[1] != m.MessageID {
				c.OriginalMessageID = s[1]
				break
			}
		}
	}
	return c, true
}

var (
	precedenceAuto = map[string]bool{"bulk": true, "junk": true, "list": true, "auto_reply": true}
	// Out-of-office and auto-reply subjects in the languages support mail
	// arrives in (matched at the start, after any "Re:"/"AW:" prefixes).
	autoSubjectRE = regexp.MustCompile(`(?i)^\s*(?:(?:re|aw|sv|antw|réf|rif|r|fw|fwd|wg)\s*:\s*)*(?:` + strings.Join([]string{
		`out of (?:the )?office`, `automatic reply`, `auto[- ]?reply`, `auto[- ]?response`, `autoresponder`,
		`vacation(?: reply| message| notice)?\b`, `away from (?:the )?office`, `on vacation`, `on leave`,
		`abwesenheitsnotiz`, `automatische antwort`, `abwesend`, `außer haus`, `ausser haus`, `urlaub`,
		`réponse automatique`, `reponse automatique`, `absence`, `absent`, `en congé`,
		`respuesta automática`, `respuesta automatica`, `fuera de la oficina`, `ausente`,
		`risposta automatica`, `fuori sede`, `fuori ufficio`,
		`automatisch antwoord`, `afwezig`, `niet aanwezig`,
		`resposta automática`, `resposta automatica`, `fora do escritório`,
		`autosvar`, `frånvaro`, `fraværende`, `automaattinen vastaus`, `poissa`,
		`automatyczna odpowiedź`, `poza biurem`, `automatická odpověď`,
		`автоответ`, `автоматический ответ`, `нет на месте`, `в отпуске`,
		`自動応答`, `自動返信`, `不在`, `自动回复`, `自動回覆`, `休假`, `자동 응답`, `부재중`,
	}, "|") + `)`)
)

// autoReplyReason returns why m is automatic mail, or "".
func autoReplyReason(m *Message) string {
	h := m.Header
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return "Auto-Submitted: " + v
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Autogenerated", "X-Auto-Response"} {
		if v := strings.TrimSpace(h.Get(k)); v != "" && !strings.EqualFold(v, "no") {
			return k + " header"
		}
	}
	if v := strings.ToLower(strings.TrimSpace(h.Get("Precedence"))); precedenceAuto[v] {
		return "Precedence: " + v
	}
	if v := strings.ToLower(strings.TrimSpace(h.Get("X-Precedence"))); precedenceAuto[v] {
		return "X-Precedence: " + v
	}
	if h.Get("List-Id") != "" {
		return "List-Id header (mailing list)"
	}
	if h.Get("List-Unsubscribe") != "" && h.Get("Feedback-Id") != "" {
		return "List-Unsubscribe with Feedback-ID (bulk sender)"
	}
	if ms := strings.TrimSpace(h.Get("X-MS-Exchange-Generated-Message-Source")); ms != "" {
		return "X-MS-Exchange-Generated-Message-Source: " + ms
	}
	if s := autoSubjectRE.FindString(m.Subject); s != "" {
		return "out-of-office subject " + strings.TrimSpace(s)
	}
	return ""
}

// sameMailbox compares addresses case-insensitively, ignoring a
// +detail in the local part.
func sameMailbox(a, b string) bool {
	la, da, ok1 := splitAddr(a)
	lb, db, ok2 := splitAddr(b)
	return ok1 && ok2 && la == lb && da == db
}

func splitAddr(a string) (local, domain string, ok bool) {
	a = strings.ToLower(strings.TrimSpace(a))
	i := strings.LastIndex(a, "@")
	if i <= 0 || i == len(a)-1 {
		return "", "", false
	}
	local = a[:i]
	if j := strings.Index(local, "+"); j > 0 {
		local = local[:j]
	}
	return local, a[i+1:], true
}
