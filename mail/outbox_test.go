package mail_test

import (
	"context"
	"errors"
	"io/fs"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	fdmail "github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/mail/mailtest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/views"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// testTemplates holds the real mail layouts plus two message templates:
// test_hello has both parts, test_plain only text.
func testTemplates(t testing.TB) fs.FS {
	t.Helper()
	m := fstest.MapFS{
		"mail/test_hello.txt":  {Data: []byte("Hello {{.Name}},\n\nconfirm here: {{.Link}}\n\nThanks, {{.Brand.Name}}")},
		"mail/test_hello.html": {Data: []byte(`<p>Hello {{.Name}},</p><p><a href="{{.Link}}">Confirm</a></p>`)},
		"mail/test_plain.txt":  {Data: []byte("Line one & <two>\nline two {{.Link}}\n\nPara two.")},
	}
	for _, name := range []string{"mail/layout.html", "mail/layout.txt"} {
		b, err := fs.ReadFile(views.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		m[name] = &fstest.MapFile{Data: b}
	}
	return m
}

func newOutbox(t testing.TB, now func() time.Time) *fdmail.Outbox {
	return fdmail.NewOutbox(fdmail.OutboxDeps{
		Templates: testTemplates(t),
		Brand: func(context.Context) fdmail.Brand {
			return fdmail.Brand{Name: "Acme Help", Color: "#aa0011"}
		},
		BaseURL:        "https://help.acme.test",
		SupportAddress: "support@acme.test",
		Now:            now,
	})
}

func newSender(t *testing.T, db *bun.DB, ob *fdmail.Outbox, srv *mailtest.Server, now func() time.Time, batch int) *fdmail.Sender {
	t.Helper()
	s, err := fdmail.NewSMTPSender(srv.URL(), fdmail.SenderDeps{
		DB: db, Outbox: ob, From: "support@acme.test",
		FromName:    func(context.Context) string { return "Acme Help" },
		Now:         now,
		Batch:       batch,
		MaxAttempts: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func hello(to string) fdmail.Message {
	return fdmail.Message{
		To: to, ToName: "Zoë Example", Subject: "Bestätigen Sie Ihre Adresse",
		Template: "test_hello", Kind: "verify_email",
		Data: map[string]any{"Name": "Zoë", "Link": "https://help.acme.test/verify?token=abc123"},
	}
}

func entry(t *testing.T, db *bun.DB, id int64) fdmail.Entry {
	t.Helper()
	var e fdmail.Entry
	if err := db.NewSelect().Model(&e).Where("id = ?", id).Scan(context.Background()); err != nil {
		t.Fatalf("load outbox row %d: %v", id, err)
	}
	return e
}

func runOnce(t *testing.T, s *fdmail.Sender) int {
	t.Helper()
	n, err := s.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return n
}

func TestEnqueueRolledBackSendsNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		srv := mailtest.Start(t)
		ob := newOutbox(t, nil)
		boom := errors.New("business change failed")
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := ob.Enqueue(ctx, tx, hello("ann@example.com")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("tx error = %v", err)
		}
		n, err := db.NewSelect().Model((*fdmail.Entry)(nil)).Count(ctx)
		if err != nil || n != 0 {
			t.Fatalf("outbox rows after rollback = %d, %v; want 0", n, err)
		}
		if got := runOnce(t, newSender(t, db, ob, srv, nil, 10)); got != 0 {
			t.Fatalf("claimed %d rows after rollback", got)
		}
		if msgs := srv.Messages(); len(msgs) != 0 {
			t.Fatalf("server received %d messages after rollback", len(msgs))
		}
	})
}

func TestEnqueueCommittedIsDelivered(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		srv := mailtest.Start(t)
		ob := newOutbox(t, nil)
		m := hello("Ann@Example.com")
		m.InReplyTo = "<parent@acme.test>"
		m.References = []string{"<root@acme.test>", "<parent@acme.test>"}
		var id int64
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			var err error
			id, err = ob.Enqueue(ctx, tx, m)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		row := entry(t, db, id)
		if row.Status != fdmail.StatusPending || !strings.HasSuffix(row.MessageID, "@help.acme.test>") {
			t.Fatalf("queued row = status %q, message id %q", row.Status, row.MessageID)
		}

		if got := runOnce(t, newSender(t, db, ob, srv, nil, 10)); got != 1 {
			t.Fatalf("claimed %d rows, want 1", got)
		}
		msg := srv.WaitFor(t, "ann@example.com", 5*time.Second)

		if msg.From != "support@acme.test" || msg.AuthUser != "user" {
			t.Errorf("envelope from %q, auth user %q", msg.From, msg.AuthUser)
		}
		h := msg.Header
		checks := map[string]string{
			"Message-ID":     row.MessageID,
			"In-Reply-To":    "<parent@acme.test>",
			"Auto-Submitted": "auto-replied", // automatic and answering <parent@acme.test>
			"MIME-Version":   "1.0",
		}
		for k, want := range checks {
			if got := h.Get(k); got != want {
				t.Errorf("header %s = %q, want %q", k, got, want)
			}
		}
		if refs := strings.Fields(h.Get("References")); strings.Join(refs, " ") != "<root@acme.test> <parent@acme.test>" {
			t.Errorf("References = %q", h.Get("References"))
		}
		if _, err := h.Date(); err != nil {
			t.Errorf("Date %q: %v", h.Get("Date"), err)
		}
		from, err := h.AddressList("From")
		if err != nil || len(from) != 1 || from[0].Name != "Acme Help" || from[0].Address != "support@acme.test" {
			t.Errorf("From = %q (%v)", h.Get("From"), err)
		}
		to, err := h.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Name != "Zoë Example" || !strings.EqualFold(to[0].Address, "ann@example.com") {
			t.Errorf("To = %q (%v)", h.Get("To"), err)
		}
		if msg.Subject != m.Subject {
			t.Errorf("Subject decoded = %q, want %q", msg.Subject, m.Subject)
		}
		if raw := h.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?q?") {
			t.Errorf("non-ASCII Subject not RFC 2047 encoded: %q", raw)
		}
		if !strings.HasPrefix(h.Get("Content-Type"), "multipart/alternative;") {
			t.Errorf("Content-Type = %q", h.Get("Content-Type"))
		}
		if !strings.Contains(msg.Text, "Hello Zoë,") || !strings.Contains(msg.Text, "Thanks, Acme Help") {
			t.Errorf("text part = %q", msg.Text)
		}
		if links := mailtest.Links(msg); len(links) == 0 || links[0] != "https://help.acme.test/verify?token=abc123" {
			t.Errorf("links in text = %q", links)
		}
		for _, want := range []string{`href="https://help.acme.test/verify?token=abc123"`, "#aa0011", "Acme Help", "Hello Zoë,"} {
			if !strings.Contains(msg.HTML, want) {
				t.Errorf("HTML part lacks %q:\n%s", want, msg.HTML)
			}
		}
		if strings.Contains(string(msg.Raw), "\n") && strings.Count(string(msg.Raw), "\r\n") != strings.Count(string(msg.Raw), "\n") {
			t.Error("raw message has bare LF line endings")
		}

		row = entry(t, db, id)
		if row.Status != fdmail.StatusSent || row.SentAt == nil || row.Attempts != 1 || row.LockedUntil != nil {
			t.Errorf("row after send = status %q sent_at %v attempts %d locked %v", row.Status, row.SentAt, row.Attempts, row.LockedUntil)
		}
		if got := runOnce(t, newSender(t, db, ob, srv, nil, 10)); got != 0 {
			t.Errorf("sent row claimed again (%d)", got)
		}
	})
}

