// Package mail owns Frontdesk's email: the outbox every domain writes
// outgoing mail into (in the same transaction as the event that causes it),
// the worker that sends it over SMTP with retries, the admin pages that show
// the outbox, and, in a later issue, IMAP fetching of the support inbox.
//
// # Queueing mail
//
// A domain builds a Message and calls Outbox.Enqueue with its own
// transaction, then Outbox.Wake after the commit:
//
//	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
//		// … the business change …
//		_, err := outbox.Enqueue(ctx, tx, mail.Message{
//			To: u.Email, ToName: u.Name, Subject: "Confirm your email address",
//			Template: "accounts_verify", Kind: "verify_email",
//			Data: map[string]any{"Name": u.Name, "Link": link},
//		})
//		return err
//	})
//	if err == nil {
//		outbox.Wake()
//	}
//
// A rolled-back transaction leaves no mail behind; a committed one always
// sends (or shows up as failed in /admin/outbox).
//
// # Templates
//
// Enqueue renders views/mail/<Template>.txt with text/template (required)
// and views/mail/<Template>.html with html/template (optional: without it the
// HTML part is made from the text, with links made clickable). Both are
// placed inside the branded layouts views/mail/layout.txt and
// views/mail/layout.html. Template names are lower-case letters, digits and
// underscores, prefixed with the domain ("accounts_verify").
//
// Templates see the values of Message.Data at the top level ({{.Link}}),
// plus these keys set by the outbox (they win over Data):
//
//	.Brand.Name, .Brand.Color  the portal's name and primary colour (settings
//	                           brand.name and brand.color)
//	.BaseURL                   the portal's absolute URL, no trailing slash
//	.SupportAddress            the support address (may be empty)
//	.To, .ToName, .Subject     the message's recipient and subject
//
// For a simple notice without a template of its own, use Template
// "mail_notice" with Data {"Body": "plain text"}: a greeting and the text,
// whose links become clickable in the HTML part.
//
// The HTML templates are also parsed by the page engine (they live in
// views/), so they may use only the functions every page may use (asset,
// hasPrefix, lower, join, add, date, datetime, isoTime, ago, dict), and must
// not {{define}} anything.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
	"unicode"

	"github.com/uptrace/bun"
)

// Message is an email to queue. The outbox renders Template (views/mail/
// <Template>.txt and .html, inside the branded mail layout) with Data at
// enqueue time and stores the result, so what is sent is what was decided
// in the transaction.
type Message struct {
	To       string // recipient address
	ToName   string // recipient display name, may be empty
	Subject  string
	Template string         // e.g. "accounts_verify"
	Data     map[string]any // template data; the brand is added by the outbox
	Kind     string         // short label for admins, e.g. "verify_email"; default Template

	// Threading headers, used by ticket replies in a later issue.
	InReplyTo  string
	References []string
	// IDTag goes into the signed Message-ID (e.g. "t1042" for ticket mail);
	// see SignedMessageID.
	IDTag string

	// ReplyTo, when set, becomes the Reply-To header (ticket mail points it
	// at the support inbox).
	ReplyTo string
	// Personal marks mail a person wrote (an agent's reply). Everything else
	// is sent with Auto-Submitted (auto-replied when it answers a message,
	// In-Reply-To set; auto-generated otherwise) so auto-responders stay
	// quiet (RFC 3834).
	Personal bool
}

// Brand is how mail presents the portal.
type Brand struct {
	Name  string
	Color string // #rrggbb
}

// OutboxDeps is what an Outbox needs.
type OutboxDeps struct {
	// Templates holds mail/<name>.txt, mail/<name>.html and the mail/layout
	// files (views.FS in the app).
	Templates fs.FS
	// Funcs are the template functions templates may call (the app passes
	// the page engine's functions, so both parse the same files).
	Funcs map[string]any
	// Brand returns the current branding; nil means Frontdesk defaults.
	Brand func(ctx context.Context) Brand
	// BaseURL is the portal's absolute URL; its host names Message-IDs.
	BaseURL string
	// SupportAddress is the From of outgoing mail (may be empty).
	SupportAddress string
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// MessageIDKey, when set, signs every Message-ID the outbox makes
	// (SignedMessageID), so inbound mail can trust the ones that come back.
	MessageIDKey []byte
}

