-- Stripe does not deliver events in order: a late invoice.finalized may
-- arrive after invoice.paid. Each invoice remembers the creation time of
-- the last Stripe event applied to it; an older event does not change it.
ALTER TABLE billing_invoices ADD COLUMN stripe_event_at {{time}};