func TestTemporaryRejectionIsRetriedLater(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		srv := mailtest.Start(t)
		clk := &clock{t: time.Now()}
		ob := newOutbox(t, clk.Now)
		s := newSender(t, db, ob, srv, clk.Now, 10)
		id, err := ob.Enqueue(ctx, db, hello("bob@example.com"))
		if err != nil {
			t.Fatal(err)
		}
		srv.RejectNext(1, 451, "greylisted, try again later")

		runOnce(t, s)
		row := entry(t, db, id)
		if row.Status != fdmail.StatusPending || row.Attempts != 1 || !strings.Contains(row.LastError, "451") {
			t.Fatalf("after 451: status %q attempts %d last_error %q", row.Status, row.Attempts, row.LastError)
		}
		if !row.NextAttemptAt.After(clk.Now()) {
			t.Fatalf("next attempt %v is not in the future", row.NextAttemptAt)
		}
		if n := runOnce(t, s); n != 0 {
			t.Fatalf("retried before the backoff elapsed (%d claimed)", n)
		}
		clk.Add(2 * time.Hour)
		if n := runOnce(t, s); n != 1 {
			t.Fatalf("claimed %d after backoff, want 1", n)
		}
		srv.WaitFor(t, "bob@example.com", 5*time.Second)
		row = entry(t, db, id)
		if row.Status != fdmail.StatusSent || row.Attempts != 2 || row.LastError != "" {
			t.Fatalf("after retry: status %q attempts %d last_error %q", row.Status, row.Attempts, row.LastError)
		}
		if got := len(srv.Messages()); got != 1 {
			t.Fatalf("server holds %d messages, want 1", got)
		}
	})
}

