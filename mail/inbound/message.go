// Package inbound turns raw inbound email into Messages: MIME parsing
// (every charset real mail uses, RFC 2047/2231, TNEF unpacked, signatures
// kept), classification (auto-reply, bounce, complaint, read receipt, our
// own mail), quote folding for display and the threading data (Message-IDs,
// the "[#1042]" subject token, plus-addresses). It imports no domain: the
// fetcher hands each Message to a Deliverer that the tickets domain
// implements.
//
// Parsing uses github.com/jhillyerd/enmime: it is tolerant (a broken part is
// recorded as an error on the envelope instead of failing the message),
// converts every IANA charset golang.org/x/text knows (plus detection when
// the declared one is wrong), decodes RFC 2047 words and RFC 2231
// parameters, and derives text from HTML-only mail. go-message is stricter
// and streams, but would leave charset registration, HTML-to-text and most
// of the leniency to us.
//
// enmime reads every part whole; for a message over 1 MiB, stream.go first
// cuts the large base64 file parts out of the message (enmime parses the
// rest) and the deliverers stream those parts from the spooled raw
// message into the file store (Attachment.Open), so a 25 or 50 MB
// attachment costs the same bounded memory.
package inbound

import (
	"bytes"
	"io"
	"net/mail"
	"strings"
	"time"
)

// Message is one parsed inbound email.
type Message struct {
	// MessageID is the Message-ID header exactly as received, angle
	// brackets included; "" when the message had none.
	MessageID  string
	InReplyTo  []string // Message-IDs named in In-Reply-To, brackets included
	References []string // Message-IDs named in References, brackets included

	From    mail.Address
	To      []mail.Address
	Cc      []mail.Address
	ReplyTo []mail.Address
	Subject string
	Date    time.Time // zero when missing or unreadable

	// Text is the plain-text body (derived from the HTML when the mail has
	// no text part); HTML the sanitised HTML body ("" when none). Inline
	// images stay referenced as cid:… URLs; RewriteCIDs maps them.
	Text string
	HTML string

	Attachments []Attachment

	// Header holds the top-level header, decoded.
	Header mail.Header

	// Unparsed is set when the MIME structure could not be read at all:
	// Text then says so and the raw message (kept by the fetcher) is the
	// only faithful copy. ParseErrors lists what the parser tolerated.
	Unparsed    bool
	ParseErrors []string

	// Class is what Classify decided.
	Class Classification

	// Set by the ingester before delivery:
	// RawSHA256 names the gzip-compressed raw message in the file store
	// (OpenRaw reads it back) and RawSize is its uncompressed size.
	RawSHA256 string
	RawSize   int64
	// Mailbox and UID say where the message was fetched from.
	Mailbox string
	UID     int64
	// MayAutoAnswer is false when the sender already got the configured
	// number of automatic emails this hour (loop protection): the
	// deliverer must then not send an acknowledgement.
	MayAutoAnswer bool
}

// Attachment is a file carried by a message.
type Attachment struct {
	Filename    string
	ContentType string
	ContentID   string // without angle brackets; set for inline (cid:) parts
	Inline      bool   // shown in the body (referenced by a cid: URL)
	// Data is the content, except for the large parts of a large message
	// (see stream.go): those are decoded from the raw message when
	// opened, so read attachments through Open and Size. Such an
	// attachment can be opened while its Message is being ingested
	// (during Deliver), not afterwards.
	Data []byte
	size int64
	open func() (io.ReadCloser, error)
	// Origin says where the file came from when it was not a plain MIME
	// part: "tnef" (unpacked from winmail.dat), "signature" (S/MIME or
	// PGP), "message" (a forwarded or returned message).
	Origin string
}

// Size is the attachment's size in bytes.
func (a Attachment) Size() int {
	if a.open != nil {
		return int(a.size)
	}
	return len(a.Data)
}

// Open streams the attachment's content.
func (a Attachment) Open() (io.ReadCloser, error) {
	if a.open != nil {
		return a.open()
	}
	return io.NopCloser(bytes.NewReader(a.Data)), nil
}

// Streamed reports whether the content is read from the raw message on
// Open instead of held in Data.
func (a Attachment) Streamed() bool { return a.open != nil }

// Sender is the address a reply goes to: Reply-To when given, else From.
func (m *Message) Sender() string {
	if len(m.ReplyTo) > 0 && m.ReplyTo[0].Address != "" {
		return strings.ToLower(m.ReplyTo[0].Address)
	}
	return strings.ToLower(m.From.Address)
}

// FromAddress is the From address in lower case.
func (m *Message) FromAddress() string { return strings.ToLower(m.From.Address) }

// Recipients lists To and Cc addresses in lower case.
func (m *Message) Recipients() []string {
	var out []string
	for _, a := range append(append([]mail.Address{}, m.To...), m.Cc...) {
		if a.Address != "" {
			out = append(out, strings.ToLower(a.Address))
		}
	}
	return out
}

// ThreadIDs lists the Message-IDs this message refers to, most direct
// first: In-Reply-To, then References from the newest back.
func (m *Message) ThreadIDs() []string {
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, id := range m.InReplyTo {
		add(id)
	}
	for i := len(m.References) - 1; i >= 0; i-- {
		add(m.References[i])
	}
	return out
}
