package inbound_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/app/authztest"
	"github.com/frontdesk/frontdesk/mail/inbound"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// TestAdminSeesIngestionLogAndMailboxStatus wires the whole app to a
// mailbox, fetches through the app's own fetcher (what `mail fetch --once`
// runs), and reads the result as an admin: the page with the mailbox
// status, one message with its raw download, and the JSON log with
// cursor pagination.
func TestAdminSeesIngestionLogAndMailboxStatus(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		mb := memMailbox(t)
		a := apptest.New(t, b, func(c *app.Config) { c.IMAPURL = mb.URL })
		w := authztest.NewWorld(t, a)
		mb.deliver(t, mailFrom("Ann <ann@example.com>", "Printer <b>on fire</b>", "<app-1@example.com>", "Help!"))
		mb.deliver(t, mailFrom("support@frontdesk.test", "Loop", "<app-2@example.com>", "ours"))
		mb.deliver(t, mailFrom("Bea <bea@example.com>", "Second", "", "no id"))
		f, err := a.MailFetcher()
		if err != nil {
			t.Fatal(err)
		}
		sum, err := f.FetchOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if sum.Fetched != 3 {
			t.Fatalf("summary %s", sum)
		}

		admin := w.Client(t, authztest.Admin)
		resp := admin.Get("/admin/mail")
		doc := apptest.Doc(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		status := doc.Find(".inbound-status").Text()
		if !strings.Contains(status, f.Mailbox()) || !strings.Contains(status, "connected") {
			t.Errorf("mailbox status: %q", status)
		}
		rows := doc.Find("#inbound-rows tbody tr")
		if rows.Length() != 4 { // ours and the authz world's fixture
			t.Fatalf("%d rows", rows.Length())
		}
		page := doc.Find("#inbound-rows").Text()
		if !strings.Contains(page, "Printer <b>on fire</b>") || !strings.Contains(page, "our own mail") {
			t.Errorf("rows: %s", page)
		}
		html, _ := doc.Find("#inbound-rows").Html()
		if strings.Contains(html, "<b>on fire</b>") {
			t.Error("subject rendered as HTML")
		}

		// The API, two entries per page.
		var ids []any
		cursor := ""
		for i := 0; i < 4; i++ {
			req, _ := http.NewRequest("GET", "/api/v1/mail/log?limit=2"+cursor, nil)
			req.Header.Set("Authorization", "Bearer "+w.Actors[authztest.Admin].Token)
			resp := admin.Do(req)
			var body struct {
				Entries []map[string]any `json:"entries"`
				Next    *string          `json:"next_cursor"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			for _, e := range body.Entries {
				ids = append(ids, e["message_id"])
				for _, k := range []string{"message_id", "mailbox", "uid", "decision", "reason", "ticket_number", "created_at"} {
					if _, ok := e[k]; !ok {
						t.Errorf("entry lacks %q: %v", k, e)
					}
				}
			}
			if body.Next == nil {
				break
			}
			cursor = "&cursor=" + *body.Next
		}
		if len(ids) != 4 || ids[0] != nil || ids[1] != "<app-2@example.com>" || ids[2] != "<app-1@example.com>" {
			t.Fatalf("message ids over the pages: %v", ids)
		}

		// One message and its raw download.
		href, _ := doc.Find(`#inbound-rows a[href^="/admin/mail/"]:contains("Printer")`).Attr("href")
		resp = admin.Get(href)
		if body := apptest.Body(t, resp); !strings.Contains(body, "Help!") || !strings.Contains(body, "&lt;app-1@example.com&gt;") {
			t.Fatalf("message page: %s", body)
		}
		resp = admin.Get(href + "/raw")
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(string(raw), "From: Ann <ann@example.com>\r\n") {
			t.Fatalf("raw download %d: %q", resp.StatusCode, raw)
		}

		// Customers and agents see none of it.
		for _, who := range []string{authztest.Agent, authztest.CustomerA} {
			if resp := w.Client(t, who).Get("/admin/mail"); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s got %d", who, resp.StatusCode)
			}
		}
	})
}

// TestDemoHasEmailTickets: serve --demo shows tickets that came by email
// (a thread with an attachment, an out-of-office, a flagged message),
// made through the real ingestion path.
func TestDemoHasEmailTickets(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	var out strings.Builder
	if err := a.SeedDemo(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	entries := logEntries(t, a.DB)
	got := map[string]int{}
	for _, e := range entries {
		got[string(e.Decision)]++
	}
	if got["new_ticket"] != 1 || got["reply"] != 1 || got["auto_reply"] != 1 || got["flagged"] != 1 || len(entries) != 4 {
		t.Fatalf("demo decisions %v", got)
	}
	if !strings.Contains(out.String(), "came by email") {
		t.Errorf("demo output: %s", out.String())
	}
}

// TestDashboardWarnsWhenFetcherStalls: agents see on their dashboard that
// the support mailbox has not been checked for longer than the threshold
// (with the last error), and no warning while the fetcher keeps up.
func TestDashboardWarnsWhenFetcherStalls(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		mb := memMailbox(t)
		a := apptest.New(t, b, func(c *app.Config) { c.IMAPURL = mb.URL })
		w := authztest.NewWorld(t, a)
		f, err := a.MailFetcher()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.FetchOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		agent := w.Client(t, authztest.Agent)
		doc := apptest.Doc(t, agent.Get("/agent/dashboard"))
		if n := doc.Find(".tk-mail-warning").Length(); n != 0 {
			t.Fatalf("warning right after a check: %q", doc.Find(".tk-mail-warning").Text())
		}

		// The last completed check was an hour ago and the server refused since.
		stale := time.Now().UTC().Add(-time.Hour)
		if _, err := a.DB.NewUpdate().Table("mail_inbound_mailboxes").
			Set("last_check_at = ?", stale).Set("updated_at = ?", stale).
			Set("last_error = ?", "connect to imap.example:993: connection refused").
			Where("name = ?", f.Mailbox()).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		doc = apptest.Doc(t, agent.Get("/agent/dashboard"))
		warn := doc.Find(".tk-mail-warning[role=alert]").Text()
		for _, want := range []string{"not being fetched", f.Mailbox(), stale.Format("2006-01-02 15:04 UTC"), "connection refused"} {
			if !strings.Contains(warn, want) {
				t.Errorf("dashboard warning lacks %q: %q", want, warn)
			}
		}
		if err := f.Ready(context.Background()); err == nil {
			t.Error("readiness passes with a stalled fetcher")
		}
	})
}

