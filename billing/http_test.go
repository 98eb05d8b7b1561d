package billing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/app/authztest"
	"github.com/frontdesk/frontdesk/billing"
	"github.com/frontdesk/frontdesk/billing/pdftext"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

const testWebhookSecret = "whsec_http_test"

// portal is a running app with the organisations and customers the
// example files name, and the example files imported.
type portal struct {
	w                  *authztest.World
	carol, dave, erin  *accounts.User
	carolC, erinC, bob *apptest.Client
}

func newPortal(t *testing.T, b dbtest.Backend) *portal {
	t.Helper()
	a := apptest.New(t, b, func(c *app.Config) { c.StripeWebhookSecret = testWebhookSecret })
	w := authztest.NewWorld(t, a)
	w.CreateOrg(t, "Acme Corp", "acme", true)
	w.CreateOrg(t, "Globex", "globex", false)
	p := &portal{w: w}
	p.carol = w.CreateUser(t, "carol@acme.example", identity.RoleCustomer, "acme")
	p.dave = w.CreateUser(t, "dave@acme.example", identity.RoleCustomer, "acme")
	p.erin = w.CreateUser(t, "erin@globex.example", identity.RoleCustomer, "globex")
	for _, n := range []string{"example-invoices.csv", "example-payments.csv", "example.json"} {
		f, err := os.Open("testdata/" + n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Billing.ImportFile(context.Background(), n, f); err != nil {
			t.Fatalf("import %s: %v", n, err)
		}
		f.Close()
	}
	p.carolC = apptest.NewClient(t, a)
	w.LogInWithForm(t, p.carolC, p.carol.Email, authztest.Password)
	p.erinC = apptest.NewClient(t, a)
	w.LogIn(t, p.erinC, p.erin)
	p.bob = w.Client(t, authztest.CustomerB)
	return p
}

func texts(t *testing.T, c *apptest.Client, path, sel string) []string {
	t.Helper()
	resp := c.Get(path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	var out []string
	apptest.Doc(t, resp).Find(sel).Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.Join(strings.Fields(s.Text()), " "))
	})
	return out
}

