package tickets

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/uptrace/bun"

	fdmail "github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/mail/inbound"
	"github.com/frontdesk/frontdesk/platform/files"
)

// The email channel (issue 11): inbound mail becomes tickets and replies.
// mail/inbound parses, classifies and logs; EmailDeliverer decides what a
// message does to the tickets, inside the ingestion transaction.

// Tags the email channel sets.
const (
	TagEmailFlagged = "email-flagged" // a possible thread hijack waiting for an agent
	TagEmailBounced = "email-bounced" // mail to someone on the ticket bounced
)

// EventBounce is the timeline event of a bounce (new value: the address).
const EventBounce = "email_bounced"

// EmailOptions configures the email channel.
type EmailOptions struct {
	// SupportAddress is support@…; plus-addresses of it (support+1042@)
	// name tickets.
	SupportAddress string
	// Suggest finds KB articles for the acknowledgement (nil: none).
	Suggest Suggester
}

// EmailDeliverer implements inbound.Deliverer over the service.
type EmailDeliverer struct {
	s    *Service
	opts EmailOptions
}

// EmailDeliverer returns the deliverer the mail fetcher hands messages to.
func (s *Service) EmailDeliverer(opts EmailOptions) *EmailDeliverer {
	return &EmailDeliverer{s: s, opts: opts}
}

var _ inbound.Deliverer = (*EmailDeliverer)(nil)

// Deliver threads m onto a ticket or opens one:
//
//  1. a bounce attaches to the ticket whose mail bounced (by the returned
//     Message-ID) as an internal note and tags it; it never opens a ticket;
//  2. In-Reply-To/References against every Message-ID stored or sent on a
//     ticket (trusted: only the ticket's own mail carries them);
//  3. the "[#1042]" subject token, then a plus-address support+1042@ —
//     accepted only from the requester or a participant; anyone else's
//     message becomes a separate flagged ticket for an agent, which never
//     touches the claimed ticket;
//  4. otherwise a new ticket (automatic mail opens none).
//
// A reply to a closed ticket opens a follow-up ticket linked to it;
// automatic mail threads without reopening anything.
func (d *EmailDeliverer) Deliver(ctx context.Context, tx bun.IDB, m *inbound.Message) (inbound.Outcome, error) {
	if m.Class.Kind == inbound.KindBounce {
		return d.bounce(ctx, tx, m)
	}
	auto := m.Class.Kind == inbound.KindAutoReply

	t, reason, err := d.thread(ctx, tx, m)
	if err != nil {
		return inbound.Outcome{}, err
	}
	sender, err := d.sender(ctx, tx, m)
	if err != nil {
		return inbound.Outcome{}, err
	}
	if t != nil && reason.needsParticipant {
		ok, err := d.isParticipant(ctx, tx, t, sender)
		if err != nil {
			return inbound.Outcome{}, err
		}
		if !ok {
			if auto {
				return inbound.Outcome{Decision: inbound.DecisionIgnored,
					Reason: fmt.Sprintf("automatic mail (%s) claiming #%d by %s from a non-participant", m.Class.Reason, t.Number, reason.text)}, nil
			}
			return d.flagged(ctx, tx, m, sender, t, reason.text)
		}
	}
	if t == nil {
		if auto {
			return inbound.Outcome{Decision: inbound.DecisionIgnored,
				Reason: "automatic mail (" + m.Class.Reason + ") that continues no ticket"}, nil
		}
		return d.newTicket(ctx, tx, m, sender, 0, "no thread: new ticket")
	}
	if t.Status == StatusClosed {
		if auto {
			return inbound.Outcome{Decision: inbound.DecisionAutoReply, TicketNumber: t.Number,
				Reason: fmt.Sprintf("automatic mail (%s) to closed ticket #%d by %s: not added", m.Class.Reason, t.Number, reason.text)}, nil
		}
		return d.newTicket(ctx, tx, m, sender, t.Number, fmt.Sprintf("reply to closed ticket #%d (%s): follow-up ticket", t.Number, reason.text))
	}
	if auto {
		if err := d.addAuto(ctx, tx, t, m, sender); err != nil {
			return inbound.Outcome{}, err
		}
		return inbound.Outcome{Decision: inbound.DecisionAutoReply, TicketNumber: t.Number,
			Reason: fmt.Sprintf("%s; threaded by %s, status unchanged", m.Class.Reason, reason.text)}, nil
	}
	files, err := d.storeFiles(ctx, tx, m)
	if err != nil {
		return inbound.Outcome{}, err
	}
	_, err = d.s.AddMessageTx(ctx, tx, t.ID, NewMessage{
		AuthorID: sender.ID, Public: true, Channel: ChannelEmail, Text: d.text(m), HTML: m.HTML,
		MessageID: storableID(m.MessageID), Subject: m.Subject, Cc: d.cc(m, sender.Email), Files: files,
	})
	if err != nil {
		return inbound.Outcome{}, fmt.Errorf("add reply to #%d: %w", t.Number, err)
	}
	return inbound.Outcome{Decision: inbound.DecisionReply, TicketNumber: t.Number, Reason: "threaded by " + reason.text}, nil
}

