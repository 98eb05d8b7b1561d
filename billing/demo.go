package billing

import (
	"context"
	"fmt"
)

// demoInvoice is one invoice of the demo data, dated relative to today.
type demoInvoice struct {
	number, account, org, currency, status string
	issuedDaysAgo, dueInDays               int
	lines                                  []LineInput
	payments                               []demoPayment
}

type demoPayment struct {
	reference string
	daysAgo   int
	amount    int64 // minor units; negative: refund
	method    string
}

func demoLine(desc string, qty, unit, bp int64) LineInput {
	l := LineInput{Description: desc, Quantity: qty, UnitAmount: unit, TaxBP: bp, Amount: qty * unit}
	l.Tax = LineTax(l.Amount, bp)
	return l
}

// demoData gives each demo organisation invoices in two currencies: one
// paid and partly refunded, one overdue, one open and not yet due.
func demoData() []demoInvoice {
	return []demoInvoice{
		{"DEMO-ACME-1001", "cus_demo_acme_eu", "Acme Corp", "EUR", StatusPaid, 75, 30,
			[]LineInput{demoLine("Support plan Business (annual)", 1, 490000, 2000), demoLine("Extra agent seats", 3, 2550, 2000)},
			[]demoPayment{{"DEMO-PAY-1001", 60, 597180, "bank transfer"}, {"DEMO-REF-1001", 40, -7650, "bank transfer"}}},
		{"DEMO-ACME-1002", "cus_demo_acme_jp", "Acme Corp", "JPY", StatusOpen, 50, 30,
			[]LineInput{demoLine("Tokyo office support, Q3", 1, 120000, 1000)}, nil},
		{"DEMO-ACME-1003", "cus_demo_acme_eu", "Acme Corp", "EUR", StatusOpen, 5, 30,
			[]LineInput{demoLine("Premium phone support", 1, 19900, 2000)}, nil},
		{"DEMO-GLOBEX-2001", "cus_demo_globex_us", "Globex", "USD", StatusPaid, 90, 30,
			[]LineInput{demoLine("Starter plan (annual)", 1, 120000, 825), demoLine("Onboarding workshop", 2, 15000, 0)},
			[]demoPayment{{"DEMO-PAY-2001", 80, 159900, "card"}, {"DEMO-REF-2001", 70, -30000, "card refund"}}},
		{"DEMO-GLOBEX-2002", "cus_demo_globex_uk", "Globex", "GBP", StatusOpen, 45, 14,
			[]LineInput{demoLine("UK hotline add-on", 1, 8999, 2000), demoLine("Call minutes", 250, 12, 2000)},
			[]demoPayment{{"DEMO-PAY-2002", 20, 5000, "card"}}},
	}
}

// SeedDemo gives the demo organisations (accounts' demo data, seeded
// before) their billing history. With seeded true it adds nothing.
func (s *Service) SeedDemo(ctx context.Context, seeded bool) ([]string, error) {
	if seeded {
		return nil, nil
	}
	n, err := s.db.NewSelect().Model((*Invoice)(nil)).Where("source = ?", SourceDemo).Count(ctx)
	if err != nil || n > 0 {
		return nil, err
	}
	today := today(s.clock())
	b := &Batch{}
	for _, d := range demoData() {
		in := InvoiceInput{
			At: Loc{File: "demo", Path: d.number}, Number: d.number, Account: d.account, Org: d.org,
			Issued: today.AddDate(0, 0, -d.issuedDaysAgo), Currency: d.currency, Status: d.status, Lines: d.lines,
		}
		due := in.Issued.AddDate(0, 0, d.dueInDays)
		in.Due = &due
		for _, l := range d.lines {
			in.Subtotal += l.Amount
			in.Tax += l.Tax
		}
		in.Total = in.Subtotal + in.Tax
		b.Invoices = append(b.Invoices, in)
		for _, p := range d.payments {
			b.Payments = append(b.Payments, PaymentInput{At: in.At, Reference: p.reference, Invoice: d.number,
				Date: today.AddDate(0, 0, -p.daysAgo), Amount: p.amount, Currency: d.currency, Method: p.method})
		}
	}
	rep, err := s.Import(ctx, b, SourceDemo)
	if err != nil {
		return nil, fmt.Errorf("billing demo: %w", err)
	}
	return []string{fmt.Sprintf("Demo billing: %d invoices in EUR, JPY, USD and GBP for Acme Corp and Globex (see /billing)", rep.InvoicesCreated)}, nil
}
