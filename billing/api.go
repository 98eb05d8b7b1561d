package billing

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/platform/web"
)

// JSON shapes of the billing API (DESIGN.md): money as integer minor units
// beside its currency, times RFC 3339 UTC.

type apiInvoice struct {
	Number     string  `json:"number"`
	Status     string  `json:"status"`
	Currency   string  `json:"currency"`
	Subtotal   int64   `json:"subtotal"`
	Tax        int64   `json:"tax"`
	Total      int64   `json:"total"`
	AmountPaid int64   `json:"amount_paid"`
	AmountDue  int64   `json:"amount_due"`
	Issued     string  `json:"issued"`
	Due        *string `json:"due"`
	Overdue    bool    `json:"overdue"`
}

type apiLine struct {
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	UnitPrice   int64  `json:"unit_price"`
	TaxPercent  string `json:"tax_percent"`
	Amount      int64  `json:"amount"`
	Tax         int64  `json:"tax"`
}

type apiPayment struct {
	Reference string `json:"reference"`
	Invoice   string `json:"invoice"`
	Date      string `json:"date"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
	Method    string `json:"method"`
}

type apiInvoiceDetail struct {
	apiInvoice
	Lines    []apiLine    `json:"lines"`
	Payments []apiPayment `json:"payments"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func toAPIInvoice(inv *Invoice, now time.Time) apiInvoice {
	out := apiInvoice{
		Number: inv.Number, Status: inv.Status, Currency: inv.Currency,
		Subtotal: inv.Subtotal, Tax: inv.Tax, Total: inv.Total, AmountPaid: inv.AmountPaid, AmountDue: inv.AmountDue(),
		Issued: rfc3339(inv.IssuedOn), Overdue: inv.Overdue(now),
	}
	if inv.DueOn != nil {
		d := rfc3339(*inv.DueOn)
		out.Due = &d
	}
	return out
}

func toAPIPayment(p *Payment, number string) apiPayment {
	return apiPayment{Reference: p.Reference, Invoice: number, Date: rfc3339(p.PaidOn), Amount: p.Amount, Currency: p.Currency, Method: p.Method}
}

func toAPIDetail(inv *Invoice, pays []Payment, now time.Time) apiInvoiceDetail {
	out := apiInvoiceDetail{apiInvoice: toAPIInvoice(inv, now), Lines: []apiLine{}, Payments: []apiPayment{}}
	for _, l := range inv.Lines {
		out.Lines = append(out.Lines, apiLine{Description: l.Description, Quantity: l.Quantity, UnitPrice: l.UnitAmount,
			TaxPercent: strings.TrimSuffix(TaxPercent(l.TaxBP), " %"), Amount: l.Amount, Tax: l.Tax})
	}
	for i := range pays {
		out.Payments = append(out.Payments, toAPIPayment(&pays[i], inv.Number))
	}
	return out
}

// apiListInvoices: GET /api/v1/billing/invoices?limit=&cursor=&year=&status=
func (h *Handlers) apiListInvoices(c *fiber.Ctx) error {
	limit := 50
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			return web.JSONError(c, fiber.StatusBadRequest, "limit must be a number from 1 to 200")
		}
		limit = n
	}
	p := readListParams(c)
	if s := c.Query("status"); s != "" && p.Status == "" {
		return web.JSONError(c, fiber.StatusBadRequest, "status must be one of open, overdue, paid, uncollectible, void, draft")
	}
	page, err := h.svc.ListInvoices(c.UserContext(), scopeFor(identity.Current(c)),
		ListFilter{Year: p.Year, Status: p.Status, Limit: limit, Cursor: p.Cursor})
	if errors.Is(err, ErrBadCursor) {
		return web.JSONError(c, fiber.StatusBadRequest, "cursor is not valid")
	}
	if err != nil {
		return err
	}
	now := h.svc.Now()
	out := make([]apiInvoice, 0, len(page.Invoices))
	for i := range page.Invoices {
		out = append(out, toAPIInvoice(&page.Invoices[i], now))
	}
	var next *string
	if page.NextCursor != "" {
		next = &page.NextCursor
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"invoices": out, "next_cursor": next})
}

