package billing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Stripe webhooks: the signature check (Stripe-Signature: t=…,v1=…), the
// event envelope, and the mapping of invoice.* and charge.refunded objects
// onto invoices and payments. Amounts in Stripe payloads are already in the
// currency's minor unit.

// DefaultWebhookTolerance is how old a signed timestamp may be (Stripe's
// own libraries use five minutes).
const DefaultWebhookTolerance = 5 * time.Minute

// Signature errors; all are answered 400 so Stripe shows the failure.
var (
	ErrNoSignature       = errors.New("missing or malformed Stripe-Signature header")
	ErrBadSignature      = errors.New("no valid v1 signature for this payload")
	ErrTimestampTooOld   = errors.New("signature timestamp outside the tolerance")
	ErrWebhookNotEnabled = errors.New("webhook signing secret not configured")
)

// SignPayload computes the v1 signature of payload at timestamp t: hex
// HMAC-SHA256 over "t.payload" keyed with the endpoint's signing secret.
func SignPayload(secret string, t int64, payload []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(t, 10)))
	mac.Write([]byte("."))
	mac.Write(payload)
	return hex.EncodeToString(mac.Sum(nil))
}

// SignatureHeader builds a Stripe-Signature header value (for tests and
// for sending test events).
func SignatureHeader(secret string, t time.Time, payload []byte) string {
	return fmt.Sprintf("t=%d,v1=%s", t.Unix(), SignPayload(secret, t.Unix(), payload))
}

// VerifySignature checks header against payload: some v1 signature must
// equal the HMAC of "t.payload" (compared in constant time), and t must lie
// within tolerance of now either way.
func VerifySignature(payload []byte, header, secret string, tolerance time.Duration, now time.Time) error {
	if secret == "" {
		return ErrWebhookNotEnabled
	}
	var ts int64 = -1
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return ErrNoSignature
			}
			ts = n
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	if ts < 0 || len(sigs) == 0 {
		return ErrNoSignature
	}
	want, _ := hex.DecodeString(SignPayload(secret, ts, payload))
	ok := false
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			ok = true
		}
	}
	if !ok {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrTimestampTooOld
	}
	return nil
}

// StripeEvent is the envelope of every webhook delivery.
type StripeEvent struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Created int64  `json:"created"`
	Data    struct {
		Object json.RawMessage `json:"object"`
	} `json:"data"`
}

type stripeInvoice struct {
	ID              string  `json:"id"`
	Number          *string `json:"number"`
	Customer        string  `json:"customer"`
	Currency        string  `json:"currency"`
	Status          string  `json:"status"`
	Created         int64   `json:"created"`
	DueDate         *int64  `json:"due_date"`
	Subtotal        int64   `json:"subtotal"`
	Tax             *int64  `json:"tax"`
	Total           int64   `json:"total"`
	AmountPaid      int64   `json:"amount_paid"`
	Charge          *string `json:"charge"`
	PaymentIntent   *string `json:"payment_intent"`
	TotalTaxAmounts []struct {
		Amount int64 `json:"amount"`
	} `json:"total_tax_amounts"`
	StatusTransitions struct {
		PaidAt *int64 `json:"paid_at"`
	} `json:"status_transitions"`
	Lines struct {
		Data []stripeLine `json:"data"`
	} `json:"lines"`
}

type stripeLine struct {
	Description *string `json:"description"`
	Amount      int64   `json:"amount"`
	Quantity    *int64  `json:"quantity"`
	Price       *struct {
		UnitAmount *int64 `json:"unit_amount"`
	} `json:"price"`
	TaxAmounts []struct {
		Amount int64 `json:"amount"`
	} `json:"tax_amounts"`
	TaxRates []struct {
		Percentage float64 `json:"percentage"`
	} `json:"tax_rates"`
}

type stripeCharge struct {
	ID             string  `json:"id"`
	Customer       *string `json:"customer"`
	Invoice        *string `json:"invoice"`
	Currency       string  `json:"currency"`
	AmountRefunded int64   `json:"amount_refunded"`
	Created        int64   `json:"created"`
	Refunds        *struct {
		Data []struct {
			ID      string `json:"id"`
			Amount  int64  `json:"amount"`
			Created int64  `json:"created"`
			Status  string `json:"status"`
		} `json:"data"`
	} `json:"refunds"`
}

// StripeChange is what one event asks for: an invoice to upsert and/or
// payments to upsert. Payments name their invoice by Stripe invoice id
// (InvoiceExternalID) when it is not in the same change.
type StripeChange struct {
	Customer string // Stripe customer id, for matching and the unmatched list
	// Created is the event's creation time: Stripe delivers out of order,
	// and an invoice is not changed by an event older than the last one
	// applied to it.
	Created  time.Time
	Invoice  *InvoiceInput
	Payments []StripePayment
}

// StripePayment is a payment or refund from Stripe.
type StripePayment struct {
	PaymentInput
	InvoiceExternalID string
}

