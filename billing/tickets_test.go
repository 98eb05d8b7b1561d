package billing_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/app/authztest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/platform/web"
)

// "Ask about this invoice" opens the new-ticket form pre-filled and linked
// to the invoice; the agent answering sees the requester's billing beside
// the ticket.
func TestAskAboutInvoiceAndTheAgentSidebar(t *testing.T) {
	p := newPortal(t, dbtest.SQLite(t))
	doc := apptest.Doc(t, p.carolC.Get("/billing/invoices/INV-2026-0002"))
	ask, _ := doc.Find("a:contains('Ask about this invoice')").Attr("href")
	form := apptest.Doc(t, p.carolC.Get(ask))
	subject, _ := form.Find("#tk-new [name=subject]").Attr("value")
	invoice, _ := form.Find("#tk-new [name=invoice]").Attr("value")
	if subject != "Question about invoice INV-2026-0002" || invoice != "INV-2026-0002" {
		t.Fatalf("prefill: subject %q invoice %q", subject, invoice)
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{"subject": subject, "invoice": invoice, "text": "Was I charged twice for February?", web.CSRFField: p.carolC.CSRF()} {
		_ = mw.WriteField(k, v)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", "/tickets", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp := p.carolC.Do(req)
	loc := resp.Header.Get("Location")
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/tickets/") {
		t.Fatalf("create ticket: %d %s", resp.StatusCode, loc)
	}
	mine := apptest.Doc(t, p.carolC.Get(loc))
	if href, _ := mine.Find(".tk-ref a").Attr("href"); href != "/billing/invoices/INV-2026-0002" {
		t.Errorf("the ticket is not linked to the invoice: %q", href)
	}

	agent := p.w.Client(t, authztest.Agent)
	page := apptest.Doc(t, agent.Get("/agent"+loc))
	side := strings.Join(strings.Fields(page.Find(".billing-summary").Text()), " ")
	for _, want := range []string{"Open EUR € 388.00", "Overdue EUR € 388.00", "Open JPY ¥ 132,000", "INV-2026-0002", "Last payment: € 200.00 on 1 Mar 2026"} {
		if !strings.Contains(side, want) {
			t.Errorf("sidebar lacks %q: %s", want, side)
		}
	}
	if href, _ := page.Find(".billing-summary a:contains('Full billing history')").Attr("href"); href == "" {
		t.Error("no link to the customer's billing history")
	} else if resp := agent.Get(href); resp.StatusCode != 200 {
		t.Errorf("history link %s: %d", href, resp.StatusCode)
	}
}
