package billing_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/billing"
)

func TestVerifySignature(t *testing.T) {
	secret := "whsec_test_secret"
	payload := []byte(`{"id":"evt_1","type":"invoice.paid"}`)
	now := time.Unix(1_780_000_000, 0)
	good := billing.SignatureHeader(secret, now, payload)
	tests := []struct {
		name    string
		payload []byte
		header  string
		secret  string
		at      time.Time
		want    error
	}{
		{"valid", payload, good, secret, now, nil},
		{"valid among several v1 (secret rotation)", payload, good + ",v1=" + strings.Repeat("ab", 32) + ",v0=ff", secret, now.Add(4 * time.Minute), nil},
		{"other secret", payload, good, "whsec_other", now, billing.ErrBadSignature},
		{"payload changed", []byte(`{"id":"evt_1","type":"invoice.voided"}`), good, secret, now, billing.ErrBadSignature},
		{"too old", payload, good, secret, now.Add(6 * time.Minute), billing.ErrTimestampTooOld},
		{"from the future", payload, good, secret, now.Add(-6 * time.Minute), billing.ErrTimestampTooOld},
		{"no header", payload, "", secret, now, billing.ErrNoSignature},
		{"no v1", payload, "t=1780000000,v0=abc", secret, now, billing.ErrNoSignature},
		{"timestamp swapped", payload, strings.Replace(good, "t=1780000000", "t=1780000001", 1), secret, now, billing.ErrBadSignature},
		{"no secret configured", payload, good, "", now, billing.ErrWebhookNotEnabled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := billing.VerifySignature(tt.payload, tt.header, tt.secret, billing.DefaultWebhookTolerance, tt.at)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

const stripeInvoicePaid = `{
  "id": "evt_1", "type": "invoice.paid", "created": 1780000000,
  "data": {"object": {
    "id": "in_1ABC", "object": "invoice", "number": "ST-0001", "customer": "cus_stripe1",
    "currency": "eur", "status": "paid", "created": 1779000000, "due_date": 1781000000,
    "subtotal": 10000, "tax": 2000, "total": 11000, "amount_paid": 11000, "amount_due": 0,
    "charge": "ch_1XYZ", "status_transitions": {"paid_at": 1779500000},
    "lines": {"data": [
      {"description": "Pro plan", "amount": 8000, "quantity": 2, "price": {"unit_amount": 4000},
       "tax_amounts": [{"amount": 1600}], "tax_rates": [{"percentage": 20}]},
      {"description": "Setup", "amount": 2000, "quantity": 1, "tax_amounts": [{"amount": 400}]}
    ]}
  }}
}`

func TestMapStripeInvoice(t *testing.T) {
	ev := decodeEvent(t, stripeInvoicePaid)
	ch, err := billing.MapStripeEvent(ev)
	if err != nil {
		t.Fatal(err)
	}
	in := ch.Invoice
	if ch.Customer != "cus_stripe1" || in.Number != "ST-0001" || in.ExternalID != "in_1ABC" || in.Currency != "EUR" || in.Status != "paid" {
		t.Fatalf("invoice = %+v", in)
	}
	// A 1000 discount makes total < subtotal + tax: kept as a discount line.
	if in.Subtotal != 9000 || in.Tax != 2000 || in.Total != 11000 || len(in.Lines) != 3 || in.Lines[2].Amount != -1000 {
		t.Errorf("totals %d+%d=%d lines %+v", in.Subtotal, in.Tax, in.Total, in.Lines)
	}
	if l := in.Lines[0]; l.Quantity != 2 || l.UnitAmount != 4000 || l.TaxBP != 2000 || l.Tax != 1600 {
		t.Errorf("line 0 = %+v", l)
	}
	if len(ch.Payments) != 1 || ch.Payments[0].Reference != "ch_1XYZ" || ch.Payments[0].Amount != 11000 ||
		ch.Payments[0].Date.Format("2006-01-02") != time.Unix(1779500000, 0).UTC().Format("2006-01-02") {
		t.Errorf("payments = %+v", ch.Payments)
	}
}

func TestMapStripeRefundAndOthers(t *testing.T) {
	ev := decodeEvent(t, `{"id":"evt_2","type":"charge.refunded","created":1780000000,"data":{"object":{
	  "id":"ch_1XYZ","customer":"cus_stripe1","invoice":"in_1ABC","currency":"eur","amount_refunded":3000,
	  "refunds":{"data":[{"id":"re_1","amount":1000,"created":1780000000,"status":"succeeded"},
	                     {"id":"re_2","amount":2000,"created":1780001000,"status":"succeeded"},
	                     {"id":"re_3","amount":500,"created":1780002000,"status":"failed"}]}}}}`)
	ch, err := billing.MapStripeEvent(ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Payments) != 2 || ch.Payments[0].Amount != -1000 || ch.Payments[1].Reference != "re_2" || ch.Payments[1].InvoiceExternalID != "in_1ABC" {
		t.Errorf("refunds = %+v", ch.Payments)
	}
	if _, err := billing.MapStripeEvent(decodeEvent(t, `{"id":"evt_3","type":"customer.created","data":{"object":{}}}`)); !errors.Is(err, billing.ErrIgnoredEvent) {
		t.Errorf("customer.created: %v", err)
	}
	_, err = billing.MapStripeEvent(decodeEvent(t, `{"id":"evt_4","type":"invoice.created","data":{"object":{"id":"in_2","customer":"cus_1","currency":"zzz","status":"draft"}}}`))
	if err == nil || !strings.Contains(err.Error(), "currency") {
		t.Errorf("bad currency: %v", err)
	}
}