func TestRejections(t *testing.T) {
	tests := []struct {
		name        string
		code, times int
		runs        int
		wantStatus  string
		wantErr     string
		wantAttempt int
	}{
		{"5xx fails at once", 550, 1, 1, fdmail.StatusFailed, "550", 1},
		{"4xx until attempts run out", 421, 10, 3, fdmail.StatusFailed, "421", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *bun.DB) {
				ctx := context.Background()
				srv := mailtest.Start(t)
				clk := &clock{t: time.Now()}
				ob := newOutbox(t, clk.Now)
				s := newSender(t, db, ob, srv, clk.Now, 10)
				id, err := ob.Enqueue(ctx, db, hello("carl@example.com"))
				if err != nil {
					t.Fatal(err)
				}
				srv.RejectNext(tt.times, tt.code, "mailbox unavailable")
				for range tt.runs {
					runOnce(t, s)
					clk.Add(2 * time.Hour)
				}
				row := entry(t, db, id)
				if row.Status != tt.wantStatus || row.Attempts != tt.wantAttempt || !strings.Contains(row.LastError, tt.wantErr) {
					t.Fatalf("row = status %q attempts %d last_error %q", row.Status, row.Attempts, row.LastError)
				}
				if n := runOnce(t, s); n != 0 {
					t.Fatalf("failed row claimed again")
				}
				if len(srv.Messages()) != 0 {
					t.Fatal("rejected message was recorded as received")
				}
			})
		})
	}
}

func TestConcurrentSendersNeverSendTheSameRow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		srv := mailtest.Start(t)
		ob := newOutbox(t, nil)
		const total = 120
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for range total {
				if _, err := ob.Enqueue(ctx, tx, hello("dora@example.com")); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		const senders = 4
		errs := make(chan error, senders)
		for range senders {
			s := newSender(t, db, ob, srv, nil, 2)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					n, err := s.RunOnce(ctx)
					if err != nil {
						errs <- err
						return
					}
					if n == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, m := range srv.Messages() {
			seen[m.Header.Get("Message-ID")]++
		}
		for id, n := range seen {
			if n > 1 {
				t.Errorf("%s sent %d times", id, n)
			}
		}
		if len(seen) != total {
			t.Errorf("server received %d distinct messages, want %d", len(seen), total)
		}
		sent, err := db.NewSelect().Model((*fdmail.Entry)(nil)).Where("status = ?", fdmail.StatusSent).Count(ctx)
		if err != nil || sent != total {
			t.Errorf("sent rows = %d (%v), want %d", sent, err, total)
		}
	})
}

func TestEnqueueValidates(t *testing.T) {
	ob := newOutbox(t, nil)
	tests := []struct {
		name string
		edit func(*fdmail.Message)
	}{
		{"bad recipient", func(m *fdmail.Message) { m.To = "not an address" }},
		{"header injection in reply-to", func(m *fdmail.Message) { m.ReplyTo = "a@example.com\r\nBcc: evil@example.com" }},
		{"empty subject", func(m *fdmail.Message) { m.Subject = "  " }},
		{"template path", func(m *fdmail.Message) { m.Template = "../layout" }},
		{"missing template", func(m *fdmail.Message) { m.Template = "nope" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := hello("eve@example.com")
			tt.edit(&m)
			if _, err := ob.Render(context.Background(), m); err == nil {
				t.Fatal("Render accepted an invalid message")
			}
		})
	}
}

