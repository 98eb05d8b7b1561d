-- Billing history speed (the customer's /billing page at 200,000 invoices).
-- A customer sees their own invoices and their organisation's: each set is
-- read in index order by its owner column and the two are merged, so a
-- page reads about 25 rows instead of sorting every invoice of the
-- organisation.
--
-- Payments copy their invoice's owner (billing's service keeps the copy:
-- refreshPaid sets it whenever an invoice or its payments change), so the
-- latest payments are one index range per owner too.
ALTER TABLE billing_payments ADD COLUMN org_id BIGINT;
--bun:split
ALTER TABLE billing_payments ADD COLUMN user_id BIGINT;
--bun:split
UPDATE billing_payments SET
    org_id = (SELECT i.org_id FROM billing_invoices i WHERE i.id = billing_payments.invoice_id),
    user_id = (SELECT i.user_id FROM billing_invoices i WHERE i.id = billing_payments.invoice_id);
--bun:split
CREATE INDEX billing_payments_org ON billing_payments (org_id, paid_on, id);
--bun:split
CREATE INDEX billing_payments_user ON billing_payments (user_id, paid_on, id);
--bun:split
-- What is owed per currency, index-only: the partial indexes hold only
-- invoices with something due, with every column the sum reads. The
-- balances query repeats this WHERE clause word for word (SQLite uses a
-- partial index only then).
CREATE INDEX billing_invoices_org_due ON billing_invoices (org_id, currency, due_on, total, amount_paid, status)
    WHERE status IN ('open', 'uncollectible') AND total > amount_paid;
--bun:split
CREATE INDEX billing_invoices_user_due ON billing_invoices (user_id, currency, due_on, total, amount_paid, status)
    WHERE status IN ('open', 'uncollectible') AND total > amount_paid;
