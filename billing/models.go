// Package billing owns billing history: billing accounts (an organisation's
// or a single customer's, with the id they have in the company's billing
// system), invoices with their line items, payments and refunds, imports
// (CSV, JSON, the API), Stripe webhook events and invoice PDFs. Money is
// always integer minor units beside an ISO 4217 code.
package billing

import (
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Invoice statuses. Drafts are never shown to customers; "overdue" is not a
// status but derived from the due date (see Invoice.Overdue).
const (
	StatusDraft         = "draft"
	StatusOpen          = "open"
	StatusPaid          = "paid"
	StatusVoid          = "void"
	StatusUncollectible = "uncollectible"
)

// Statuses lists every invoice status in the order filters show them.
var Statuses = []string{StatusOpen, StatusPaid, StatusUncollectible, StatusVoid, StatusDraft}

func validStatus(s string) bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// Where an invoice or payment came from.
const (
	SourceImport = "import"
	SourceAPI    = "api"
	SourceStripe = "stripe"
	SourceDemo   = "demo"
)

// Account is a billing account: it belongs to an organisation or to one
// customer and carries the id of the customer in the billing system
// (a Stripe "cus_…").
type Account struct {
	bun.BaseModel `bun:"table:billing_accounts"`

	ID         int64     `bun:"id,pk,autoincrement"`
	ExternalID string    `bun:"external_id,notnull"`
	OrgID      *int64    `bun:"org_id"`
	UserID     *int64    `bun:"user_id"`
	Name       string    `bun:"name,notnull"` // the organisation's or customer's name when created
	CreatedAt  time.Time `bun:"created_at,notnull"`
	UpdatedAt  time.Time `bun:"updated_at,notnull"`
}

// Invoice is one invoice. OrgID and UserID copy the account's owner so a
// customer's list is one indexed query; amounts are minor units of Currency.
type Invoice struct {
	bun.BaseModel `bun:"table:billing_invoices"`

	ID         int64      `bun:"id,pk,autoincrement"`
	Number     string     `bun:"number,notnull"`
	ExternalID *string    `bun:"external_id"` // Stripe "in_…" when it came from Stripe
	AccountID  int64      `bun:"account_id,notnull"`
	OrgID      *int64     `bun:"org_id"`
	UserID     *int64     `bun:"user_id"`
	Currency   string     `bun:"currency,notnull"`
	Status     string     `bun:"status,notnull"`
	IssuedOn   time.Time  `bun:"issued_on,notnull"` // a date: midnight UTC
	DueOn      *time.Time `bun:"due_on"`
	Subtotal   int64      `bun:"subtotal,notnull"`
	Tax        int64      `bun:"tax,notnull"`
	Total      int64      `bun:"total,notnull"`
	AmountPaid int64      `bun:"amount_paid,notnull"` // payments minus refunds
	Source     string     `bun:"source,notnull"`
	CreatedAt  time.Time  `bun:"created_at,notnull"`
	UpdatedAt  time.Time  `bun:"updated_at,notnull"`
	// StripeEventAt is the creation time of the last Stripe event applied
	// to the invoice: an older one arriving late does not roll it back.
	StripeEventAt *time.Time `bun:"stripe_event_at"`

	Account *Account      `bun:"rel:belongs-to,join:account_id=id"`
	Lines   []InvoiceLine `bun:"rel:has-many,join:id=invoice_id"`
}

// AmountDue is what the customer still owes: the unpaid part of an open or
// uncollectible invoice; nothing for paid, void and draft ones.
func (inv *Invoice) AmountDue() int64 {
	if inv.Status != StatusOpen && inv.Status != StatusUncollectible {
		return 0
	}
	if d := inv.Total - inv.AmountPaid; d > 0 {
		return d
	}
	return 0
}

// Overdue reports whether an amount is still due after the due date (the
// due day itself is not late).
func (inv *Invoice) Overdue(now time.Time) bool {
	if inv.DueOn == nil || inv.AmountDue() == 0 {
		return false
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	return inv.DueOn.Before(today)
}

// InvoiceLine is one line item. TaxBP is the tax rate in hundredths of a
// percent (2000 = 20 %, 750 = 7.5 %); Amount = Quantity × UnitAmount and
// Tax = Amount × rate, rounded half away from zero per line.
type InvoiceLine struct {
	bun.BaseModel `bun:"table:billing_invoice_lines"`

	ID          int64  `bun:"id,pk,autoincrement"`
	InvoiceID   int64  `bun:"invoice_id,notnull"`
	Position    int    `bun:"position,notnull"`
	Description string `bun:"description,notnull"`
	Quantity    int64  `bun:"quantity,notnull"`
	UnitAmount  int64  `bun:"unit_amount,notnull"`
	TaxBP       int64  `bun:"tax_bp,notnull"`
	Amount      int64  `bun:"amount,notnull"`
	Tax         int64  `bun:"tax,notnull"`
}

// Payment is money received for an invoice; a refund is a negative payment.
// Reference is unique (a bank reference, a Stripe charge or refund id).
type Payment struct {
	bun.BaseModel `bun:"table:billing_payments"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Reference string    `bun:"reference,notnull"`
	InvoiceID int64     `bun:"invoice_id,notnull"`
	OrgID     *int64    `bun:"org_id"`  // the invoice's owner, copied (refreshPaid keeps it)
	UserID    *int64    `bun:"user_id"` // for the per-owner payment lists
	Currency  string    `bun:"currency,notnull"`
	Amount    int64     `bun:"amount,notnull"`
	PaidOn    time.Time `bun:"paid_on,notnull"` // a date: midnight UTC
	Method    string    `bun:"method,notnull"`
	Source    string    `bun:"source,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`

	Invoice *Invoice `bun:"rel:belongs-to,join:invoice_id=id"`
}

// IsRefund reports whether the payment gives money back.
func (p *Payment) IsRefund() bool { return p.Amount < 0 }

// Webhook event outcomes.
const (
	EventApplied   = "applied"   // mapped onto invoices/payments
	EventUnmatched = "unmatched" // no billing account/invoice for it: shown to admins
	EventIgnored   = "ignored"   // a type we do not use
	EventInvalid   = "invalid"   // the payload did not make sense (amounts, currency)
)

// WebhookEvent is one Stripe event received. EventID is unique, so a
// replayed delivery is recognised and not applied twice.
type WebhookEvent struct {
	bun.BaseModel `bun:"table:billing_webhook_events"`

	ID         int64     `bun:"id,pk,autoincrement"`
	EventID    string    `bun:"event_id,notnull"`
	Type       string    `bun:"type,notnull"`
	Outcome    string    `bun:"outcome,notnull"`
	Detail     string    `bun:"detail,notnull"`
	Customer   string    `bun:"customer,notnull"` // the Stripe customer id, when the event names one
	Payload    string    `bun:"payload,notnull"`
	ReceivedAt time.Time `bun:"received_at,notnull"`
}

// Text helpers for templates (money is formatted in Go, never in a
// template).

// Money formats an amount of the invoice's currency.
func (inv *Invoice) Money(amount int64) string { return Money{amount, inv.Currency}.String() }

// TotalText is the formatted total.
func (inv *Invoice) TotalText() string { return inv.Money(inv.Total) }

// AmountDueText is the formatted amount due.
func (inv *Invoice) AmountDueText() string { return inv.Money(inv.AmountDue()) }

// AmountPaidText is the formatted amount paid.
func (inv *Invoice) AmountPaidText() string { return inv.Money(inv.AmountPaid) }

// URL is the invoice's page.
func (inv *Invoice) URL() string { return "/billing/invoices/" + pathEscape(inv.Number) }

// PDFURL is the invoice's PDF.
func (inv *Invoice) PDFURL() string { return "/billing/invoices/" + pathEscape(inv.Number) + ".pdf" }

// AmountText is the formatted amount (negative for a refund).
func (p *Payment) AmountText() string { return Money{p.Amount, p.Currency}.String() }

// DueText is the formatted amount due.
func (b Balance) DueText() string { return Money{b.Due, b.Currency}.String() }

// OverdueText is the formatted overdue part.
func (b Balance) OverdueText() string { return Money{b.Overdue, b.Currency}.String() }

// TaxText is the line's tax rate ("20 %").
func (l InvoiceLine) TaxText() string { return TaxPercent(l.TaxBP) }

// StatusText is the status people read ("Overdue" beats "Open").
func (inv *Invoice) StatusText(now time.Time) string { return StatusLabel(inv, now) }

// BadgeClass is the CSS class of the invoice's status badge.
func (inv *Invoice) BadgeClass(now time.Time) string { return StatusBadge(StatusLabel(inv, now)) }

// MethodText is how the payment was made, marked when it is a refund
// ("card (refund)"); page and PDF both show it.
func (p *Payment) MethodText() string {
	if p.IsRefund() && !strings.Contains(strings.ToLower(p.Method), "refund") {
		return strings.TrimSpace(p.Method + " (refund)")
	}
	return p.Method
}
