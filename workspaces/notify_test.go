package workspaces_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app/apptest"
	fdmail "github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/workspaces"
)

// outbox lists the queued mail whose subject contains word, by recipient.
func outbox(t *testing.T, f *fixture, word string) map[string][]fdmail.Entry {
	t.Helper()
	var all []fdmail.Entry
	if err := f.a.DB.NewSelect().Model(&all).Order("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := map[string][]fdmail.Entry{}
	for _, e := range all {
		if strings.Contains(e.Subject, word) {
			out[e.ToAddress] = append(out[e.ToAddress], e)
		}
	}
	return out
}

func addUser(t *testing.T, f *fixture, email, name string, role identity.Role, org string) *accounts.User {
	t.Helper()
	u, err := f.a.Accounts.CreateUser(context.Background(), accounts.CreateUserInput{Email: email, Name: name,
		Password: "a password for the workspace test", Role: role, OrgSlug: org})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestOverdueTaskReminders runs the reminder worker for many ticks: each
// side is emailed once about the open task past its due date (not about
// the done one or the one not yet due), both sides' pages mark it
// overdue, and a new due date is reminded of again once it passes.
func TestOverdueTaskReminders(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b)
		svc, ws := f.a.Workspaces, f.ws
		client := addUser(t, f, "carla@acme.test", "Carla Client", identity.RoleCustomer, "acme")
		if err := svc.AddPerson(ctx, f.team(), ws, client.Email, workspaces.SideClient); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.CreateLink(ctx, f.team(), ws, workspaces.LinkInput{Name: "Finance", RequireCode: true, AllowedEmails: "finn@acme.test"}); err != nil {
			t.Fatal(err)
		}
		past, future := time.Now().UTC().Add(-2*time.Hour), time.Now().UTC().Add(72*time.Hour)
		late, err := svc.CreateTask(ctx, f.team(), ws, workspaces.TaskInput{Title: "Upload last year's statements", Kind: workspaces.TaskUpload, DueOn: &past})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateTask(ctx, f.team(), ws, workspaces.TaskInput{Title: "Sign the engagement letter", Kind: workspaces.TaskTick, DueOn: &future}); err != nil {
			t.Fatal(err)
		}
		done, err := svc.CreateTask(ctx, f.team(), ws, workspaces.TaskInput{Title: "Send the logo", Kind: workspaces.TaskTick, DueOn: &past})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.TickTask(ctx, f.team(), ws, done.ID); err != nil {
			t.Fatal(err)
		}

		run := func() {
			t.Helper()
			rctx, cancel := context.WithCancel(ctx)
			stopped := make(chan error, 1)
			go func() { stopped <- (&workspaces.Reminder{S: svc, Every: 20 * time.Millisecond}).Run(rctx) }()
			deadline := time.Now().Add(30 * time.Second)
			for len(outbox(t, f, "Overdue:")[f.agent.Email]) == 0 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(300 * time.Millisecond) // many more ticks
			cancel()
			if err := <-stopped; err != nil {
				t.Fatalf("reminder worker: %v", err)
			}
		}
		run()
		mails := outbox(t, f, "Overdue:")
		for _, to := range []string{client.Email, "finn@acme.test", f.agent.Email} {
			if len(mails[to]) != 1 {
				t.Fatalf("%s got %d overdue reminders, want 1 (%v)", to, len(mails[to]), mails)
			}
			m := mails[to][0]
			if !strings.Contains(m.Subject, late.Title) || !strings.Contains(m.TextBody, "/w/"+ws.Slug+"#tasks") {
				t.Errorf("reminder to %s: %q\n%s", to, m.Subject, m.TextBody)
			}
		}
		if len(mails) != 3 {
			t.Errorf("reminders went to %d addresses, want 3", len(mails))
		}
		run() // a second worker start (a restart, another node) sends nothing new
		if again := outbox(t, f, "Overdue:"); len(again[f.agent.Email]) != 1 || len(again[client.Email]) != 1 {
			t.Fatalf("reminded again: %v", again)
		}

		// Both sides see it overdue: the agent and the link holder.
		overdueTitles := func(c *apptest.Client) []string {
			var out []string
			apptest.Doc(t, c.Get("/w/"+ws.Slug)).Find("li.ws-task-overdue").Each(func(_ int, s *goquery.Selection) {
				if s.Find(".ws-overdue").Length() == 1 {
					out = append(out, strings.TrimSpace(s.Find("strong").First().Text()))
				}
			})
			return out
		}
		agent := apptest.NewClient(t, f.a)
		agent.PostForm("/login", apptest.Values("email", f.agent.Email, "password", agentPassword)).Body.Close()
		holder := apptest.NewClient(t, f.a)
		holder.Get("/w/link/" + f.token).Body.Close()
		for who, c := range map[string]*apptest.Client{"agent": agent, "link holder": holder} {
			if got := overdueTitles(c); len(got) != 1 || got[0] != late.Title {
				t.Errorf("%s sees overdue: %v", who, got)
			}
		}

		// A new due date that passes is reminded of once more (the first
		// reminder, for the old date, was an hour ago).
		if _, err := f.a.DB.NewUpdate().Model((*workspaces.Task)(nil)).Set("due_on = ?", time.Now().UTC().Add(-time.Minute)).
			Set("reminded_at = ?", time.Now().UTC().Add(-time.Hour)).
			Where("id = ?", late.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := svc.RemindOverdue(ctx); err != nil || n != 1 {
			t.Fatalf("after a new due date: %d, %v", n, err)
		}
		if n, err := svc.RemindOverdue(ctx); err != nil || n != 0 {
			t.Fatalf("the next tick: %d, %v", n, err)
		}
	})
}