// Outbox queues mail for the sender worker.
type Outbox struct {
	deps   OutboxDeps
	idHost string
	wake   chan struct{}

	mu    sync.Mutex
	texts map[string]*texttemplate.Template
	htmls map[string]*htmltemplate.Template // nil value: no such file
}

// NewOutbox returns an outbox rendering templates from deps.Templates.
func NewOutbox(deps OutboxDeps) *Outbox {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Brand == nil {
		deps.Brand = func(context.Context) Brand { return Brand{} }
	}
	host := "frontdesk.localhost"
	if u, err := url.Parse(deps.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return &Outbox{
		deps:   deps,
		idHost: host,
		wake:   make(chan struct{}, 1),
		texts:  map[string]*texttemplate.Template{},
		htmls:  map[string]*htmltemplate.Template{},
	}
}

// Wake tells the sender that new mail is waiting; call it after the
// transaction that enqueued mail committed. It never blocks.
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Wakeups delivers a value after Wake was called (to the sender worker).
func (o *Outbox) Wakeups() <-chan struct{} { return o.wake }

// Status values of an outbox row.
const (
	StatusPending = "pending"
	StatusSending = "sending"
	StatusSent    = "sent"
	StatusFailed  = "failed"
)

// Entry is one row of the outbox.
type Entry struct {
	bun.BaseModel `bun:"table:mail_outbox"`

	ID            int64      `bun:"id,pk,autoincrement"`
	Kind          string     `bun:"kind,notnull"`
	ToAddress     string     `bun:"to_address,notnull"`
	ToName        string     `bun:"to_name,notnull"`
	ReplyTo       string     `bun:"reply_to,notnull"`
	Subject       string     `bun:"subject,notnull"`
	MessageID     string     `bun:"message_id,notnull"`
	InReplyTo     string     `bun:"in_reply_to,notnull"`
	Refs          string     `bun:"refs,notnull"` // space-separated Message-IDs
	AutoSubmitted bool       `bun:"auto_submitted,notnull"`
	TextBody      string     `bun:"text_body,notnull"`
	HTMLBody      string     `bun:"html_body,notnull"`
	Status        string     `bun:"status,notnull"`
	Attempts      int        `bun:"attempts,notnull"`
	LastError     string     `bun:"last_error,notnull"`
	NextAttemptAt time.Time  `bun:"next_attempt_at,notnull"`
	LockedUntil   *time.Time `bun:"locked_until"`
	SentAt        *time.Time `bun:"sent_at"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
}

// References returns the stored References as a list.
func (e *Entry) References() []string { return strings.Fields(e.Refs) }

var templateName = regexp.MustCompile(`^[a-z0-9_]+$`)

// Enqueue renders m and inserts it into the outbox using db, which should
// be the caller's transaction so the mail exists exactly when the event
// that caused it does. It returns the outbox row id.
func (o *Outbox) Enqueue(ctx context.Context, db bun.IDB, m Message) (int64, error) {
	e, err := o.Render(ctx, m)
	if err != nil {
		return 0, err
	}
	if _, err := db.NewInsert().Model(e).Returning("id").Exec(ctx); err != nil {
		return 0, fmt.Errorf("mail: enqueue %s: %w", m.Template, err)
	}
	return e.ID, nil
}

// Render validates m and renders it into an outbox entry without storing
// it (Enqueue stores it; previews and tests may use it alone).
func (o *Outbox) Render(ctx context.Context, m Message) (*Entry, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	brand := o.deps.Brand(ctx)
	if brand.Name == "" {
		brand.Name = "Frontdesk"
	}
	if !hexColor.MatchString(brand.Color) {
		brand.Color = "#1d4ed8"
	}
	data := make(map[string]any, len(m.Data)+7)
	for k, v := range m.Data {
		data[k] = v
	}
	data["Brand"] = brand
	data["BaseURL"] = strings.TrimRight(o.deps.BaseURL, "/")
	data["SupportAddress"] = o.deps.SupportAddress
	data["To"] = m.To
	data["ToName"] = m.ToName
	data["Subject"] = m.Subject

	text, html, err := o.renderBodies(m.Template, data)
	if err != nil {
		return nil, err
	}
	now := o.deps.Now().UTC().Truncate(time.Microsecond)
	kind := m.Kind
	if kind == "" {
		kind = m.Template
	}
	return &Entry{
		Kind:          kind,
		ToAddress:     strings.TrimSpace(m.To),
		ToName:        HeaderText(m.ToName),
		ReplyTo:       strings.TrimSpace(m.ReplyTo),
		Subject:       HeaderText(m.Subject),
		MessageID:     o.newMessageID(m.IDTag),
		InReplyTo:     strings.TrimSpace(m.InReplyTo),
		Refs:          strings.Join(m.References, " "),
		AutoSubmitted: !m.Personal,
		TextBody:      text,
		HTMLBody:      html,
		Status:        StatusPending,
		NextAttemptAt: now,
		CreatedAt:     now,
	}, nil
}

// NewMessageID returns a fresh "<random@host>" Message-ID, host being the
// base URL's host.
func (o *Outbox) NewMessageID() string { return o.newMessageID("") }

func (o *Outbox) newMessageID(tag string) string {
	if len(o.deps.MessageIDKey) > 0 {
		return SignedMessageID(o.deps.MessageIDKey, o.idHost, tag)
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "<" + hex.EncodeToString(b) + "@" + o.idHost + ">"
}

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// ErrInvalidMessage wraps every reason Enqueue and Render refuse a message
// (a recipient that is not an address, an unknown template, ...), so a
// caller can tell "this mail cannot be sent" from "the database failed".
var ErrInvalidMessage = errors.New("mail: invalid message")

func (m Message) validate() error {
	if !templateName.MatchString(m.Template) {
		return fmt.Errorf("%w: template name %q: want lower-case letters, digits and _", ErrInvalidMessage, m.Template)
	}
	if _, err := mail.ParseAddress(m.To); err != nil || strings.ContainsAny(m.To, "<>\r\n") {
		return fmt.Errorf("%w: recipient %q is not an email address", ErrInvalidMessage, m.To)
	}
	if strings.TrimSpace(m.Subject) == "" {
		return fmt.Errorf("%w: subject is empty", ErrInvalidMessage)
	}
	for _, h := range []string{m.ReplyTo, m.InReplyTo, strings.Join(m.References, " ")} {
		if strings.ContainsAny(h, "\r\n") {
			return fmt.Errorf("%w: address and Message-ID headers must not contain line breaks", ErrInvalidMessage)
		}
	}
	if m.ReplyTo != "" {
		if _, err := mail.ParseAddress(m.ReplyTo); err != nil {
			return fmt.Errorf("%w: reply-to %q is not an email address", ErrInvalidMessage, m.ReplyTo)
		}
	}
	return nil
}

// HeaderText makes free text (a person's name, a subject) safe for one
// header line: line breaks and other control characters become spaces and
// runs of spaces one, so no value can start a header of its own.
func HeaderText(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}

// renderBodies runs the message's templates and wraps them in the layouts.
func (o *Outbox) renderBodies(name string, data map[string]any) (text, html string, err error) {
	tt, err := o.textTemplate("mail/" + name + ".txt")
	if err != nil {
		return "", "", err
	}
	var buf bytes.Buffer
	if err := tt.Execute(&buf, data); err != nil {
		return "", "", fmt.Errorf("mail: render %s.txt: %w", name, err)
	}
	content := strings.TrimSpace(normalizeNewlines(buf.String()))

	var inner htmltemplate.HTML
	ht, err := o.htmlTemplate("mail/" + name + ".html")
	if err != nil {
		return "", "", err
	}
	if ht != nil {
		buf.Reset()
		if err := ht.Execute(&buf, data); err != nil {
			return "", "", fmt.Errorf("mail: render %s.html: %w", name, err)
		}
		inner = htmltemplate.HTML(buf.String())
	} else {
		inner = TextToHTML(content)
	}

	layoutData := make(map[string]any, len(data)+1)
	for k, v := range data {
		layoutData[k] = v
	}

	text = content + "\n"
	if lt, err := o.textTemplate("mail/layout.txt"); err == nil {
		layoutData["Content"] = content
		buf.Reset()
		if err := lt.Execute(&buf, layoutData); err != nil {
			return "", "", fmt.Errorf("mail: render layout.txt: %w", err)
		}
		text = strings.TrimSpace(normalizeNewlines(buf.String())) + "\n"
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", "", err
	}

	html = "<!DOCTYPE html><html><body>" + string(inner) + "</body></html>"
	if lh, err := o.htmlTemplate("mail/layout.html"); err != nil {
		return "", "", err
	} else if lh != nil {
		layoutData["Content"] = inner
		buf.Reset()
		if err := lh.Execute(&buf, layoutData); err != nil {
			return "", "", fmt.Errorf("mail: render layout.html: %w", err)
		}
		html = buf.String()
	}
	return text, html, nil
}

// textTemplate parses (once) a required text template; a missing file is
// an error wrapping fs.ErrNotExist.
func (o *Outbox) textTemplate(path string) (*texttemplate.Template, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if t, ok := o.texts[path]; ok {
		return t, nil
	}
	src, err := fs.ReadFile(o.deps.Templates, path)
	if err != nil {
		return nil, fmt.Errorf("mail: template %s: %w", path, err)
	}
	t, err := texttemplate.New(path).Funcs(o.deps.Funcs).Option("missingkey=zero").Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("mail: template %s: %w", path, err)
	}
	o.texts[path] = t
	return t, nil
}

// htmlTemplate parses (once) an optional HTML template; nil, nil when the
// file does not exist.
func (o *Outbox) htmlTemplate(path string) (*htmltemplate.Template, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if t, ok := o.htmls[path]; ok {
		return t, nil
	}
	src, err := fs.ReadFile(o.deps.Templates, path)
	if errors.Is(err, fs.ErrNotExist) {
		o.htmls[path] = nil
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mail: template %s: %w", path, err)
	}
	t, err := htmltemplate.New(path).Funcs(o.deps.Funcs).Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("mail: template %s: %w", path, err)
	}
	o.htmls[path] = t
	return t, nil
}

func normalizeNewlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

var paraRE = regexp.MustCompile(`\n\s*\n`)

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+[^\s<>".,;:!?)\]']`)

// TextToHTML turns plain text into simple HTML: paragraphs at blank lines,
// line breaks kept, http(s) links made clickable, everything else escaped.
func TextToHTML(text string) htmltemplate.HTML {
	var b strings.Builder
	for _, para := range paraRE.Split(strings.TrimSpace(normalizeNewlines(text)), -1) {
		if para == "" {
			continue
		}
		b.WriteString("<p>")
		for i, line := range strings.Split(para, "\n") {
			if i > 0 {
				b.WriteString("<br>\n")
			}
			last := 0
			for _, loc := range linkRE.FindAllStringIndex(line, -1) {
				b.WriteString(htmltemplate.HTMLEscapeString(line[last:loc[0]]))
				u := htmltemplate.HTMLEscapeString(line[loc[0]:loc[1]])
				b.WriteString(`<a href="` + u + `">` + u + `</a>`)
				last = loc[1]
			}
			b.WriteString(htmltemplate.HTMLEscapeString(line[last:]))
		}
		b.WriteString("</p>\n")
	}
	return htmltemplate.HTML(b.String())
}
