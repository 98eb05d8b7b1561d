package billing_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/billing"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

func stripeInvoiceEvent(eventID, typ, customer, status string, amountPaid int64) string {
	return fmt.Sprintf(`{"id":%q,"type":%q,"created":1773900000,"data":{"object":{
	  "id":"in_W1","number":"ST-0001","customer":%q,"currency":"eur","status":%q,
	  "created":1773000000,"due_date":1775000000,"subtotal":10000,"tax":2000,"total":12000,
	  "amount_paid":%d,"charge":"ch_W1","status_transitions":{"paid_at":1773500000},
	  "lines":{"data":[{"description":"Pro plan","amount":10000,"quantity":1,"price":{"unit_amount":10000},
	    "tax_amounts":[{"amount":2000}],"tax_rates":[{"percentage":20}]}]}}}}`, eventID, typ, customer, status, amountPaid)
}

func TestStripeWebhookAppliesVerifiesAndIgnoresReplays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		w.importFile(t, "example-invoices.csv") // creates cus_acme_eu
		send := func(payload, secret string, at time.Time) (*billing.WebhookResult, error) {
			return w.svc.HandleStripe(ctx, []byte(payload), billing.SignatureHeader(secret, at, []byte(payload)))
		}

		// invoice.finalized for a known customer: a new open invoice.
		res, err := send(stripeInvoiceEvent("evt_1", "invoice.finalized", "cus_acme_eu", "open", 0), "whsec_test", w.now)
		if err != nil || res.Outcome != billing.EventApplied {
			t.Fatalf("finalized: %+v %v", res, err)
		}
		inv, _, err := w.svc.Invoice(ctx, "ST-0001")
		if err != nil || inv.Status != "open" || inv.Total != 12000 || inv.OrgID == nil || *inv.OrgID != w.acme || inv.Source != "stripe" {
			t.Fatalf("invoice after finalized: %+v %v", inv, err)
		}

		// A wrong signature and a stale timestamp change nothing.
		paid := stripeInvoiceEvent("evt_2", "invoice.paid", "cus_acme_eu", "paid", 12000)
		if _, err := send(paid, "whsec_wrong", w.now); !errors.Is(err, billing.ErrBadSignature) {
			t.Errorf("wrong secret: %v", err)
		}
		if _, err := send(paid, "whsec_test", w.now.Add(-10*time.Minute)); !errors.Is(err, billing.ErrTimestampTooOld) {
			t.Errorf("stale: %v", err)
		}
		inv, _, _ = w.svc.Invoice(ctx, "ST-0001")
		if inv.Status != "open" || inv.AmountPaid != 0 {
			t.Fatalf("a rejected delivery changed the invoice: %+v", inv)
		}

		// invoice.paid: status and a payment.
		if res, err := send(paid, "whsec_test", w.now); err != nil || res.Outcome != billing.EventApplied || res.Duplicate {
			t.Fatalf("paid: %+v %v", res, err)
		}
		inv, pays, _ := w.svc.Invoice(ctx, "ST-0001")
		if inv.Status != "paid" || inv.AmountPaid != 12000 || len(pays) != 1 || pays[0].Reference != "ch_W1" {
			t.Fatalf("after paid: %+v %+v", inv, pays)
		}

		// Replaying the same event (same id, freshly signed) is ignored.
		res, err = send(paid, "whsec_test", w.now.Add(time.Minute))
		if err != nil || !res.Duplicate {
			t.Fatalf("replay: %+v %v", res, err)
		}

		// charge.refunded: a negative payment.
		refund := `{"id":"evt_3","type":"charge.refunded","created":1774000000,"data":{"object":{"id":"ch_W1","customer":"cus_acme_eu",
		  "invoice":"in_W1","currency":"eur","amount_refunded":2500,"refunds":{"data":[{"id":"re_W1","amount":2500,"created":1774000000,"status":"succeeded"}]}}}}`
		if res, err := send(refund, "whsec_test", w.now); err != nil || res.Outcome != billing.EventApplied {
			t.Fatalf("refund: %+v %v", res, err)
		}
		inv, pays, _ = w.svc.Invoice(ctx, "ST-0001")
		if inv.AmountPaid != 9500 || len(pays) != 2 || pays[1].Amount != -2500 {
			t.Errorf("after refund: paid %d, %+v", inv.AmountPaid, pays)
		}

		// An unknown customer is recorded (answered 200), not applied.
		res, err = send(stripeInvoiceEvent("evt_4", "invoice.created", "cus_unknown", "draft", 0), "whsec_test", w.now)
		if err != nil || res.Outcome != billing.EventUnmatched {
			t.Fatalf("unknown customer: %+v %v", res, err)
		}
		// An event type billing does not use is recorded as ignored.
		if res, err := send(`{"id":"evt_5","type":"customer.created","data":{"object":{}}}`, "whsec_test", w.now); err != nil || res.Outcome != billing.EventIgnored {
			t.Errorf("customer.created: %+v %v", res, err)
		}
		evs, err := w.svc.Events(ctx, billing.EventUnmatched, 10)
		if err != nil || len(evs) != 1 || evs[0].EventID != "evt_4" || evs[0].Customer != "cus_unknown" {
			t.Errorf("unmatched list: %+v %v", evs, err)
		}
		all, _ := w.svc.Events(ctx, "", 10)
		if len(all) != 5 {
			t.Errorf("recorded %d events, want 5 (rejected deliveries are not recorded)", len(all))
		}
	})
}
