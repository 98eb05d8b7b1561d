package tickets

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/mail"
)

// ReplySubject is the subject of ticket mail: "Re: <subject> [#<number>]"
// (the token threads replies that lost their headers).
func ReplySubject(t *Ticket) string {
	return fmt.Sprintf("Re: %s [#%d]", t.Subject, t.Number)
}

// threadIDs returns the ticket's Message-IDs for In-Reply-To (the last one
// received from the customer's side, else the last of any) and
// References (the first and the last nine, oldest first).
func threadIDs(ctx context.Context, db bun.IDB, ticketID int64) (inReplyTo string, refs []string, err error) {
	var rows []MailID
	if err := db.NewSelect().Model(&rows).Where("ticket_id = ?", ticketID).
		Order("created_at", "message_id").Scan(ctx); err != nil {
		return "", nil, err
	}
	for _, r := range rows {
		refs = append(refs, r.MessageID)
		if r.Direction == "in" {
			inReplyTo = r.MessageID
		}
	}
	if inReplyTo == "" && len(refs) > 0 {
		inReplyTo = refs[len(refs)-1]
	}
	if len(refs) > 10 {
		refs = append(refs[:1:1], refs[len(refs)-9:]...)
	}
	return inReplyTo, refs, nil
}

// recipients are the people mailed about t: the requester when the ticket
// came by email or they want ticket updates, and the Cc participants.
func (s *Service) recipients(ctx context.Context, db bun.IDB, t *Ticket) ([]Address, error) {
	var out []Address
	req, err := s.personIn(ctx, db, t.RequesterID)
	if err != nil {
		return nil, err
	}
	if req.Active && (t.Channel == ChannelEmail || req.NotifyTicketUpdates) {
		out = append(out, Address{Email: req.Email, Name: req.Name})
	}
	var ps []Participant
	if err := db.NewSelect().Model(&ps).Where("ticket_id = ? AND kind = 'cc'", t.ID).Order("id").Scan(ctx); err != nil {
		return nil, err
	}
	for _, p := range ps {
		if !strings.EqualFold(p.Email, req.Email) {
			out = append(out, Address{Email: p.Email, Name: p.Name})
		}
	}
	return out, nil
}

// mailReply queues an agent's public reply to the recipients, in tx, and
// records each sent Message-ID on the ticket for threading.
func (s *Service) mailReply(ctx context.Context, tx bun.IDB, t *Ticket, m *Message, author Person) error {
	if s.outbox == nil {
		return nil
	}
	to, err := s.recipients(ctx, tx, t)
	if err != nil || len(to) == 0 {
		return err
	}
	inReplyTo, refs, err := threadIDs(ctx, tx, t.ID)
	if err != nil {
		return err
	}
	for _, a := range to {
		id, err := s.outbox.Enqueue(ctx, tx, mail.Message{
			To: a.Email, ToName: a.Name, Subject: ReplySubject(t), Template: "tickets_reply", Kind: "ticket_reply",
			Data: map[string]any{
				"Name": a.Name, "Number": t.Number, "TicketSubject": t.Subject, "Text": m.Text,
				"Agent": author.DisplayName(), "Link": fmt.Sprintf("%s/tickets/%d", s.baseURL, t.Number),
				"Attachments": len(m.Attachments),
			},
			InReplyTo: inReplyTo, References: refs, ReplyTo: s.support, Personal: true,
		})
		if err != nil {
			return err
		}
		if err := s.recordSent(ctx, tx, t.ID, &m.ID, id); err != nil {
			return err
		}
	}
	return nil
}

// mailSolved tells the recipients that t was solved and invites a rating.
func (s *Service) mailSolved(ctx context.Context, tx bun.IDB, t *Ticket) error {
	if s.outbox == nil {
		return nil
	}
	to, err := s.recipients(ctx, tx, t)
	if err != nil || len(to) == 0 {
		return err
	}
	inReplyTo, refs, err := threadIDs(ctx, tx, t.ID)
	if err != nil {
		return err
	}
	for _, a := range to {
		id, err := s.outbox.Enqueue(ctx, tx, mail.Message{
			To: a.Email, ToName: a.Name, Subject: ReplySubject(t), Template: "tickets_solved", Kind: "ticket_solved",
			Data: map[string]any{
				"Name": a.Name, "Number": t.Number, "TicketSubject": t.Subject,
				"Link": fmt.Sprintf("%s/tickets/%d", s.baseURL, t.Number),
			},
			InReplyTo: inReplyTo, References: refs, ReplyTo: s.support,
		})
		if err != nil {
			return err
		}
		if err := s.recordSent(ctx, tx, t.ID, nil, id); err != nil {
			return err
		}
	}
	return nil
}

// recordSent stores the Message-ID the outbox gave row outboxID, so a
// reply to that mail threads onto the ticket.
func (s *Service) recordSent(ctx context.Context, tx bun.IDB, ticketID int64, msgID *int64, outboxID int64) error {
	var mid string
	if err := tx.NewSelect().Model((*mail.Entry)(nil)).Column("message_id").Where("id = ?", outboxID).Scan(ctx, &mid); err != nil {
		return err
	}
	row := &MailID{MessageID: mid, TicketID: ticketID, TicketMessageID: msgID, Direction: "out", CreatedAt: s.clock()}
	_, err := tx.NewInsert().Model(row).On("CONFLICT (message_id) DO NOTHING").Exec(ctx)
	return err
}
