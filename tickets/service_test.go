package tickets_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/tickets"
)

// fixture is a whole app with a customer, a colleague in the same
// organisation, a stranger and two agents.
type fixture struct {
	app              *app.App
	svc              *tickets.Service
	acc              *accounts.Service
	carol, dave, eve *accounts.User
	alice, bob       *accounts.User
	ctx              context.Context
}

const password = "correct horse battery staple 42"

func newFixture(t *testing.T, b dbtest.Backend, opts ...apptest.Option) *fixture {
	t.Helper()
	a := apptest.New(t, b, opts...)
	f := &fixture{app: a, svc: a.Tickets, ctx: context.Background(),
		acc: accounts.NewService(accounts.Deps{DB: a.DB, Outbox: a.Mail, Settings: a.Settings, BaseURL: a.Config.BaseURL,
			Argon2: accounts.Argon2Params{Time: 1, Memory: 64, Threads: 1}})}
	now := a.DB.NewInsert()
	_ = now
	if _, err := a.DB.NewInsert().Model(&accounts.Organization{Name: "Acme", Slug: "acme"}).Exec(f.ctx); err != nil {
		t.Fatal(err)
	}
	mk := func(email, name string, role identity.Role, org string) *accounts.User {
		u, err := f.acc.CreateUser(f.ctx, accounts.CreateUserInput{Email: email, Name: name, Password: password, Role: role, OrgSlug: org})
		if err != nil {
			t.Fatalf("user %s: %v", email, err)
		}
		return u
	}
	f.carol = mk("carol@acme.test", "Carol", identity.RoleCustomer, "acme")
	f.dave = mk("dave@acme.test", "Dave", identity.RoleCustomer, "acme")
	f.eve = mk("eve@other.test", "Eve", identity.RoleCustomer, "")
	f.alice = mk("alice@desk.test", "Alice Agent", identity.RoleAgent, "")
	f.bob = mk("bob@desk.test", "Bob Agent", identity.RoleAgent, "")
	return f
}

func (f *fixture) outbox(t *testing.T) []mail.Entry {
	t.Helper()
	var es []mail.Entry
	if err := f.app.DB.NewSelect().Model(&es).Where("kind LIKE 'ticket%'").Order("id").Scan(f.ctx); err != nil {
		t.Fatal(err)
	}
	return es
}

