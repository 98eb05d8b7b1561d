package tickets_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/tickets"
)

func TestAgentDeskTools(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		f := newFixture(t, b)
		a, _ := f.svc.CreateTicket(f.ctx, tickets.NewTicket{RequesterID: f.carol.ID, Subject: "First", Text: "x"})
		b2, _ := f.svc.CreateTicket(f.ctx, tickets.NewTicket{RequesterID: f.eve.ID, Subject: "Second", Text: "y"})
		alice := f.client(t, f.alice)

		// Canned reply with placeholders, inserted for a ticket.
		if resp := alice.PostForm("/agent/canned", apptest.Values("title", "Hi", "body", "Hello {{requester.name}}, about #{{ticket.number}}. {{agent.name}}")); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save canned: %d", resp.StatusCode)
		}
		if resp := alice.PostForm("/agent/canned", apptest.Values("title", "", "body", "")); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("empty canned: %d", resp.StatusCode)
		}
		cs, _ := f.svc.CannedReplies(f.ctx)
		alice.Header.Set("HX-Request", "true")
		got := apptest.Body(t, alice.Get(fmt.Sprintf("/agent/tickets/%d/canned/%d", a.Number, cs[0].ID)))
		alice.Header.Del("HX-Request")
		if !strings.Contains(got, "Hello Carol, about #1001. Alice Agent") {
			t.Fatalf("canned reply filled in: %s", got)
		}

		// Bulk: assign both to me and tag them.
		form := url.Values{"ids": {fmt.Sprint(a.ID), fmt.Sprint(b2.ID)}, "assignee": {"me"}, "tag": {"batch"}, "return": {"/agent?view=mine"}}
		resp := alice.PostForm("/agent/bulk", form)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/agent?view=mine" {
			t.Fatalf("bulk: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		mine := apptest.Doc(t, alice.Get("/agent?view=mine"))
		if n := mine.Find(".tk-inbox-table tbody tr").Length(); n != 2 {
			t.Fatalf("mine after bulk assign: %d rows", n)
		}
		if mine.Find(".tk-tag").First().Text() != "batch" {
			t.Errorf("bulk tag missing")
		}
		// Unassigned is empty now; its htmx poll answers only the rows.
		alice.Header.Set("HX-Request", "true")
		rows := apptest.Body(t, alice.Get("/agent?view=unassigned"))
		alice.Header.Del("HX-Request")
		if strings.Contains(rows, "<html") || !strings.Contains(rows, "No tickets here.") {
			t.Fatalf("unassigned poll: %s", rows)
		}

		// Inline field change keeps a concurrent change by someone else:
		// Bob raised the priority after Alice's page was rendered.
		urgent := tickets.PriorityUrgent
		f.svc.Change(f.ctx, a.ID, f.bob.ID, tickets.Changes{Priority: urgent})
		resp = alice.PostForm(fmt.Sprintf("/agent/tickets/%d/fields", a.Number), apptest.Values(
			"orig_status", "new", "status", "pending", "orig_priority", "normal", "priority", "normal",
			"orig_assignee", fmt.Sprint(f.alice.ID), "assignee", fmt.Sprint(f.alice.ID), "orig_tags", "batch", "tags", "batch vip"))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("fields: %d", resp.StatusCode)
		}
		tk, _ := f.svc.TicketByID(f.ctx, a.ID)
		if tk.Status != tickets.StatusPending || tk.Priority != urgent || tk.Tags != "batch vip" {
			t.Fatalf("after inline change: %s %s %q", tk.Status, tk.Priority, tk.Tags)
		}

		// Saved view.
		resp = alice.PostForm("/agent/views", apptest.Values("name", "My pending", "view", "mine", "status", "pending"))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save view: %d", resp.StatusCode)
		}
		inbox := apptest.Body(t, alice.Get("/agent"))
		if !strings.Contains(inbox, "My pending") || !strings.Contains(inbox, `href="/agent?status=pending&amp;view=mine"`) {
			t.Fatalf("saved view not listed")
		}

		// Presence: Bob sees Alice replying.
		alice.PostForm(fmt.Sprintf("/agent/tickets/%d/presence", a.Number), apptest.Values("replying", "1"))
		bob := f.client(t, f.bob)
		bob.Header.Set("HX-Request", "true")
		notice := apptest.Body(t, bob.PostForm(fmt.Sprintf("/agent/tickets/%d/presence", a.Number), nil))
		if !strings.Contains(notice, "Alice Agent is replying to this ticket") {
			t.Fatalf("collision notice: %s", notice)
		}
	})
}

