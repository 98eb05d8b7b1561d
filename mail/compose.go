package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
)

// Compose turns an outbox entry into an RFC 5322 message: multipart/
// alternative (text, then HTML) in UTF-8 quoted-printable, with Date,
// Message-ID, From, To (with name), an RFC 2047 encoded Subject, Reply-To,
// In-Reply-To/References when set, and Auto-Submitted for automatic mail
// (AutoSubmittedValue).
// Lines end in CRLF.
func Compose(e *Entry, from mail.Address, date time.Time) ([]byte, error) {
	var b bytes.Buffer
	h := func(name, value string) {
		if value != "" {
			b.WriteString(name + ": " + value + "\r\n")
		}
	}
	h("Date", date.Format(time.RFC1123Z))
	h("Message-ID", e.MessageID)
	h("From", from.String())
	// Names and subjects are people's text: made safe here too, whatever
	// the row holds (rows queued before HeaderText existed, say).
	h("To", (&mail.Address{Name: HeaderText(e.ToName), Address: e.ToAddress}).String())
	if e.ReplyTo != "" {
		h("Reply-To", (&mail.Address{Address: e.ReplyTo}).String())
	}
	// Encoded words are at most 75 characters; folding between them keeps
	// a long non-ASCII subject within SMTP's line limit.
	h("Subject", strings.ReplaceAll(mime.QEncoding.Encode("utf-8", HeaderText(e.Subject)), "?= =?", "?=\r\n =?"))
	h("In-Reply-To", e.InReplyTo)
	if refs := e.References(); len(refs) > 0 {
		h("References", strings.Join(refs, "\r\n "))
	}
	h("Auto-Submitted", AutoSubmittedValue(e))
	h("MIME-Version", "1.0")

	if e.HTMLBody == "" {
		h("Content-Type", "text/plain; charset=utf-8")
		h("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, e.TextBody); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}

	boundary := newBoundary()
	h("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": boundary}))
	b.WriteString("\r\nThis is a multi-part message in MIME format.\r\n")
	for _, part := range []struct{ ctype, body string }{
		{"text/plain; charset=utf-8", e.TextBody},
		{"text/html; charset=utf-8", e.HTMLBody},
	} {
		b.WriteString("\r\n--" + boundary + "\r\n")
		b.WriteString("Content-Type: " + part.ctype + "\r\n")
		b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
		if err := writeQP(&b, part.body); err != nil {
			return nil, err
		}
	}
	b.WriteString("\r\n--" + boundary + "--\r\n")
	return b.Bytes(), nil
}

// AutoSubmittedValue is the Auto-Submitted header of an outbox entry (RFC
// 3834 §5): "" for mail a person wrote (an agent's reply), "auto-replied"
// for automatic mail that answers a message in a conversation (it carries
// In-Reply-To: the acknowledgement of a customer's email, the ticket
// notifications threaded to it), "auto-generated" for other automatic mail
// (sign-up, password reset). Either keeps auto-responders quiet.
func AutoSubmittedValue(e *Entry) string {
	switch {
	case !e.AutoSubmitted:
		return ""
	case strings.TrimSpace(e.InReplyTo) != "":
		return "auto-replied"
	}
	return "auto-generated"
}

func writeQP(b *bytes.Buffer, body string) error {
	w := quotedprintable.NewWriter(b)
	if _, err := w.Write([]byte(normalizeNewlines(body))); err != nil {
		return fmt.Errorf("mail: encode body: %w", err)
	}
	return w.Close()
}

func newBoundary() string {
	r := make([]byte, 15)
	_, _ = rand.Read(r)
	return "fd-" + hex.EncodeToString(r)
}