func TestTicketConversationAndMail(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		f := newFixture(t, b)
		ctx := f.ctx
		tk, err := f.svc.CreateTicket(ctx, tickets.NewTicket{
			RequesterID: f.carol.ID, Subject: "Printer on fire", Text: "Smoke everywhere.", Channel: tickets.ChannelEmail,
			MessageID: "<first@carol.example>", Cc: []tickets.Address{{Email: "dave@acme.test", Name: "Dave"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if tk.Number != 1001 || tk.Status != tickets.StatusNew || tk.FirstResponseDueAt == nil || tk.SLADueAt == nil {
			t.Fatalf("new ticket: %+v", tk)
		}
		// The agent's note reaches nobody; the reply mails requester and Cc.
		if _, err := f.svc.AddMessage(ctx, tk.ID, tickets.NewMessage{AuthorID: f.alice.ID, Public: false, Text: "Secret: call the fire brigade"}); err != nil {
			t.Fatal(err)
		}
		if n := len(f.outbox(t)); n != 0 {
			t.Fatalf("an internal note queued %d mails", n)
		}
		if _, err := f.svc.AddMessage(ctx, tk.ID, tickets.NewMessage{AuthorID: f.alice.ID, Public: true, Text: "Please unplug it.", SetStatus: tickets.StatusPending}); err != nil {
			t.Fatal(err)
		}
		got := f.outbox(t)
		if len(got) != 2 {
			t.Fatalf("reply queued %d mails, want requester + Cc", len(got))
		}
		for _, e := range got {
			if e.Subject != "Re: Printer on fire [#1001]" || e.InReplyTo != "<first@carol.example>" || !strings.Contains(e.Refs, "<first@carol.example>") {
				t.Errorf("reply mail headers: subject %q in-reply-to %q refs %q", e.Subject, e.InReplyTo, e.Refs)
			}
			if strings.Contains(e.TextBody, "Secret") || !strings.Contains(e.TextBody, "Please unplug it.") {
				t.Errorf("reply body: %s", e.TextBody)
			}
			// A reply to the sent mail threads onto the ticket.
			byID, err := f.svc.TicketByMailID(ctx, nil, e.MessageID)
			if err != nil || byID.ID != tk.ID {
				t.Errorf("ticket by sent Message-ID %s: %v", e.MessageID, err)
			}
		}
		if byID, err := f.svc.TicketByMailID(ctx, nil, "<first@carol.example>"); err != nil || byID.Number != 1001 {
			t.Errorf("ticket by received Message-ID: %v", err)
		}
		if _, err := f.svc.TicketByMailID(ctx, nil, "<unknown@x>"); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("unknown Message-ID: %v", err)
		}
		tk, _ = f.svc.TicketByID(ctx, tk.ID)
		if tk.Status != tickets.StatusPending || tk.FirstResponseAt == nil {
			t.Fatalf("after reply: status %s first response %v", tk.Status, tk.FirstResponseAt)
		}
		// The customer answers by email: pending reopens.
		if _, err := f.svc.AddMessage(ctx, tk.ID, tickets.NewMessage{AuthorID: f.carol.ID, Public: true, Channel: tickets.ChannelEmail, Text: "Done.", MessageID: "<second@carol.example>"}); err != nil {
			t.Fatal(err)
		}
		tk, _ = f.svc.TicketByID(ctx, tk.ID)
		if tk.Status != tickets.StatusOpen {
			t.Fatalf("customer reply on pending: status %s, want open", tk.Status)
		}
		// Customers never see notes.
		pub, _ := f.svc.Messages(ctx, tk.ID, false)
		all, _ := f.svc.Messages(ctx, tk.ID, true)
		if len(pub) != 3 || len(all) != 4 {
			t.Fatalf("messages: %d public, %d with notes", len(pub), len(all))
		}
		for _, m := range pub {
			if !m.Public || strings.Contains(m.Text, "Secret") {
				t.Errorf("customer view holds a note: %+v", m)
			}
		}
		// Solve mails the solved notice; closed takes no more messages.
		if _, err := f.svc.Change(ctx, tk.ID, f.alice.ID, tickets.Changes{Status: tickets.StatusSolved}); err != nil {
			t.Fatal(err)
		}
		if kinds := f.outbox(t); kinds[len(kinds)-1].Kind != "ticket_solved" {
			t.Errorf("no solved mail: %+v", kinds[len(kinds)-1])
		}
		if err := f.svc.Rate(ctx, tk.ID, f.carol.ID, "good", "Thanks"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Change(ctx, tk.ID, f.alice.ID, tickets.Changes{Status: tickets.StatusClosed}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddMessage(ctx, tk.ID, tickets.NewMessage{AuthorID: f.carol.ID, Public: true, Text: "One more thing"}); !errors.Is(err, tickets.ErrClosed) {
			t.Fatalf("message on closed ticket: %v", err)
		}
		events, _ := f.svc.Events(ctx, tk.ID)
		var kinds []string
		for _, e := range events {
			kinds = append(kinds, e.Kind+":"+e.NewValue)
		}
		want := "created:email status:pending status:open status:solved rated:good status:closed"
		if strings.Join(kinds, " ") != want {
			t.Errorf("timeline %q, want %q", strings.Join(kinds, " "), want)
		}
	})
}

func TestNotificationPreferencesAreHonoured(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		f := newFixture(t, b)
		if err := f.acc.UpdateProfile(f.ctx, f.eve.ID, accounts.ProfileInput{Name: "Eve", NotifyTicketUpdates: false}); err != nil {
			t.Fatal(err)
		}
		web, _ := f.svc.CreateTicket(f.ctx, tickets.NewTicket{RequesterID: f.eve.ID, Subject: "Web", Text: "x"})
		f.svc.AddMessage(f.ctx, web.ID, tickets.NewMessage{AuthorID: f.bob.ID, Public: true, Text: "reply"})
		if n := len(f.outbox(t)); n != 0 {
			t.Fatalf("web requester without notifications got %d mails", n)
		}
		// Who wrote by email gets the answer by email regardless.
		em, _ := f.svc.CreateTicket(f.ctx, tickets.NewTicket{RequesterID: f.eve.ID, Subject: "Mail", Text: "x", Channel: tickets.ChannelEmail, MessageID: "<e1@x>"})
		f.svc.AddMessage(f.ctx, em.ID, tickets.NewMessage{AuthorID: f.bob.ID, Public: true, Text: "reply"})
		if got := f.outbox(t); len(got) != 1 || got[0].ToAddress != "eve@other.test" {
			t.Fatalf("email requester: %+v", got)
		}
	})
}

func TestConcurrentCreatesAndChangesLoseNothing(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		f := newFixture(t, b)
		const n = 12
		var wg sync.WaitGroup
		numbers := make(chan int64, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				tk, err := f.svc.CreateTicket(f.ctx, tickets.NewTicket{RequesterID: f.carol.ID, Subject: fmt.Sprintf("T%d", i), Text: "x"})
				if err != nil {
					t.Error(err)
					return
				}
				numbers <- tk.Number
			}(i)
		}
		wg.Wait()
		close(numbers)
		seen := map[int64]bool{}
		for num := range numbers {
			if seen[num] || num < 1001 || num > 1000+n {
				t.Errorf("number %d duplicated or out of sequence", num)
			}
			seen[num] = true
		}
		// Two agents change the same ticket at once: both changes stay.
		tk, _ := f.svc.TicketByNumber(f.ctx, 1001)
		bob := f.bob.ID
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := f.svc.Change(f.ctx, tk.ID, f.alice.ID, tickets.Changes{Priority: tickets.PriorityUrgent, AddTags: []string{"vip"}}); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := f.svc.Change(f.ctx, tk.ID, f.bob.ID, tickets.Changes{Assignee: &bob, AddTags: []string{"billing"}}); err != nil {
				t.Error(err)
			}
		}()
		wg.Wait()
		tk, _ = f.svc.TicketByID(f.ctx, tk.ID)
		if tk.Priority != tickets.PriorityUrgent || tk.Assignee() != bob || tk.Tags != "billing vip" {
			t.Fatalf("a concurrent change was lost: priority %s assignee %d tags %q", tk.Priority, tk.Assignee(), tk.Tags)
		}
		events, _ := f.svc.Events(f.ctx, tk.ID)
		var kinds []string
		for _, e := range events {
			kinds = append(kinds, e.Kind)
		}
		for _, k := range []string{"priority", "assignee", "tag_added"} {
			if !strings.Contains(strings.Join(kinds, " "), k) {
				t.Errorf("timeline lacks %s: %v", k, kinds)
			}
		}
	})
}

