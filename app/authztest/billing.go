package authztest

import (
	"context"
	"fmt"
	"strconv"
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

	// A Stripe event for a customer without a billing account, unmatched;
	// a new one per request (re-applying one keeps it unmatched, but the
	// other billing tests count the unmatched list).
	n := 0
	w.Fresh["new.billing.unmatched"] = func(t testing.TB) string {
		n++
		ev := fmt.Sprintf(`{"id":"evt_authz_unmatched_%d","type":"invoice.finalized","created":1773900000,"data":{"object":{
		  "id":"in_authz_%d","customer":"cus_authz_nobody","currency":"eur","status":"open",
		  "created":1773000000,"subtotal":1000,"tax":0,"total":1000,"amount_paid":0,"lines":{"data":[]}}}}`, n, n)
		res, err := svc.RecordStripeEvent(context.Background(), []byte(ev))
		if err != nil || res.Outcome != billing.EventUnmatched {
			t.Fatalf("billing fixtures: unmatched event: %+v %v", res, err)
		}
		evs, err := svc.Events(context.Background(), billing.EventUnmatched, 1)
		if err != nil || len(evs) != 1 || evs[0].EventID != res.EventID {
			t.Fatalf("billing fixtures: unmatched list: %+v %v", evs, err)
		}
		return strconv.FormatInt(evs[0].ID, 10)
	}
}
