-- Billing history (billing package): billing accounts, invoices with line
-- items, payments (refunds are negative), and the Stripe webhook events
-- received. Amounts are integer minor units of the invoice's ISO 4217
-- currency; dates (issued_on, due_on, paid_on) are midnight UTC.
CREATE TABLE billing_accounts (
    id           {{id}},
    external_id  VARCHAR(255) NOT NULL UNIQUE,
    org_id       BIGINT REFERENCES organizations (id),
    user_id      BIGINT REFERENCES users (id),
    name         VARCHAR(300) NOT NULL DEFAULT '',
    created_at   {{time}} NOT NULL,
    updated_at   {{time}} NOT NULL,
    CHECK ((org_id IS NULL) <> (user_id IS NULL))
);
--bun:split
CREATE INDEX billing_accounts_org ON billing_accounts (org_id);
--bun:split
CREATE INDEX billing_accounts_user ON billing_accounts (user_id);
--bun:split
-- org_id and user_id copy the account's owner, so a customer's list is one
-- index range per owner.
CREATE TABLE billing_invoices (
    id           {{id}},
    number       VARCHAR(64) NOT NULL UNIQUE,
    external_id  VARCHAR(255) UNIQUE,
    account_id   BIGINT NOT NULL REFERENCES billing_accounts (id),
    org_id       BIGINT,
    user_id      BIGINT,
    currency     CHAR(3) NOT NULL,
    status       VARCHAR(20) NOT NULL, -- draft | open | paid | void | uncollectible
    issued_on    {{time}} NOT NULL,
    due_on       {{time}},
    subtotal     BIGINT NOT NULL,
    tax          BIGINT NOT NULL,
    total        BIGINT NOT NULL,
    amount_paid  BIGINT NOT NULL DEFAULT 0,
    source       VARCHAR(20) NOT NULL,
    created_at   {{time}} NOT NULL,
    updated_at   {{time}} NOT NULL,
    CHECK (total = subtotal + tax)
);
--bun:split
CREATE INDEX billing_invoices_user ON billing_invoices (user_id, issued_on, id);
--bun:split
CREATE INDEX billing_invoices_org ON billing_invoices (org_id, issued_on, id);
--bun:split
CREATE INDEX billing_invoices_account ON billing_invoices (account_id);
--bun:split
CREATE INDEX billing_invoices_issued ON billing_invoices (issued_on, id);
--bun:split
CREATE TABLE billing_invoice_lines (
    id           {{id}},
    invoice_id   BIGINT NOT NULL REFERENCES billing_invoices (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    description  VARCHAR(500) NOT NULL,
    quantity     BIGINT NOT NULL,
    unit_amount  BIGINT NOT NULL,
    tax_bp       BIGINT NOT NULL, -- hundredths of a percent: 2000 = 20 %
    amount       BIGINT NOT NULL,
    tax          BIGINT NOT NULL
);
--bun:split
CREATE INDEX billing_invoice_lines_invoice ON billing_invoice_lines (invoice_id, position);
--bun:split
CREATE TABLE billing_payments (
    id           {{id}},
    reference    VARCHAR(255) NOT NULL UNIQUE,
    invoice_id   BIGINT NOT NULL REFERENCES billing_invoices (id),
    currency     CHAR(3) NOT NULL,
    amount       BIGINT NOT NULL, -- negative: a refund
    paid_on      {{time}} NOT NULL,
    method       VARCHAR(64) NOT NULL DEFAULT '',
    source       VARCHAR(20) NOT NULL,
    created_at   {{time}} NOT NULL,
    updated_at   {{time}} NOT NULL
);
--bun:split
CREATE INDEX billing_payments_invoice ON billing_payments (invoice_id, paid_on);
--bun:split
CREATE TABLE billing_webhook_events (
    id           {{id}},
    event_id     VARCHAR(255) NOT NULL UNIQUE,
    type         VARCHAR(100) NOT NULL,
    outcome      VARCHAR(20) NOT NULL, -- applied | unmatched | ignored | invalid
    detail       TEXT NOT NULL DEFAULT '',
    customer     VARCHAR(255) NOT NULL DEFAULT '',
    payload      TEXT NOT NULL,
    received_at  {{time}} NOT NULL
);
--bun:split
CREATE INDEX billing_webhook_events_outcome ON billing_webhook_events (outcome, received_at);
