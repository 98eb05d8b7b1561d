package workspaces_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/mail/imaptest"
	"github.com/frontdesk/frontdesk/mail/inbound"
	"github.com/frontdesk/frontdesk/mail/mailtest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/tickets"
	"github.com/frontdesk/frontdesk/workspaces"
)

// mailWorld is a serving app whose outbox sends through a real SMTP server
// (go-smtp) and whose email channel fetches a real IMAP mailbox (go-imap's
// in-process server, with IDLE).
type mailWorld struct {
	*fixture
	imapURL string
	smtp    *mailtest.Server
	client  *accounts.User
}

func newMailWorld(t *testing.T, b dbtest.Backend) *mailWorld {
	t.Helper()
	imapURL := imaptest.MemServer(t)
	smtp := mailtest.Start(t)
	f := newFixture(t, b, func(c *app.Config) { c.IMAPURL = imapURL; c.SMTPURL = smtp.URL() })
	ctx := context.Background()
	client, err := f.a.Accounts.CreateUser(ctx, accounts.CreateUserInput{Email: "carla@acme.test", Name: "Carla Client",
		Password: "client password for the workspace test", Role: identity.RoleCustomer, OrgSlug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.a.Workspaces.AddPerson(ctx, f.team(), f.ws, client.Email, workspaces.SideClient); err != nil {
		t.Fatal(err)
	}
	apptest.Serve(t, f.a)
	return &mailWorld{fixture: f, imapURL: imapURL, smtp: smtp, client: client}
}

// deliver appends raw to the support mailbox and waits for its ingestion
// log row.
func (w *mailWorld) deliver(t *testing.T, messageID, raw string) inbound.LogEntry {
	t.Helper()
	c := imaptest.Dial(t, w.imapURL)
	imaptest.Deliver(t, c, "INBOX", []byte(strings.ReplaceAll(strings.ReplaceAll(raw, "\r\n", "\n"), "\n", "\r\n")))
	deadline := time.Now().Add(150 * time.Second) // IDLE is quick; this is the fetcher's re-check
	for time.Now().Before(deadline) {
		entries, _, err := inbound.ListLog(context.Background(), w.a.DB, inbound.LogFilter{Limit: 200})
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

// reply is the email a mail client writes when from answers msg: Re:
// subject, In-Reply-To/References, the original quoted below.
func reply(msg mailtest.Message, from, id, text string, threaded bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\nTo: support@frontdesk.test\nSubject: Re: %s\nMessage-ID: %s\nDate: %s\n",
		from, msg.Subject, id, time.Now().UTC().Format(time.RFC1123Z))
	if threaded {
		orig := msg.Header.Get("Message-ID")
		fmt.Fprintf(&b, "In-Reply-To: %s\nReferences: %s\n", orig, orig)
	}
	fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\n\n%s\n\nOn Tue, 1 Dec 2026 at 09:00, Frontdesk wrote:\n", text)
	for _, l := range strings.Split(msg.Text, "\n") {
		b.WriteString("> " + l + "\n")
	}
	return b.String()
}

func (w *mailWorld) ticketCount(t *testing.T) int64 {
	t.Helper()
	n, err := w.a.DB.NewSelect().Model((*tickets.Ticket)(nil)).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestEmailRepliesJoinTheWorkspace: the agent's message reaches the client
// by SMTP; the client's answer to that email comes back through the
// support mailbox into the workspace conversation — by its In-Reply-To
// header, and by the subject reference alone from an allowed link
// address — never as a ticket; a reply to a comment mail becomes a comment
// on the file, its attachment a workspace file. A stranger replying to the
// same mail (or forging the subject reference) adds nothing to the
// workspace: the mail is kept apart as a flagged ticket and gets no answer.
func TestEmailRepliesJoinTheWorkspace(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		w := newMailWorld(t, b)
		ctx := context.Background()
		svc, ws := w.a.Workspaces, w.ws
		_, finance, err := svc.CreateLink(ctx, w.team(), ws, workspaces.LinkInput{Name: "Finance", RequireCode: true, AllowedEmails: "finn@acme.test"})
		if err != nil {
			t.Fatal(err)
		}

		if _, err := svc.Post(ctx, w.team(), ws, 0, "The draft contract is in the Contracts folder."); err != nil {
			t.Fatal(err)
		}
		notice := w.smtp.WaitFor(t, w.client.Email, 30*time.Second)
		if !strings.Contains(notice.Subject, workspaces.SubjectRef(ws.Slug)) || !strings.Contains(notice.Text, "/w/"+ws.Slug) {
			t.Fatalf("notice: %q\n%s", notice.Subject, notice.Text)
		}
		forFinn := w.smtp.WaitFor(t, "finn@acme.test", 30*time.Second)

		// 1. The member answers the email: threaded by In-Reply-To.
		e := w.deliver(t, "<carla-1@acme.test>", reply(notice, "Carla Client <Carla@Acme.test>", "<carla-1@acme.test>", "Thanks, I will read it tonight.", true))
		if e.Decision != inbound.DecisionReply || e.TicketNumber != nil || !strings.Contains(e.Reason, "In-Reply-To") || !strings.Contains(e.Reason, ws.Slug) {
			t.Fatalf("member reply logged as %+v", e)
		}
		// 2. A link holder's allowed address, subject reference only.
		e = w.deliver(t, "<finn-1@acme.test>", reply(forFinn, "finn@acme.test", "<finn-1@acme.test>", "Finance has no objections.", false))
		if e.Decision != inbound.DecisionReply || !strings.Contains(e.Reason, "subject reference") {
			t.Fatalf("link holder reply logged as %+v", e)
		}
		msgs, err := svc.Messages(ctx, ws.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 3 {
			t.Fatalf("conversation has %d messages, want 3", len(msgs))
		}
		if m := msgs[1]; m.Body != "Thanks, I will read it tonight." || m.Source != "email" || m.Side != workspaces.SideClient || m.UserID == nil || *m.UserID != w.client.ID {
			t.Errorf("member's reply in the thread: %+v", m)
		}
		if m := msgs[2]; m.Body != "Finance has no objections." || m.LinkID == nil || *m.LinkID != finance.ID {
			t.Errorf("link holder's reply in the thread: %+v", m)
		}
		// The team hears of the client's reply, by email.
		n1, n2 := w.smtp.WaitFor(t, w.agent.Email, 30*time.Second), w.smtp.WaitFor(t, w.agent.Email, 30*time.Second)
		if both := n1.Text + n2.Text; !strings.Contains(both, "Thanks, I will read it tonight.") || !strings.Contains(both, "Finance has no objections.") {
			t.Errorf("agent's notices: %s\n%s", n1.Text, n2.Text)
		}
		// The page shows them.
		c := apptest.NewClient(t, w.a)
		c.Get("/w/link/" + w.token).Body.Close()
		if body := apptest.Body(t, c.Get("/w/"+ws.Slug)); !strings.Contains(body, "Thanks, I will read it tonight.") {
			t.Error("the emailed reply is not on the workspace page")
		}

		// 3. A stranger answers the same mail (forwarded to them) and
		// another forges the subject reference: nothing reaches the
		// workspace; each is a flagged ticket for an agent, unanswered.
		e = w.deliver(t, "<mallory-1@evil.test>", reply(notice, "mallory@evil.test", "<mallory-1@evil.test>", "Please send all files to me.", true))
		e2 := w.deliver(t, "<mallory-2@evil.test>", reply(notice, "mallory@evil.test", "<mallory-2@evil.test>", "Me again.", false))
		for _, e := range []inbound.LogEntry{e, e2} {
			if e.Decision != inbound.DecisionFlagged || e.TicketNumber == nil || e.AutoAnswered || !strings.Contains(e.Reason, "not one of its members") {
				t.Fatalf("stranger's reply logged as %+v", e)
			}
			tk, err := w.a.Tickets.TicketByNumber(ctx, *e.TicketNumber)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(" "+tk.Tags+" ", " "+tickets.TagEmailFlagged+" ") {
				t.Errorf("stranger's ticket tags %v", tk.Tags)
			}
		}
		if msgs, _ := svc.Messages(ctx, ws.ID, 0); len(msgs) != 3 {
			t.Fatalf("a stranger's mail reached the conversation (%d messages)", len(msgs))
		}
		if n := w.ticketCount(t); n != 2 {
			t.Fatalf("%d tickets, want only the 2 flagged ones", n)
		}

		// 4. A comment mail: the reply is a comment on the file, with its
		// attachment kept as a workspace file.
		file, _, err := svc.Upload(ctx, w.team(), ws, workspaces.UploadInput{Name: "contract.pdf"}, strings.NewReader("%PDF-1.4 draft"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Post(ctx, w.team(), ws, file.ID, "Clause 4 changed, see page 2."); err != nil {
			t.Fatal(err)
		}
		comment := w.smtp.WaitFor(t, w.client.Email, 30*time.Second)
		for !strings.Contains(comment.Subject, "contract.pdf") {
			comment = w.smtp.WaitFor(t, w.client.Email, 30*time.Second)
		}
		orig := comment.Header.Get("Message-ID")
		att := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 signed"))
		raw := "From: carla@acme.test\nTo: support@frontdesk.test\nSubject: Re: " + comment.Subject + "\nMessage-ID: <carla-2@acme.test>\n" +
			"In-Reply-To: " + orig + "\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n" +
			"--b1\nContent-Type: text/plain; charset=utf-8\n\nSigned, attached.\n" +
			"--b1\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"contract-signed.pdf\"\nContent-Transfer-Encoding: base64\n\n" + att + "\n--b1--\n"
		if e := w.deliver(t, "<carla-2@acme.test>", raw); e.Decision != inbound.DecisionReply || !strings.Contains(e.Reason, "file comments") {
			t.Fatalf("comment reply logged as %+v", e)
		}
		comments, _ := svc.Messages(ctx, ws.ID, file.ID)
		if len(comments) != 2 || !strings.HasPrefix(comments[1].Body, "Signed, attached.") || !strings.Contains(comments[1].Body, "contract-signed.pdf") {
			t.Fatalf("file comments: %+v", comments)
		}
		folders, _ := svc.AllFolders(ctx, ws.ID)
		var kept *workspaces.File
		for _, fo := range folders {
			if fo.Name == workspaces.EmailAttachmentsFolder {
				l, _ := svc.ListFolder(ctx, ws.ID, fo.ID)
				for i := range l.Files {
					if l.Files[i].Name == "contract-signed.pdf" {
						kept = &l.Files[i]
					}
				}
			}
		}
		if kept == nil || kept.Size != int64(len("%PDF-1.4 signed")) || kept.ContentType != "application/pdf" {
			t.Fatalf("attachment as a workspace file: %+v (folders %+v)", kept, folders)
		}
		if n := w.ticketCount(t); n != 2 {
			t.Fatalf("%d tickets after the member's replies, want 2", n)
		}
	})
}
