package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	fdmail "github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/mail/mailtest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

func notice(to, subject string) fdmail.Message {
	return fdmail.Message{
		To: to, ToName: "Ivy", Subject: subject, Template: "mail_notice", Kind: "test",
		Data: map[string]any{"Body": "Your report is ready: http://frontdesk.test/reports/7"},
	}
}

func enqueueCommitted(t *testing.T, a *app.App, m fdmail.Message) int64 {
	t.Helper()
	var id int64
	err := a.DB.RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		id, err = a.Mail.Enqueue(ctx, tx, m)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	a.Mail.Wake()
	return id
}

// The whole app with --smtp-url: mail committed by any domain reaches the
// SMTP server through the running sender worker, and is counted.
func TestAppSendsQueuedMailWithSMTP(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		srv := mailtest.Start(t)
		a := apptest.New(t, b, func(c *app.Config) { c.SMTPURL = srv.URL() })
		apptest.Serve(t, a)

		id := enqueueCommitted(t, a, notice("ivy@example.com", "Report ready"))
		msg := srv.WaitFor(t, "ivy@example.com", 15*time.Second)
		if got := msg.Header.Get("From"); got != `"Frontdesk" <support@frontdesk.test>` {
			t.Errorf("From = %q", got)
		}
		if !strings.HasSuffix(msg.Header.Get("Message-ID"), "@frontdesk.test>") {
			t.Errorf("Message-ID = %q", msg.Header.Get("Message-ID"))
		}
		if !strings.Contains(msg.Text, "Hello Ivy,") || !strings.Contains(msg.HTML, `href="http://frontdesk.test/reports/7"`) {
			t.Errorf("parts: text %q\nhtml %q", msg.Text, msg.HTML)
		}
		// The outcome is recorded right after the server answered.
		deadline := time.Now().Add(10 * time.Second)
		for {
			e, err := fdmail.Get(context.Background(), a.DB, id)
			if err != nil {
				t.Fatal(err)
			}
			if e.Status == fdmail.StatusSent {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("row still %q after the server received it", e.Status)
			}
			time.Sleep(20 * time.Millisecond)
		}
		metrics := apptest.Metrics(t, a)
		if !strings.Contains(metrics, "frontdesk_mail_sent_total 1") {
			t.Errorf("/metrics lacks frontdesk_mail_sent_total 1")
		}
	})
}

// Without --smtp-url nothing is sent and nothing is lost: the admin reads
// the message in the outbox; customers and visitors cannot.
func TestAppOutboxWithoutSMTP(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		a := apptest.New(t, b)
		ctx := context.Background()
		acc := accounts.NewService(accounts.Deps{DB: a.DB, Outbox: a.Mail, Settings: a.Settings,
			BaseURL: a.Config.BaseURL, Argon2: accounts.Argon2Params{Time: 1, Memory: 8 * 1024, Threads: 1}})
		users := map[string]identity.Role{"root@example.com": identity.RoleAdmin, "kim@example.com": identity.RoleCustomer}
		for email, role := range users {
			if _, err := acc.CreateUser(ctx, accounts.CreateUserInput{Email: email, Name: "Test", Password: "correct horse battery", Role: role}); err != nil {
				t.Fatalf("create %s: %v", email, err)
			}
		}
		id := enqueueCommitted(t, a, notice("ivy@example.com", "Report ready for Ivy"))
		path := "/admin/outbox/" + itoa(id)

		anon := apptest.NewClient(t, a)
		if resp := anon.Get("/admin/outbox"); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Fatalf("anonymous: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}

		login := func(email string) *apptest.Client {
			c := apptest.NewClient(t, a)
			resp := c.PostForm("/login", apptest.Values("email", email, "password", "correct horse battery"))
			if resp.StatusCode != 303 {
				t.Fatalf("login %s: status %d\n%s", email, resp.StatusCode, apptest.Body(t, resp))
			}
			return c
		}
		customer := login("kim@example.com")
		for _, p := range []string{"/admin/outbox", path} {
			if resp := customer.Get(p); resp.StatusCode != 404 {
				t.Errorf("customer GET %s: %d, want 404", p, resp.StatusCode)
			}
		}

		admin := login("root@example.com")
		resp := admin.Get("/admin/outbox")
		body := apptest.Body(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(body, "Report ready for Ivy") || !strings.Contains(body, "No SMTP server is configured") {
			t.Fatalf("admin list: %d\n%s", resp.StatusCode, body)
		}
		page := admin.Get(path)
		if page.StatusCode != 200 {
			t.Fatalf("admin GET %s: %d\n%s", path, page.StatusCode, apptest.Body(t, page))
		}
		doc := apptest.Doc(t, page)
		if got := doc.Find(".outbox-links a").First().AttrOr("href", ""); got != "http://frontdesk.test/reports/7" {
			t.Errorf("link on the message page = %q", got)
		}
		if e, _ := fdmail.Get(ctx, a.DB, id); e.Status != fdmail.StatusPending || e.Attempts != 0 {
			t.Errorf("without SMTP the row is %q after %d attempts", e.Status, e.Attempts)
		}
	})
}
