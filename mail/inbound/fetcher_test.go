package inbound_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/mail/imaptest"
	"github.com/frontdesk/frontdesk/mail/inbound"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/platform/files"
)

// mailbox is a real IMAP mailbox for a test: go-imap's in-process server
// or the Dovecot that make test starts (a fresh folder per test).
type mailbox struct {
	URL    string // --imap-url for the fetcher
	Client *imapclient.Client
	Name   string
}

func (mb mailbox) deliver(t testing.TB, raw string) {
	t.Helper()
	imaptest.Deliver(t, mb.Client, mb.Name, []byte(strings.ReplaceAll(strings.ReplaceAll(raw, "\r\n", "\n"), "\n", "\r\n")))
}

// flags returns each message's \Seen state by UID.
func (mb mailbox) seen(t testing.TB) map[imap.UID]bool {
	t.Helper()
	if _, err := mb.Client.Select(mb.Name, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := mb.Client.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil && !strings.Contains(err.Error(), "No matching messages") && !strings.Contains(err.Error(), "Invalid messageset") {
		t.Fatal(err)
	}
	out := map[imap.UID]bool{}
	for _, m := range msgs {
		s := false
		for _, f := range m.Flags {
			if f == imap.FlagSeen {
				s = true
			}
		}
		out[m.UID] = s
	}
	return out
}

func memMailbox(t testing.TB) mailbox {
	t.Helper()
	u := imaptest.MemServer(t)
	return mailbox{URL: u, Client: imaptest.Dial(t, u), Name: "INBOX"}
}

// dovecotMailbox is a fresh folder in the test Dovecot.
func dovecotMailbox(t testing.TB) mailbox {
	t.Helper()
	base := imaptest.Dovecot(t)
	c := imaptest.Dial(t, base)
	name := "fdtest-" + randHex(6)
	if err := c.Create(name, nil).Wait(); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	t.Cleanup(func() { _ = c.Delete(name).Wait() })
	u, _ := url.Parse(base)
	u.Path = "/" + name
	u.RawQuery = "tls=none"
	return mailbox{URL: u.String(), Client: c, Name: name}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// eachMailbox runs fn against the in-process server and Dovecot, each on
// SQLite and PostgreSQL.
func eachMailbox(t *testing.T, fn func(t *testing.T, db *bun.DB, mb mailbox)) {
	t.Run("memserver", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, db *bun.DB) { fn(t, db, memMailbox(t)) })
	})
	t.Run("dovecot", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, db *bun.DB) { fn(t, db, dovecotMailbox(t)) })
	})
}

// testDeliverer stands in for the tickets domain in this package's tests
// (the tickets package tests the real one): a subject token is a reply,
// anything else a new ticket numbered from 1000; subjects containing
// "boom" fail while fail is set.
type testDeliverer struct {
	mu     sync.Mutex
	next   int64
	fail   bool
	got    []*inbound.Message
	answer bool
}

func (d *testDeliverer) Deliver(_ context.Context, _ bun.IDB, m *inbound.Message) (inbound.Outcome, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail && strings.Contains(m.Subject, "boom") {
		return inbound.Outcome{}, errors.New("ticket store unavailable")
	}
	d.got = append(d.got, m)
	switch m.Class.Kind {
	case inbound.KindAutoReply:
		return inbound.Outcome{Decision: inbound.DecisionAutoReply, Reason: m.Class.Reason}, nil
	case inbound.KindBounce:
		return inbound.Outcome{Decision: inbound.DecisionBounce, Reason: m.Class.Reason}, nil
	}
	if n, ok := inbound.SubjectTicketNumber(m.Subject); ok {
		return inbound.Outcome{Decision: inbound.DecisionReply, Reason: "subject token", TicketNumber: n}, nil
	}
	d.next++
	return inbound.Outcome{Decision: inbound.DecisionNewTicket, Reason: "no thread", TicketNumber: 1000 + d.next, AutoAnswered: d.answer && m.MayAutoAnswer}, nil
}

func newFetcher(t testing.TB, db *bun.DB, mb mailbox, d inbound.Deliverer, hook func(int64) error) (*inbound.Fetcher, *inbound.Ingester, *files.Store) {
	t.Helper()
	store, err := files.New("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	in := inbound.NewIngester(inbound.IngesterDeps{DB: db, Files: store, Deliverer: d,
		Classify: inbound.ClassifyOptions{SupportAddresses: []string{"support@frontdesk.test"}}})
	f, err := inbound.NewFetcher(inbound.FetcherConfig{URL: mb.URL, BatchSize: 2, Recheck: time.Second},
		inbound.FetcherDeps{DB: db, Ingester: in, AfterCommit: hook})
	if err != nil {
		t.Fatal(err)
	}
	return f, in, store
}

