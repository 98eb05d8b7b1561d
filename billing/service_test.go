package billing_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/billing"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

func numbers(invs []billing.Invoice) string {
	var s []string
	for _, in := range invs {
		s = append(s, in.Number)
	}
	return strings.Join(s, " ")
}

func balanceText(bs []billing.Balance) string {
	var s []string
	for _, b := range bs {
		s = append(s, billing.Money{Amount: b.Due, Currency: b.Currency}.String()+" (overdue "+billing.Money{Amount: b.Overdue, Currency: b.Currency}.String()+")")
	}
	return strings.Join(s, "; ")
}

func TestImportExamplesAndWhoSeesWhat(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		rep := w.importFile(t, "example-invoices.csv")
		if rep.InvoicesCreated != 4 || rep.AccountsCreated != 3 {
			t.Fatalf("invoices CSV: %s", rep)
		}
		if rep := w.importFile(t, "example-payments.csv"); rep.PaymentsCreated != 4 {
			t.Fatalf("payments CSV: %s", rep)
		}
		if rep := w.importFile(t, "example.json"); rep.InvoicesCreated != 2 || rep.PaymentsCreated != 2 || rep.AccountsCreated != 1 {
			t.Fatalf("JSON: %s", rep)
		}

		inv, pays, err := w.svc.Invoice(ctx, "INV-2026-0001")
		if err != nil {
			t.Fatal(err)
		}
		if inv.Total != 67980 || inv.AmountPaid != 62980 || inv.AmountDue() != 0 || len(pays) != 2 || len(inv.Lines) != 2 || inv.Account.Name != "Acme Corp" {
			t.Errorf("INV-2026-0001: total %d paid %d due %d, %d payments, %d lines, account %+v", inv.Total, inv.AmountPaid, inv.AmountDue(), len(pays), len(inv.Lines), inv.Account)
		}
		inv, _, _ = w.svc.Invoice(ctx, "INV-2026-0004")
		if inv.Total != 52359 || inv.AmountDue() != 32359 || inv.UserID == nil || *inv.UserID != w.erin || inv.Account.Name != "Erin Customer <erin@globex.example>" {
			t.Errorf("INV-2026-0004: %+v", inv)
		}

		// Carol (Acme): the organisation's invoices, newest first.
		carol := billing.Scope{UserID: w.carol, OrgID: w.acme}
		page, err := w.svc.ListInvoices(ctx, carol, billing.ListFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if got := numbers(page.Invoices); got != "INV-2026-0002 INV-2026-0003 INV-2026-0001" {
			t.Errorf("Carol sees %q", got)
		}
		bal, _ := w.svc.Balances(ctx, carol)
		// now = 2026-03-20: INV-0002 (due 03-17) and INV-0003 (due 03-03) are overdue.
		if got := balanceText(bal); got != "€ 388.00 (overdue € 388.00); ¥ 132,000 (overdue ¥ 132,000)" {
			t.Errorf("Carol's balance: %s", got)
		}
		// Erin: her own invoice and Globex's.
		erin := billing.Scope{UserID: w.erin, OrgID: w.globex}
		page, _ = w.svc.ListInvoices(ctx, erin, billing.ListFilter{})
		if got := numbers(page.Invoices); got != "INV-2026-0102 INV-2026-0101 INV-2026-0004" {
			t.Errorf("Erin sees %q", got)
		}
		bal, _ = w.svc.Balances(ctx, erin)
		if got := balanceText(bal); got != "KWD 32.359 (overdue KWD 0.000); $ 1,099.00 (overdue $ 0.00)" {
			t.Errorf("Erin's balance: %s", got)
		}
		// Zed belongs to nothing here.
		page, _ = w.svc.ListInvoices(ctx, billing.Scope{UserID: w.zed}, billing.ListFilter{})
		if len(page.Invoices) != 0 {
			t.Errorf("Zed sees %s", numbers(page.Invoices))
		}
		ps, _ := w.svc.Payments(ctx, erin, 0, 10)
		if len(ps) != 3 || ps[0].Reference != "ch_3PAY0102" || ps[0].Invoice.Number != "INV-2026-0102" {
			t.Errorf("Erin's payments: %+v", ps)
		}

		// Importing the same files again changes nothing.
		for _, n := range []string{"example-invoices.csv", "example-payments.csv", "example.json"} {
			rep := w.importFile(t, n)
			if rep.InvoicesCreated+rep.InvoicesUpdated+rep.PaymentsCreated+rep.PaymentsUpdated+rep.AccountsCreated != 0 {
				t.Errorf("re-import %s changed something: %s", n, rep)
			}
		}
		count := func(table string) int {
			n, err := db.NewSelect().TableExpr(table).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
		if count("billing_invoices") != 6 || count("billing_payments") != 6 || count("billing_invoice_lines") != 9 || count("billing_accounts") != 4 {
			t.Errorf("rows after re-import: %d invoices %d payments %d lines %d accounts",
				count("billing_invoices"), count("billing_payments"), count("billing_invoice_lines"), count("billing_accounts"))
		}

		// A changed file updates in place.
		b, err := billing.Parse("fix.csv", strings.NewReader("reference,invoice,date,amount,currency,method\nPAY-0002,INV-2026-0002,2026-03-01,588.00,EUR,card\n"))
		if err != nil {
			t.Fatal(err)
		}
		rep, err = w.svc.Import(ctx, b, billing.SourceImport)
		if err != nil || rep.PaymentsUpdated != 1 {
			t.Fatalf("update: %s %v", rep, err)
		}
		inv, _, _ = w.svc.Invoice(ctx, "INV-2026-0002")
		if inv.AmountDue() != 0 || inv.AmountPaid != 58800 {
			t.Errorf("after the corrected payment: paid %d due %d", inv.AmountPaid, inv.AmountDue())
		}
	})
}