// ErrIgnoredEvent is returned for event types billing does not use.
var ErrIgnoredEvent = errors.New("event type not used")

func unixDate(s int64) time.Time {
	t := time.Unix(s, 0).UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// MapStripeEvent turns an invoice.* or charge.refunded event into a
// change. Other types answer ErrIgnoredEvent; a payload that makes no sense
// (unknown currency, missing ids, amounts that do not add up) an error that
// says why.
func MapStripeEvent(ev *StripeEvent) (*StripeChange, error) {
	var ch *StripeChange
	var err error
	switch {
	case strings.HasPrefix(ev.Type, "invoice.") && ev.Type != "invoice.deleted":
		ch, err = mapStripeInvoice(ev)
	case ev.Type == "charge.refunded":
		ch, err = mapStripeRefund(ev)
	default:
		return nil, ErrIgnoredEvent
	}
	if err != nil {
		return nil, err
	}
	if ev.Created <= 0 {
		return nil, errors.New("created: the event has no creation time (needed to apply events in order)")
	}
	ch.Created = time.Unix(ev.Created, 0).UTC()
	return ch, nil
}

// tooBig reports an amount outside ±maxAmount (sums of such amounts
// could overflow int64).
func tooBig(v int64) bool { return v > maxAmount || v < -maxAmount }

// stripeRank orders invoice statuses along Stripe's lifecycle (draft, open,
// then uncollectible, then paid or void): when two events carry the same
// second, the later state wins.
func stripeRank(status string) int {
	switch status {
	case StatusDraft:
		return 0
	case StatusOpen:
		return 1
	case StatusUncollectible:
		return 2
	}
	return 3 // paid, void
}

// stripeFinal reports whether Stripe never moves an invoice out of the
// status (paid and void are final there).
func stripeFinal(status string) bool { return status == StatusPaid || status == StatusVoid }

// staleStripe says why an event created at created must not change inv
// ("" when it may): it is older than the last event applied to inv, or of
// the same second with an earlier status, or it would move inv out of a
// status Stripe never leaves.
func staleStripe(inv *Invoice, status string, created time.Time) string {
	if inv.StripeEventAt != nil {
		last := inv.StripeEventAt.UTC()
		switch {
		case created.Before(last):
			return fmt.Sprintf("older than the last event applied to invoice %s (%s, this one %s)",
				inv.Number, last.Format(time.RFC3339), created.Format(time.RFC3339))
		case created.Equal(last) && stripeRank(status) < stripeRank(inv.Status):
			return fmt.Sprintf("invoice %s is already %s by an event of the same second", inv.Number, inv.Status)
		}
	}
	if stripeFinal(inv.Status) && status != inv.Status {
		return fmt.Sprintf("invoice %s is %s, which Stripe never changes (the event says %s)", inv.Number, inv.Status, status)
	}
	return ""
}

func mapStripeInvoice(ev *StripeEvent) (*StripeChange, error) {
	var si stripeInvoice
	if err := json.Unmarshal(ev.Data.Object, &si); err != nil {
		return nil, fmt.Errorf("data.object: %v", err)
	}
	if si.ID == "" || si.Customer == "" {
		return nil, errors.New("data.object: invoice without id or customer")
	}
	cur, err := ParseCurrency(si.Currency)
	if err != nil {
		return nil, fmt.Errorf("data.object.currency: %v", err)
	}
	if !validStatus(si.Status) {
		return nil, fmt.Errorf("data.object.status: %q is not an invoice status", si.Status)
	}
	number := si.ID // drafts have no number yet
	if si.Number != nil && *si.Number != "" {
		number = *si.Number
	}
	in := &InvoiceInput{
		At:     Loc{Path: "data.object"},
		Number: number, Account: si.Customer, ExternalID: si.ID,
		Issued: unixDate(si.Created), Currency: cur, Status: si.Status,
	}
	if si.DueDate != nil && *si.DueDate > 0 {
		d := unixDate(*si.DueDate)
		in.Due = &d
	}
	if tooBig(si.Total) || tooBig(si.Subtotal) || tooBig(si.AmountPaid) {
		return nil, fmt.Errorf("data.object: amounts larger than %s %s", Major(maxAmount, cur), cur)
	}
	for i, sl := range si.Lines.Data {
		big := tooBig(sl.Amount) || len(sl.TaxAmounts) > 100
		var tax int64
		for _, t := range sl.TaxAmounts {
			big = big || tooBig(t.Amount)
			tax += t.Amount
		}
		if big || tooBig(tax) {
			return nil, fmt.Errorf("data.object.lines.data[%d]: amounts larger than %s %s", i, Major(maxAmount, cur), cur)
		}
	}
	if len(si.Lines.Data) > 10_000 {
		return nil, errors.New("data.object.lines.data: more than 10,000 lines")
	}
	for i, sl := range si.Lines.Data {
		l := LineInput{At: Loc{Path: fmt.Sprintf("data.object.lines.data[%d]", i)}, Amount: sl.Amount, Quantity: 1}
		if sl.Description != nil {
			l.Description = *sl.Description
		}
		if sl.Quantity != nil && *sl.Quantity > 0 {
			l.Quantity = *sl.Quantity
		}
		l.UnitAmount = sl.Amount / l.Quantity
		if sl.Price != nil && sl.Price.UnitAmount != nil && *sl.Price.UnitAmount*l.Quantity == sl.Amount {
			l.UnitAmount = *sl.Price.UnitAmount
		}
		for _, t := range sl.TaxAmounts {
			l.Tax += t.Amount
		}
		if len(sl.TaxRates) > 0 {
			l.TaxBP = int64(sl.TaxRates[0].Percentage*100 + 0.5)
		} else if l.Amount != 0 {
			l.TaxBP = (l.Tax*10000 + l.Amount/2) / l.Amount
		}
		in.Lines = append(in.Lines, l)
		in.Subtotal += l.Amount
		in.Tax += l.Tax
	}
	tax := in.Tax
	if si.Tax != nil {
		tax = *si.Tax
	} else if len(si.TotalTaxAmounts) > 0 {
		tax = 0
		for _, t := range si.TotalTaxAmounts {
			tax += t.Amount
		}
	}
	if tax != in.Tax {
		return nil, fmt.Errorf("data.object.tax: %s does not match the lines' tax %s", Major(tax, cur), Major(in.Tax, cur))
	}
	if len(in.Lines) == 0 {
		in.Lines = []LineInput{{Description: "Invoice " + number, Quantity: 1, UnitAmount: si.Total - tax, Amount: si.Total - tax, Tax: tax}}
		in.Subtotal = si.Total - tax
	}
	// Discounts make total smaller than subtotal + tax: keep the totals
	// adding up with a discount line.
	if d := si.Total - in.Subtotal - in.Tax; d != 0 {
		in.Lines = append(in.Lines, LineInput{Description: "Discount", Quantity: 1, UnitAmount: d, Amount: d})
		in.Subtotal += d
	}
	in.Total = in.Subtotal + in.Tax
	ch := &StripeChange{Customer: si.Customer, Invoice: in}
	if si.AmountPaid > 0 && (si.Status == StatusPaid || ev.Type == "invoice.paid" || ev.Type == "invoice.payment_succeeded") {
		ref := "stripe:" + si.ID
		if si.Charge != nil && *si.Charge != "" {
			ref = *si.Charge
		} else if si.PaymentIntent != nil && *si.PaymentIntent != "" {
			ref = *si.PaymentIntent
		}
		paid := ev.Created
		if si.StatusTransitions.PaidAt != nil {
			paid = *si.StatusTransitions.PaidAt
		}
		ch.Payments = append(ch.Payments, StripePayment{PaymentInput: PaymentInput{
			Reference: ref, Invoice: number, Date: unixDate(paid), Amount: si.AmountPaid, Currency: cur, Method: "card",
		}, InvoiceExternalID: si.ID})
	}
	return ch, nil
}

func mapStripeRefund(ev *StripeEvent) (*StripeChange, error) {
	var c stripeCharge
	if err := json.Unmarshal(ev.Data.Object, &c); err != nil {
		return nil, fmt.Errorf("data.object: %v", err)
	}
	if c.ID == "" {
		return nil, errors.New("data.object: charge without id")
	}
	cur, err := ParseCurrency(c.Currency)
	if err != nil {
		return nil, fmt.Errorf("data.object.currency: %v", err)
	}
	ch := &StripeChange{}
	if c.Customer != nil {
		ch.Customer = *c.Customer
	}
	inv := ""
	if c.Invoice != nil {
		inv = *c.Invoice
	}
	if inv == "" {
		return ch, nil // a charge outside invoices: nothing to show
	}
	add := func(ref string, amount, created int64) {
		ch.Payments = append(ch.Payments, StripePayment{PaymentInput: PaymentInput{
			Reference: ref, Date: unixDate(created), Amount: -amount, Currency: cur, Method: "card refund",
		}, InvoiceExternalID: inv})
	}
	if tooBig(c.AmountRefunded) {
		return nil, fmt.Errorf("data.object.amount_refunded: larger than %s %s", Major(maxAmount, cur), cur)
	}
	if c.Refunds != nil {
		for i, r := range c.Refunds.Data {
			if tooBig(r.Amount) {
				return nil, fmt.Errorf("data.object.refunds.data[%d].amount: larger than %s %s", i, Major(maxAmount, cur), cur)
			}
		}
	}
	if c.Refunds != nil && len(c.Refunds.Data) > 0 {
		for _, r := range c.Refunds.Data {
			if r.Status != "" && r.Status != "succeeded" && r.Status != "pending" || r.Amount <= 0 {
				continue
			}
			add(r.ID, r.Amount, r.Created)
		}
	} else if c.AmountRefunded > 0 {
		// Recent API versions leave the refunds list out: one refund
		// payment per charge, holding the total refunded so far.
		add(c.ID+":refund", c.AmountRefunded, ev.Created)
	}
	return ch, nil
}
