-- Inbound email (issue 11). Written only by mail/inbound.
--
-- One row per fetched mailbox: where the fetcher is (UIDVALIDITY and the
-- last UID it committed) and how it is doing (for /readyz, the admin page
-- and the agent dashboard).
CREATE TABLE mail_inbound_mailboxes (
    id              {{id}},
    name            VARCHAR(400) NOT NULL UNIQUE, -- user@host:port/Mailbox
    uid_validity    BIGINT NOT NULL DEFAULT 0,
    last_uid        BIGINT NOT NULL DEFAULT 0,
    state           VARCHAR(20) NOT NULL DEFAULT 'starting', -- starting|connected|idle|polling|disconnected|standby
    last_check_at   {{time}},
    last_error      TEXT NOT NULL DEFAULT '',
    last_error_at   {{time}},
    fetched         BIGINT NOT NULL DEFAULT 0,
    updated_at      {{time}} NOT NULL
);
--bun:split
-- Every inbound message leaves a row: what was decided and why.
CREATE TABLE mail_inbound_log (
    id              {{id}},
    mailbox         VARCHAR(400) NOT NULL,
    uid_validity    BIGINT NOT NULL DEFAULT 0,
    uid             BIGINT NOT NULL DEFAULT 0,
    message_id      VARCHAR(998),                 -- as received, brackets included; NULL when none
    from_address    VARCHAR(320) NOT NULL DEFAULT '',
    subject         VARCHAR(500) NOT NULL DEFAULT '',
    decision        VARCHAR(20) NOT NULL,         -- new_ticket|reply|auto_reply|bounce|ignored|flagged|failed
    reason          TEXT NOT NULL DEFAULT '',
    ticket_number   BIGINT,
    auto_answered   BOOLEAN NOT NULL DEFAULT FALSE, -- we sent an automatic email because of it
    raw_sha256      VARCHAR(64) NOT NULL DEFAULT '', -- gzip of the raw message in the file store
    raw_size        BIGINT NOT NULL DEFAULT 0,      -- uncompressed size
    attempts        INTEGER NOT NULL DEFAULT 1,
    created_at      {{time}} NOT NULL,
    updated_at      {{time}} NOT NULL
);
--bun:split
CREATE INDEX mail_inbound_log_recent ON mail_inbound_log (id);
--bun:split
CREATE INDEX mail_inbound_log_sender ON mail_inbound_log (from_address, created_at);
--bun:split
CREATE INDEX mail_inbound_log_decision ON mail_inbound_log (decision, id);
--bun:split
-- What has been ingested, so a re-fetch (a crash between commit and flag,
-- a mailbox restored under new UIDs) adds nothing: "uid:<mailbox>:<uidvalidity>:<uid>",
-- "mid:<message-id>" or "sha:<sha256 of the raw message>" when it has none.
CREATE TABLE mail_inbound_seen (
    key             VARCHAR(1100) PRIMARY KEY,
    log_id          BIGINT NOT NULL,
    created_at      {{time}} NOT NULL
);
