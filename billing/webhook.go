package billing

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/audit"
	"github.com/frontdesk/frontdesk/platform/database"
)

// WebhookResult says what happened to one delivery.
type WebhookResult struct {
	EventID   string
	Type      string
	Outcome   string // applied, unmatched, ignored, invalid
	Detail    string
	Duplicate bool // the event was received before: nothing done
}

// ErrBadPayload is returned for a signed body that is not a Stripe event.
var ErrBadPayload = errors.New("payload is not a Stripe event")

// HandleStripe verifies and records one webhook delivery and maps it onto
// invoices and payments. A bad signature (or a timestamp outside the
// tolerance) is an error and changes nothing; a replayed event id is
// recognised and ignored; an event for a customer or invoice we do not know
// is recorded as unmatched (shown to admins) and is not an error, so Stripe
// stops retrying.
func (s *Service) HandleStripe(ctx context.Context, payload []byte, signature string) (*WebhookResult, error) {
	if err := VerifySignature(payload, signature, s.secret, s.tolerance, s.clock()); err != nil {
		return nil, err
	}
	return s.RecordStripeEvent(ctx, payload)
}

// RecordStripeEvent records and applies an event whose origin was checked
// already (HandleStripe checks the signature; tests and tools that fetch
// events from Stripe's API call it directly): a replayed id is ignored, an
// unknown customer or invoice is recorded as unmatched.
func (s *Service) RecordStripeEvent(ctx context.Context, payload []byte) (*WebhookResult, error) {
	var ev StripeEvent
	if err := json.Unmarshal(payload, &ev); err != nil || ev.ID == "" || ev.Type == "" {
		return nil, ErrBadPayload
	}
	res := &WebhookResult{EventID: ev.ID, Type: ev.Type}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockWriters(ctx, tx); err != nil {
			return err
		}
		n, err := tx.NewSelect().Model((*WebhookEvent)(nil)).Where("event_id = ?", ev.ID).Count(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			res.Duplicate = true
			return nil
		}
		customer := ""
		change, err := MapStripeEvent(&ev)
		switch {
		case errors.Is(err, ErrIgnoredEvent):
			res.Outcome, res.Detail = EventIgnored, "event type not used by billing"
		case err != nil:
			res.Outcome, res.Detail = EventInvalid, err.Error()
		default:
			customer = change.Customer
			res.Outcome, res.Detail, err = s.applyStripe(ctx, tx, change)
			if err != nil {
				return err
			}
		}
		_, err = tx.NewInsert().Model(&WebhookEvent{
			EventID: ev.ID, Type: ev.Type, Outcome: res.Outcome, Detail: trimDetail(res.Detail),
			Customer: customer, Payload: string(payload), ReceivedAt: s.clock(),
		}).Exec(ctx)
		return err
	})
	if database.IsUniqueViolation(err) {
		// The same event delivered twice at once: the other delivery won.
		return &WebhookResult{EventID: ev.ID, Type: ev.Type, Duplicate: true}, nil
	}
	if err != nil {
		return nil, err
	}
	if res.Outcome == EventUnmatched || res.Outcome == EventInvalid {
		s.log.Warn("stripe event not applied", "event", ev.ID, "type", ev.Type, "outcome", res.Outcome, "detail", res.Detail)
	}
	return res, nil
}

// ErrEventNotUnmatched is returned when re-applying an event that is not
// (or no longer) unmatched.
var ErrEventNotUnmatched = errors.New("only unmatched events can be applied again")

// ReapplyEvent applies an unmatched event again, typically after the
// billing account it names was imported. The event's row takes the new
// outcome (applied, or ignored when it is older than what its invoice
// shows by now; still unmatched when the account is still missing), and
// entry (who asked, from where) is written to the audit log with what
// happened, in the same transaction.
func (s *Service) ReapplyEvent(ctx context.Context, id int64, entry audit.Entry) (*WebhookResult, error) {
	var res *WebhookResult
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// Two admins clicking at once apply it once: the second finds it
		// applied.
		if err := lockWriters(ctx, tx); err != nil {
			return err
		}
		ev := new(WebhookEvent)
		if err := tx.NewSelect().Model(ev).Where("id = ?", id).Scan(ctx); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		res = &WebhookResult{EventID: ev.EventID, Type: ev.Type, Outcome: ev.Outcome, Detail: ev.Detail}
		if ev.Outcome != EventUnmatched {
			return ErrEventNotUnmatched
		}
		var se StripeEvent
		if err := json.Unmarshal([]byte(ev.Payload), &se); err != nil {
			return fmt.Errorf("stored payload of %s: %w", ev.EventID, err)
		}
		change, err := MapStripeEvent(&se)
		if err != nil {
			res.Outcome, res.Detail = EventInvalid, err.Error()
		} else if res.Outcome, res.Detail, err = s.applyStripe(ctx, tx, change); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*WebhookEvent)(nil)).Set("outcome = ?", res.Outcome).
			Set("detail = ?", trimDetail(res.Detail)).Where("id = ?", ev.ID).Exec(ctx); err != nil {
			return err
		}
		entry.Action, entry.TargetType, entry.TargetID = "billing.event.reapply", "billing_webhook_event", &ev.ID
		entry.Detail = strings.TrimSpace(fmt.Sprintf("Stripe event %s (%s): %s %s", ev.EventID, ev.Type, res.Outcome, res.Detail))
		if entry.CreatedAt.IsZero() {
			entry.CreatedAt = s.clock()
		}
		return audit.Write(ctx, tx, entry)
	})
	if err != nil {
		return res, err
	}
	return res, nil
}