func mailFrom(from, subject, id, body string) string {
	h := "From: " + from + "\nTo: support@frontdesk.test\nSubject: " + subject + "\nDate: Tue, 01 Dec 2026 09:00:00 +0000\n"
	if id != "" {
		h += "Message-ID: " + id + "\n"
	}
	return h + "\n" + body + "\n"
}

func logEntries(t testing.TB, db *bun.DB) []inbound.LogEntry {
	t.Helper()
	entries, _, err := inbound.ListLog(context.Background(), db, inbound.LogFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestFetchOnceIngestsLogsAndMarksSeen(t *testing.T) {
	eachMailbox(t, func(t *testing.T, db *bun.DB, mb mailbox) {
		ctx := context.Background()
		first := mailFrom("Ann <ann@example.com>", "Printer on fire", "<p1@example.com>", "Help!")
		mb.deliver(t, first)
		mb.deliver(t, mailFrom("Ann <ann@example.com>", "Re: Printer on fire [#1001]", "<p2@example.com>", "More."))
		mb.deliver(t, "Auto-Submitted: auto-replied\n"+mailFrom("Bob <bob@example.com>", "Out of office", "<p3@example.com>", "Away."))
		mb.deliver(t, mailFrom("support@frontdesk.test", "Our own", "<p4@frontdesk.test>", "Loop."))
		mb.deliver(t, mailFrom("Cy <cy@example.com>", "No id", "", "I have no Message-ID."))

		d := &testDeliverer{}
		f, _, store := newFetcher(t, db, mb, d, nil)
		sum, err := f.FetchOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Fetched != 5 || sum.ByDecision[inbound.DecisionNewTicket] != 2 || sum.ByDecision[inbound.DecisionReply] != 1 ||
			sum.ByDecision[inbound.DecisionAutoReply] != 1 || sum.ByDecision[inbound.DecisionIgnored] != 1 {
			t.Fatalf("summary: %s", sum)
		}
		entries := logEntries(t, db)
		if len(entries) != 5 {
			t.Fatalf("%d log entries", len(entries))
		}
		byID := map[string]inbound.LogEntry{}
		for _, e := range entries {
			if e.MessageID == nil {
				byID[""] = e
			} else {
				byID[*e.MessageID] = e
			}
			if e.RawSHA256 == "" || e.Reason == "" || e.UID == 0 || e.Mailbox != f.Mailbox() {
				t.Errorf("incomplete log entry %+v", e)
			}
		}
		if e := byID["<p2@example.com>"]; e.Decision != inbound.DecisionReply || e.TicketNumber == nil || *e.TicketNumber != 1001 {
			t.Errorf("reply entry %+v", e)
		}
		if e := byID["<p4@frontdesk.test>"]; e.Decision != inbound.DecisionIgnored || !strings.Contains(e.Reason, "our own") {
			t.Errorf("own mail entry %+v", e)
		}
		if e, ok := byID[""]; !ok || e.Decision != inbound.DecisionNewTicket {
			t.Errorf("message without Message-ID: %+v (NULL message_id expected)", e)
		}
		// The raw message is kept, byte for byte.
		rc, err := inbound.OpenRaw(ctx, db, store, byID["<p1@example.com>"].RawSHA256)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(rc)
		rc.Close()
		if want := strings.ReplaceAll(strings.ReplaceAll(first, "\r\n", "\n"), "\n", "\r\n"); string(raw) != want {
			t.Errorf("raw copy differs:\n%q\nwant\n%q", raw, want)
		}
		for uid, s := range mb.seen(t) {
			if !s {
				t.Errorf("UID %d not marked \\Seen after commit", uid)
			}
		}
		// Nothing new: a second run fetches nothing.
		sum, err = f.FetchOnce(ctx)
		if err != nil || sum.Fetched != 0 {
			t.Fatalf("second run: %s, %v", sum, err)
		}
		st, err := f.Status(ctx)
		if err != nil || st.LastCheckAt == nil || st.Stalled || st.Fetched != 5 {
			t.Fatalf("status %+v %v", st, err)
		}
	})
}

// TestCrashBetweenCommitAndFlag stops the fetcher after a message's
// transaction committed and before the IMAP flag, then runs it again: every
// message is ingested exactly once and ends up flagged.
func TestCrashBetweenCommitAndFlag(t *testing.T) {
	eachMailbox(t, func(t *testing.T, db *bun.DB, mb mailbox) {
		ctx := context.Background()
		for i := 1; i <= 5; i++ {
			mb.deliver(t, mailFrom("c@example.com", fmt.Sprintf("Question %d", i), fmt.Sprintf("<crash-%d@example.com>", i), "?"))
		}
		crash := errors.New("simulated crash")
		calls := 0
		f, _, _ := newFetcher(t, db, mb, &testDeliverer{}, func(uid int64) error {
			if calls++; calls == 3 {
				return crash
			}
			return nil
		})
		if _, err := f.FetchOnce(ctx); !errors.Is(err, crash) {
			t.Fatalf("first run: %v, want the crash", err)
		}
		if n := len(logEntries(t, db)); n != 3 {
			t.Fatalf("after the crash %d messages committed, want 3", n)
		}
		unseen := 0
		for _, s := range mb.seen(t) {
			if !s {
				unseen++
			}
		}
		if unseen != 5-2 { // the batch of 2 before the crash was flagged; message 3 committed but not flagged
			t.Fatalf("%d unseen after the crash, want 3", unseen)
		}

		f2, _, _ := newFetcher(t, db, mb, &testDeliverer{}, nil)
		sum, err := f2.FetchOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		entries := logEntries(t, db)
		if len(entries) != 5 || sum.Fetched != 2 {
			t.Fatalf("after the rerun %d log entries (want 5), fetched %s", len(entries), sum)
		}
		ids := map[string]int{}
		for _, e := range entries {
			ids[*e.MessageID]++
		}
		for id, n := range ids {
			if n != 1 {
				t.Errorf("%s ingested %d times", id, n)
			}
		}
		for uid, s := range mb.seen(t) {
			if !s {
				t.Errorf("UID %d still unseen after the rerun", uid)
			}
		}
	})
}

// TestSameMailDeliveredAgainUnderNewUIDs: a mailbox restored (or the same
// mail copied into it again) gets new UIDs; Message-ID and content dedupe
// add nothing.
func TestSameMailDeliveredAgainUnderNewUIDs(t *testing.T) {
	eachMailbox(t, func(t *testing.T, db *bun.DB, mb mailbox) {
		ctx := context.Background()
		msgs := []string{
			mailFrom("a@example.com", "One", "<again-1@example.com>", "1"),
			mailFrom("b@example.com", "Two", "<again-2@example.com>", "2"),
			mailFrom("c@example.com", "Three without id", "", "3"),
		}
		for _, m := range msgs {
			mb.deliver(t, m)
		}
		d := &testDeliverer{}
		f, _, _ := newFetcher(t, db, mb, d, nil)
		if _, err := f.FetchOnce(ctx); err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			mb.deliver(t, m) // same bytes, new UIDs
		}
		sum, err := f.FetchOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Fetched != 3 || sum.Duplicates != 3 {
			t.Fatalf("second delivery: %s, want 3 fetched, 3 duplicates", sum)
		}
		if n := len(logEntries(t, db)); n != 3 {
			t.Fatalf("%d log entries, want 3", n)
		}
		if len(d.got) != 3 {
			t.Fatalf("deliverer saw %d messages, want 3", len(d.got))
		}
		for uid, s := range mb.seen(t) {
			if !s {
				t.Errorf("duplicate UID %d not marked \\Seen", uid)
			}
		}
	})
}

func TestFailedDeliveryIsKeptAndReprocessed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		mb := memMailbox(t)
		mb.deliver(t, mailFrom("d@example.com", "boom goes the store", "<boom@example.com>", "x"))
		mb.deliver(t, mailFrom("e@example.com", "fine", "<fine@example.com>", "y"))
		d := &testDeliverer{fail: true}
		f, in, _ := newFetcher(t, db, mb, d, nil)
		sum, err := f.FetchOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sum.ByDecision[inbound.DecisionFailed] != 1 || sum.ByDecision[inbound.DecisionNewTicket] != 1 {
			t.Fatalf("summary %s", sum)
		}
		var failed inbound.LogEntry
		for _, e := range logEntries(t, db) {
			if e.Decision == inbound.DecisionFailed {
				failed = e
			}
		}
		if !strings.Contains(failed.Reason, "ticket store unavailable") || failed.RawSHA256 == "" {
			t.Fatalf("failed entry %+v", failed)
		}
		d.mu.Lock()
		d.fail = false
		d.mu.Unlock()
		dec, err := in.Reprocess(ctx, failed.ID)
		if err != nil || dec != inbound.DecisionNewTicket {
			t.Fatalf("reprocess: %v %v", dec, err)
		}
		e, _ := inbound.GetLog(ctx, db, failed.ID)
		if e.Decision != inbound.DecisionNewTicket || e.Attempts != 2 || e.TicketNumber == nil {
			t.Fatalf("after re-processing %+v", e)
		}
		if _, err := in.Reprocess(ctx, failed.ID); err == nil {
			t.Fatal("re-processing a delivered message again was allowed")
		}
	})
}