// TestAdminEmailChannelSettings: an admin turns the acknowledgement off and
// on, words it, and sets the per-sender hourly cap; bad input re-renders
// with messages and the admin's input; changes are audited and govern the
// next inbound mail.
func TestAdminEmailChannelSettings(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		mb := memMailbox(t)
		a := apptest.New(t, b, func(c *app.Config) { c.IMAPURL = mb.URL })
		w := authztest.NewWorld(t, a)
		ctx := context.Background()
		admin := w.Client(t, authztest.Admin)
		doc := apptest.Doc(t, admin.Get("/admin/mail/settings"))
		if _, on := doc.Find("#ms-ack").Attr("checked"); !on || doc.Find("#ms-limit").AttrOr("value", "") != "5" {
			t.Fatalf("defaults: ack %v, limit %q", on, doc.Find("#ms-limit").AttrOr("value", ""))
		}

		// Bad input: 422, messages, the input kept, nothing saved.
		resp := admin.PostForm("/admin/mail/settings", url.Values{"ack_enabled": {"on"}, "ack_text": {"Hi {name}, KEEP-ME"}, "limit": {"0"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad limit: %d", resp.StatusCode)
		}
		doc = apptest.Doc(t, resp)
		if doc.Find("#ms-limit-error").Text() == "" || !strings.Contains(doc.Find("#ms-ack-text").Text(), "KEEP-ME") || doc.Find("#ms-limit").AttrOr("value", "") != "0" {
			t.Errorf("failed form: %q / %q", doc.Find("#ms-limit-error").Text(), doc.Find("#ms-ack-text").Text())
		}
		resp = admin.PostForm("/admin/mail/settings", url.Values{"ack_text": {strings.Repeat("x", inbound.MaxAckText+1)}, "limit": {"3"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || apptest.Doc(t, resp).Find("#ms-ack-text-error").Text() == "" {
			t.Errorf("long text: %d", resp.StatusCode)
		}
		if got := a.Settings.Get(ctx, inbound.SettingAutoAnswerLimit, ""); got != "" {
			t.Fatalf("a refused form saved the cap: %q", got)
		}

		// Custom text, cap 1.
		resp = admin.PostForm("/admin/mail/settings", url.Values{"ack_enabled": {"on"}, "ack_text": {"Dear {name}, thanks for writing to ACME about {subject} ({number})."}, "limit": {"1"}})
		if resp.StatusCode >= 400 {
			t.Fatalf("save: %d %s", resp.StatusCode, apptest.Body(t, resp))
		}
		resp.Body.Close()
		doc = apptest.Doc(t, admin.Get("/admin/mail/settings"))
		if doc.Find("#ms-limit").AttrOr("value", "") != "1" || !strings.Contains(doc.Find("#ms-ack-text").Text(), "thanks for writing to ACME") {
			t.Errorf("saved form shows %q", doc.Find("#ms-limit").AttrOr("value", ""))
		}
		n, err := a.DB.NewSelect().Table("audit_log").Where("action = 'mail.settings' AND detail LIKE ?", "%cap per sender 5 → 1%").Count(ctx)
		if err != nil || n != 1 {
			t.Errorf("audit rows %d (%v)", n, err)
		}

		acks := func() []string {
			var bodies []string
			if err := a.DB.NewSelect().Table("mail_outbox").Column("text_body").Where("kind = 'ticket_ack'").Order("id").Scan(ctx, &bodies); err != nil {
				t.Fatal(err)
			}
			return bodies
		}
		f, _ := a.MailFetcher()
		mb.deliver(t, mailFrom("Ann <ann@example.com>", "Broken printer", "<set-1@example.com>", "It jams."))
		mb.deliver(t, mailFrom("Ann <ann@example.com>", "Another thing", "<set-2@example.com>", "Also this."))
		if _, err := f.FetchOnce(ctx); err != nil {
			t.Fatal(err)
		}
		got := acks()
		if len(got) != 1 {
			t.Fatalf("%d acknowledgements with a cap of 1 per hour, want 1", len(got))
		}
		if !strings.Contains(got[0], "Dear Ann, thanks for writing to ACME about Broken printer (#") || !strings.Contains(got[0], "/tickets/") {
			t.Errorf("acknowledgement text:\n%s", got[0])
		}

		// Switched off: no acknowledgement for a new sender.
		resp = admin.PostForm("/admin/mail/settings", url.Values{"ack_text": {""}, "limit": {"5"}})
		resp.Body.Close()
		mb.deliver(t, mailFrom("Bea <bea@example.com>", "Hello", "<set-3@example.com>", "Hi."))
		if _, err := f.FetchOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if got := acks(); len(got) != 1 {
			t.Errorf("%d acknowledgements after switching them off", len(got))
		}
		if e := logEntries(t, a.DB); e[len(e)-1].Decision != inbound.DecisionNewTicket {
			t.Errorf("Bea's mail: %+v", e[len(e)-1])
		}
	})
}