func TestBillingPagesShowTheImportedNumbersAndThePDFMatches(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		p := newPortal(t, b)

		// Carol's history: Acme's invoices newest first, balance per currency.
		rows := texts(t, p.carolC, "/billing", "#billing-invoice-table tbody tr")
		want := []string{
			"INV-2026-0002 15 Feb 2026 Overdue € 588.00 € 388.00 PDF of invoice INV-2026-0002",
			"INV-2026-0003 1 Feb 2026 Overdue ¥ 132,000 ¥ 132,000 PDF of invoice INV-2026-0003",
			"INV-2026-0001 15 Jan 2026 Paid € 679.80 € 0.00 PDF of invoice INV-2026-0001",
		}
		if strings.Join(rows, "\n") != strings.Join(want, "\n") {
			t.Errorf("Carol's invoices:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
		}
		bal := texts(t, p.carolC, "/billing", ".billing-balance")
		if strings.Join(bal, " | ") != "EUR € 388.00 1 invoice open, € 388.00 overdue | JPY ¥ 132,000 1 invoice open, ¥ 132,000 overdue" {
			t.Errorf("Carol's balance: %q", bal)
		}
		pays := texts(t, p.carolC, "/billing", "section[aria-labelledby=billing-payments-title] tbody tr")
		if len(pays) != 3 || !strings.Contains(pays[0], "PAY-0002") || !strings.Contains(pays[1], "REF-0001") || !strings.Contains(pays[1], "-€ 50.00") {
			t.Errorf("Carol's payments: %q", pays)
		}

		// Filters: by year and status, and htmx gets the list alone.
		rows = texts(t, p.carolC, "/billing?year=2026&status=paid", "#billing-invoice-table tbody th")
		if strings.Join(rows, " ") != "INV-2026-0001" {
			t.Errorf("paid in 2026: %q", rows)
		}
		rows = texts(t, p.carolC, "/billing?year=2025", ".billing-empty")
		if len(rows) != 1 || !strings.Contains(rows[0], "No invoices match these filters") {
			t.Errorf("2025: %q", rows)
		}
		req, _ := http.NewRequest("GET", "/billing?status=overdue", nil)
		req.Header.Set("HX-Request", "true")
		resp := p.carolC.Do(req)
		body := apptest.Body(t, resp)
		if strings.Contains(body, "<html") || !strings.Contains(body, "INV-2026-0003") || strings.Contains(body, "INV-2026-0001") {
			t.Errorf("htmx filter answer:\n%s", body)
		}

		// Erin sees her own KWD invoice and Globex's (JSON import).
		rows = texts(t, p.erinC, "/billing", "#billing-invoice-table tbody tr")
		if len(rows) != 3 || !strings.Contains(rows[2], "KWD 52.359 KWD 32.359") || !strings.Contains(rows[1], "$ 1,599.00 $ 1,099.00") {
			t.Errorf("Erin's invoices: %q", rows)
		}

		// The invoice page and its PDF say the same thing.
		for _, c := range []struct {
			client *apptest.Client
			number string
		}{{p.carolC, "INV-2026-0001"}, {p.carolC, "INV-2026-0003"}, {p.erinC, "INV-2026-0004"}, {p.erinC, "INV-2026-0101"}} {
			page := "/billing/invoices/" + c.number
			totals := texts(t, c.client, page, ".billing-totals div")
			lines := texts(t, c.client, page, ".billing-lines tbody td")
			paid := texts(t, c.client, page, "section[aria-labelledby=billing-inv-payments] tbody td")
			status := texts(t, c.client, page, "#billing-status")
			resp := c.client.Get(page + ".pdf")
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" ||
				!strings.Contains(resp.Header.Get("Content-Disposition"), "invoice-"+c.number+".pdf") {
				t.Fatalf("%s.pdf: %d %v", page, resp.StatusCode, resp.Header)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			text, err := pdftext.Text(raw)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range append(append(append(lines, paid...), status...), c.number) {
				if s != "" && !strings.Contains(text, s) {
					t.Errorf("%s: the page shows %q, the PDF does not:\n%s", c.number, s, text)
				}
			}
			for _, row := range totals { // "Total € 679.80"
				i := strings.LastIndex(row, " ")
				label, value := row[:i], row[i+1:]
				if j := strings.IndexAny(row, "€¥$K"); j > 0 {
					label, value = strings.TrimSpace(row[:j]), row[j:]
				}
				if !strings.Contains(text, label+"\n"+value) {
					t.Errorf("%s: total row %q not in the PDF:\n%s", c.number, row, text)
				}
			}
		}
		totals := texts(t, p.carolC, "/billing/invoices/INV-2026-0001", ".billing-totals div")
		if strings.Join(totals, " | ") != "Subtotal € 566.50 | Tax € 113.30 | Total € 679.80 | Paid € 629.80 | Amount due € 0.00" {
			t.Errorf("INV-2026-0001 totals: %q", totals)
		}
		ask := apptest.Doc(t, p.carolC.Get("/billing/invoices/INV-2026-0001")).Find("a:contains('Ask about this invoice')").AttrOr("href", "")
		if ask != "/tickets/new?subject=Question+about+invoice+INV-2026-0001&invoice=INV-2026-0001" {
			t.Errorf("ask link = %q", ask)
		}

		// Another organisation's customer: 404 for page and PDF, like a
		// number that does not exist; Dave (Acme) sees Acme's invoice.
		for _, path := range []string{"/billing/invoices/INV-2026-0001", "/billing/invoices/INV-2026-0001.pdf", "/billing/invoices/NOPE-1"} {
			if resp := p.bob.Get(path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("Bob GET %s: %d", path, resp.StatusCode)
			}
		}
		dave := apptest.NewClient(t, p.w.App)
		p.w.LogIn(t, dave, p.dave)
		if resp := dave.Get("/billing/invoices/INV-2026-0001.pdf"); resp.StatusCode != 200 {
			t.Errorf("Dave (Acme) PDF: %d", resp.StatusCode)
		}

		// An agent opens Carol's billing history.
		agent := p.w.Client(t, authztest.Agent)
		rows = texts(t, agent, "/agent/billing/customers/"+itoa(p.carol.ID), "#billing-invoice-table tbody th")
		if strings.Join(rows, " ") != "INV-2026-0002 INV-2026-0003 INV-2026-0001" {
			t.Errorf("agent view of Carol: %q", rows)
		}
		if resp := agent.Get("/agent/billing/customers/999999"); resp.StatusCode != 404 {
			t.Errorf("unknown customer: %d", resp.StatusCode)
		}
	})
}

func itoa(n int64) string { return jsonNum(n) }

func jsonNum(n int64) string { b, _ := json.Marshal(n); return string(b) }

