package mail_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app/apptest"
	fdmail "github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/platform/browsertest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// An admin reads the outbox in Chromium without SMTP configured: logs in
// through the login page (arriving back at the outbox), filters by status
// with htmx, opens a message and follows the link it carries; the pages
// pass the basic accessibility checks and log nothing to the console.
func TestOutboxInChromium(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	ctx := context.Background()
	acc := accounts.NewService(accounts.Deps{DB: a.DB, Outbox: a.Mail, Settings: a.Settings,
		BaseURL: a.Config.BaseURL, Argon2: accounts.Argon2Params{Time: 1, Memory: 8 * 1024, Threads: 1}})
	if _, err := acc.CreateUser(ctx, accounts.CreateUserInput{Email: "root@example.com", Name: "Root", Password: "correct horse battery", Role: identity.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	enqueueCommitted(t, a, notice("ivy@example.com", "Report ready for Ivy"))
	failedID := enqueueCommitted(t, a, notice("jon@example.com", "Invoice for Jon"))
	if _, err := a.DB.NewUpdate().Model((*fdmail.Entry)(nil)).Set("status = 'failed'").
		Set("last_error = 'smtp: RCPT TO rejected: 550 no such user'").Where("id = ?", failedID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	base := apptest.Serve(t, a)
	b := browsertest.New(t)

	b.Run(t, "log in on the way to the outbox",
		chromedp.Navigate(base+"/admin/outbox"),
		chromedp.WaitVisible("#login-email", chromedp.ByQuery),
		chromedp.SendKeys("#login-email", "root@example.com", chromedp.ByQuery),
		chromedp.SendKeys("#login-password", "correct horse battery", chromedp.ByQuery),
		chromedp.Click(`#login-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".outbox-table", chromedp.ByQuery),
	)
	var rows string
	b.Run(t, "read the list", chromedp.Text("#outbox-rows", &rows, chromedp.ByQuery))
	if !strings.Contains(rows, "Report ready for Ivy") || !strings.Contains(rows, "no such user") {
		t.Fatalf("outbox list: %q", rows)
	}
	if p := b.A11yProblems(t); len(p) > 0 {
		t.Errorf("list accessibility: %v", p)
	}
	screenshot(t, b, "outbox-list.png")

	var url string
	b.Run(t, "filter failed with htmx",
		chromedp.SetValue("#outbox-status", "failed", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("#outbox-status").dispatchEvent(new Event("change", {bubbles: true}))`, nil),
		// Read the swapped-in rows through JavaScript: htmx replaces the
		// element, and a node id taken before the swap would go stale.
		chromedp.Poll(`(() => { const t = document.querySelector("#outbox-rows").textContent;
			return !t.includes("Report ready for Ivy") && t; })()`, &rows, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Location(&url),
	)
	if !strings.Contains(rows, "Invoice for Jon") || !strings.HasSuffix(url, "/admin/outbox?status=failed") {
		t.Errorf("after filtering: url %q rows %q", url, rows)
	}

	var link string
	b.Run(t, "open the message",
		chromedp.Click(`//a[text()="Invoice for Jon"]`, chromedp.BySearch),
		chromedp.WaitVisible(".outbox-links a", chromedp.ByQuery),
		chromedp.Text(".outbox-links a", &link, chromedp.ByQuery),
	)
	if link != "http://frontdesk.test/reports/7" {
		t.Errorf("link on the message page = %q", link)
	}
	if p := b.A11yProblems(t); len(p) > 0 {
		t.Errorf("message accessibility: %v", p)
	}
	screenshot(t, b, "outbox-message.png")
	b.Run(t, "retry it",
		chromedp.Click(`//button[text()="Retry now"]`, chromedp.BySearch),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
	)
	if e, _ := fdmail.Get(ctx, a.DB, failedID); e.Status != fdmail.StatusPending {
		t.Errorf("after retry the row is %q", e.Status)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}

// screenshot saves the page under $FRONTDESK_TEST_SCREENSHOTS, when set,
// for looking at by hand.
func screenshot(t *testing.T, b *browsertest.Browser, name string) {
	if dir := os.Getenv("FRONTDESK_TEST_SCREENSHOTS"); dir != "" {
		b.Screenshot(t, filepath.Join(dir, name))
	}
}
