-- Accounts: organisations, users, sessions, single-use tokens, API tokens,
-- the audit log and rate-limit counters (shared by every app node).
CREATE TABLE organizations (
    id                      {{id}},
    name                    VARCHAR(200) NOT NULL,
    slug                    VARCHAR(200) NOT NULL UNIQUE,
    high_value              BOOLEAN NOT NULL DEFAULT FALSE,
    members_see_all_tickets BOOLEAN NOT NULL DEFAULT FALSE,
    created_at              {{time}} NOT NULL,
    updated_at              {{time}} NOT NULL
);
--bun:split
CREATE TABLE organization_domains (
    id     {{id}},
    org_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    domain VARCHAR(255) NOT NULL UNIQUE
);
--bun:split
CREATE TABLE users (
    id              {{id}},
    email           VARCHAR(320) NOT NULL UNIQUE, -- stored lower-case
    name            VARCHAR(200) NOT NULL DEFAULT '',
    password_hash   VARCHAR(255),                 -- NULL: a contact who has never signed up
    role            VARCHAR(20) NOT NULL DEFAULT 'customer',
    org_id          BIGINT REFERENCES organizations(id) ON DELETE SET NULL,
    verified_at     {{time}},
    deactivated_at  {{time}},
    notify_ticket_updates BOOLEAN NOT NULL DEFAULT TRUE,
    notify_product_news   BOOLEAN NOT NULL DEFAULT FALSE,
    last_login_at   {{time}},
    created_at      {{time}} NOT NULL,
    updated_at      {{time}} NOT NULL
);
--bun:split
CREATE INDEX users_org_id ON users (org_id);
--bun:split
CREATE INDEX users_role ON users (role);
--bun:split
CREATE TABLE sessions (
    id           {{id}},
    token_hash   VARCHAR(64) NOT NULL UNIQUE,  -- sha256 hex of the cookie value
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    remember     BOOLEAN NOT NULL DEFAULT FALSE,
    user_agent   VARCHAR(300) NOT NULL DEFAULT '',
    ip           VARCHAR(64) NOT NULL DEFAULT '',
    created_at   {{time}} NOT NULL,
    last_seen_at {{time}} NOT NULL,
    expires_at   {{time}} NOT NULL
);
--bun:split
CREATE INDEX sessions_user_id ON sessions (user_id);
--bun:split
-- Single-use emailed tokens: verify, reset, magic, email_change.
CREATE TABLE user_tokens (
    id         {{id}},
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose    VARCHAR(20) NOT NULL,
    token_hash VARCHAR(64) NOT NULL UNIQUE,
    new_email  VARCHAR(320) NOT NULL DEFAULT '',
    -- A sign-up that claims a passwordless contact keeps its password and
    -- name here until the address is verified, so an unverified sign-up
    -- never takes over the contact's history.
    password_hash VARCHAR(255),
    new_name   VARCHAR(200) NOT NULL DEFAULT '',
    expires_at {{time}} NOT NULL,
    used_at    {{time}},
    created_at {{time}} NOT NULL
);
--bun:split
CREATE INDEX user_tokens_user_purpose ON user_tokens (user_id, purpose);
--bun:split
CREATE TABLE api_tokens (
    id           {{id}},
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         VARCHAR(200) NOT NULL DEFAULT '',
    token_hash   VARCHAR(64) NOT NULL UNIQUE,
    prefix       VARCHAR(16) NOT NULL,          -- shown in the UI to tell tokens apart
    created_at   {{time}} NOT NULL,
    last_used_at {{time}},
    revoked_at   {{time}}
);
--bun:split
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);
--bun:split
CREATE TABLE audit_log (
    id          {{id}},
    actor_id    BIGINT REFERENCES users(id) ON DELETE SET NULL,
    actor_email VARCHAR(320) NOT NULL DEFAULT '',
    action      VARCHAR(64) NOT NULL,
    target_type VARCHAR(32) NOT NULL DEFAULT '',
    target_id   BIGINT,
    detail      TEXT NOT NULL DEFAULT '',
    ip          VARCHAR(64) NOT NULL DEFAULT '',
    created_at  {{time}} NOT NULL
);
--bun:split
CREATE INDEX audit_log_created_at ON audit_log (created_at);
--bun:split
CREATE INDEX audit_log_action ON audit_log (action);
--bun:split
-- Fixed-window counters for rate limits, shared by all nodes.
CREATE TABLE rate_limits (
    key          VARCHAR(200) PRIMARY KEY,
    window_start {{time}} NOT NULL,
    count        INTEGER NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    blocked_until {{time}}
);
