package app

import (
	"bytes"
	"context"
	"errors"
	"html/template"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/billing"
)

// wireBilling: billing history pages, the billing API, the Stripe webhook
// (with --stripe-webhook-secret) and the demo invoices. It returns the
// service so other domains (the agent's ticket sidebar) can read
// billing.Service.Summary through an interface of their own.
func (a *App) wireBilling(acc *accounts.Service) (*billing.Service, error) {
	svc := billing.NewService(billing.Deps{
		DB: a.DB, Directory: billingDirectory{acc}, Log: a.Log,
		WebhookSecret: a.Config.StripeWebhookSecret,
	})
	defaultLogo := a.Assets.URL("img/logo.svg")
	billing.NewHandlers(billing.HandlerDeps{
		Service: svc,
		Logo: func(logoURL string) ([]byte, bool) {
			// The stock logo is drawn into the PDF as vectors; a custom logo
			// URL is not fetched (the PDF shows the portal's initial).
			return nil, logoURL == defaultLogo || logoURL == ""
		},
	}).Mount(a.Fiber)
	a.AddDemoSeeder(svc.SeedDemo)
	// The agent's ticket sidebar shows the requester's billing summary.
	a.TicketBilling = billingSidebar{svc: svc, views: a.Fiber.Config().Views}
	return svc, nil
}

// billingSidebar renders billing's summary partial for the tickets
// sidebar (tickets.BillingSummary).
type billingSidebar struct {
	svc   *billing.Service
	views fiber.Views
}

func (b billingSidebar) SummaryHTML(ctx context.Context, userID, orgID int64) (template.HTML, error) {
	sum, err := b.svc.Summary(ctx, userID, orgID)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := b.views.Render(&buf, "billing/_summary", sum); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil // html/template output
}

// billingDirectory lets billing find organisations and customers through
// the accounts service.
type billingDirectory struct{ acc *accounts.Service }

func (d billingDirectory) OrgByName(ctx context.Context, name string) (billing.Owner, bool, error) {
	o, err := d.acc.OrgByName(ctx, name)
	if errors.Is(err, accounts.ErrOrgNotFound) {
		return billing.Owner{}, false, nil
	}
	if err != nil {
		return billing.Owner{}, false, err
	}
	return billing.Owner{OrgID: o.ID, Name: o.Name}, true, nil
}

func (d billingDirectory) UserByEmail(ctx context.Context, email string) (billing.Owner, bool, error) {
	u, err := d.acc.UserByEmail(ctx, email)
	if errors.Is(err, accounts.ErrUserNotFound) {
		return billing.Owner{}, false, nil
	}
	if err != nil {
		return billing.Owner{}, false, err
	}
	return billing.Owner{UserID: u.ID, Name: u.Name, Email: u.Email}, true, nil
}

func (d billingDirectory) CustomerByID(ctx context.Context, id int64) (billing.Customer, bool, error) {
	u, err := d.acc.UserByID(ctx, id)
	if errors.Is(err, accounts.ErrUserNotFound) {
		return billing.Customer{}, false, nil
	}
	if err != nil {
		return billing.Customer{}, false, err
	}
	c := billing.Customer{ID: u.ID, Name: u.Name, Email: u.Email}
	if u.Org != nil {
		c.OrgID, c.OrgName = u.Org.ID, u.Org.Name
	}
	return c, true, nil
}