type threadReason struct {
	text             string
	needsParticipant bool
}

// thread finds the ticket m continues, or nil.
func (d *EmailDeliverer) thread(ctx context.Context, tx bun.IDB, m *inbound.Message) (*Ticket, threadReason, error) {
	for _, id := range m.ThreadIDs() {
		t, err := d.s.TicketByMailID(ctx, tx, id)
		if err == nil {
			return t, threadReason{text: "In-Reply-To/References " + id}, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, threadReason{}, err
		}
	}
	if n, ok := inbound.SubjectTicketNumber(m.Subject); ok {
		t, err := d.s.TicketByNumberTx(ctx, tx, n)
		if err == nil {
			return t, threadReason{text: "subject token " + inbound.SubjectToken(n), needsParticipant: true}, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, threadReason{}, err
		}
	}
	if d.opts.SupportAddress != "" {
		if n, ok := inbound.PlusTicketNumber(m.Recipients(), d.opts.SupportAddress); ok {
			t, err := d.s.TicketByNumberTx(ctx, tx, n)
			if err == nil {
				return t, threadReason{text: "plus-address " + inbound.PlusAddress(d.opts.SupportAddress, n), needsParticipant: true}, nil
			}
			if !errors.Is(err, ErrNotFound) {
				return nil, threadReason{}, err
			}
		}
	}
	return nil, threadReason{}, nil
}

// sender is the From address as a user: an existing account
// (case-insensitive) or a new passwordless contact (no password hashing).
func (d *EmailDeliverer) sender(ctx context.Context, tx bun.IDB, m *inbound.Message) (Person, error) {
	addr := m.FromAddress()
	if _, err := mail.ParseAddress(addr); err != nil || addr == "" {
		addr = "unknown-sender@invalid"
	}
	return d.s.dir.FindOrCreateContact(ctx, tx, addr, m.From.Name)
}

func (d *EmailDeliverer) isParticipant(ctx context.Context, tx bun.IDB, t *Ticket, p Person) (bool, error) {
	if p.ID == t.RequesterID || p.Role.IsStaff() {
		return true, nil
	}
	return tx.NewSelect().Model((*Participant)(nil)).
		Where("ticket_id = ? AND email = ?", t.ID, strings.ToLower(p.Email)).Exists(ctx)
}

// newTicket opens a ticket from m (a follow-up of followUp when set) and,
// when allowed, acknowledges it by email.
func (d *EmailDeliverer) newTicket(ctx context.Context, tx bun.IDB, m *inbound.Message, sender Person, followUp int64, reason string) (inbound.Outcome, error) {
	files, err := d.storeFiles(ctx, tx, m)
	if err != nil {
		return inbound.Outcome{}, err
	}
	subject := inbound.CleanSubject(m.Subject)
	if subject == "" {
		subject = "(no subject)"
	}
	if len([]rune(subject)) > 200 {
		subject = string([]rune(subject)[:200])
	}
	t, _, err := d.s.CreateTicketTx(ctx, tx, NewTicket{
		RequesterID: sender.ID, Subject: subject, Channel: ChannelEmail,
		Text: d.text(m), HTML: m.HTML, MessageID: storableID(m.MessageID),
		Cc: d.cc(m, sender.Email), Files: files, FollowUpOf: followUp,
	})
	if err != nil {
		return inbound.Outcome{}, fmt.Errorf("open ticket: %w", err)
	}
	out := inbound.Outcome{Decision: inbound.DecisionNewTicket, TicketNumber: t.Number, Reason: reason}
	if m.Unparsed {
		out.Reason += "; the message could not be parsed (raw message attached)"
	}
	if m.MayAutoAnswer && !m.Unparsed {
		sent, err := d.acknowledge(ctx, tx, t, m, sender)
		if err != nil {
			return inbound.Outcome{}, err
		}
		out.AutoAnswered = sent
	}
	return out, nil
}