func TestBadImportWritesNothingAndNamesEachLine(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		w.importFile(t, "example-invoices.csv")
		csv := `number,account,org,email,issued,due,currency,status,description,quantity,unit_price,tax_percent
NEW-1,cus_acme_eu,,,2026-04-01,,EUR,open,Fine,1,10.00,0
NEW-2,cus_nobody,,,2026-04-01,,EUR,open,Who?,1,10.00,0
NEW-3,cus_new,Initech,,2026-04-01,,EUR,open,Unknown org,1,10.00,0
NEW-4,cus_new2,,ghost@example.com,2026-04-01,,EUR,open,Unknown customer,1,10.00,0
NEW-5,cus_acme_eu,Globex,,2026-04-01,,EUR,open,Wrong owner,1,10.00,0
`
		b, err := billing.Parse("bad.csv", strings.NewReader(csv))
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.svc.Import(ctx, b, billing.SourceImport)
		var ve *billing.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("want validation error, got %v", err)
		}
		for _, want := range []struct{ where, msg string }{
			{"bad.csv: line 3, account", `"cus_nobody" does not exist`},
			{"bad.csv: line 4, org", `no organisation is called "Initech"`},
			{"bad.csv: line 5, email", `no customer has the address "ghost@example.com"`},
			{"bad.csv: line 6, account", `belongs to someone else than organisation "Globex"`},
		} {
			if !hasProblem(ve.Problems, want.where, want.msg) {
				t.Errorf("missing %s: %s in %+v", want.where, want.msg, ve.Problems)
			}
		}
		if hasProblem(ve.Problems, "bad.csv: line 2, account", "") {
			t.Errorf("the good line was flagged: %+v", ve.Problems)
		}
		pays, _ := billing.Parse("p.csv", strings.NewReader("reference,invoice,date,amount,currency,method\nP-1,INV-2026-0001,2026-02-01,1.00,EUR,card\nP-2,INV-404,2026-02-01,1.00,EUR,card\nP-3,INV-2026-0003,2026-02-01,1.00,EUR,card\n"))
		_, err = w.svc.Import(ctx, pays, billing.SourceImport)
		if !errors.As(err, &ve) || !hasProblem(ve.Problems, "p.csv: line 3, invoice", `"INV-404" does not exist`) ||
			!hasProblem(ve.Problems, "p.csv: line 4, currency", "EUR, but invoice INV-2026-0003 is in JPY") {
			t.Errorf("payments: %v", err)
		}
		n, _ := db.NewSelect().Model((*billing.Invoice)(nil)).Count(ctx)
		m, _ := db.NewSelect().Model((*billing.Payment)(nil)).Count(ctx)
		if n != 4 || m != 0 {
			t.Errorf("a bad file wrote something: %d invoices, %d payments", n, m)
		}
	})
}

