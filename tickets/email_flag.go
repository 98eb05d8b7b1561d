package tickets

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/platform/audit"
	"github.com/frontdesk/frontdesk/platform/web"
)

// Flagged email (issue 11): a message that claimed a ticket only by its
// subject token or plus-address, from someone not on that ticket, is kept
// apart as a ticket tagged email-flagged (EmailDeliverer.flagged). An agent
// accepts it onto the claimed ticket or dismisses the flag.

// Timeline events of flagged email.
const (
	// EventFlagAccepted: on the claimed ticket, new value "#<flagged> from
	// <sender>"; on the flagged ticket, new value "#<claimed>".
	EventFlagAccepted  = "email_flag_accepted"
	EventFlagDismissed = "email_flag_dismissed"
)

// ErrNotFlagged: the ticket holds no flagged email (already accepted or
// dismissed, or never flagged).
var ErrNotFlagged = errors.New("this ticket holds no flagged email")

// FlaggedClaim is the number of the ticket a flagged email claimed, 0 when
// t is not a flagged email.
func (t *Ticket) FlaggedClaim() int64 {
	if t.RefKind != "ticket" {
		return 0
	}
	for _, tag := range t.TagList() {
		if tag == TagEmailFlagged {
			n, _ := strconv.ParseInt(t.RefValue, 10, 64)
			return n
		}
	}
	return 0
}

// AcceptFlagged moves the flagged email of ticket flaggedID onto the ticket
// it claimed, in one transaction: its sender becomes a Cc participant of
// that ticket (later replies thread and are copied to them), its public
// messages, attachments and Message-IDs move there, both tickets get a
// timeline event, the flagged ticket is closed without its flag, and the
// audit log records who did it (entry is the request's audit row). It
// returns the claimed ticket.
func (s *Service) AcceptFlagged(ctx context.Context, flaggedID, actorID int64, entry audit.Entry) (*Ticket, error) {
	var claimed *Ticket
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		f, err := lockTicket(ctx, tx, flaggedID)
		if err != nil {
			return err
		}
		n := f.FlaggedClaim()
		if n == 0 {
			return ErrNotFlagged
		}
		c, err := s.TicketByNumberTx(ctx, tx, n)
		if err != nil {
			return err
		}
		if c, err = lockTicket(ctx, tx, c.ID); err != nil {
			return err
		}
		if c.Status == StatusClosed {
			return fmt.Errorf("%w: ticket #%d is closed; dismiss the flag and answer this one as its own request", ErrNotFlagged, c.Number)
		}
		sender, err := s.personIn(ctx, tx, f.RequesterID)
		if err != nil {
			return err
		}
		now := s.clock()
		if sender.ID != c.RequesterID {
			if err := s.addParticipants(ctx, tx, c.ID, []Address{{Email: sender.Email, Name: sender.Name}}, "cc", "", now); err != nil {
				return err
			}
		}
		var ids []int64
		if err := tx.NewSelect().Model((*Message)(nil)).Column("id").
			Where("ticket_id = ? AND public = ?", f.ID, true).Scan(ctx, &ids); err != nil {
			return err
		}
		if len(ids) > 0 {
			if _, err := tx.NewUpdate().Model((*Message)(nil)).Set("ticket_id = ?", c.ID).
				Where("id IN (?)", bun.In(ids)).Exec(ctx); err != nil {
				return fmt.Errorf("move messages: %w", err)
			}
			if _, err := tx.NewUpdate().Model((*Attachment)(nil)).Set("ticket_id = ?", c.ID).
				Where("message_id IN (?)", bun.In(ids)).Exec(ctx); err != nil {
				return fmt.Errorf("move attachments: %w", err)
			}
			if _, err := tx.NewUpdate().Model((*MailID)(nil)).Set("ticket_id = ?", c.ID).
				Where("ticket_id = ? AND (ticket_message_id IS NULL OR ticket_message_id IN (?))", f.ID, bun.In(ids)).Exec(ctx); err != nil {
				return fmt.Errorf("move Message-IDs: %w", err)
			}
		}
		moved := len(ids)
		if _, err := tx.NewUpdate().Model((*Ticket)(nil)).Where("id = ?", c.ID).
			Set("message_count = message_count + ?", moved).Set("updated_at = ?", now).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*Ticket)(nil)).Where("id = ?", f.ID).
			Set("message_count = message_count - ?", moved).Set("updated_at = ?", now).Exec(ctx); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, c.ID, actorID, EventFlagAccepted, "", fmt.Sprintf("#%d from %s", f.Number, sender.Email), now); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, f.ID, actorID, EventFlagAccepted, "", fmt.Sprintf("#%d", c.Number), now); err != nil {
			return err
		}
		if _, err := s.changeTagsTx(ctx, tx, f, actorID, nil, []string{TagEmailFlagged}, now); err != nil {
			return err
		}
		if f.Status != StatusClosed {
			if err := s.setStatusTx(ctx, tx, f, actorID, StatusClosed, now); err != nil {
				return err
			}
		}
		if err := addChange(ctx, tx, c.ID, now); err != nil {
			return err
		}
		if err := addChange(ctx, tx, f.ID, now); err != nil {
			return err
		}
		entry.Action, entry.TargetType, entry.TargetID = "ticket.email_flag_accept", "ticket", &c.ID
		entry.Detail = fmt.Sprintf("email from %s kept apart as #%d accepted onto #%d (%d message(s) moved, sender added as Cc)", sender.Email, f.Number, c.Number, moved)
		if err := audit.Write(ctx, tx, entry); err != nil {
			return err
		}
		claimed = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.Committed()
	return claimed, nil
}