func TestTextOnlyTemplateGetsGeneratedHTML(t *testing.T) {
	ob := newOutbox(t, nil)
	e, err := ob.Render(context.Background(), fdmail.Message{
		To: "fay@example.com", Subject: "Plain", Template: "test_plain", Personal: true,
		Data: map[string]any{"Link": "https://help.acme.test/a?x=1&y=2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Line one &amp; &lt;two&gt;<br>", `<a href="https://help.acme.test/a?x=1&amp;y=2">`, "<p>Para two.</p>", "Acme Help"} {
		if !strings.Contains(e.HTMLBody, want) {
			t.Errorf("generated HTML lacks %q:\n%s", want, e.HTMLBody)
		}
	}
	if e.AutoSubmitted {
		t.Error("a personal message is marked Auto-Submitted")
	}
	raw, err := fdmail.Compose(e, mail.Address{Name: "Acme", Address: "support@acme.test"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := mailtest.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Header.Get("Auto-Submitted") != "" {
		t.Error("Auto-Submitted header on a personal message")
	}
	if !strings.Contains(parsed.Text, "Line one & <two>") {
		t.Errorf("text part = %q", parsed.Text)
	}
}

// A sender that died mid-send leaves its row "sending" with a lease; once
// the lease ends another sender delivers it, and not before.
func TestExpiredLeaseIsClaimedAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		srv := mailtest.Start(t)
		clk := &clock{t: time.Now()}
		ob := newOutbox(t, clk.Now)
		id, err := ob.Enqueue(ctx, db, hello("lea@example.com"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewUpdate().Model((*fdmail.Entry)(nil)).
			Set("status = ?", fdmail.StatusSending).Set("attempts = 1").
			Set("locked_until = ?", clk.Now().Add(5*time.Minute).UTC()).
			Where("id = ?", id).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		s := newSender(t, db, ob, srv, clk.Now, 10)
		if n := runOnce(t, s); n != 0 {
			t.Fatalf("claimed a row whose lease is still running")
		}
		clk.Add(6 * time.Minute)
		if n := runOnce(t, s); n != 1 {
			t.Fatalf("claimed %d rows after the lease ended, want 1", n)
		}
		srv.WaitFor(t, "lea@example.com", 5*time.Second)
		if e := entry(t, db, id); e.Status != fdmail.StatusSent || e.Attempts != 2 {
			t.Fatalf("row = %q after %d attempts", e.Status, e.Attempts)
		}
	})
}

// Without --support-address mail comes from no-reply at the portal's host,
// and the counters tell sent, retried and failed apart.
func TestDefaultFromAndCounters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		srv := mailtest.Start(t)
		clk := &clock{t: time.Now()}
		ob := newOutbox(t, clk.Now)
		reg := prometheus.NewRegistry()
		s, err := fdmail.NewSMTPSender(srv.URL(), fdmail.SenderDeps{DB: db, Outbox: ob, Registerer: reg, Now: clk.Now, MaxAttempts: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range []string{"ok@example.com", "retry@example.com", "bad@example.com"} {
			if _, err := ob.Enqueue(ctx, db, hello(to)); err != nil {
				t.Fatal(err)
			}
		}
		srv.RejectNext(1, 451, "try later")
		runOnce(t, s) // ok@ (first in line) gets 451 and waits; the other two are sent
		srv.RejectNext(1, 550, "no such user")
		clk.Add(2 * time.Hour)
		runOnce(t, s) // ok@ is retried and gets 550: failed
		want := map[string]float64{"frontdesk_mail_sent_total": 2, "frontdesk_mail_retried_total": 1, "frontdesk_mail_failed_total": 1}
		for name, v := range want {
			if got := counterValue(t, reg, name); got != v {
				t.Errorf("%s = %v, want %v", name, got, v)
			}
		}
		msgs := srv.Messages()
		if len(msgs) != 2 {
			t.Fatalf("received %d messages", len(msgs))
		}
		if got := msgs[0].Header.Get("From"); got != "<no-reply@help.acme.test>" && got != "no-reply@help.acme.test" {
			t.Errorf("From = %q", got)
		}
		if msgs[0].From != "no-reply@help.acme.test" {
			t.Errorf("envelope sender = %q", msgs[0].From)
		}
	})
}

func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}

// slowMailer records messages and moves the test clock as if each delivery
// took a while.
type slowMailer struct {
	clk  *clock
	took time.Duration
	sent []string
}

func (m *slowMailer) Send(_ context.Context, _ string, to []string, _ []byte) error {
	m.clk.Add(m.took)
	m.sent = append(m.sent, to[0])
	return nil
}

// When deliveries are slow, rows the worker could no longer send within its
// lease go back to the queue untouched instead of risking a double send.
func TestSlowDeliveriesReleaseTheRestOfTheBatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Now()}
		ob := newOutbox(t, clk.Now)
		for range 5 {
			if _, err := ob.Enqueue(ctx, db, hello("slow@example.com")); err != nil {
				t.Fatal(err)
			}
		}
		m := &slowMailer{clk: clk, took: 2 * time.Minute}
		s := fdmail.NewSender(fdmail.SenderDeps{DB: db, Mailer: m, From: "support@acme.test", Now: clk.Now,
			Batch: 5, Lease: 5 * time.Minute, SendTimeout: 2 * time.Minute})
		if n := runOnce(t, s); n != 5 {
			t.Fatalf("claimed %d, want 5", n)
		}
		if len(m.sent) != 2 {
			t.Fatalf("sent %d within the lease, want 2", len(m.sent))
		}
		var rows []fdmail.Entry
		if err := db.NewSelect().Model(&rows).Where("status = ?", fdmail.StatusPending).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 {
			t.Fatalf("%d rows back in the queue, want 3", len(rows))
		}
		for _, e := range rows {
			if e.Attempts != 0 || e.LockedUntil != nil {
				t.Errorf("released row %d: attempts %d, locked_until %v", e.ID, e.Attempts, e.LockedUntil)
			}
		}
		if n := runOnce(t, s); n != 3 {
			t.Fatalf("next run claimed %d, want the 3 released", n)
		}
	})
}

