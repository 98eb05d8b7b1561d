package billing_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/billing"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// stripeInvoiceEventAt is an invoice event for Stripe invoice in_O1 (ST-0100,
// 120.00 EUR) created at created (Unix seconds).
func stripeInvoiceEventAt(eventID, typ, status string, amountPaid, created int64) string {
	return fmt.Sprintf(`{"id":%q,"type":%q,"created":%d,"data":{"object":{
	  "id":"in_O1","number":"ST-0100","customer":"cus_acme_eu","currency":"eur","status":%q,
	  "created":1773000000,"due_date":1775000000,"subtotal":10000,"tax":2000,"total":12000,
	  "amount_paid":%d,"charge":"ch_O1","status_transitions":{"paid_at":1773500000},
	  "lines":{"data":[{"description":"Pro plan","amount":10000,"quantity":1,"price":{"unit_amount":10000},
	    "tax_amounts":[{"amount":2000}],"tax_rates":[{"percentage":20}]}]}}}}`, eventID, typ, created, status, amountPaid)
}

// Stripe does not deliver events in order. An event older than the last
// one applied to an invoice, or of the same second with an earlier status,
// or one that would reopen a paid invoice, leaves the invoice as it is; a
// refund total that arrives late does not shrink the refund.
func TestStripeEventsOutOfOrderDoNotRollBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		w.importFile(t, "example-invoices.csv") // creates cus_acme_eu
		send := func(payload string) *billing.WebhookResult {
			t.Helper()
			res, err := w.svc.HandleStripe(ctx, []byte(payload), billing.SignatureHeader("whsec_test", w.now, []byte(payload)))
			if err != nil {
				t.Fatalf("deliver: %v", err)
			}
			return res
		}
		state := func() string {
			t.Helper()
			inv, pays, err := w.svc.Invoice(ctx, "ST-0100")
			if err != nil {
				t.Fatal(err)
			}
			var p []string
			for _, x := range pays {
				p = append(p, fmt.Sprintf("%s %d", x.Reference, x.Amount))
			}
			return fmt.Sprintf("%s, paid %d, due %d [%s]", inv.Status, inv.AmountPaid, inv.AmountDue(), strings.Join(p, "; "))
		}
		const t0 = 1773900000

		if res := send(stripeInvoiceEventAt("evt_o1", "invoice.finalized", "open", 0, t0)); res.Outcome != billing.EventApplied {
			t.Fatalf("finalized: %+v", res)
		}
		if res := send(stripeInvoiceEventAt("evt_o2", "invoice.paid", "paid", 12000, t0+100)); res.Outcome != billing.EventApplied {
			t.Fatalf("paid: %+v", res)
		}
		const paid = "paid, paid 12000, due 0 [ch_O1 12000]"
		if got := state(); got != paid {
			t.Fatalf("after paid: %s", got)
		}

		for _, late := range []struct{ name, payload, detail string }{
			{"an older invoice.finalized", stripeInvoiceEventAt("evt_o3", "invoice.finalized", "open", 0, t0), "older than the last event"},
			{"an invoice.updated of the same second saying open", stripeInvoiceEventAt("evt_o4", "invoice.updated", "open", 0, t0+100), "same second"},
			{"a newer event reopening a paid invoice", stripeInvoiceEventAt("evt_o5", "invoice.updated", "open", 0, t0+200), "never changes"},
		} {
			res := send(late.payload)
			if res.Outcome != billing.EventIgnored || !strings.Contains(res.Detail, late.detail) {
				t.Errorf("%s: outcome %s %q, want ignored naming %q", late.name, res.Outcome, res.Detail, late.detail)
			}
			if got := state(); got != paid {
				t.Errorf("%s rolled the invoice back: %s", late.name, got)
			}
		}

		// Same second, later state: finalized and paid are often sent in
		// one second; paid arriving second still applies.
		w2 := strings.NewReplacer("in_O1", "in_O2", "ST-0100", "ST-0101", "ch_O1", "ch_O2")
		send(w2.Replace(stripeInvoiceEventAt("evt_o6", "invoice.paid", "paid", 12000, t0)))
		send(w2.Replace(stripeInvoiceEventAt("evt_o7", "invoice.finalized", "open", 0, t0)))
		if inv, _, _ := w.svc.Invoice(ctx, "ST-0101"); inv.Status != "paid" || inv.AmountPaid != 12000 {
			t.Errorf("same-second finalized after paid: %s paid %d", inv.Status, inv.AmountPaid)
		}

		// Refund totals (charge.refunded without a refunds list) only grow.
		refund := func(eventID string, amount, created int64) string {
			return fmt.Sprintf(`{"id":%q,"type":"charge.refunded","created":%d,"data":{"object":{"id":"ch_O1",
			  "customer":"cus_acme_eu","invoice":"in_O1","currency":"eur","amount_refunded":%d}}}`, eventID, created, amount)
		}
		send(refund("evt_o8", 3000, t0+300))
		if res := send(refund("evt_o9", 1000, t0+250)); res.Outcome == billing.EventInvalid {
			t.Errorf("late smaller refund total: %+v", res)
		}
		if got, want := state(), "paid, paid 9000, due 0 [ch_O1 12000; ch_O1:refund -3000]"; got != want {
			t.Errorf("after a late smaller refund total: %s, want %s", got, want)
		}
		send(refund("evt_o10", 4500, t0+400))
		if got, want := state(), "paid, paid 7500, due 0 [ch_O1 12000; ch_O1:refund -4500]"; got != want {
			t.Errorf("after a larger refund total: %s, want %s", got, want)
		}

		// A newer event that moves on (open to void) is applied.
		w3 := strings.NewReplacer("in_O1", "in_O3", "ST-0100", "ST-0102", "ch_O1", "ch_O3")
		send(w3.Replace(stripeInvoiceEventAt("evt_o11", "invoice.finalized", "open", 0, t0)))
		if res := send(w3.Replace(stripeInvoiceEventAt("evt_o12", "invoice.voided", "void", 0, t0+50))); res.Outcome != billing.EventApplied {
			t.Errorf("voided: %+v", res)
		}
		if inv, _, _ := w.svc.Invoice(ctx, "ST-0102"); inv.Status != "void" {
			t.Errorf("voided invoice is %s", inv.Status)
		}
	})
}