// TestMentionMail: a team member @mentioned by a colleague gets an email
// with a link to the message (by first name or address, in the
// conversation and in file comments); an agent outside the account team
// or an unknown address mentioned gets nothing.
func TestMentionMail(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b)
		svc, ws := f.a.Workspaces, f.ws
		bob := addUser(t, f, "bob@frontdesk.test", "Bob Builder", identity.RoleAgent, "")
		olga := addUser(t, f, "olga@frontdesk.test", "Olga Outside", identity.RoleAgent, "")
		if err := svc.AddPerson(ctx, f.team(), ws, bob.Email, workspaces.SideTeam); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Post(ctx, f.team(), ws, 0, "@Bob please check the draft; @olga and @nobody@evil.test too."); err != nil {
			t.Fatal(err)
		}
		mails := outbox(t, f, "mentioned you")
		if len(mails[bob.Email]) != 1 {
			t.Fatalf("bob got %d mention mails: %v", len(mails[bob.Email]), mails)
		}
		m := mails[bob.Email][0]
		if !strings.Contains(m.Subject, "Alice Agent mentioned you in Acme Corp") || !strings.Contains(m.TextBody, "http://frontdesk.test/w/"+ws.Slug+"#conversation") ||
			!strings.Contains(m.TextBody, "please check the draft") {
			t.Errorf("mention mail: %q\n%s", m.Subject, m.TextBody)
		}
		all := outbox(t, f, "")
		if len(all[olga.Email]) != 0 || len(all["nobody@evil.test"]) != 0 || len(all[f.agent.Email]) != 0 {
			t.Fatalf("mail to a non-member or the author: %v", all)
		}

		file, _, err := svc.Upload(ctx, f.team(), ws, workspaces.UploadInput{Name: "draft.pdf"}, strings.NewReader("%PDF-1.4 d"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Post(ctx, f.team(), ws, file.ID, "Over to you, @bob@frontdesk.test."); err != nil {
			t.Fatal(err)
		}
		mails = outbox(t, f, "mentioned you")
		if len(mails[bob.Email]) != 2 || !strings.Contains(mails[bob.Email][1].TextBody, "/files/") || !strings.Contains(mails[bob.Email][1].TextBody, "#comments") {
			t.Fatalf("comment mention: %v", mails[bob.Email])
		}
	})
}
