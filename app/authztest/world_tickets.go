package authztest

import (
	"bytes"
	"context"
	"strconv"
	"testing"

	"github.com/frontdesk/frontdesk/tickets"
)

// ticketFixtures adds a ticket of customer A and one of customer B; B's
// has a public attachment and an internal note with an attachment. It
// also adds an agent's saved view and canned replies the matrix deletes.
func (w *World) ticketFixtures(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	svc := w.App.Tickets
	if svc == nil {
		t.Fatal("app has no ticket service")
	}
	put := func(b []byte) tickets.AttachmentInput {
		blob, err := w.App.Files.Put(ctx, w.App.DB, bytes.NewReader(b), 1<<20)
		if err != nil {
			t.Fatalf("file store: %v", err)
		}
		return tickets.AttachmentInput{Filename: "shot.png", ContentType: "image/png", Blob: blob}
	}
	a, err := svc.CreateTicket(ctx, tickets.NewTicket{RequesterID: w.Actors[CustomerA].User.ID, Subject: "A's printer", Text: "It jams."})
	if err != nil {
		t.Fatalf("ticket A: %v", err)
	}
	b, err := svc.CreateTicket(ctx, tickets.NewTicket{RequesterID: w.Actors[CustomerB].User.ID, Subject: "B's invoice", Text: "Wrong total.",
		Files: []tickets.AttachmentInput{put([]byte("\x89PNG\r\n\x1a\npublic"))}})
	if err != nil {
		t.Fatalf("ticket B: %v", err)
	}
	note, err := svc.AddMessage(ctx, b.ID, tickets.NewMessage{AuthorID: w.Actors[Agent].User.ID, Public: false, Text: "Internal: check the ledger.",
		Files: []tickets.AttachmentInput{put([]byte("\x89PNG\r\n\x1a\nnote"))}})
	if err != nil {
		t.Fatalf("note on B: %v", err)
	}
	msgs, err := svc.Messages(ctx, b.ID, false)
	if err != nil || len(msgs) == 0 || len(msgs[0].Attachments) == 0 {
		t.Fatalf("B's messages: %v", err)
	}
	w.Values["customerA.ticket"] = strconv.FormatInt(a.Number, 10)
	w.Values["customerB.ticket"] = strconv.FormatInt(b.Number, 10)
	w.Values["customerB.ticket.file"] = strconv.FormatInt(msgs[0].Attachments[0].ID, 10)
	w.Values["customerB.ticket.notefile"] = strconv.FormatInt(note.Attachments[0].ID, 10)
	w.Values["ticket.file.name"] = "shot.png"
	w.Values["kb.article.path"] = "/kb/a/" + w.Values["kb.published.slug"]
	cr, err := svc.SaveCanned(ctx, 0, w.Actors[Agent].User.ID, "Hello", "Hi {{requester.name}}")
	if err != nil {
		t.Fatal(err)
	}
	w.Values["canned"] = strconv.FormatInt(cr.ID, 10)
	w.Fresh["new.canned"] = func(t testing.TB) string {
		cr, err := svc.SaveCanned(ctx, 0, w.Actors[Agent].User.ID, "Bye", "Bye")
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(cr.ID, 10)
	}
	w.Fresh["new.agent.view"] = func(t testing.TB) string {
		v, err := svc.SaveView(ctx, w.Actors[Agent].User.ID, "Mine", "view=mine", false)
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(v.ID, 10)
	}
}