func apiDo(t *testing.T, c *apptest.Client, token, method, path string, body string) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp := c.Do(req)
	var out map[string]any
	raw := apptest.Body(t, resp)
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func token(t *testing.T, w *authztest.World, u *accounts.User) string {
	t.Helper()
	secret, _, err := w.Accounts.CreateAPIToken(context.Background(), u.ID, "test", accounts.AuditEntry{})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func TestBillingAPI(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		p := newPortal(t, b)
		c := apptest.NewClient(t, p.w.App)
		carol := token(t, p.w, p.carol)
		admin := p.w.Actors[authztest.Admin].Token

		// Cursor pagination over Carol's three invoices, two at a time.
		status, page1 := apiDo(t, c, carol, "GET", "/api/v1/billing/invoices?limit=2", "")
		invs := page1["invoices"].([]any)
		if status != 200 || len(invs) != 2 || page1["next_cursor"] == nil {
			t.Fatalf("page 1: %d %v", status, page1)
		}
		first := invs[0].(map[string]any)
		for _, k := range []string{"number", "status", "currency", "subtotal", "tax", "total", "amount_paid", "amount_due", "issued", "due", "overdue"} {
			if _, ok := first[k]; !ok {
				t.Errorf("invoice JSON lacks %q: %v", k, first)
			}
		}
		if first["number"] != "INV-2026-0002" || first["total"] != float64(58800) || first["amount_due"] != float64(38800) ||
			first["issued"] != "2026-02-15T00:00:00Z" || first["overdue"] != true || first["currency"] != "EUR" {
			t.Errorf("first invoice: %v", first)
		}
		_, page2 := apiDo(t, c, carol, "GET", "/api/v1/billing/invoices?limit=2&cursor="+page1["next_cursor"].(string), "")
		if invs := page2["invoices"].([]any); len(invs) != 1 || invs[0].(map[string]any)["number"] != "INV-2026-0001" || page2["next_cursor"] != nil {
			t.Errorf("page 2: %v", page2)
		}
		if status, _ := apiDo(t, c, carol, "GET", "/api/v1/billing/invoices?cursor=garbage", ""); status != 400 {
			t.Errorf("bad cursor: %d", status)
		}
		status, det := apiDo(t, c, carol, "GET", "/api/v1/billing/invoices/INV-2026-0001", "")
		if status != 200 || len(det["lines"].([]any)) != 2 || len(det["payments"].([]any)) != 2 ||
			det["payments"].([]any)[1].(map[string]any)["amount"] != float64(-5000) || det["amount_paid"] != float64(62980) {
			t.Errorf("detail: %d %v", status, det)
		}
		if status, body := apiDo(t, c, token(t, p.w, p.erin), "GET", "/api/v1/billing/invoices/INV-2026-0001", ""); status != 404 || body["error"] == nil {
			t.Errorf("Erin asks for Acme's invoice: %d %v", status, body)
		}

		// Admins post invoices and payments: same validation, idempotent.
		inv := `{"number":"API-1","account":"cus_acme_eu","issued":"2026-05-01","due":"2026-05-31","currency":"EUR","status":"open",
		  "lines":[{"description":"API line","quantity":2,"unit_price":"10.00","tax_percent":"20"}]}`
		status, out := apiDo(t, c, admin, "POST", "/api/v1/billing/invoices", inv)
		if status != 201 || out["invoice"].(map[string]any)["total"] != float64(2400) {
			t.Fatalf("create: %d %v", status, out)
		}
		if status, out := apiDo(t, c, admin, "POST", "/api/v1/billing/invoices", inv); status != 200 || out["report"].(map[string]any)["invoices_unchanged"] != float64(1) {
			t.Errorf("repeat: %d %v", status, out)
		}
		bad := strings.Replace(strings.Replace(inv, `"10.00"`, `"10.001"`, 1), `"EUR"`, `"EUR","total":"99.00"`, 1)
		status, out = apiDo(t, c, admin, "POST", "/api/v1/billing/invoices", bad)
		probs, _ := out["problems"].([]any)
		if status != 422 || len(probs) == 0 || probs[0].(map[string]any)["where"] != "lines[0].unit_price" {
			t.Errorf("bad invoice: %d %v", status, out)
		}
		pay := `{"reference":"API-PAY-1","invoice":"API-1","date":"2026-05-10","amount":"24.00","currency":"EUR","method":"card"}`
		status, out = apiDo(t, c, admin, "POST", "/api/v1/billing/payments", pay)
		if status != 201 || out["invoice"].(map[string]any)["amount_due"] != float64(0) {
			t.Errorf("payment: %d %v", status, out)
		}
		if status, out := apiDo(t, c, admin, "POST", "/api/v1/billing/payments", `{"reference":"X","invoice":"NOPE","date":"2026-05-10","amount":"1.00","currency":"EUR"}`); status != 422 ||
			!strings.Contains(out["error"].(string), `invoice: invoice "NOPE" does not exist`) {
			t.Errorf("payment for unknown invoice: %d %v", status, out)
		}
		if status, _ := apiDo(t, c, carol, "POST", "/api/v1/billing/invoices", inv); status != 404 {
			t.Errorf("a customer posting an invoice: %d", status)
		}
	})
}

