package authztest

import (
	"bytes"
	"compress/gzip"
	"context"
	"strconv"
	"testing"
	"time"
)

// mailInboundFixtures adds ingestion-log rows for the /admin/mail routes.
func (w *World) mailInboundFixtures(t testing.TB) {
	w.Values["mail.log.entry"] = w.mailLogEntry(t, "new_ticket")
	w.Fresh["new.mail.log.failed"] = func(t testing.TB) string { return w.mailLogEntry(t, "failed") }
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