// flagged keeps a message that claims a ticket by token or plus-address
// from someone who is not on it: a separate ticket for an agent to look
// at, tagged, referring to the claimed one. The claimed ticket and its
// requester are untouched and the sender sees none of its conversation.
func (d *EmailDeliverer) flagged(ctx context.Context, tx bun.IDB, m *inbound.Message, sender Person, claimed *Ticket, how string) (inbound.Outcome, error) {
	files, err := d.storeFiles(ctx, tx, m)
	if err != nil {
		return inbound.Outcome{}, err
	}
	subject := inbound.CleanSubject(m.Subject)
	if subject == "" {
		subject = "(no subject)"
	}
	t, _, err := d.s.CreateTicketTx(ctx, tx, NewTicket{
		RequesterID: sender.ID, Subject: subject, Channel: ChannelEmail,
		Text: d.text(m), HTML: m.HTML, MessageID: storableID(m.MessageID), Files: files,
		Tags: []string{TagEmailFlagged}, RefKind: "ticket", RefValue: fmt.Sprint(claimed.Number),
	})
	if err != nil {
		return inbound.Outcome{}, fmt.Errorf("open flagged ticket: %w", err)
	}
	note := fmt.Sprintf("This email claims ticket #%d (%s) but %s is neither its requester nor a participant, so it was kept apart. "+
		"If it belongs there, reply from #%d; otherwise treat it as a new request.", claimed.Number, how, sender.Email, claimed.Number)
	if err := d.systemNote(ctx, tx, t, note, nil, ""); err != nil {
		return inbound.Outcome{}, err
	}
	return inbound.Outcome{Decision: inbound.DecisionFlagged, TicketNumber: t.Number,
		Reason: fmt.Sprintf("matched #%d only by %s from non-participant %s: kept apart as #%d", claimed.Number, how, sender.Email, t.Number)}, nil
}

// addAuto threads automatic mail as a public message marked auto, without
// touching the status (an out-of-office never reopens a solved ticket).
func (d *EmailDeliverer) addAuto(ctx context.Context, tx bun.IDB, t *Ticket, m *inbound.Message, sender Person) error {
	if _, err := lockTicket(ctx, tx, t.ID); err != nil {
		return err
	}
	files, err := d.storeFiles(ctx, tx, m)
	if err != nil {
		return err
	}
	now := d.s.clock()
	if _, err := d.s.insertMessage(ctx, tx, t, NewMessage{
		AuthorID: sender.ID, Public: true, Channel: ChannelEmail, Text: d.text(m), HTML: m.HTML,
		MessageID: storableID(m.MessageID), Subject: m.Subject, Auto: true, Files: files,
	}, now); err != nil {
		return err
	}
	if _, err := tx.NewUpdate().Model((*Ticket)(nil)).Where("id = ?", t.ID).
		Set("updated_at = ?", now).Set("message_count = message_count + 1").Exec(ctx); err != nil {
		return err
	}
	return addChange(ctx, tx, t.ID, now)
}

