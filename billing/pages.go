package billing

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/platform/web"
)

// pageSize is how many invoices one page of the billing history shows.
const pageSize = 25

// statusOption is one choice of the status filter.
type statusOption struct{ Value, Label string }

var statusOptions = []statusOption{
	{"open", "Open"}, {StatusOverdue, "Overdue"}, {"paid", "Paid"}, {"uncollectible", "Uncollectible"}, {"void", "Void"},
}

// showBilling is the customer's billing history: what is owed per
// currency, invoices newest first (filtered by year and status), payments.
// Staff see every invoice here; an agent opens one customer's history
// from /agent/billing/customers/{id}.
func (h *Handlers) showBilling(c *fiber.Ctx) error {
	return h.renderHistory(c, scopeFor(identity.Current(c)), nil, "/billing")
}

func (h *Handlers) showCustomerBilling(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	cust, ok, err := h.svc.Customer(c.UserContext(), id)
	if err != nil {
		return err
	}
	if !ok {
		return fiber.ErrNotFound
	}
	// What this customer sees, plus drafts (staff may see those).
	sc := Scope{UserID: cust.ID, OrgID: cust.OrgID, Drafts: true}
	return h.renderHistory(c, sc, &cust, fmt.Sprintf("/agent/billing/customers/%d", cust.ID))
}

func (h *Handlers) renderHistory(c *fiber.Ctx, sc Scope, cust *Customer, base string) error {
	ctx := c.UserContext()
	p := readListParams(c)
	page, err := h.svc.ListInvoices(ctx, sc, ListFilter{Year: p.Year, Status: p.Status, Limit: pageSize, Cursor: p.Cursor})
	if errors.Is(err, ErrBadCursor) {
		return fiber.NewError(fiber.StatusBadRequest, "That page link is not valid any more: go back to the first page.")
	}
	if err != nil {
		return err
	}
	balances, err := h.svc.Balances(ctx, sc)
	if err != nil {
		return err
	}
	years, err := h.svc.Years(ctx, sc)
	if err != nil {
		return err
	}
	payments, err := h.svc.Payments(ctx, sc, p.Year, 20)
	if err != nil {
		return err
	}
	next := ""
	if page.NextCursor != "" {
		next = base + p.query(page.NextCursor)
	}
	title := "Billing"
	if cust != nil {
		title = "Billing of " + cust.Name
	}
	return web.Render(c, "billing/index", "billing/_invoices", map[string]any{
		"Title":         title,
		"Customer":      cust,
		"Base":          base,
		"Invoices":      page.Invoices,
		"NextURL":       next,
		"FirstURL":      base + p.query(""),
		"Paged":         p.Cursor != "",
		"Balances":      balances,
		"Payments":      payments,
		"Years":         years,
		"Year":          p.Year,
		"Status":        p.Status,
		"StatusOptions": statusOptions,
		"Filtered":      p.Year != 0 || p.Status != "",
		"Now":           h.svc.Now(),
		"StaffView":     sc.All || cust != nil,
	})
}

// showInvoice is one invoice's page, or its PDF for a ".pdf" path.
func (h *Handlers) showInvoice(c *fiber.Ctx) error {
	number := c.Params("number")
	if n, ok := strings.CutSuffix(number, ".pdf"); ok {
		if _, _, err := h.svc.Invoice(c.UserContext(), number); errors.Is(err, ErrNotFound) {
			return h.invoicePDF(c, n)
		}
	}
	inv, pays, err := h.loadVisible(c, number)
	if err != nil {
		return err
	}
	doc := h.document(c, inv, pays)
	return web.Render(c, "billing/invoice", "", map[string]any{
		"Title":   "Invoice " + inv.Number,
		"Doc":     doc,
		"Invoice": inv,
		"AskURL":  AskURL(inv.Number),
		"Status":  doc.StatusLabel(),
		"Badge":   StatusBadge(doc.StatusLabel()),
	})
}

// document assembles what both the page and the PDF show.
func (h *Handlers) document(c *fiber.Ctx, inv *Invoice, pays []Payment) *InvoiceDocument {
	b := web.CurrentBrand(c)
	logo, isDefault := h.logo(b.LogoURL)
	d := &InvoiceDocument{
		PortalName: currentBrandName(c), Color: b.PrimaryColor, Logo: logo, DefaultLogo: isDefault,
		Invoice: inv, Payments: pays, Now: h.svc.Now(),
	}
	if inv.Account != nil {
		if inv.Account.Name != "" {
			d.BilledTo = append(d.BilledTo, inv.Account.Name)
		}
		d.BilledTo = append(d.BilledTo, "Account "+inv.Account.ExternalID)
	}
	return d
}

var unsafeFilename = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// invoicePDF renders the invoice as a PDF on request, from the same
// document as the page, so the two never disagree.
func (h *Handlers) invoicePDF(c *fiber.Ctx, number string) error {
	inv, pays, err := h.loadVisible(c, number)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := h.document(c, inv, pays).WritePDF(&buf); err != nil {
		return err
	}
	name := "invoice-" + unsafeFilename.ReplaceAllString(inv.Number, "_") + ".pdf"
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(buf.Bytes())
}

// showEvents lists received Stripe events for admins, unmatched ones first
// by default: they name customers that have no billing account yet.
func (h *Handlers) showEvents(c *fiber.Ctx) error {
	outcome := c.Query("outcome", EventUnmatched)
	switch outcome {
	case EventUnmatched, EventApplied, EventIgnored, EventInvalid, "all":
	default:
		outcome = EventUnmatched
	}
	q := outcome
	if q == "all" {
		q = ""
	}
	evs, err := h.svc.Events(c.UserContext(), q, 200)
	if err != nil {
		return err
	}
	return web.Render(c, "billing/events", "", map[string]any{
		"Title":          "Stripe events",
		"Events":         evs,
		"Outcome":        outcome,
		"Outcomes":       []string{EventUnmatched, EventInvalid, EventApplied, EventIgnored, "all"},
		"WebhookEnabled": h.svc.WebhookEnabled(),
		"WebhookPath":    WebhookPath,
	})
}

// reapplyEvent applies an unmatched Stripe event again (after its billing
// account was imported) and goes back to the list with what happened.
func (h *Handlers) reapplyEvent(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	res, err := h.svc.ReapplyEvent(c.UserContext(), id, identity.AuditEntry(c, "", "", 0, ""))
	switch {
	case errors.Is(err, ErrNotFound):
		return fiber.ErrNotFound
	case errors.Is(err, ErrEventNotUnmatched):
		web.SetFlash(c, "error", fmt.Sprintf("Event %s is %s, not unmatched: nothing to apply.", res.EventID, res.Outcome))
	case err != nil:
		return err
	case res.Outcome == EventApplied:
		web.SetFlash(c, "success", fmt.Sprintf("Event %s (%s) is applied now.", res.EventID, res.Type))
	case res.Outcome == EventUnmatched:
		web.SetFlash(c, "error", fmt.Sprintf("Event %s is still unmatched: %s. Import the billing account first.", res.EventID, res.Detail))
	default:
		web.SetFlash(c, "info", fmt.Sprintf("Event %s was not applied (%s): %s", res.EventID, res.Outcome, res.Detail))
	}
	return web.Redirect(c, "/admin/billing/events?outcome="+EventUnmatched)
}