// applyStripe writes a mapped event. Validation problems that would stop a
// file import (an unknown customer, an unknown invoice, a currency that does
// not match) make the event unmatched or invalid instead. An event older
// than the last one applied to its invoice (Stripe does not deliver in
// order) leaves the invoice as it is; its payments are still recorded when
// they are new (money received stays received), and a refund total never
// shrinks.
func (s *Service) applyStripe(ctx context.Context, tx bun.IDB, ch *StripeChange) (outcome, detail string, err error) {
	now := s.clock()
	byExternal := func(ext string) (*Invoice, error) {
		inv := new(Invoice)
		err := tx.NewSelect().Model(inv).Relation("Lines", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Order("position") }).
			Where("invoice.external_id = ?", ext).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return inv, err
	}
	touched := map[int64]bool{}
	ids := map[string]int64{}
	stale := ""
	if in := ch.Invoice; in != nil {
		acc := new(Account)
		err := tx.NewSelect().Model(acc).Where("external_id = ?", in.Account).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return EventUnmatched, fmt.Sprintf("no billing account for Stripe customer %s (invoice %s)", in.Account, in.Number), nil
		}
		if err != nil {
			return "", "", err
		}
		old, err := byExternal(in.ExternalID)
		if err != nil {
			return "", "", err
		}
		if old == nil {
			if old, err = invoiceByNumber(ctx, tx, in.Number); errors.Is(err, ErrNotFound) {
				old, err = nil, nil
			}
			if err != nil {
				return "", "", err
			}
			if old != nil && old.AccountID != acc.ID {
				return EventInvalid, fmt.Sprintf("invoice number %s already belongs to another billing account", in.Number), nil
			}
		}
		if old != nil {
			stale = staleStripe(old, in.Status, ch.Created)
		}
		if stale != "" {
			ids[in.ExternalID] = old.ID
		} else {
			id, changed, _, err := upsertInvoice(ctx, tx, old, in, acc, SourceStripe, now)
			if err != nil {
				return "", "", err
			}
			if _, err := tx.NewUpdate().Model((*Invoice)(nil)).Set("stripe_event_at = ?", ch.Created).
				Where("id = ?", id).Exec(ctx); err != nil {
				return "", "", err
			}
			ids[in.ExternalID] = id
			if changed {
				touched[id] = true
			}
		}
	}
	recorded := 0
	for _, p := range ch.Payments {
		id, ok := ids[p.InvoiceExternalID]
		if !ok {
			inv, err := byExternal(p.InvoiceExternalID)
			if err != nil {
				return "", "", err
			}
			if inv == nil {
				return EventUnmatched, fmt.Sprintf("no invoice for Stripe invoice %s (payment %s)", p.InvoiceExternalID, p.Reference), nil
			}
			if inv.Currency != p.Currency {
				return EventInvalid, fmt.Sprintf("payment %s is in %s, invoice %s in %s", p.Reference, p.Currency, inv.Number, inv.Currency), nil
			}
			id = inv.ID
		}
		if stale != "" || p.Amount < 0 {
			var have Payment
			err := tx.NewSelect().Model(&have).Where("reference = ?", p.Reference).Scan(ctx)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return "", "", err
			case stale != "" || have.Amount <= p.Amount:
				continue // known already / a refund total from before a larger one
			}
		}
		changed, _, err := upsertPayment(ctx, tx, id, p.PaymentInput, SourceStripe, now)
		if err != nil {
			return "", "", err
		}
		if changed {
			touched[id] = true
			recorded++
		}
	}
	for id := range touched {
		if err := refreshPaid(ctx, tx, id); err != nil {
			return "", "", err
		}
	}
	if ch.Invoice == nil && len(ch.Payments) == 0 {
		return EventIgnored, "nothing to record (a charge outside invoices)", nil
	}
	if stale != "" {
		if recorded > 0 {
			return EventApplied, "invoice left unchanged: " + stale + "; its new payment recorded", nil
		}
		return EventIgnored, "out of order: " + stale, nil
	}
	return EventApplied, "", nil
}