// bounce attaches a delivery failure to the ticket whose mail bounced.
func (d *EmailDeliverer) bounce(ctx context.Context, tx bun.IDB, m *inbound.Message) (inbound.Outcome, error) {
	c := m.Class
	var t *Ticket
	if c.OriginalMessageID != "" {
		found, err := d.s.TicketByMailID(ctx, tx, c.OriginalMessageID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return inbound.Outcome{}, err
		}
		t = found
	}
	if t == nil {
		for _, id := range m.ThreadIDs() {
			if found, err := d.s.TicketByMailID(ctx, tx, id); err == nil {
				t = found
				break
			}
		}
	}
	if t == nil {
		if n, ok := inbound.SubjectTicketNumber(m.Subject); ok {
			if found, err := d.s.TicketByNumberTx(ctx, tx, n); err == nil {
				t = found
			}
		}
	}
	who := c.Recipient
	if who == "" {
		who = "an unknown recipient"
	}
	if t == nil {
		return inbound.Outcome{Decision: inbound.DecisionBounce,
			Reason: fmt.Sprintf("%s: delivery to %s failed; no ticket sent that mail (original %s)", c.Reason, who, orNone(c.OriginalMessageID))}, nil
	}
	if _, err := lockTicket(ctx, tx, t.ID); err != nil {
		return inbound.Outcome{}, err
	}
	files, err := d.storeFiles(ctx, tx, m)
	if err != nil {
		return inbound.Outcome{}, err
	}
	note := fmt.Sprintf("Email to %s could not be delivered", who)
	if c.Status != "" {
		note += " (status " + c.Status + ")"
	}
	note += ". Check the address before replying again.\n\n" + strings.TrimSpace(m.Text)
	if err := d.systemNote(ctx, tx, t, note, files, m.MessageID); err != nil {
		return inbound.Outcome{}, err
	}
	now := d.s.clock()
	if _, err := d.s.changeTagsTx(ctx, tx, t, 0, []string{TagEmailBounced}, nil, now); err != nil {
		return inbound.Outcome{}, err
	}
	if err := addEvent(ctx, tx, t.ID, 0, EventBounce, "", who, now); err != nil {
		return inbound.Outcome{}, err
	}
	return inbound.Outcome{Decision: inbound.DecisionBounce, TicketNumber: t.Number,
		Reason: fmt.Sprintf("%s: delivery to %s failed; attached to #%d", c.Reason, who, t.Number)}, nil
}

func orNone(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// systemNote adds an internal note without an author (the email channel
// speaking) and records messageID, when set, on the ticket.
func (d *EmailDeliverer) systemNote(ctx context.Context, tx bun.IDB, t *Ticket, text string, atts []AttachmentInput, messageID string) error {
	now := d.s.clock()
	msg := &Message{TicketID: t.ID, Public: false, Channel: ChannelEmail, Text: text, Auto: true, CreatedAt: now}
	if id := storableID(messageID); id != "" {
		msg.MessageID = &id
	}
	if _, err := tx.NewInsert().Model(msg).Exec(ctx); err != nil {
		return fmt.Errorf("insert note: %w", err)
	}
	for _, f := range atts {
		a := &Attachment{TicketID: t.ID, MessageID: msg.ID, Filename: files.SafeName(f.Filename),
			ContentType: cleanContentType(f.ContentType), Size: f.Blob.Size, SHA256: f.Blob.SHA256, CreatedAt: now}
		if a.Filename == "" {
			a.Filename = "attachment"
		}
		if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
			return err
		}
	}
	if _, err := tx.NewUpdate().Model((*Ticket)(nil)).Where("id = ?", t.ID).
		Set("updated_at = ?", now).Set("message_count = message_count + 1").Exec(ctx); err != nil {
		return err
	}
	return addChange(ctx, tx, t.ID, now)
}

// storeFiles puts m's attachments (and, always, the raw message) in the
// file store inside tx. A file over the size limit is left out with a line
// in the text; the raw message still has it.
func (d *EmailDeliverer) storeFiles(ctx context.Context, tx bun.IDB, m *inbound.Message) ([]AttachmentInput, error) {
	var out []AttachmentInput
	for _, a := range m.Attachments {
		// Streamed attachments of large mail go from the raw message
		// straight into the store, never whole in memory.
		rc, err := a.Open()
		if err != nil {
			return nil, err
		}
		blob, err := d.s.files.Put(ctx, tx, rc, d.s.maxFile)
		rc.Close()
		if errors.Is(err, files.ErrTooLarge) {
			m.Text += fmt.Sprintf("\n\n[%s (%s) is larger than the attachment limit and was not kept separately; the original email has it.]",
				a.Filename, files.FormatSize(int64(a.Size())))
			continue
		}
		if err != nil {
			return nil, err
		}
		in := AttachmentInput{Filename: a.Filename, ContentType: a.ContentType, Blob: blob}
		if a.Inline {
			in.ContentID = a.ContentID
		}
		out = append(out, in)
	}
	if m.RawSHA256 != "" {
		// The raw message as received, gzip-compressed (kept by the
		// ingester in the same store), for agents to download.
		out = append(out, AttachmentInput{Filename: "original-email.eml.gz", ContentType: "application/gzip",
			Blob: files.Blob{SHA256: m.RawSHA256, Size: rawBlobSize(ctx, tx, m.RawSHA256)}})
	}
	return out, nil
}