func TestSLASettingsAndDashboard(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		f := newFixture(t, b)
		admin, err := f.acc.CreateUser(f.ctx, accountsAdmin())
		if err != nil {
			t.Fatal(err)
		}
		c := f.client(t, admin)
		vals := url.Values{}
		for _, p := range tickets.Priorities {
			vals.Set(p+"_first", "30")
			vals.Set(p+"_resolve", "120")
		}
		vals.Set("low_first", "soon")
		if resp := c.PostForm("/admin/tickets/sla", vals); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad SLA: %d", resp.StatusCode)
		}
		vals.Set("low_first", "30")
		if resp := c.PostForm("/admin/tickets/sla", vals); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save SLA: %d", resp.StatusCode)
		}
		tk, _ := f.svc.CreateTicket(f.ctx, tickets.NewTicket{RequesterID: f.carol.ID, Subject: "Due", Text: "x"})
		if tk.FirstResponseDueAt.Sub(tk.CreatedAt) != 30*time.Minute || tk.ResolutionDueAt.Sub(tk.CreatedAt) != 2*time.Hour {
			t.Fatalf("due times: %v %v", tk.FirstResponseDueAt, tk.ResolutionDueAt)
		}
		// Deflection: a form showed suggestions and was abandoned, another
		// was submitted.
		f.svc.DeflectionShown(f.ctx, "tok-a", f.carol.ID, 3)
		f.svc.DeflectionOpened(f.ctx, "tok-a")
		f.svc.DeflectionShown(f.ctx, "tok-b", f.carol.ID, 2)
		f.svc.DeflectionSubmitted(f.ctx, "tok-b", tk.ID)
		st, err := f.svc.Deflection(f.ctx, time.Now().Add(-time.Hour), time.Now().Add(48*time.Hour))
		if err != nil || st.Forms != 2 || st.Opened != 1 || st.Submitted != 1 {
			t.Fatalf("deflection: %+v %v", st, err)
		}
		// The KB report shows the same deflection figures.
		kbDoc := apptest.Doc(t, f.client(t, f.alice).Get("/agent/kb/reports"))
		if got := strings.Join(strings.Fields(kbDoc.Find("#kb-report-deflection").Text()), " "); got !=
			"0% deflected (0 of 1 request forms with suggestions not sent; 1 opened an article)" {
			t.Errorf("KB report deflection: %q", got)
		}
		f.svc.AddMessage(f.ctx, tk.ID, tickets.NewMessage{AuthorID: f.alice.ID, Public: true, Text: "hi"})
		f.svc.Change(f.ctx, tk.ID, f.alice.ID, tickets.Changes{Status: tickets.StatusSolved})
		f.svc.Rate(f.ctx, tk.ID, f.carol.ID, "bad", "")
		doc := apptest.Doc(t, f.client(t, f.alice).Get("/agent/dashboard?days=7"))
		figures := doc.Find(".tk-figures").Text()
		for _, want := range []string{"1 tickets created", "1 solved", "0% satisfaction"} {
			if !strings.Contains(strings.Join(strings.Fields(figures), " "), want) {
				t.Errorf("dashboard lacks %q: %s", want, figures)
			}
		}
	})
}

func accountsAdmin() accounts.CreateUserInput {
	return accounts.CreateUserInput{Email: "root@desk.test", Name: "Root", Password: password, Role: identity.RoleAdmin}
}
