package billing_test

import (
	"context"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/billing"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

func importCSV(t *testing.T, w *world, name string, lines ...string) {
	t.Helper()
	b, err := billing.Parse(name, strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Import(context.Background(), b, billing.SourceImport); err != nil {
		t.Fatal(err)
	}
}

func references(ps []billing.Payment) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.Reference)
	}
	return strings.Join(s, " ")
}

// A customer's history is their own invoices and their organisation's,
// read as two index ranges and merged: the merged list, its pages (across
// a same-day tie between the two), the payments, the balances and the
// years must be what one list of both would give.
func TestOwnAndOrganisationInvoicesMergeNewestFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		importCSV(t, w, "mixed.csv",
			"number,account,org,email,issued,due,currency,status,description,quantity,unit_price,tax_percent",
			"B-01,cus_carol,,carol@acme.example,2025-03-01,2025-04-01,EUR,paid,x,1,10.00,0",
			"B-02,cus_acme_x,Acme Corp,,2025-03-01,2025-04-01,EUR,open,x,1,10.00,0",
			"B-03,cus_carol,,,2025-05-01,2025-06-01,EUR,open,x,1,10.00,0",
			"B-04,cus_acme_x,,,2026-01-01,2026-12-01,EUR,open,x,1,10.00,0",
			"B-05,cus_acme_x,,,2026-02-01,2026-12-01,USD,open,x,1,10.00,0",
			"B-06,cus_carol,,,2026-02-01,2026-12-01,EUR,draft,x,1,10.00,0",
			"B-07,cus_dave,,dave@acme.example,2026-03-01,2026-12-01,EUR,open,x,1,10.00,0",
		)
		importCSV(t, w, "mixed-payments.csv",
			"reference,invoice,date,amount,currency,method",
			"P-1,B-01,2025-03-05,10.00,EUR,card",
			"P-2,B-02,2025-03-06,4.00,EUR,card",
			"P-3,B-04,2026-01-10,1.00,EUR,card",
			"P-4,B-07,2026-03-02,1.00,EUR,card",
		)
		carol := billing.Scope{UserID: w.carol, OrgID: w.acme}

		var pages []string
		cursor := ""
		for i := 0; i < 5; i++ {
			page, err := w.svc.ListInvoices(ctx, carol, billing.ListFilter{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, numbers(page.Invoices))
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if got := strings.Join(pages, " | "); got != "B-05 B-04 | B-03 B-02 | B-01" {
			t.Errorf("carol's pages = %q, want B-05 B-04 | B-03 B-02 | B-01 (no draft, not Dave's own)", got)
		}
		for filter, want := range map[billing.ListFilter]string{
			{Year: 2025}:        "B-03 B-02 B-01",
			{Status: "overdue"}: "B-03 B-02",
			{Status: "open"}:    "B-05 B-04 B-03 B-02",
		} {
			page, err := w.svc.ListInvoices(ctx, carol, filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := numbers(page.Invoices); got != want {
				t.Errorf("%+v = %q, want %q", filter, got, want)
			}
		}

		pays, err := w.svc.Payments(ctx, carol, 0, 20)
		if err != nil {
			t.Fatal(err)
		}
		if got := references(pays); got != "P-3 P-2 P-1" {
			t.Errorf("carol's payments = %q, want P-3 P-2 P-1", got)
		}
		if pays, _ := w.svc.Payments(ctx, carol, 0, 2); references(pays) != "P-3 P-2" {
			t.Errorf("latest two payments = %q", references(pays))
		}
		bal, err := w.svc.Balances(ctx, carol)
		if err != nil {
			t.Fatal(err)
		}
		// EUR: B-02 6.00 (overdue) + B-03 10.00 (overdue) + B-04 9.00.
		if got := balanceText(bal); got != "€ 25.00 (overdue € 16.00); $ 10.00 (overdue $ 0.00)" {
			t.Errorf("balances = %q", got)
		}
		if years, _ := w.svc.Years(ctx, carol); len(years) != 2 || years[0] != 2026 || years[1] != 2025 {
			t.Errorf("years = %v", years)
		}

		// B-04 moves to Dave's own account: its payment leaves Carol's list.
		importCSV(t, w, "moved.csv",
			"number,account,org,email,issued,due,currency,status,description,quantity,unit_price,tax_percent",
			"B-04,cus_dave,,,2026-01-01,2026-12-01,EUR,open,x,1,10.00,0",
		)
		if pays, _ := w.svc.Payments(ctx, carol, 0, 20); references(pays) != "P-2 P-1" {
			t.Errorf("after the move carol's payments = %q, want P-2 P-1", references(pays))
		}
		dave := billing.Scope{UserID: w.dave, OrgID: w.acme}
		if pays, _ := w.svc.Payments(ctx, dave, 0, 20); references(pays) != "P-4 P-3 P-2" {
			t.Errorf("dave's payments = %q, want P-4 P-3 P-2", references(pays))
		}
	})
}
