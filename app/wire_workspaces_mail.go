package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/mail/inbound"
	"github.com/frontdesk/frontdesk/tickets"
	"github.com/frontdesk/frontdesk/workspaces"
)

// routeWorkspaceMail puts the workspaces domain in front of the email
// channel's deliverer (next: the tickets domain): a reply to workspace
// mail joins the workspace's thread instead of becoming a ticket. The
// mail packages stay unaware of workspaces.
func (a *App) routeWorkspaceMail(next inbound.Deliverer) inbound.Deliverer {
	if a.Workspaces == nil {
		return next
	}
	return wsMailDeliverer{next: next, ws: a.Workspaces, tk: a.Tickets}
}

// wsMailDeliverer asks workspaces first, inside the ingestion transaction:
//
//   - a mail answering workspace mail (In-Reply-To/References naming a
//     Message-ID we sent for a workspace, else the "[ws:slug]" subject
//     reference) from a member, a team agent or an allowed link address is
//     added to that workspace's conversation (or the file's comments) —
//     log decision "reply", no ticket;
//   - the same from anyone else is not added: like a ticket hijack attempt
//     it goes the normal ticket way without an acknowledgement and is
//     tagged email-flagged for an agent — decision "flagged";
//   - automatic mail (out-of-office) answering workspace mail is dropped —
//     decision "auto_reply";
//   - anything else (and every bounce) goes to next untouched.
type wsMailDeliverer struct {
	next inbound.Deliverer
	ws   *workspaces.Service
	tk   *tickets.Service
}

func (d wsMailDeliverer) Deliver(ctx context.Context, tx bun.IDB, m *inbound.Message) (inbound.Outcome, error) {
	if m.Class.Kind == inbound.KindBounce {
		return d.deliverNext(ctx, tx, m)
	}
	visible, _ := inbound.SplitQuoted(m.Text)
	in := workspaces.EmailReply{
		ThreadIDs: m.ThreadIDs(), Subject: m.Subject, From: m.FromAddress(), FromName: m.From.Name,
		Text: visible, MessageID: m.MessageID, Auto: m.Class.Kind == inbound.KindAutoReply,
	}
	if m.Unparsed {
		in.Text = "(This email could not be read; an administrator can find the original in the email ingestion log.)"
	}
	for _, att := range m.Attachments {
		// Inline images (signature logos) and signatures are no deliverables.
		if att.Inline || att.Origin == "signature" {
			continue
		}
		in.Files = append(in.Files, workspaces.EmailFile{Name: att.Filename, Size: int64(att.Size()), Open: att.Open})
	}
	res, err := d.ws.DeliverEmail(ctx, tx, in)
	if err != nil {
		return inbound.Outcome{}, fmt.Errorf("workspace reply: %w", err)
	}
	switch {
	case !res.Claimed:
		return d.deliverNext(ctx, tx, m)
	case res.Stranger:
		return d.stranger(ctx, tx, m, res)
	case in.Auto:
		return inbound.Outcome{Decision: inbound.DecisionAutoReply, Reason: res.Reason}, nil
	}
	return inbound.Outcome{Decision: inbound.DecisionReply, Reason: res.Reason}, nil
}

func (d wsMailDeliverer) deliverNext(ctx context.Context, tx bun.IDB, m *inbound.Message) (inbound.Outcome, error) {
	if d.next == nil {
		return inbound.Outcome{}, errors.New("no deliverer is configured")
	}
	return d.next.Deliver(ctx, tx, m)
}

// stranger keeps a mail that claims a workspace but comes from outside it
// apart: the workspace and its people are untouched, the sender gets no
// automatic answer, and the ticket it opens is flagged for an agent.
func (d wsMailDeliverer) stranger(ctx context.Context, tx bun.IDB, m *inbound.Message, res workspaces.EmailResult) (inbound.Outcome, error) {
	if m.Class.Kind == inbound.KindAutoReply {
		return inbound.Outcome{Decision: inbound.DecisionIgnored, Reason: "automatic mail; " + res.Reason}, nil
	}
	m.MayAutoAnswer = false
	out, err := d.deliverNext(ctx, tx, m)
	if err != nil {
		return out, err
	}
	if out.Decision == inbound.DecisionNewTicket && out.TicketNumber > 0 && d.tk != nil {
		t, err := d.tk.TicketByNumberTx(ctx, tx, out.TicketNumber)
		if err != nil {
			return out, err
		}
		if _, err := d.tk.ChangeTx(ctx, tx, t.ID, 0, tickets.Changes{AddTags: []string{tickets.TagEmailFlagged}}); err != nil {
			return out, err
		}
		out.Decision = inbound.DecisionFlagged
		out.Reason = fmt.Sprintf("%s; kept apart as #%d", res.Reason, out.TicketNumber)
		return out, nil
	}
	out.Reason = res.Reason + "; " + out.Reason
	return out, nil
}