// TestAutoAnswerCap: no sender gets more automatic mail per hour than the
// limit, however much they write.
func TestAutoAnswerCap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		mb := memMailbox(t)
		for i := 0; i < 7; i++ {
			mb.deliver(t, mailFrom("loop@example.com", fmt.Sprintf("Ticket %d", i), fmt.Sprintf("<loop-%d@example.com>", i), "x"))
		}
		d := &testDeliverer{answer: true}
		f, _, _ := newFetcher(t, db, mb, d, nil)
		if _, err := f.FetchOnce(ctx); err != nil {
			t.Fatal(err)
		}
		answered := 0
		for _, e := range logEntries(t, db) {
			if e.AutoAnswered {
				answered++
			}
		}
		if answered != 5 {
			t.Fatalf("%d automatic answers to one sender in an hour, want the limit 5", answered)
		}
	})
}

// TestIdleFetchesNewMail runs the worker and delivers mail while it
// IDLEs: the message is ingested without waiting for a poll.
func TestIdleFetchesNewMail(t *testing.T) {
	for name, mk := range map[string]func(testing.TB) mailbox{"memserver": memMailbox, "dovecot": dovecotMailbox} {
		t.Run(name, func(t *testing.T) {
			db := dbtest.Open(t, dbtest.SQLite(t))
			mb := mk(t)
			store, _ := files.New("", t.TempDir())
			in := inbound.NewIngester(inbound.IngesterDeps{DB: db, Files: store, Deliverer: &testDeliverer{}})
			f, err := inbound.NewFetcher(inbound.FetcherConfig{URL: mb.URL, Recheck: time.Minute, Poll: time.Minute},
				inbound.FetcherDeps{DB: db, Ingester: in})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- f.Run(ctx) }()
			defer func() { cancel(); <-done }()
			waitFor(t, 10*time.Second, func() bool {
				st, _ := f.Status(ctx)
				return st.State == inbound.StateIdle
			})
			mb.deliver(t, mailFrom("idle@example.com", "While idling", "<idle-1@example.com>", "hello"))
			start := time.Now()
			waitFor(t, 10*time.Second, func() bool { return len(logEntries(t, db)) == 1 })
			// Recheck is a minute: only IDLE explains a fast arrival.
			if el := time.Since(start); el > 30*time.Second {
				t.Fatalf("took %v", el)
			}
		})
	}
}

