package billing

import (
	"errors"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/platform/web"
)

// HandlerDeps are what the billing pages and API need.
type HandlerDeps struct {
	Service *Service
	// Logo returns the brand logo as PNG/JPEG bytes for the PDF, or
	// isDefault when the portal uses the stock logo (drawn as vectors).
	Logo func(logoURL string) (image []byte, isDefault bool)
}

// Handlers serve billing pages, the billing API and the Stripe webhook.
type Handlers struct {
	svc  *Service
	logo func(string) ([]byte, bool)
}

// NewHandlers builds the billing handlers.
func NewHandlers(d HandlerDeps) *Handlers {
	h := &Handlers{svc: d.Service, logo: d.Logo}
	if h.logo == nil {
		h.logo = func(string) ([]byte, bool) { return nil, false }
	}
	return h
}

// WebhookPath is where Stripe delivers events (configure it in the Stripe
// dashboard as https://<portal>/webhooks/stripe). It lives under
// /webhooks/, which the CSRF middleware leaves to the endpoint's own
// signature check.
const WebhookPath = "/webhooks/stripe"

// Mount registers the billing routes.
func (h *Handlers) Mount(r fiber.Router) {
	r.Get("/billing", policy.Require(policy.ListInvoices), h.showBilling)
	// One route for the page and its PDF (".pdf" suffix): invoice numbers
	// contain dashes and dots that Fiber would split a ":number.pdf" on.
	r.Get("/billing/invoices/:number", policy.Require(policy.UseAccount), h.showInvoice)
	r.Get("/agent/billing/customers/:id<int>", policy.Require(policy.UseAgentDesk), h.showCustomerBilling)
	r.Get("/admin/billing/events", policy.Require(policy.Administer), h.showEvents)
	r.Post("/admin/billing/events/:id<int>/reapply", policy.Require(policy.Administer), h.reapplyEvent)

	r.Get("/api/v1/billing/invoices", policy.Require(policy.ListInvoices), h.apiListInvoices)
	r.Get("/api/v1/billing/invoices/:number", policy.Require(policy.UseAccount), h.apiGetInvoice)
	r.Post("/api/v1/billing/invoices", policy.Require(policy.Administer), h.apiPostInvoices)
	r.Post("/api/v1/billing/payments", policy.Require(policy.Administer), h.apiPostPayments)

	r.Post(WebhookPath, h.stripeWebhook)
}

// scopeFor turns the policy's invoice scope into a query scope.
func scopeFor(id *identity.Identity) Scope {
	ps := policy.InvoiceScopeFor(id)
	switch {
	case ps.None:
		return Scope{}
	case ps.All:
		return Scope{All: true, Drafts: true}
	}
	return Scope{UserID: ps.CustomerID, OrgID: ps.OrgID}
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// policyInvoice describes inv to the policy layer.
func policyInvoice(inv *Invoice) policy.Invoice {
	return policy.Invoice{CustomerID: deref(inv.UserID), OrgID: deref(inv.OrgID), Draft: inv.Status == StatusDraft}
}

// loadVisible loads an invoice the current user may see; anything else
// (including someone else's invoice and drafts for customers) is 404.
func (h *Handlers) loadVisible(c *fiber.Ctx, number string) (*Invoice, []Payment, error) {
	inv, pays, err := h.svc.Invoice(c.UserContext(), number)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, fiber.ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	if err := policy.Check(c, policy.ViewInvoice, policyInvoice(inv)); err != nil {
		return nil, nil, err
	}
	return inv, pays, nil
}

// AskURL opens a new ticket about an invoice: the tickets form takes the
// subject and the invoice number as prefill and links the ticket to it.
func AskURL(number string) string {
	return "/tickets/new?subject=" + url.QueryEscape("Question about invoice "+number) + "&invoice=" + url.QueryEscape(number)
}

// listParams reads the year/status/cursor filters of a list request.
type listParams struct {
	Year   int
	Status string
	Cursor string
}

func readListParams(c *fiber.Ctx) listParams {
	p := listParams{Status: c.Query("status"), Cursor: c.Query("cursor")}
	if y, err := strconv.Atoi(c.Query("year")); err == nil && y >= 1900 && y <= 9999 {
		p.Year = y
	}
	if p.Status != StatusOverdue && !validStatus(p.Status) {
		p.Status = ""
	}
	return p
}

// query renders the filters (and an optional cursor) as a query string.
func (p listParams) query(cursor string) string {
	v := url.Values{}
	if p.Year != 0 {
		v.Set("year", strconv.Itoa(p.Year))
	}
	if p.Status != "" {
		v.Set("status", p.Status)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// currentBrandName is the portal's name for documents.
func currentBrandName(c *fiber.Ctx) string {
	if n := web.CurrentBrand(c).Name; n != "" {
		return n
	}
	return "Frontdesk"
}