func TestListFiltersCursorAndDrafts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		var sb strings.Builder
		sb.WriteString("number,account,org,email,issued,due,currency,status,description,quantity,unit_price,tax_percent\n")
		rows := []string{
			"A-01,cus_zed,,zed@example.com,2025-01-10,2025-02-10,EUR,paid,x,1,10.00,0",
			"A-02,cus_zed,,,2025-06-10,2025-07-10,EUR,void,x,1,10.00,0",
			"A-03,cus_zed,,,2025-12-10,2026-01-10,EUR,open,x,1,10.00,0",
			"A-04,cus_zed,,,2026-01-10,2026-04-10,EUR,open,x,1,10.00,0",
			"A-05,cus_zed,,,2026-02-10,2026-03-10,EUR,uncollectible,x,1,10.00,0",
			"A-06,cus_zed,,,2026-02-10,2026-03-10,EUR,draft,x,1,10.00,0",
			"A-07,cus_zed,,,2026-03-01,2026-03-31,EUR,paid,x,1,10.00,0",
		}
		sb.WriteString(strings.Join(rows, "\n"))
		b, err := billing.Parse("list.csv", strings.NewReader(sb.String()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Import(ctx, b, billing.SourceImport); err != nil {
			t.Fatal(err)
		}
		zed := billing.Scope{UserID: w.zed}
		var all []billing.Invoice
		cursor := ""
		for i := 0; ; i++ {
			page, err := w.svc.ListInvoices(ctx, zed, billing.ListFilter{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page.Invoices...)
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
			if i > 5 {
				t.Fatal("cursor does not advance")
			}
		}
		if got := numbers(all); got != "A-07 A-05 A-04 A-03 A-02 A-01" {
			t.Errorf("paged list = %q (drafts must not show)", got)
		}
		staff := billing.Scope{All: true, Drafts: true}
		page, _ := w.svc.ListInvoices(ctx, staff, billing.ListFilter{Year: 2026})
		if got := numbers(page.Invoices); got != "A-07 A-06 A-05 A-04" {
			t.Errorf("staff 2026 = %q", got)
		}
		for filter, want := range map[billing.ListFilter]string{
			{Year: 2025}:                 "A-03 A-02 A-01",
			{Status: "paid"}:             "A-07 A-01",
			{Status: "overdue"}:          "A-05 A-03",
			{Status: "open", Year: 2026}: "A-04",
			{Status: "draft"}:            "",
		} {
			page, err := w.svc.ListInvoices(ctx, zed, filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := numbers(page.Invoices); got != want {
				t.Errorf("%+v = %q, want %q", filter, got, want)
			}
		}
		if _, err := w.svc.ListInvoices(ctx, zed, billing.ListFilter{Cursor: "bogus!"}); !errors.Is(err, billing.ErrBadCursor) {
			t.Errorf("bad cursor: %v", err)
		}
		years, _ := w.svc.Years(ctx, zed)
		if len(years) != 2 || years[0] != 2026 || years[1] != 2025 {
			t.Errorf("years = %v", years)
		}
		sum, err := w.svc.Summary(ctx, w.zed, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := balanceText(sum.Balances); got != "€ 30.00 (overdue € 20.00)" || len(sum.Recent) != 5 || sum.LastPayment != nil {
			t.Errorf("summary: %s, %d recent, last payment %+v", got, len(sum.Recent), sum.LastPayment)
		}
	})
}