// DismissFlagged removes the flag of ticket flaggedID: the email stays a
// request of its own, the claimed ticket is untouched.
func (s *Service) DismissFlagged(ctx context.Context, flaggedID, actorID int64, entry audit.Entry) error {
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		f, err := lockTicket(ctx, tx, flaggedID)
		if err != nil {
			return err
		}
		n := f.FlaggedClaim()
		if n == 0 {
			return ErrNotFlagged
		}
		now := s.clock()
		if _, err := s.changeTagsTx(ctx, tx, f, actorID, nil, []string{TagEmailFlagged}, now); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, f.ID, actorID, EventFlagDismissed, "", fmt.Sprintf("#%d", n), now); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*Ticket)(nil)).Where("id = ?", f.ID).Set("updated_at = ?", now).Exec(ctx); err != nil {
			return err
		}
		if err := addChange(ctx, tx, f.ID, now); err != nil {
			return err
		}
		entry.Action, entry.TargetType, entry.TargetID = "ticket.email_flag_dismiss", "ticket", &f.ID
		entry.Detail = fmt.Sprintf("flag of #%d (claimed #%d) dismissed: kept as its own request", f.Number, n)
		return audit.Write(ctx, tx, entry)
	})
	if err == nil {
		s.Committed()
	}
	return err
}

// emailEventText describes the email channel's timeline events.
func emailEventText(e Event) string {
	switch e.Kind {
	case EventBounce:
		return "saw email to " + e.NewValue + " bounce"
	case EventFlagAccepted:
		return "accepted the flagged email " + e.NewValue
	case EventFlagDismissed:
		return "dismissed the flag (it claimed " + e.NewValue + "): kept as its own request"
	}
	return e.Kind
}

// flagAccept and flagDismiss are the agent page's buttons on a flagged
// email.
func (h *Handlers) flagAccept(c *fiber.Ctx) error {
	t, _, err := h.loadTicket(c, policy.ManageTicket)
	if err != nil {
		return err
	}
	claimed, err := h.svc.AcceptFlagged(c.UserContext(), t.ID, identity.Current(c).UserID, identity.AuditEntry(c, "", "", 0, ""))
	if errors.Is(err, ErrNotFlagged) {
		web.SetFlash(c, "error", flagErrorText(err))
		return web.Redirect(c, fmt.Sprintf("/agent/tickets/%d", t.Number))
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", fmt.Sprintf("The email from #%d was added to this ticket and its sender copied on it.", t.Number))
	return web.Redirect(c, fmt.Sprintf("/agent/tickets/%d", claimed.Number))
}

func (h *Handlers) flagDismiss(c *fiber.Ctx) error {
	t, _, err := h.loadTicket(c, policy.ManageTicket)
	if err != nil {
		return err
	}
	err = h.svc.DismissFlagged(c.UserContext(), t.ID, identity.Current(c).UserID, identity.AuditEntry(c, "", "", 0, ""))
	if errors.Is(err, ErrNotFlagged) {
		web.SetFlash(c, "error", flagErrorText(err))
	} else if err != nil {
		return err
	} else {
		web.SetFlash(c, "success", "Flag dismissed: this email stays a request of its own.")
	}
	return web.Redirect(c, fmt.Sprintf("/agent/tickets/%d", t.Number))
}

func flagErrorText(err error) string {
	s := err.Error()
	return strings.ToUpper(s[:1]) + s[1:] + "."
}
