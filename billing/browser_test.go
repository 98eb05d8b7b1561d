package billing_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/app/authztest"
	"github.com/frontdesk/frontdesk/billing/pdftext"
	"github.com/frontdesk/frontdesk/platform/browsertest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// TestBrowserBillingHistoryPDFAndQuestion is the "done when" in a
// real Chromium: a customer logs in, opens their billing history, filters
// it, opens an invoice, downloads its PDF and asks about the invoice.
func TestBrowserBillingHistoryPDFAndQuestion(t *testing.T) {
	p := newPortal(t, dbtest.SQLite(t))
	base := apptest.Serve(t, p.w.App)
	b := browsertest.New(t)
	downloads := t.TempDir()

	var rows, balance string
	b.Run(t, "log in",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible("#login-email", chromedp.ByQuery),
		chromedp.SendKeys("#login-email", p.carol.Email, chromedp.ByQuery),
		chromedp.SendKeys("#login-password", authztest.Password, chromedp.ByQuery),
		chromedp.Click("#login-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible(`a[href="/billing"]`, chromedp.ByQuery),
	)
	b.Run(t, "open billing history",
		chromedp.Click(`.nav a[href="/billing"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#billing-invoice-table", chromedp.ByQuery),
		chromedp.Text("#billing-invoice-table tbody", &rows, chromedp.ByQuery),
		chromedp.Text(".billing-balances", &balance, chromedp.ByQuery),
	)
	if !strings.Contains(rows, "INV-2026-0002") || !strings.Contains(rows, "INV-2026-0001") || !strings.Contains(balance, "€ 388.00") || !strings.Contains(balance, "¥ 132,000") {
		t.Fatalf("history: %q / %q", rows, balance)
	}
	if p := b.A11yProblems(t); len(p) > 0 {
		t.Errorf("billing page accessibility: %v", p)
	}
	var filtered string
	var marker bool
	b.Run(t, "filter paid invoices (htmx, no reload)",
		chromedp.Evaluate(`window.__noReload = true`, nil),
		chromedp.SetValue("#billing-status", "paid", chromedp.ByQuery),
		chromedp.Evaluate(`document.getElementById('billing-status').dispatchEvent(new Event('change', {bubbles: true}))`, nil),
		// Wait for the swap to finish (no htmx request in flight), then read
		// the rows in the page's own JavaScript: a node id taken between two
		// swaps is gone by the time chromedp asks for its text.
		chromedp.Poll(`!document.querySelector('.htmx-request') && !document.querySelector('#billing-invoice-table tbody').textContent.includes('INV-2026-0002')`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Evaluate(`document.querySelector('#billing-invoice-table tbody').textContent`, &filtered),
		chromedp.Evaluate(`window.__noReload === true`, &marker),
	)
	if !strings.Contains(filtered, "INV-2026-0001") || strings.Contains(filtered, "INV-2026-0003") || !marker {
		t.Errorf("filtered list %q (same page: %v)", filtered, marker)
	}

	var total string
	b.Run(t, "open an invoice",
		chromedp.Click(`#billing-invoice-table a[href="/billing/invoices/INV-2026-0001"]`, chromedp.ByQuery),
		chromedp.WaitVisible(".billing-totals", chromedp.ByQuery),
		chromedp.Text(".billing-totals .billing-strong", &total, chromedp.ByQuery),
	)
	if !strings.Contains(total, "€ 679.80") {
		t.Errorf("invoice total: %q", total)
	}
	if p := b.A11yProblems(t); len(p) > 0 {
		t.Errorf("invoice page accessibility: %v", p)
	}
	b.Run(t, "download the PDF",
		chromedp.ActionFunc(func(ctx context.Context) error {
			return browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(downloads).Do(ctx)
		}),
		chromedp.Click(`a[href="/billing/invoices/INV-2026-0001.pdf"].button`, chromedp.ByQuery),
	)
	var pdf []byte
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if data, err := os.ReadFile(filepath.Join(downloads, "invoice-INV-2026-0001.pdf")); err == nil && len(data) > 0 && strings.Contains(string(data[len(data)-8:]), "EOF") {
			pdf = data
			break
		}
	}
	if pdf == nil {
		entries, _ := os.ReadDir(downloads)
		t.Fatalf("no PDF downloaded (download dir: %v)", entries)
	}
	text, err := pdftext.Text(pdf)
	if err != nil || !strings.Contains(text, "INV-2026-0001") || !strings.Contains(text, "Total\n€ 679.80") || !strings.Contains(text, "Amount due\n€ 0.00") {
		t.Errorf("downloaded PDF (%v):\n%s", err, text)
	}

	var subject, ref, flash string
	b.Run(t, "ask about the invoice",
		chromedp.Click(`a[href^="/tickets/new?"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#tk-text", chromedp.ByQuery),
		chromedp.Value(`#tk-new [name=subject]`, &subject, chromedp.ByQuery),
		chromedp.SendKeys("#tk-text", "Why was 50 euros refunded on this invoice?", chromedp.ByQuery),
		chromedp.Click(`#tk-new button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".tk-ref a", chromedp.ByQuery),
		chromedp.Text(".tk-ref", &ref, chromedp.ByQuery),
		chromedp.Text(".flash", &flash, chromedp.ByQuery),
	)
	if subject != "Question about invoice INV-2026-0001" || !strings.Contains(ref, "INV-2026-0001") || !strings.Contains(flash, "request") {
		t.Errorf("ticket: subject %q, ref %q, flash %q", subject, ref, flash)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("browser console: %v", p)
	}
}
