package billing_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/billing"
	"github.com/frontdesk/frontdesk/billing/pdftext"
)

func decodeEvent(t *testing.T, s string) *billing.StripeEvent {
	t.Helper()
	var ev billing.StripeEvent
	if err := json.Unmarshal([]byte(s), &ev); err != nil {
		t.Fatal(err)
	}
	return &ev
}

func sampleDocument() *billing.InvoiceDocument {
	due := time.Date(2026, 2, 14, 0, 0, 0, 0, time.UTC)
	inv := &billing.Invoice{
		Number: "INV-2026-0001", Currency: "EUR", Status: billing.StatusOpen,
		IssuedOn: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), DueOn: &due,
		Subtotal: 56650, Tax: 11330, Total: 67980, AmountPaid: 20000,
		Lines: []billing.InvoiceLine{
			{Description: "Support plan (January)", Quantity: 1, UnitAmount: 49000, TaxBP: 2000, Amount: 49000, Tax: 9800},
			{Description: "Extra agent seats – Zoë's team", Quantity: 3, UnitAmount: 2550, TaxBP: 2000, Amount: 7650, Tax: 1530},
		},
	}
	return &billing.InvoiceDocument{
		PortalName: "Acme Help Center", Color: "#0f766e",
		BilledTo: []string{"Acme Corp", "Account cus_acme_eu"},
		Invoice:  inv,
		Payments: []billing.Payment{
			{Reference: "PAY-0001", Currency: "EUR", Amount: 25000, PaidOn: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), Method: "bank transfer"},
			{Reference: "REF-0001", Currency: "EUR", Amount: -5000, PaidOn: time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC), Method: "bank transfer"},
		},
		Now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
	}
}

func TestInvoicePDFShowsWhatThePageShows(t *testing.T) {
	d := sampleDocument()
	var buf bytes.Buffer
	if err := d.WritePDF(&buf); err != nil {
		t.Fatal(err)
	}
	text, err := pdftext.Text(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Acme Help Center", "INVOICE", "INV-2026-0001", "Overdue", "Acme Corp", "Account cus_acme_eu",
		"15 Jan 2026", "14 Feb 2026",
		"Support plan (January)", "Extra agent seats – Zoë's team", "€ 490.00", "€ 25.50", "€ 76.50", "20 %",
		"Subtotal", "€ 566.50", "Tax", "€ 113.30", "Total", "€ 679.80", "Paid", "€ 200.00", "Amount due", "€ 479.80",
		"PAY-0001", "REF-0001", "-€ 50.00", "bank transfer (refund)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF misses %q\n%s", want, text)
		}
	}
	if !bytes.Contains(buf.Bytes(), []byte("/FlateDecode")) {
		t.Error("content streams are not compressed")
	}
}

func TestInvoicePDFZeroAndThreeDecimalCurrencies(t *testing.T) {
	for _, tt := range []struct {
		cur  string
		want []string
	}{
		{"JPY", []string{"¥ 132,000", "¥ 120,000"}},
		{"KWD", []string{"KWD 132.000", "KWD 120.000"}},
	} {
		d := sampleDocument()
		d.Invoice.Currency = tt.cur
		d.Invoice.Lines = []billing.InvoiceLine{{Description: "Plan", Quantity: 1, UnitAmount: 120000, TaxBP: 1000, Amount: 120000, Tax: 12000}}
		d.Invoice.Subtotal, d.Invoice.Tax, d.Invoice.Total, d.Invoice.AmountPaid = 120000, 12000, 132000, 0
		d.Payments = nil
		var buf bytes.Buffer
		if err := d.WritePDF(&buf); err != nil {
			t.Fatal(err)
		}
		text, _ := pdftext.Text(buf.Bytes())
		for _, w := range tt.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s PDF misses %q:\n%s", tt.cur, w, text)
			}
		}
	}
}

func BenchmarkInvoicePDF(b *testing.B) {
	d := sampleDocument()
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		if err := d.WritePDF(&buf); err != nil {
			b.Fatal(err)
		}
	}
}
