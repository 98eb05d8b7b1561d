package billing_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/app/authztest"
	"github.com/frontdesk/frontdesk/billing"
	"github.com/frontdesk/frontdesk/platform/audit"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// An admin applies an unmatched Stripe event again once its billing account
// exists: a button on the unmatched list (a form with the CSRF token), an
// audit row naming who did it, and the event leaves the unmatched list.
func TestAdminReappliesAnUnmatchedEvent(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		p := newPortal(t, b)
		a := p.w.App
		ctx := context.Background()
		payload := stripeInvoiceEvent("evt_late_1", "invoice.finalized", "cus_globex_new", "open", 0)
		res, err := a.Billing.HandleStripe(ctx, []byte(payload), billing.SignatureHeader(testWebhookSecret, time.Now(), []byte(payload)))
		if err != nil || res.Outcome != billing.EventUnmatched {
			t.Fatalf("unknown customer: %+v %v", res, err)
		}
		evs, _ := a.Billing.Events(ctx, billing.EventUnmatched, 10)
		if len(evs) != 1 {
			t.Fatalf("unmatched: %+v", evs)
		}
		reapply := "/admin/billing/events/" + strconv.FormatInt(evs[0].ID, 10) + "/reapply"

		admin := p.w.Client(t, authztest.Admin)
		doc := apptest.Doc(t, admin.Get("/admin/billing/events"))
		form := doc.Find(`#billing-events form[action="` + reapply + `"]`)
		if form.Length() != 1 || form.Find(`input[name="_csrf"]`).AttrOr("value", "") == "" || !strings.Contains(form.Find("button").Text(), "Apply again") {
			t.Fatalf("no Apply again form with a CSRF field for the unmatched event")
		}
		post := func(c *apptest.Client) (int, string) {
			resp := c.PostForm(reapply, url.Values{})
			resp.Body.Close()
			return resp.StatusCode, resp.Header.Get("Location")
		}
		flash := func() string {
			return strings.Join(strings.Fields(apptest.Doc(t, admin.Get("/admin/billing/events")).Find(".flash").Text()), " ")
		}
		unmatched := func() string {
			return strings.Join(texts(t, admin, "/admin/billing/events?outcome=unmatched", "#billing-events tbody td code"), " ")
		}

		// The account does not exist yet: still unmatched, said so.
		if status, loc := post(admin); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/billing/events") {
			t.Fatalf("reapply: %d %s", status, loc)
		}
		if f := flash(); !strings.Contains(f, "still unmatched") {
			t.Errorf("flash = %q", f)
		}
		if got := unmatched(); got != "evt_late_1" {
			t.Errorf("unmatched list = %q", got)
		}

		// The billing account is imported (for Globex).
		csv := "number,account,org,email,issued,due,currency,status,description,quantity,unit_price,tax_percent\n" +
			"G-NEW-1,cus_globex_new,Globex,,2026-01-05,2026-02-05,EUR,paid,Plan,1,10.00,0\n"
		bt, err := billing.Parse("new.csv", strings.NewReader(csv))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Billing.Import(ctx, bt, billing.SourceImport); err != nil {
			t.Fatal(err)
		}

		// A customer may not, and a form without the CSRF token does nothing.
		if status, _ := post(p.erinC); status != http.StatusNotFound {
			t.Errorf("customer reapply: %d, want 404", status)
		}
		req, _ := http.NewRequest("POST", reapply, strings.NewReader(""))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if resp := admin.Do(req); resp.StatusCode != http.StatusForbidden {
			t.Errorf("reapply without CSRF token: %d, want 403", resp.StatusCode)
		}
		if got := unmatched(); got != "evt_late_1" {
			t.Fatalf("after refused posts the unmatched list = %q", got)
		}

		if status, _ := post(admin); status != http.StatusSeeOther {
			t.Fatalf("reapply: %d", status)
		}
		if f := flash(); !strings.Contains(f, "applied now") {
			t.Errorf("flash = %q", f)
		}
		if got := unmatched(); got != "" {
			t.Errorf("the applied event is still listed as unmatched: %q", got)
		}
		if got := texts(t, admin, "/admin/billing/events?outcome=applied", "#billing-events tbody td code"); len(got) != 1 || got[0] != "evt_late_1" {
			t.Errorf("applied list = %q", got)
		}
		// Erin (Globex) sees the invoice the event described.
		if resp := p.erinC.Get("/billing/invoices/ST-0001"); resp.StatusCode != http.StatusOK {
			t.Errorf("Erin's Stripe invoice: %d", resp.StatusCode)
		}
		rows, _, err := audit.List(ctx, a.DB, audit.Filter{Action: "billing.event.reapply"})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].ActorEmail != "admin@frontdesk.test" || rows[0].TargetID == nil || *rows[0].TargetID != evs[0].ID ||
			!strings.Contains(rows[0].Detail, "evt_late_1") || !strings.Contains(rows[0].Detail, "applied") ||
			!strings.Contains(rows[1].Detail, "unmatched") {
			t.Errorf("audit rows = %+v", rows)
		}

		// Applying it once more changes nothing and says why.
		if status, _ := post(admin); status != http.StatusSeeOther {
			t.Fatalf("second reapply: %d", status)
		}
		if f := flash(); !strings.Contains(f, "not unmatched") {
			t.Errorf("flash = %q", f)
		}
		if status, _ := post(admin); status != http.StatusSeeOther {
			t.Fatal(status)
		}
		if rows, _, _ := audit.List(ctx, a.DB, audit.Filter{Action: "billing.event.reapply"}); len(rows) != 2 {
			t.Errorf("a refused reapply wrote an audit row: %d rows", len(rows))
		}
		if resp := admin.PostForm("/admin/billing/events/999999/reapply", url.Values{}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown event: %d", resp.StatusCode)
		}
	})
}
