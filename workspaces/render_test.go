package workspaces_test

import (
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/workspaces"
)

// TestConversationOffersTicketsOnlyForClientMessages: the account team is
// offered "Turn into a ticket" on a client member's message only (the
// service refuses the team's own and a link holder's), and an emailed
// reply is marked as such.
func TestConversationOffersTicketsOnlyForClientMessages(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b)
		svc, ws := f.a.Workspaces, f.ws
		client := addUser(t, f, "carla@acme.test", "Carla Client", identity.RoleCustomer, "acme")
		if err := svc.AddPerson(ctx, f.team(), ws, client.Email, workspaces.SideClient); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Post(ctx, f.team(), ws, 0, "From the team."); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Post(ctx, workspaces.Actor{LinkID: f.link.ID, Label: "Finance", Side: workspaces.SideClient}, ws, 0, "From the link."); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddMessageFromEmail(ctx, workspaces.EmailReply{Subject: "Re: x " + workspaces.SubjectRef(ws.Slug),
			From: client.Email, Text: "From the client by email.", MessageID: "<c1@acme.test>"}); err != nil {
			t.Fatal(err)
		}
		c := apptest.NewClient(t, f.a)
		c.PostForm("/login", apptest.Values("email", f.agent.Email, "password", agentPassword)).Body.Close()
		doc := apptest.Doc(t, c.Get("/w/"+ws.Slug))
		offered := map[string]bool{}
		doc.Find("li.ws-msg").Each(func(_ int, s *goquery.Selection) {
			body := strings.TrimSpace(s.Find(".ws-msg-body").Text())
			offered[body] = strings.Contains(s.Text(), "Turn into a ticket")
			if body == "From the client by email." && !strings.Contains(s.Find(".ws-msg-meta").Text(), "by email") {
				t.Error("the emailed reply is not marked as by email")
			}
		})
		want := map[string]bool{"From the team.": false, "From the link.": false, "From the client by email.": true}
		for body, w := range want {
			if got, ok := offered[body]; !ok || got != w {
				t.Errorf("%q: offered %v (shown %v), want %v", body, got, ok, w)
			}
		}
		// And the offer works.
		msgs, _ := svc.Messages(ctx, ws.ID, 0)
		ref, url, err := svc.MessageToTicket(ctx, f.team(), ws, msgs[2].ID)
		if err != nil || !strings.HasPrefix(ref, "#") || !strings.HasPrefix(url, "/agent/tickets/") {
			t.Fatalf("turn into a ticket: %q %q %v", ref, url, err)
		}
	})
}