// apiGetInvoice: GET /api/v1/billing/invoices/{number}
func (h *Handlers) apiGetInvoice(c *fiber.Ctx) error {
	inv, pays, err := h.loadVisible(c, c.Params("number"))
	if errors.Is(err, fiber.ErrNotFound) {
		return web.JSONError(c, fiber.StatusNotFound, "invoice not found")
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(toAPIDetail(inv, pays, h.svc.Now()))
}

// importJSON validates and imports an API body: the interchange document
// ({"invoices":[…],"payments":[…]}) or one object of kind ("invoices" or
// "payments"), which is wrapped into a document first.
func (h *Handlers) importJSON(c *fiber.Ctx, kind string) (single bool, rep ImportReport, b *Batch, err error) {
	body := bytes.TrimSpace(c.Body())
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return false, rep, nil, web.JSONError(c, fiber.StatusBadRequest, "body must be a JSON object: "+err.Error())
	}
	_, hasInv := probe["invoices"]
	_, hasPay := probe["payments"]
	if !hasInv && !hasPay {
		single = true
		body = append(append([]byte(`{"`+kind+`":[`), body...), "]}"...)
	}
	b, err = ParseJSON("", body)
	if err == nil {
		rep, err = h.svc.Import(c.UserContext(), b, SourceAPI)
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		probs := make([]Problem, len(ve.Problems))
		for i, p := range ve.Problems {
			if single {
				p.Where = strings.TrimPrefix(strings.TrimPrefix(p.Where, kind+"[0]."), kind+"[0]")
			}
			probs[i] = p
		}
		msg := "invalid input"
		if len(probs) > 0 {
			msg = strings.TrimPrefix(probs[0].Where+": "+probs[0].Message, ": ")
		}
		return single, rep, nil, c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"error": msg, "problems": probs})
	}
	return single, rep, b, err
}

func reportJSON(r ImportReport) fiber.Map {
	return fiber.Map{
		"accounts_created": r.AccountsCreated,
		"invoices_created": r.InvoicesCreated, "invoices_updated": r.InvoicesUpdated, "invoices_unchanged": r.InvoicesUnchanged,
		"payments_created": r.PaymentsCreated, "payments_updated": r.PaymentsUpdated, "payments_unchanged": r.PaymentsUnchanged,
	}
}

// apiPostInvoices: POST /api/v1/billing/invoices (admin). One invoice in
// the interchange JSON shape, or a whole document. Idempotent by number:
// 201 when created, 200 when updated or unchanged.
func (h *Handlers) apiPostInvoices(c *fiber.Ctx) error {
	single, rep, b, err := h.importJSON(c, "invoices")
	if err != nil || b == nil {
		return err
	}
	status := fiber.StatusOK
	if rep.InvoicesCreated+rep.PaymentsCreated > 0 {
		status = fiber.StatusCreated
	}
	if !single || len(b.Invoices) != 1 {
		return c.Status(status).JSON(fiber.Map{"report": reportJSON(rep)})
	}
	inv, pays, err := h.svc.Invoice(c.UserContext(), b.Invoices[0].Number)
	if err != nil {
		return err
	}
	return c.Status(status).JSON(fiber.Map{"invoice": toAPIDetail(inv, pays, h.svc.Now()), "report": reportJSON(rep)})
}

// apiPostPayments: POST /api/v1/billing/payments (admin). One payment (a
// negative amount is a refund) or a document; idempotent by reference.
func (h *Handlers) apiPostPayments(c *fiber.Ctx) error {
	single, rep, b, err := h.importJSON(c, "payments")
	if err != nil || b == nil {
		return err
	}
	status := fiber.StatusOK
	if rep.InvoicesCreated+rep.PaymentsCreated > 0 {
		status = fiber.StatusCreated
	}
	if !single || len(b.Payments) != 1 {
		return c.Status(status).JSON(fiber.Map{"report": reportJSON(rep)})
	}
	p := b.Payments[0]
	inv, pays, err := h.svc.Invoice(c.UserContext(), p.Invoice)
	if err != nil {
		return err
	}
	var out *apiPayment
	for i := range pays {
		if pays[i].Reference == p.Reference {
			ap := toAPIPayment(&pays[i], inv.Number)
			out = &ap
		}
	}
	return c.Status(status).JSON(fiber.Map{"payment": out, "invoice": toAPIInvoice(inv, h.svc.Now()), "report": reportJSON(rep)})
}

// stripeWebhook: POST /webhooks/stripe. Without a signing secret the
// endpoint does not exist (404). A bad signature, a stale timestamp or a
// body that is no event answers 400; everything signed is recorded and
// answered 200 (unknown customers included, so Stripe stops retrying).
func (h *Handlers) stripeWebhook(c *fiber.Ctx) error {
	if !h.svc.WebhookEnabled() {
		return fiber.ErrNotFound
	}
	res, err := h.svc.HandleStripe(c.UserContext(), c.Body(), c.Get("Stripe-Signature"))
	switch {
	case errors.Is(err, ErrNoSignature), errors.Is(err, ErrBadSignature), errors.Is(err, ErrTimestampTooOld), errors.Is(err, ErrBadPayload):
		return web.JSONError(c, fiber.StatusBadRequest, err.Error())
	case err != nil:
		return err
	}
	return c.JSON(fiber.Map{"received": true, "event": res.EventID, "outcome": res.Outcome, "duplicate": res.Duplicate})
}
