package authztest

import (
	"bytes"
	"compress/gzip"
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/tickets"
)

// mailInboundFixtures adds ingestion-log rows for the /admin/mail routes.
func (w *World) mailInboundFixtures(t testing.TB) {
	w.Values["mail.log.entry"] = w.mailLogEntry(t, "new_ticket")
	w.Fresh["new.mail.log.failed"] = func(t testing.TB) string { return w.mailLogEntry(t, "failed") }
	w.Fresh["new.flagged.ticket"] = func(t testing.TB) string { return w.flaggedTicket(t) }
}

func (w *World) mailLogEntry(t testing.TB, decision string) string {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("From: c@t.test\r\nSubject: authz\r\nMessage-ID: <authz@t.test>\r\n\r\nhello\r\n"))
	zw.Close()
	blob, err := w.App.Files.PutBytes(ctx, w.App.DB, gz.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	err = w.App.DB.NewRaw("INSERT INTO mail_inbound_log (mailbox, message_id, decision, reason, raw_sha256, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
		"support@test/INBOX", "<authz@t.test>", decision, "fixture", blob.SHA256, now, now).Scan(ctx, &id)
	if err != nil {
		t.Fatalf("mail log row: %v", err)
	}
	return strconv.FormatInt(id, 10)
}

// flaggedTicket is an email kept apart because it claimed a (fresh)
// ticket of customer B from a stranger (customer A's address).
func (w *World) flaggedTicket(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	claimed, err := w.App.Tickets.CreateTicket(ctx, tickets.NewTicket{RequesterID: w.Actors[CustomerB].User.ID, Subject: "B's refund", Text: "Where is it?"})
	if err != nil {
		t.Fatalf("claimed ticket: %v", err)
	}
	tk, err := w.App.Tickets.CreateTicket(ctx, tickets.NewTicket{
		RequesterID: w.Actors[CustomerA].User.ID, Subject: "Re: B's refund", Text: "Me too.", Channel: tickets.ChannelEmail,
		Tags: []string{tickets.TagEmailFlagged}, RefKind: "ticket", RefValue: strconv.FormatInt(claimed.Number, 10),
	})
	if err != nil {
		t.Fatalf("flagged ticket: %v", err)
	}
	return strconv.FormatInt(tk.Number, 10)
}
