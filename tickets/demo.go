package tickets

import (
	"bytes"
	"context"
	"fmt"
	"time"
)

// SeedDemo creates demo tickets for the demo users of accounts: one in
// every status, with internal notes, an attachment, a breached SLA, a
// rated ticket, tags, and a canned reply, so the inbox and the dashboard
// show real shapes. With seeded it adds nothing.
func (s *Service) SeedDemo(ctx context.Context, seeded bool) ([]string, error) {
	if seeded {
		return nil, nil
	}
	n, err := s.db.NewSelect().Model((*Ticket)(nil)).Count(ctx)
	if err != nil || n > 0 {
		return nil, err
	}
	who := map[string]Person{}
	for _, e := range []string{"carol@acme.example", "dave@acme.example", "erin@globex.example", "alice@demo.frontdesk.test", "bob@demo.frontdesk.test"} {
		p, err := s.dir.PersonByEmail(ctx, e)
		if err != nil {
			return nil, nil // no demo users: nothing to attach tickets to
		}
		who[e] = p
	}
	carol, dave, erin := who["carol@acme.example"], who["dave@acme.example"], who["erin@globex.example"]
	alice, bob := who["alice@demo.frontdesk.test"], who["bob@demo.frontdesk.test"]
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")
	blob, err := s.files.Put(ctx, s.db, bytes.NewReader(png), s.maxFile)
	if err != nil {
		return nil, err
	}
	type step func(t *Ticket) error
	reply := func(by Person, text string, public bool) step {
		return func(t *Ticket) error {
			_, err := s.AddMessage(ctx, t.ID, NewMessage{AuthorID: by.ID, Public: public, Channel: ChannelWeb, Text: text})
			return err
		}
	}
	change := func(by Person, c Changes) step {
		return func(t *Ticket) error {
			_, err := s.Change(ctx, t.ID, by.ID, c)
			return err
		}
	}
	assign := func(to Person) step { id := to.ID; return change(to, Changes{Assignee: &id}) }
	specs := []struct {
		req      Person
		subject  string
		text     string
		priority string
		channel  string
		files    []AttachmentInput
		age      time.Duration
		steps    []step
	}{
		{carol, "Cannot log in after changing my email", "I changed my email yesterday and now the login page says my password is wrong.", PriorityHigh, ChannelWeb, nil, 2 * time.Hour, nil},
		{dave, "Invoice shows the wrong VAT number", "Our VAT number on the last invoice is from our old address. Can you fix it?", PriorityNormal, ChannelEmail, nil, 30 * time.Minute,
			[]step{assign(alice), reply(alice, "Thanks Dave, I have asked billing to reissue the invoice.", true), reply(alice, "Billing confirmed: reissue goes out Friday.", false)}},
		{erin, "Export to CSV times out", "Exporting our 2 years of tickets to CSV stops after a minute with an error. Screenshot attached.", PriorityUrgent, ChannelWeb,
			[]AttachmentInput{{Filename: "timeout.png", ContentType: "image/png", Blob: blob}}, 26 * time.Hour,
			[]step{change(bob, Changes{AddTags: []string{"export", "bug"}}), reply(bob, "Reproduced on staging; engineering is looking at the query plan.", false)}},
		{carol, "Question about the new dashboard", "Where did the weekly report move to?", PriorityLow, ChannelWeb, nil, 3 * 24 * time.Hour,
			[]step{assign(bob), reply(bob, "It is under Reports → Weekly now. Does that answer it?", true), change(bob, Changes{Status: StatusPending})}},
		{dave, "Please add my colleague to our account", "Could you add sam@acme.example to our organisation?", PriorityNormal, ChannelEmail, nil, 5 * 24 * time.Hour,
			[]step{assign(alice), reply(alice, "Waiting for the account owner's approval.", false), change(alice, Changes{Status: StatusOnHold})}},
		{erin, "Password reset email never arrives", "I requested a reset three times, nothing in my inbox or spam.", PriorityHigh, ChannelWeb, nil, 6 * 24 * time.Hour,
			[]step{assign(bob), reply(bob, "Our mail provider had bounced your address; I have cleared the block. Please try again.", true), change(bob, Changes{Status: StatusSolved}),
				func(t *Ticket) error { return s.Rate(ctx, t.ID, erin.ID, "good", "Quick and clear, thank you!") }}},
		{carol, "Duplicate charge in March", "I was charged twice for March.", PriorityHigh, ChannelWeb, nil, 20 * 24 * time.Hour,
			[]step{assign(alice), reply(alice, "The duplicate was refunded; it shows on your next statement.", true), change(alice, Changes{Status: StatusSolved}), change(alice, Changes{Status: StatusClosed})}},
	}
	var first int64
	for _, sp := range specs {
		t, err := s.CreateTicket(ctx, NewTicket{RequesterID: sp.req.ID, Subject: sp.subject, Text: sp.text, Priority: sp.priority, Channel: sp.channel, Files: sp.files})
		if err != nil {
			return nil, err
		}
		if first == 0 {
			first = t.Number
		}
		if err := s.backdate(ctx, t, sp.age); err != nil {
			return nil, err
		}
		for _, st := range sp.steps {
			if err := st(t); err != nil {
				return nil, err
			}
		}
	}
	if _, err := s.SaveCanned(ctx, 0, alice.ID, "Thanks, looking into it",
		"Hi {{requester.name}},\n\nthanks for your message about ticket #{{ticket.number}}. I am looking into it and will get back to you today.\n\n{{agent.name}}"); err != nil {
		return nil, err
	}
	return []string{fmt.Sprintf("Tickets: %d demo tickets from #%d (agents: /agent; customers: /tickets)", len(specs), first)}, nil
}

// backdate moves a demo ticket's creation (and its first message and
// SLA deadlines) into the past, so the inbox shows ages and breaches.
func (s *Service) backdate(ctx context.Context, t *Ticket, age time.Duration) error {
	at := t.CreatedAt.Add(-age)
	t.CreatedAt = at
	s.applySLA(ctx, t)
	if _, err := s.db.NewUpdate().Model((*Ticket)(nil)).Where("id = ?", t.ID).
		Set("created_at = ?", at).Set("updated_at = ?", at).
		Set("first_response_due_at = ?", t.FirstResponseDueAt).Set("resolution_due_at = ?", t.ResolutionDueAt).
		Set("sla_due_at = ?", t.SLADueAt).Exec(ctx); err != nil {
		return err
	}
	_, err := s.db.NewUpdate().Model((*Message)(nil)).Where("ticket_id = ?", t.ID).Set("created_at = ?", at).Exec(ctx)
	return err
}
