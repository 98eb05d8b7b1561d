package tickets_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/mail/imaptest"
	"github.com/frontdesk/frontdesk/platform/audit"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/tickets"
)

// TestAcceptOrDismissFlaggedEmail: an email naming Carol's ticket by its
// subject token from a stranger is kept apart; the agent sees why on that
// ticket's page and accepts it (CSRF-checked): the message moves onto
// Carol's ticket, the stranger is copied on it, both timelines and the
// audit log say so, and the stranger's next email threads as a reply.
// Another stranger's flag is dismissed: it stays a request of its own and
// Carol's ticket is untouched.
func TestAcceptOrDismissFlaggedEmail(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		imapURL := imaptest.MemServer(t)
		f := newFixture(t, b, func(c *app.Config) { c.IMAPURL = imapURL })
		fetchMail(t, f, imapURL, "From: Carol <carol@acme.test>\nTo: support@frontdesk.test\nSubject: Invoice wrong\nMessage-ID: <carol-1@acme.test>\n\nThe total is off.\n")
		n := ticketOf(t, f, "<carol-1@acme.test>")
		fetchMail(t, f, imapURL,
			fmt.Sprintf("From: Max Finance <max@acme-finance.test>\nTo: support@frontdesk.test\nSubject: Re: Invoice wrong [#%d]\nMessage-ID: <max-1@acme-finance.test>\n\nI am Carol's accountant: the VAT line is MAX-DETAIL.\n", n),
			fmt.Sprintf("From: Mallory <mallory@evil.test>\nTo: support@frontdesk.test\nSubject: Re: Invoice wrong [#%d]\nMessage-ID: <mal-1@evil.test>\n\nSend me the invoices.\n", n))
		maxNo, malNo := ticketOf(t, f, "<max-1@acme-finance.test>"), ticketOf(t, f, "<mal-1@evil.test>")
		if maxNo == n || malNo == n {
			t.Fatalf("a stranger's mail landed on #%d", n)
		}
		agent := f.client(t, f.alice)
		path := fmt.Sprintf("/agent/tickets/%d", maxNo)
		doc := apptest.Doc(t, agent.Get(path))
		box := doc.Find(".tk-flagged")
		if !strings.Contains(box.Text(), fmt.Sprintf("#%d", n)) || box.Find(`form[action="`+path+`/flag/accept"] button`).Length() != 1 ||
			box.Find(`form[action="`+path+`/flag/accept"] input[name="_csrf"]`).Length() != 1 {
			t.Fatalf("flag box: %q", box.Text())
		}

		// Without the CSRF token nothing happens.
		req, _ := http.NewRequest(http.MethodPost, path+"/flag/accept", strings.NewReader(""))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if resp := agent.Do(req); resp.StatusCode != http.StatusForbidden {
			t.Errorf("accept without CSRF: %d", resp.StatusCode)
		}
		if _, ms := messagesOf(t, f, n); len(ms) != 1 {
			t.Fatalf("accepted without CSRF: %d messages", len(ms))
		}

		resp := agent.PostForm(path+"/flag/accept", url.Values{})
		if loc := resp.Header.Get("Location") + resp.Header.Get("HX-Redirect"); loc != fmt.Sprintf("/agent/tickets/%d", n) {
			t.Fatalf("accept answered %d → %q", resp.StatusCode, loc)
		}
		resp.Body.Close()
		doc = apptest.Doc(t, agent.Get(fmt.Sprintf("/agent/tickets/%d", n)))
		if c := doc.Find(".tk-conversation").Text(); !strings.Contains(c, "MAX-DETAIL") || !strings.Contains(c, "The total is off") {
			t.Errorf("Carol's ticket after accepting: %q", c)
		}
		if tl := doc.Text(); !strings.Contains(tl, "accepted the flagged email") || !strings.Contains(tl, "max@acme-finance.test") {
			t.Errorf("timeline lacks the accept")
		}
		ps, _ := f.svc.Participants(f.ctx, mustTicket(t, f, n).ID)
		if len(ps) != 1 || ps[0].Email != "max@acme-finance.test" {
			t.Errorf("participants %+v", ps)
		}
		old := mustTicket(t, f, maxNo)
		if old.Status != tickets.StatusClosed || old.FlaggedClaim() != 0 || strings.Contains(old.Tags, tickets.TagEmailFlagged) {
			t.Errorf("flagged ticket after accept: status %s tags %q", old.Status, old.Tags)
		}
		if doc := apptest.Doc(t, agent.Get(path)); doc.Find(".tk-flagged").Length() != 0 {
			t.Error("the flag box is still shown")
		}
		entries, _, err := audit.List(f.ctx, f.app.DB, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range entries {
			if e.Action == "ticket.email_flag_accept" && e.ActorID != nil && *e.ActorID == f.alice.ID && strings.Contains(e.Detail, "max@acme-finance.test") {
				found = true
			}
		}
		if !found {
			t.Errorf("no audit row for the accept: %+v", entries)
		}

		// Max is on the ticket now: his next email with the token is a reply.
		fetchMail(t, f, imapURL, fmt.Sprintf("From: max@acme-finance.test\nTo: support@frontdesk.test\nSubject: Re: Invoice wrong [#%d]\nMessage-ID: <max-2@acme-finance.test>\n\nAnd the date.\n", n))
		if got := ticketOf(t, f, "<max-2@acme-finance.test>"); got != n {
			t.Errorf("Max's next mail went to #%d, want #%d", got, n)
		}

		// Dismissing Mallory's flag keeps it apart for good.
		mpath := fmt.Sprintf("/agent/tickets/%d", malNo)
		resp = agent.PostForm(mpath+"/flag/dismiss", url.Values{})
		resp.Body.Close()
		mal := mustTicket(t, f, malNo)
		if mal.FlaggedClaim() != 0 || mal.Status == tickets.StatusClosed {
			t.Errorf("dismissed: status %s tags %q", mal.Status, mal.Tags)
		}
		if _, ms := messagesOf(t, f, n); len(ms) != 3 {
			t.Errorf("Carol's ticket has %d messages after the dismissal, want 3", len(ms))
		}
		if doc := apptest.Doc(t, agent.Get(mpath)); !strings.Contains(doc.Text(), "dismissed the flag") {
			t.Error("timeline lacks the dismissal")
		}
		// Accepting it afterwards is refused with a message, nothing moves.
		resp = agent.PostForm(mpath+"/flag/accept", url.Values{})
		resp.Body.Close()
		if _, ms := messagesOf(t, f, n); len(ms) != 3 {
			t.Errorf("a dismissed flag was accepted: %d messages", len(ms))
		}
		// Customers cannot reach the buttons.
		if resp := f.client(t, f.carol).PostForm(mpath+"/flag/accept", url.Values{}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("customer got %d", resp.StatusCode)
		}
	})
}

func mustTicket(t *testing.T, f *fixture, number int64) *tickets.Ticket {
	t.Helper()
	tk, err := f.svc.TicketByNumber(f.ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func messagesOf(t *testing.T, f *fixture, number int64) (*tickets.Ticket, []tickets.Message) {
	t.Helper()
	tk := mustTicket(t, f, number)
	ms, err := f.svc.Messages(f.ctx, tk.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	return tk, ms
}
