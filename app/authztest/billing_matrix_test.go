package authztest

// Billing routes (billing package). Invoices of customer B (billed to
// Org B, or to B personally) are B's and staff's; drafts are staff-only
// and, like someone else's invoice, 404 for everyone else.
func init() {
	matrix = append(matrix,
		rule{"GET /billing", loggedIn, ""},
		rule{"GET /billing/invoices/:number", custB | staff, "number=billing.orgB"},
		rule{"GET /billing/invoices/:number", custB | staff, "number=billing.orgB.pdf"},
		rule{"GET /billing/invoices/:number", custB | staff, "number=billing.ownB"},
		rule{"GET /billing/invoices/:number", staff, "number=billing.draftB"},
		rule{"GET /billing/invoices/:number", staff, "number=billing.draftB.pdf"},
		rule{"GET /billing/invoices/:number", nobody, "number=billing.missing"},
		rule{"GET /agent/billing/customers/:id<int>", staff, "id=customerB.user"},
		rule{"GET /admin/billing/events", admin, ""},
		rule{"GET /api/v1/billing/invoices", loggedIn, ""},
		rule{"GET /api/v1/billing/invoices/:number", custB | staff, "number=billing.orgB"},
		rule{"GET /api/v1/billing/invoices/:number", staff, "number=billing.draftB"},
		rule{"POST /api/v1/billing/invoices", admin, ""},
		rule{"POST /api/v1/billing/payments", admin, ""},
		// Without --stripe-webhook-secret the webhook does not exist.
		rule{"POST /webhooks/stripe", hidden, ""},
	)
}

// Re-applying an unmatched Stripe event (billing, bill2).
func init() {
	matrix = append(matrix,
		rule{"POST /admin/billing/events/:id<int>/reapply", admin, "id=new.billing.unmatched"},
	)
}
