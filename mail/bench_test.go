package mail_test

import (
	"context"
	"net/mail"
	"testing"
	"time"

	"github.com/uptrace/bun"

	fdmail "github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// BenchmarkRender measures rendering a message with both parts inside the
// branded layout (what Enqueue does before its INSERT).
func BenchmarkRender(b *testing.B) {
	ob := newOutbox(b, nil)
	m := hello("bench@example.com")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ob.Render(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompose measures building the MIME message the sender hands to
// SMTP.
func BenchmarkCompose(b *testing.B) {
	ob := newOutbox(b, nil)
	e, err := ob.Render(context.Background(), hello("bench@example.com"))
	if err != nil {
		b.Fatal(err)
	}
	from := mail.Address{Name: "Acme Help", Address: "support@acme.test"}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fdmail.Compose(e, from, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnqueueSQLite measures Enqueue with its INSERT on SQLite.
func BenchmarkEnqueueSQLite(b *testing.B) {
	db := dbtest.Open(b, dbtest.SQLite(b))
	ob := newOutbox(b, nil)
	m := hello("bench@example.com")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ob.Enqueue(ctx, bun.IDB(db), m); err != nil {
			b.Fatal(err)
		}
	}
}