func TestListScopeViewsAndKeysetPagination(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		f := newFixture(t, b)
		for i := 0; i < 7; i++ {
			req := f.carol.ID
			if i%2 == 1 {
				req = f.dave.ID
			}
			if _, err := f.svc.CreateTicket(f.ctx, tickets.NewTicket{RequesterID: req, Subject: fmt.Sprintf("T%d", i), Text: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		f.svc.CreateTicket(f.ctx, tickets.NewTicket{RequesterID: f.eve.ID, Subject: "Eve's", Text: "x"})
		all := policy.TicketScope{All: true}
		var got []int64
		cursor := ""
		for pages := 0; pages < 5; pages++ {
			p, err := f.svc.List(f.ctx, tickets.Query{Scope: all, View: tickets.ViewUnassigned, Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Rows {
				got = append(got, r.Number)
			}
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		if len(got) != 8 || got[0] != 1008 || got[7] != 1001 {
			t.Fatalf("paged unassigned view: %v", got)
		}
		// By SLA due time, tickets without a deadline (solved) come last,
		// across pages.
		f.svc.Change(f.ctx, 3, f.bob.ID, tickets.Changes{Status: tickets.StatusSolved})
		f.svc.Change(f.ctx, 6, f.bob.ID, tickets.Changes{Status: tickets.StatusSolved})
		var bySLA []int64
		cursor = ""
		for pages := 0; pages < 6; pages++ {
			p, err := f.svc.List(f.ctx, tickets.Query{Scope: all, View: tickets.ViewAll, Sort: tickets.SortSLA, Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Rows {
				bySLA = append(bySLA, r.ID)
			}
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		if len(bySLA) != 8 || bySLA[6] != 3 || bySLA[7] != 6 {
			t.Fatalf("by SLA across pages: %v", bySLA)
		}
		// Carol alone sees her four; with the organisation sharing, seven.
		p, _ := f.svc.List(f.ctx, tickets.Query{Scope: policy.TicketScope{RequesterID: f.carol.ID}})
		if len(p.Rows) != 4 {
			t.Fatalf("carol's own tickets: %d", len(p.Rows))
		}
		p, _ = f.svc.List(f.ctx, tickets.Query{Scope: policy.TicketScope{RequesterID: f.carol.ID, OrgID: *f.carol.OrgID}})
		if len(p.Rows) != 7 {
			t.Fatalf("carol's organisation's tickets: %d", len(p.Rows))
		}
		// Mine, sorted by priority.
		alice := f.alice.ID
		f.svc.Change(f.ctx, 1, f.alice.ID, tickets.Changes{Assignee: &alice, Priority: tickets.PriorityHigh})
		f.svc.Change(f.ctx, 2, f.alice.ID, tickets.Changes{Assignee: &alice, Priority: tickets.PriorityUrgent})
		p, _ = f.svc.List(f.ctx, tickets.Query{Scope: all, View: tickets.ViewMine, Me: alice, Sort: tickets.SortPriority})
		if len(p.Rows) != 2 || p.Rows[0].Priority != tickets.PriorityUrgent || p.Rows[0].Assignee == nil || p.Rows[0].Assignee.Name != "Alice Agent" {
			t.Fatalf("mine by priority: %+v", p.Rows)
		}
	})
}

func TestTicketSearchFollowsTheChangeLog(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		f := newFixture(t, b)
		a, _ := f.svc.CreateTicket(f.ctx, tickets.NewTicket{RequesterID: f.carol.ID, Subject: "Printer jams", Text: "The tray squeaks loudly"})
		e, _ := f.svc.CreateTicket(f.ctx, tickets.NewTicket{RequesterID: f.eve.ID, Subject: "Squeaking chair", Text: "My chair squeaks"})
		f.svc.AddMessage(f.ctx, a.ID, tickets.NewMessage{AuthorID: f.alice.ID, Public: false, Text: "internal zebra remark"})
		ix, err := tickets.OpenIndex(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		fl := newFollower(ix, f)
		if err := fl.CatchUp(f.ctx); err != nil {
			t.Fatal(err)
		}
		ids, _ := ix.Search("squeaks", policy.TicketScope{All: true}, true, 10)
		if len(ids) != 2 {
			t.Fatalf("staff search: %v", ids)
		}
		// A subject hit comes before message-only hits (and "Squeaking
		// chair", in both, is listed once above).
		if ids, _ := ix.Search("squeaks", policy.TicketScope{All: true}, true, 1); len(ids) != 1 || ids[0] != e.ID {
			t.Fatalf("first hit %v, want the subject match %d", ids, e.ID)
		}
		ids, _ = ix.Search("squeaks", policy.TicketScope{RequesterID: f.carol.ID}, false, 10)
		if len(ids) != 1 || ids[0] != a.ID {
			t.Fatalf("carol's search sees %v, want only her ticket %d", ids, a.ID)
		}
		if ids, _ := ix.Search("zebra", policy.TicketScope{RequesterID: f.carol.ID}, false, 10); len(ids) != 0 {
			t.Fatalf("a customer's search found an internal note: %v", ids)
		}
		if ids, _ := ix.Search("zebra", policy.TicketScope{All: true}, true, 10); len(ids) != 1 {
			t.Fatalf("staff search misses the note: %v", ids)
		}
		// A later message is found after the next catch-up.
		f.svc.AddMessage(f.ctx, e.ID, tickets.NewMessage{AuthorID: f.eve.ID, Public: true, Text: "also a wobbly leg"})
		fl.CatchUp(f.ctx)
		if ids, _ := ix.Search("wobbly", policy.TicketScope{All: true}, true, 10); len(ids) != 1 || ids[0] != e.ID {
			t.Fatalf("new message not searchable: %v", ids)
		}
	})
}

func TestAttachmentsAreStoredOnce(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		f := newFixture(t, b)
		blob, err := f.svc.PutFile(f.ctx, bytes.NewReader([]byte("hello")))
		if err != nil {
			t.Fatal(err)
		}
		tk, err := f.svc.CreateTicket(f.ctx, tickets.NewTicket{RequesterID: f.carol.ID, Subject: "With file", Text: "see file",
			Files: []tickets.AttachmentInput{{Filename: "../../etc/passwd", ContentType: "text/html; charset=utf-8", Blob: blob}}})
		if err != nil {
			t.Fatal(err)
		}
		ms, _ := f.svc.Messages(f.ctx, tk.ID, false)
		a := ms[0].Attachments[0]
		if strings.Contains(a.Filename, "/") || a.ContentType != "text/html" || a.Size != 5 {
			t.Fatalf("attachment: %+v", a)
		}
	})
}
