package authztest

import (
	"context"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/billing"
)

// billingFixtures gives customer B's organisation an invoice and a draft,
// and customer B one invoice of their own.
func (w *World) billingFixtures(t testing.TB) {
	t.Helper()
	svc := w.App.Billing
	csv := `number,account,org,email,issued,due,currency,status,description,quantity,unit_price,tax_percent
AUTHZ-B-ORG,cus_authz_orgb,Org B,,2026-01-10,2026-02-10,EUR,open,Plan,1,10.00,20
AUTHZ-B-DRAFT,cus_authz_orgb,,,2026-01-20,2026-02-20,EUR,draft,Plan,1,10.00,20
AUTHZ-B-OWN,cus_authz_bob,,bob@b.test,2026-01-15,2026-02-15,JPY,paid,Plan,1,1000,10
`
	b, err := billing.Parse("authz.csv", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Import(context.Background(), b, billing.SourceImport); err != nil {
		t.Fatalf("billing fixtures: %v", err)
	}
	w.Values["billing.orgB"] = "AUTHZ-B-ORG"
	w.Values["billing.orgB.pdf"] = "AUTHZ-B-ORG.pdf"
	w.Values["billing.ownB"] = "AUTHZ-B-OWN"
	w.Values["billing.draftB"] = "AUTHZ-B-DRAFT"
	w.Values["billing.draftB.pdf"] = "AUTHZ-B-DRAFT.pdf"
	w.Values["billing.missing"] = "NO-SUCH-INVOICE"
}
