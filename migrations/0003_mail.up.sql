-- Outgoing mail. Written in the same transaction as the event that causes
-- it; the sender worker claims rows (a lease in locked_until), sends them
-- and records the outcome.
CREATE TABLE mail_outbox (
    id            {{id}},
    kind          VARCHAR(50) NOT NULL DEFAULT '',
    to_address    VARCHAR(320) NOT NULL,
    to_name       VARCHAR(200) NOT NULL DEFAULT '',
    reply_to      VARCHAR(320) NOT NULL DEFAULT '',
    subject       VARCHAR(500) NOT NULL,
    message_id    VARCHAR(300) NOT NULL UNIQUE,
    in_reply_to   VARCHAR(300) NOT NULL DEFAULT '',
    refs          TEXT NOT NULL DEFAULT '',
    auto_submitted BOOLEAN NOT NULL DEFAULT TRUE,
    text_body     TEXT NOT NULL,
    html_body     TEXT NOT NULL DEFAULT '',
    status        VARCHAR(20) NOT NULL DEFAULT 'pending', -- pending | sending | sent | failed
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    next_attempt_at {{time}} NOT NULL,
    locked_until  {{time}},
    sent_at       {{time}},
    created_at    {{time}} NOT NULL
);
--bun:split
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
--bun:split
CREATE INDEX mail_outbox_created ON mail_outbox (created_at);
