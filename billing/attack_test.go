package billing_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/billing"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

const invoiceHeader = "number,account,org,email,issued,due,currency,status,description,quantity,unit_price,tax_percent"

// Control characters: identifiers (numbers, accounts, references, dates,
// amounts) that hold one are refused with the line named; free text
// (descriptions, methods) loses them and its line breaks become spaces,
// as the web edge does for forms.
func TestImportCleansFreeTextAndRefusesControlCharactersInIdentifiers(t *testing.T) {
	bad := invoiceHeader + "\n" +
		"INV-\x001,cus_1,Acme Corp,,2026-01-15,,EUR,open,Plan,1,10.00,20\n" +
		"\"INV-2\r\nX\",cus_1,,,2026-01-15,,EUR,open,Plan,1,10.00,20\n" +
		"INV-3,cus_1,,,2026-01-15,,EUR,open,Plan,1,10.0\x0b0,20\n"
	ps := problemsOf(t, parseErr("nul.csv", bad))
	for _, w := range []struct{ where, msg string }{
		{"nul.csv: line 2, number", "control character (U+0000)"},
		{"nul.csv: line 3, number", "control character (U+000A)"},
		{"nul.csv: line 5, unit_price", "control character (U+000B)"},
	} {
		if !hasProblem(ps, w.where, w.msg) {
			t.Errorf("missing %s: %s\ngot %+v", w.where, w.msg, ps)
		}
	}
	payments := "reference,invoice,date,amount,currency,method\nPAY-\x1b1,INV-1,2026-01-20,1.00,EUR,card\n"
	if ps := problemsOf(t, parseErr("p.csv", payments)); !hasProblem(ps, "p.csv: line 2, reference", "U+001B") {
		t.Errorf("payment reference with ESC: %+v", ps)
	}
	jsonDoc := `{"invoices":[{"number":"J-1\u0000","account":"cus_1","issued":"2026-01-01","currency":"EUR","status":"open",
	  "lines":[{"description":"ok","quantity":1,"unit_price":"1.00"}]}]}`
	if ps := problemsOf(t, parseErr("j.json", jsonDoc)); !hasProblem(ps, "j.json: invoices[0].number", "U+0000") {
		t.Errorf("JSON number with NUL: %+v", ps)
	}

	good := invoiceHeader + "\n" +
		"INV-1,cus_1,Acme Corp,,2026-01-15,,EUR,open,\"Support\x00 plan\r\n(January)\t\u0085\",1,10.00,20\n"
	b, err := billing.Parse("good.csv", strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Invoices[0].Lines[0].Description; got != "Support plan (January)" {
		t.Errorf("description = %q, want %q", got, "Support plan (January)")
	}
}

func parseErr(name, data string) error {
	_, err := billing.Parse(name, strings.NewReader(data))
	return err
}

// Numbers that could overflow int64, negative invoices and invoice numbers
// that differ only in case are refused with the line named; a lower-case
// currency is the same currency.
func TestImportRefusesOverflowNegativeInvoicesAndCaseTwins(t *testing.T) {
	csv := invoiceHeader + ",total\n" +
		"BIG-1,cus_1,Acme Corp,,2026-01-15,,EUR,open,Seats,1000000,99999999999.99,20,\n" +
		"BIG-2,cus_1,,,2026-01-15,,EUR,open,Plan,1,900000000000.00,0,\n" +
		"BIG-2,cus_1,,,2026-01-15,,EUR,open,Plan,1,900000000000.00,0,\n" +
		"BIG-3,cus_1,,,2026-01-15,,EUR,open,Plan,1,99999999999999999999,0,\n" +
		"BIG-4,cus_1,,,2026-01-15,,EUR,open,Plan,1,1.00,0,92233720368547758.07\n" +
		"NEG-1,cus_1,,,2026-01-15,,EUR,open,Plan,1,10.00,0,\n" +
		"NEG-1,cus_1,,,2026-01-15,,EUR,open,Credit,1,-25.00,0,\n" +
		"Case-1,cus_1,,,2026-01-15,,EUR,open,Plan,1,10.00,0,\n" +
		"CASE-1,cus_1,,,2026-01-15,,EUR,open,Plan,1,10.00,0,\n"
	ps := problemsOf(t, parseErr("big.csv", csv))
	for _, w := range []struct{ where, msg string }{
		{"big.csv: line 2, unit_price", "quantity 1000000 × unit price 99999999999.99 is too large"},
		{"big.csv: line 4", "total passes 1000000000000.00 here"},
		{"big.csv: line 5, unit_price", "too large"},
		{"big.csv: line 6, total", "too large"},
		{"big.csv: line 7, total", "is negative (-15.00)"},
		{"big.csv: line 10, number", "already given as Case-1 at big.csv: line 9 (numbers differ only in case)"},
	} {
		if !hasProblem(ps, w.where, w.msg) {
			t.Errorf("missing %s: %s\ngot %+v", w.where, w.msg, ps)
		}
	}

	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		importCSV(t, w, "lower.csv", invoiceHeader,
			"INV-7,cus_acme_eu,Acme Corp,,2026-01-15,,eur,open,Plan,1,10.00,20")
		inv, _, err := w.svc.Invoice(ctx, "INV-7")
		if err != nil || inv.Currency != "EUR" || inv.Total != 1200 {
			t.Fatalf("lower-case currency: %+v %v", inv, err)
		}
		// A payment in "eur" for it is fine too.
		importCSV(t, w, "pay.csv", "reference,invoice,date,amount,currency,method", "P-7,INV-7,2026-01-20,12.00,eur,card")
		if inv, _, _ := w.svc.Invoice(ctx, "INV-7"); inv.AmountPaid != 1200 {
			t.Errorf("paid = %d", inv.AmountPaid)
		}

		b, err := billing.Parse("twin.csv", strings.NewReader(invoiceHeader+"\ninv-7,cus_acme_eu,,,2026-01-15,,EUR,open,Plan,1,10.00,20\n"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.svc.Import(ctx, b, billing.SourceImport)
		if ps := problemsOf(t, err); !hasProblem(ps, "twin.csv: line 2, number", "exists already as INV-7") {
			t.Errorf("case twin of an existing invoice: %+v", ps)
		}
		if _, _, err := w.svc.Invoice(ctx, "inv-7"); err == nil {
			t.Error("inv-7 was created")
		}
	})
}

// Twenty imports of one file at once end as one import: every one
// succeeds, and the rows exist once.
func TestParallelImportsOfOneFileAreIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		data := map[string][]byte{}
		for _, n := range []string{"example-invoices.csv", "example-payments.csv", "example.json"} {
			b, err := readTestdata(n)
			if err != nil {
				t.Fatal(err)
			}
			data[n] = b
		}
		// Each import is the three files in one batch (as the CLI sends
		// them), parsed first; all start at once.
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, 20)
		for i := 0; i < 20; i++ {
			all := &billing.Batch{}
			for _, n := range []string{"example-invoices.csv", "example-payments.csv", "example.json"} {
				b, err := billing.Parse(n, strings.NewReader(string(data[n])))
				if err != nil {
					t.Fatal(err)
				}
				all.Invoices = append(all.Invoices, b.Invoices...)
				all.Payments = append(all.Payments, b.Payments...)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := w.svc.Import(ctx, all, billing.SourceImport); err != nil {
					errs <- err
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("parallel import: %v", err)
		}
		count := func(table string) int {
			n, err := db.NewSelect().Table(table).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
		if i, p, l, a := count("billing_invoices"), count("billing_payments"), count("billing_invoice_lines"), count("billing_accounts"); i != 6 || p != 6 || l != 9 || a != 4 {
			t.Errorf("after 20 parallel imports: %d invoices, %d payments, %d lines, %d accounts; want 6, 6, 9, 4", i, p, l, a)
		}
		sum, err := w.svc.Summary(ctx, w.carol, w.acme)
		if err != nil {
			t.Fatal(err)
		}
		if got := balanceText(sum.Balances); !strings.Contains(got, "€ 388.00") {
			t.Errorf("Acme's balance after parallel imports: %s", got)
		}
	})
}

func readTestdata(name string) ([]byte, error) { return os.ReadFile("testdata/" + name) }