func TestStripeWebhookOverHTTP(t *testing.T) {
	p := newPortal(t, dbtest.SQLite(t))
	c := apptest.NewClient(t, p.w.App) // a server calling: no cookies, no CSRF token
	post := func(payload, sig string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", billing.WebhookPath, bytes.NewReader([]byte(payload)))
		req.Header.Set("Content-Type", "application/json")
		if sig != "" {
			req.Header.Set("Stripe-Signature", sig)
		}
		resp := c.Do(req)
		var out map[string]any
		_ = json.Unmarshal([]byte(apptest.Body(t, resp)), &out)
		return resp.StatusCode, out
	}
	ev := stripeInvoiceEvent("evt_http_1", "invoice.paid", "cus_acme_eu", "paid", 12000)
	now := time.Now()
	if status, out := post(ev, billing.SignatureHeader(testWebhookSecret, now, []byte(ev))); status != 200 || out["outcome"] != "applied" {
		t.Fatalf("signed event: %d %v", status, out)
	}
	if status, out := post(ev, billing.SignatureHeader(testWebhookSecret, now, []byte(ev))); status != 200 || out["duplicate"] != true {
		t.Errorf("replay: %d %v", status, out)
	}
	ev2 := stripeInvoiceEvent("evt_http_2", "invoice.paid", "cus_acme_eu", "paid", 12000)
	for name, sig := range map[string]string{
		"no signature": "",
		"wrong secret": billing.SignatureHeader("whsec_wrong", now, []byte(ev2)),
		"stale":        billing.SignatureHeader(testWebhookSecret, now.Add(-time.Hour), []byte(ev2)),
	} {
		if status, _ := post(ev2, sig); status != 400 {
			t.Errorf("%s: %d", name, status)
		}
	}
	unknown := stripeInvoiceEvent("evt_http_3", "invoice.finalized", "cus_nobody_knows", "open", 0)
	if status, out := post(unknown, billing.SignatureHeader(testWebhookSecret, now, []byte(unknown))); status != 200 || out["outcome"] != "unmatched" {
		t.Errorf("unknown customer: %d %v", status, out)
	}
	// The carol customer sees the Stripe invoice; admins see the unmatched event.
	rows := texts(t, p.carolC, "/billing", "#billing-invoice-table tbody th")
	if rows[0] != "ST-0001" {
		t.Errorf("Stripe invoice not on Carol's page: %q", rows)
	}
	admin := p.w.Client(t, authztest.Admin)
	evs := texts(t, admin, "/admin/billing/events", "#billing-events tbody tr")
	if len(evs) != 1 || !strings.Contains(evs[0], "evt_http_3") || !strings.Contains(evs[0], "cus_nobody_knows") {
		t.Errorf("unmatched events page: %q", evs)
	}
}

func TestSummaryPartialRenders(t *testing.T) {
	p := newPortal(t, dbtest.SQLite(t))
	ctx := context.Background()
	sum, err := p.w.App.Billing.Summary(ctx, p.carol.ID, *p.carol.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := p.w.App.Fiber.Config().Views.Render(&buf, "billing/_summary", sum); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{"Open EUR", "€ 388.00", "Overdue JPY", "¥ 132,000", `href="/billing/invoices/INV-2026-0002"`,
		"Last payment: € 200.00 on 1 Mar 2026", "/agent/billing/customers/" + itoa(p.carol.ID)} {
		if !strings.Contains(html, want) {
			t.Errorf("summary lacks %q:\n%s", want, html)
		}
	}
	empty, _ := p.w.App.Billing.Summary(ctx, p.w.Actors[authztest.Unverified].User.ID, 0)
	buf.Reset()
	if err := p.w.App.Fiber.Config().Views.Render(&buf, "billing/_summary", empty); err != nil || !strings.Contains(buf.String(), "No invoices") {
		t.Errorf("empty summary: %v %s", err, buf.String())
	}
}