func waitFor(t testing.TB, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestFetcherURLs(t *testing.T) {
	for _, bad := range []string{"http://x/INBOX", "imap://host/INBOX", "imaps://u:p@h/INBOX?tls=none", "imap://u:p@h/INBOX?tls=maybe"} {
		if _, err := inbound.NewFetcher(inbound.FetcherConfig{URL: bad}, inbound.FetcherDeps{}); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	f, err := inbound.NewFetcher(inbound.FetcherConfig{URL: "imaps://me%40x.test:pw@mail.x.test/Support%20Box"}, inbound.FetcherDeps{})
	if err != nil || f.Mailbox() != "me@x.test@mail.x.test:993/Support Box" {
		t.Fatalf("%v %v", f.Mailbox(), err)
	}
}

// TestPlainIMAPNeedsExplicitOptIn: a server without STARTTLS is refused
// unless the URL says tls=none.
func TestPlainIMAPNeedsExplicitOptIn(t *testing.T) {
	db := dbtest.Open(t, dbtest.SQLite(t))
	mb := memMailbox(t)
	store, _ := files.New("", t.TempDir())
	in := inbound.NewIngester(inbound.IngesterDeps{DB: db, Files: store, Deliverer: &testDeliverer{}})
	f, err := inbound.NewFetcher(inbound.FetcherConfig{URL: strings.TrimSuffix(mb.URL, "?tls=none")}, inbound.FetcherDeps{DB: db, Ingester: in})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.FetchOnce(context.Background()); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("plain IMAP without opt-in: %v", err)
	}
	st, _ := f.Status(context.Background())
	if st.State != inbound.StateDisconnected || !strings.Contains(st.LastError, "STARTTLS") {
		t.Fatalf("status after the refusal: %+v", st)
	}
}
