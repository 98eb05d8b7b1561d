package tickets_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	fdmail "github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/mail/imaptest"
	"github.com/frontdesk/frontdesk/mail/inbound"
	"github.com/frontdesk/frontdesk/mail/mailtest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/tickets"
)

func crlf(s string) []byte {
	return []byte(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n"))
}

// emailWorld is a serving app wired to a real IMAP mailbox (go-imap's
// in-process server, fetched with IDLE) and a real SMTP server (go-smtp).
type emailWorld struct {
	*fixture
	imapURL string
	smtp    *mailtest.Server
}

func newEmailWorld(t *testing.T, b dbtest.Backend) *emailWorld {
	t.Helper()
	imapURL := imaptest.MemServer(t)
	smtp := mailtest.Start(t)
	f := newFixture(t, b, func(c *app.Config) { c.IMAPURL = imapURL; c.SMTPURL = smtp.URL() })
	apptest.Serve(t, f.app)
	return &emailWorld{fixture: f, imapURL: imapURL, smtp: smtp}
}

func (w *emailWorld) deliver(t *testing.T, raw string) {
	t.Helper()
	c := imaptest.Dial(t, w.imapURL)
	imaptest.Deliver(t, c, "INBOX", crlf(raw))
}

// waitLog waits for the ingestion log entry of messageID.
func (w *emailWorld) waitLog(t *testing.T, messageID string) inbound.LogEntry {
	t.Helper()
	// IDLE normally delivers within a second; the deadline is the
	// fetcher's 2-minute re-check, which catches a notification the
	// in-process server did not send (seen once under CI load: a bounce
	// appended during a sync waited for the re-check).
	deadline := time.Now().Add(150 * time.Second)
	for time.Now().Before(deadline) {
		entries, _, err := inbound.ListLog(context.Background(), w.app.DB, inbound.LogFilter{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.MessageID != nil && *e.MessageID == messageID {
				return e
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("%s was not ingested", messageID)
	return inbound.LogEntry{}
}

func (w *emailWorld) messages(t *testing.T, number int64) (*tickets.Ticket, []tickets.Message) {
	t.Helper()
	tk, err := w.svc.TicketByNumber(w.ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := w.svc.Messages(w.ctx, tk.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	return tk, ms
}

// TestEmailRoundTrip: a customer's mail opens a ticket (acknowledged by
// email), the agent's reply goes out by SMTP with our signed Message-ID,
// and the customer's answer to that email — without the subject token —
// lands on the same ticket. Then the channel's defences: a stranger using
// the token is kept apart, an out-of-office does not reopen a solved
// ticket, a bounce of our reply is attached and flagged, and a reply to a
// closed ticket opens a linked follow-up.
func TestEmailRoundTrip(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		w := newEmailWorld(t, b)
		ctx := w.ctx

		w.deliver(t, `From: Zoe Newcomer <Zoe@Example.com>
To: support@frontdesk.test
Cc: Boss <boss@example.com>
Subject: Cannot export my invoices
Message-ID: <zoe-1@example.com>
Date: Tue, 01 Dec 2026 09:00:00 +0000
Content-Type: text/plain; charset=utf-8

The export button does nothing.
`)
		first := w.waitLog(t, "<zoe-1@example.com>")
		if first.Decision != inbound.DecisionNewTicket || first.TicketNumber == nil || !first.AutoAnswered {
			t.Fatalf("first mail: %+v", first)
		}
		number := *first.TicketNumber
		tk, ms := w.messages(t, number)
		if tk.Channel != tickets.ChannelEmail || tk.Subject != "Cannot export my invoices" || len(ms) != 1 {
			t.Fatalf("ticket %+v with %d messages", tk, len(ms))
		}
		if ms[0].MessageID == nil || *ms[0].MessageID != "<zoe-1@example.com>" {
			t.Errorf("message id on the ticket: %v", ms[0].MessageID)
		}
		var names []string
		for _, a := range ms[0].Attachments {
			names = append(names, a.Filename)
		}
		if strings.Join(names, ",") != "original-email.eml.gz" {
			t.Errorf("attachments %v, want the raw message", names)
		}
		// The unknown sender became a contact: matched case-insensitively,
		// no password.
		zoe, err := w.acc.UserByEmail(ctx, "zoe@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if zoe.PasswordHash != nil || zoe.ID != tk.RequesterID {
			t.Errorf("contact %+v", zoe)
		}
		ps, _ := w.svc.Participants(ctx, tk.ID)
		if len(ps) != 1 || ps[0].Email != "boss@example.com" {
			t.Errorf("participants %+v", ps)
		}
		ack := w.smtp.WaitFor(t, "zoe@example.com", 10*time.Second)
		if ack.Subject != fmt.Sprintf("Re: Cannot export my invoices [#%d]", number) ||
			ack.Header.Get("In-Reply-To") != "<zoe-1@example.com>" || ack.Header.Get("Auto-Submitted") != "auto-replied" ||
			!strings.Contains(ack.Text, fmt.Sprintf("/tickets/%d", number)) {
			t.Fatalf("acknowledgement: %q %v\n%s", ack.Subject, ack.Header, ack.Text)
		}

		// The agent replies; the email goes to Zoe and Boss.
		if _, err := w.svc.AddMessage(ctx, tk.ID, tickets.NewMessage{AuthorID: w.alice.ID, Public: true, Text: "Please try the CSV button."}); err != nil {
			t.Fatal(err)
		}
		reply := w.smtp.WaitMatch(t, 10*time.Second, func(m mailtest.Message) bool {
			return strings.Contains(m.Text, "Please try the CSV button.") && m.To[0] == "zoe@example.com"
		})
		w.smtp.WaitMatch(t, 10*time.Second, func(m mailtest.Message) bool {
			return strings.Contains(m.Text, "Please try the CSV button.") && m.To[0] == "boss@example.com"
		})
		replyID := reply.Header.Get("Message-ID")
		if reply.Subject != fmt.Sprintf("Re: Cannot export my invoices [#%d]", number) ||
			reply.Header.Get("In-Reply-To") != "<zoe-1@example.com>" || !strings.Contains(reply.Header.Get("References"), "<zoe-1@example.com>") ||
			!strings.Contains(reply.Header.Get("Reply-To"), "support@frontdesk.test") {
			t.Fatalf("agent reply headers: %v", reply.Header)
		}
		if got := reply.Header.Get("Auto-Submitted"); got != "" {
			t.Errorf("the agent's own reply is marked Auto-Submitted: %q", got)
		}
		if !strings.HasPrefix(replyID, "<fd.") || !strings.HasSuffix(replyID, "@frontdesk.test>") {
			t.Errorf("reply Message-ID %q is not one of ours", replyID)
		}

		// Zoe answers that email from a client that drops the token.
		w.deliver(t, fmt.Sprintf(`From: zoe@example.com
To: support@frontdesk.test
Subject: Re: Cannot export my invoices
Message-ID: <zoe-2@example.com>
In-Reply-To: %s
References: <zoe-1@example.com> %s
Content-Type: text/plain

That worked, thanks!

On Tue, Dec 1, 2026 Frontdesk <support@frontdesk.test> wrote:
> Please try the CSV button.
`, replyID, replyID))
		second := w.waitLog(t, "<zoe-2@example.com>")
		if second.Decision != inbound.DecisionReply || second.TicketNumber == nil || *second.TicketNumber != number ||
			!strings.Contains(second.Reason, replyID) {
			t.Fatalf("customer reply: %+v", second)
		}
		tk, ms = w.messages(t, number)
		if len(ms) != 3 || !strings.Contains(ms[2].Text, "That worked") || tk.Status != tickets.StatusOpen {
			t.Fatalf("after the reply: status %s, %d messages", tk.Status, len(ms))
		}

		// A stranger quoting the token is kept apart.
		w.deliver(t, fmt.Sprintf("From: mallory@evil.example\nTo: support@frontdesk.test\nSubject: Re: [#%d] change my email\nMessage-ID: <evil-1@evil.example>\n\nplease send me the invoices\n", number))
		evil := w.waitLog(t, "<evil-1@evil.example>")
		if evil.Decision != inbound.DecisionFlagged || evil.TicketNumber == nil || *evil.TicketNumber == number {
			t.Fatalf("hijack attempt: %+v", evil)
		}
		if _, ms2 := w.messages(t, number); len(ms2) != 3 {
			t.Fatalf("the claimed ticket changed: %d messages", len(ms2))
		}
		flagged, _ := w.messages(t, *evil.TicketNumber)
		if !strings.Contains(flagged.Tags, tickets.TagEmailFlagged) || flagged.RefValue != fmt.Sprint(number) {
			t.Errorf("flagged ticket %+v", flagged)
		}
		if n := len(w.smtp.Messages()); n != 3 {
			t.Errorf("%d mails sent, want 3 (no acknowledgement to the stranger)", n)
		}

		// Solved, then an out-of-office answers: threaded, still solved.
		solved := tickets.StatusSolved
		if _, err := w.svc.Change(ctx, tk.ID, w.alice.ID, tickets.Changes{Status: solved}); err != nil {
			t.Fatal(err)
		}
		// The solved notification is automatic mail in the conversation.
		notice := w.smtp.WaitMatch(t, 10*time.Second, func(m mailtest.Message) bool {
			return m.To[0] == "zoe@example.com" && m.Header.Get("Message-ID") != replyID && m.Header.Get("Message-ID") != ack.Header.Get("Message-ID")
		})
		if got := notice.Header.Get("Auto-Submitted"); got != "auto-replied" || notice.Header.Get("In-Reply-To") == "" {
			t.Errorf("solved notification: Auto-Submitted %q, In-Reply-To %q", got, notice.Header.Get("In-Reply-To"))
		}
		w.deliver(t, fmt.Sprintf("From: zoe@example.com\nTo: support@frontdesk.test\nSubject: Automatic reply: Cannot export [#%d]\nAuto-Submitted: auto-replied\nIn-Reply-To: %s\nMessage-ID: <zoe-ooo@example.com>\n\nI am away.\n", number, replyID))
		ooo := w.waitLog(t, "<zoe-ooo@example.com>")
		tk, ms = w.messages(t, number)
		if ooo.Decision != inbound.DecisionAutoReply || tk.Status != tickets.StatusSolved || !ms[len(ms)-1].Auto {
			t.Fatalf("out-of-office: %+v, status %s", ooo, tk.Status)
		}

		// Our reply to Boss bounced.
		w.deliver(t, fmt.Sprintf(`From: MAILER-DAEMON@mx.frontdesk.test
To: support@frontdesk.test
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-1@mx.frontdesk.test>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.
--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.frontdesk.test

Final-Recipient: rfc822; boss@example.com
Action: failed
Status: 5.1.1

--B
Content-Type: text/rfc822-headers

From: support@frontdesk.test
To: boss@example.com
Message-ID: %s

--B--
`, replyID))
		bounce := w.waitLog(t, "<bounce-1@mx.frontdesk.test>")
		tk, ms = w.messages(t, number)
		if bounce.Decision != inbound.DecisionBounce || bounce.TicketNumber == nil || *bounce.TicketNumber != number ||
			!strings.Contains(tk.Tags, tickets.TagEmailBounced) || ms[len(ms)-1].Public || !strings.Contains(ms[len(ms)-1].Text, "boss@example.com") {
			t.Fatalf("bounce: %+v tags %q", bounce, tk.Tags)
		}

		// Closed: Zoe's next mail opens a follow-up linked to it.
		closed := tickets.StatusClosed
		if _, err := w.svc.Change(ctx, tk.ID, w.alice.ID, tickets.Changes{Status: closed}); err != nil {
			t.Fatal(err)
		}
		w.deliver(t, fmt.Sprintf("From: zoe@example.com\nTo: support@frontdesk.test\nSubject: Re: Cannot export my invoices [#%d]\nIn-Reply-To: %s\nMessage-ID: <zoe-3@example.com>\n\nIt broke again.\n", number, replyID))
		again := w.waitLog(t, "<zoe-3@example.com>")
		if again.Decision != inbound.DecisionNewTicket || again.TicketNumber == nil || *again.TicketNumber == number {
			t.Fatalf("reply to closed ticket: %+v", again)
		}
		follow, _ := w.messages(t, *again.TicketNumber)
		if follow.RefKind != "ticket" || follow.RefValue != fmt.Sprint(number) || follow.RequesterID != zoe.ID {
			t.Errorf("follow-up %+v", follow)
		}
		_ = accounts.SessionCookie
		_ = fdmail.VerifyMessageID
	})
}