func rawBlobSize(ctx context.Context, tx bun.IDB, sha string) int64 {
	var n int64
	_ = tx.NewSelect().Table("file_blobs").Column("size").Where("sha256 = ?", sha).Scan(ctx, &n)
	return n
}

// text is the message body for the ticket: the whole text (quote folding
// is a display concern), or a notice for mail that could not be read.
func (d *EmailDeliverer) text(m *inbound.Message) string {
	if strings.TrimSpace(m.Text) == "" && m.HTML == "" {
		if len(m.Attachments) > 0 {
			return "(no text; see the attachments)"
		}
		return "(empty email)"
	}
	return m.Text
}

// cc lists the addresses copied on m that should be copied on replies: To
// and Cc minus our own addresses and the sender.
func (d *EmailDeliverer) cc(m *inbound.Message, sender string) []Address {
	var out []Address
	seen := map[string]bool{strings.ToLower(sender): true}
	for _, a := range append(append([]mail.Address{}, m.To...), m.Cc...) {
		addr := strings.ToLower(strings.TrimSpace(a.Address))
		if addr == "" || seen[addr] || d.ours(addr) {
			continue
		}
		seen[addr] = true
		out = append(out, Address{Email: addr, Name: a.Name})
	}
	return out
}

func (d *EmailDeliverer) ours(addr string) bool {
	if d.opts.SupportAddress == "" {
		return false
	}
	if strings.EqualFold(addr, d.opts.SupportAddress) {
		return true
	}
	_, ok := inbound.PlusTicketNumber([]string{addr}, d.opts.SupportAddress)
	return ok
}

// storableID is the Message-ID if it fits the ticket tables, else "".
func storableID(id string) string {
	if len(id) > 300 {
		return ""
	}
	return id
}

// acknowledge queues the optional acknowledgement (setting
// mail.ack_enabled, default on): ticket number, portal link and up to three
// KB articles matching the message, sent as automatic mail threaded to
// the customer's.
func (d *EmailDeliverer) acknowledge(ctx context.Context, tx bun.IDB, t *Ticket, m *inbound.Message, sender Person) (bool, error) {
	if d.s.outbox == nil || !d.s.settings.Bool(ctx, inbound.SettingAckEnabled, true) || sender.Role.IsStaff() {
		return false, nil
	}
	var suggestions []Suggestion
	if d.opts.Suggest != nil {
		query := t.Subject + " " + firstWords(m.Text, 40)
		if s, err := d.opts.Suggest.Suggest(ctx, query, 3); err == nil {
			suggestions = s
		} else {
			d.s.log.Warn("acknowledgement suggestions", "err", err)
		}
		if len(suggestions) > 3 {
			suggestions = suggestions[:3]
		}
	}
	var refs []string
	if m.MessageID != "" {
		refs = append(append(refs, m.References...), m.MessageID)
	}
	id, err := d.s.outbox.Enqueue(ctx, tx, fdmail.Message{
		To: sender.Email, ToName: sender.Name, Subject: ReplySubject(t), Template: "tickets_email_ack", Kind: "ticket_ack",
		Data: map[string]any{
			"Name": sender.Name, "Number": t.Number, "TicketSubject": t.Subject,
			"Link": fmt.Sprintf("%s/tickets/%d", d.s.baseURL, t.Number), "Suggestions": suggestions,
			"Intro": inbound.AckText(ctx, d.s.settings, sender.Name, t.Number, t.Subject),
		},
		InReplyTo: m.MessageID, References: refs, ReplyTo: d.s.support,
	})
	if err != nil {
		return false, err
	}
	return true, d.s.recordSent(ctx, tx, t.ID, nil, id)
}

func firstWords(s string, n int) string {
	f := strings.Fields(s)
	if len(f) > n {
		f = f[:n]
	}
	return strings.Join(f, " ")
}