func TestComposeKeepsLinesShort(t *testing.T) {
	ob := newOutbox(t, nil)
	m := hello("long@example.com")
	m.Subject = strings.Repeat("Grüße aus Köln, ", 30)
	m.Data["Name"] = strings.Repeat("ü", 3000)
	e, err := ob.Render(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := fdmail.Compose(e, mail.Address{Name: "Acme", Address: "support@acme.test"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("line %d is %d bytes long", i, len(line))
		}
	}
	parsed, err := mailtest.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Subject != strings.TrimSpace(m.Subject) {
		t.Errorf("subject after folding = %q", parsed.Subject)
	}
	if !strings.Contains(parsed.Text, strings.Repeat("ü", 3000)) {
		t.Error("long text line did not survive quoted-printable")
	}
}

func TestListPagesNewestFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		ob := newOutbox(t, nil)
		var ids []int64
		for _, to := range []string{"a@example.com", "b@example.com", "c@example.com"} {
			m := hello(to)
			m.Kind = ""
			id, err := ob.Enqueue(ctx, db, m)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		page, err := fdmail.List(ctx, db, fdmail.ListFilter{Limit: 2})
		if err != nil || len(page) != 2 || page[0].ID != ids[2] || page[1].ID != ids[1] {
			t.Fatalf("first page = %v (%v)", page, err)
		}
		if page[0].TextBody != "" || page[0].Kind != "test_hello" {
			t.Errorf("list row: body loaded %v, kind %q (want the template name)", page[0].TextBody != "", page[0].Kind)
		}
		rest, err := fdmail.List(ctx, db, fdmail.ListFilter{Limit: 2, Before: page[1].ID})
		if err != nil || len(rest) != 1 || rest[0].ID != ids[0] {
			t.Fatalf("second page = %v (%v)", rest, err)
		}
		counts, err := fdmail.CountByStatus(ctx, db)
		if err != nil || counts[fdmail.StatusPending] != 3 {
			t.Fatalf("counts = %v (%v)", counts, err)
		}
	})
}

// TestAutoSubmittedFollowsRFC3834: automatic mail answering a message is
// auto-replied, other automatic mail auto-generated, a person's mail has
// no Auto-Submitted at all.
func TestAutoSubmittedFollowsRFC3834(t *testing.T) {
	ob := newOutbox(t, nil)
	for _, c := range []struct {
		name      string
		personal  bool
		inReplyTo string
		want      string
	}{
		{"acknowledgement", false, "<customer-1@example.com>", "auto-replied"},
		{"sign-up mail", false, "", "auto-generated"},
		{"agent reply", true, "<customer-1@example.com>", ""},
	} {
		e, err := ob.Render(context.Background(), fdmail.Message{
			To: "fay@example.com", Subject: "Hi", Template: "test_plain", Personal: c.personal, InReplyTo: c.inReplyTo,
			Data: map[string]any{"Link": "https://help.acme.test/"},
		})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := fdmail.Compose(e, mail.Address{Address: "support@acme.test"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := mailtest.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := parsed.Header.Get("Auto-Submitted"); got != c.want {
			t.Errorf("%s: Auto-Submitted %q, want %q", c.name, got, c.want)
		}
	}
}
