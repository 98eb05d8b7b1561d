-- Tickets: the ticket, its messages (public replies and internal notes),
-- attachments (bytes in the file store, referenced by sha256), the
-- timeline, tags, participants (Cc/followers), every Message-ID stored or
-- sent (email threading), the change log the search index follows, and
-- the agent desk's saved views, canned replies, presence, and the KB
-- deflection record of the new-request form.
CREATE TABLE ticket_counters (
    name  VARCHAR(50) PRIMARY KEY,
    value BIGINT NOT NULL
);
--bun:split
-- Ticket numbers start at 1001 and are taken from this row inside the
-- creating transaction (row lock on PostgreSQL, the write lock on SQLite),
-- so they are sequential and unique with any number of nodes.
INSERT INTO ticket_counters (name, value) VALUES ('ticket_number', 1000);
--bun:split
CREATE TABLE tickets (
    id                    {{id}},
    number                BIGINT NOT NULL UNIQUE,
    subject               VARCHAR(300) NOT NULL,
    status                VARCHAR(20) NOT NULL,  -- new | open | pending | on-hold | solved | closed
    is_open               BOOLEAN NOT NULL,      -- status in new, open, pending, on-hold (the inbox indexes on it)
    priority              VARCHAR(20) NOT NULL,  -- low | normal | high | urgent
    priority_rank         SMALLINT NOT NULL,     -- 1..4, for sorting
    channel               VARCHAR(10) NOT NULL,  -- web | email | api
    requester_id          BIGINT NOT NULL REFERENCES users(id),
    org_id                BIGINT REFERENCES organizations(id) ON DELETE SET NULL,
    assignee_id           BIGINT REFERENCES users(id) ON DELETE SET NULL,
    tags                  VARCHAR(1000) NOT NULL DEFAULT '', -- space-separated copy of ticket_tags for display
    ref_kind              VARCHAR(20) NOT NULL DEFAULT '',   -- "invoice" for "Ask about this invoice"
    ref_value             VARCHAR(100) NOT NULL DEFAULT '',
    message_count         INTEGER NOT NULL DEFAULT 0,
    created_at            {{time}} NOT NULL,
    updated_at            {{time}} NOT NULL,
    first_response_at     {{time}},
    solved_at             {{time}},
    closed_at             {{time}},
    first_response_due_at {{time}},
    resolution_due_at     {{time}},
    sla_due_at            {{time}},  -- the next SLA deadline while open (first response, then resolution)
    rating                VARCHAR(10) NOT NULL DEFAULT '', -- good | bad
    rating_comment        TEXT NOT NULL DEFAULT '',
    rated_at              {{time}}
);
--bun:split
CREATE INDEX tickets_open_assignee ON tickets (is_open, assignee_id, updated_at, id);
--bun:split
CREATE INDEX tickets_open_updated ON tickets (is_open, updated_at, id);
--bun:split
CREATE INDEX tickets_status_updated ON tickets (status, updated_at, id);
--bun:split
CREATE INDEX tickets_solved ON tickets (status, solved_at, id);
--bun:split
CREATE INDEX tickets_open_sla ON tickets (is_open, sla_due_at, id);
--bun:split
CREATE INDEX tickets_requester ON tickets (requester_id, updated_at, id);
--bun:split
CREATE INDEX tickets_org ON tickets (org_id, updated_at, id);
--bun:split
CREATE INDEX tickets_created ON tickets (created_at, id);
--bun:split
CREATE TABLE ticket_tags (
    ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    tag       VARCHAR(50) NOT NULL,
    PRIMARY KEY (ticket_id, tag)
);
--bun:split
CREATE INDEX ticket_tags_tag ON ticket_tags (tag, ticket_id);
--bun:split
CREATE TABLE ticket_messages (
    id          {{id}},
    ticket_id   BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    author_id   BIGINT REFERENCES users(id) ON DELETE SET NULL,
    public      BOOLEAN NOT NULL,
    channel     VARCHAR(10) NOT NULL,
    message_id  VARCHAR(300),          -- the email Message-ID, angle brackets included; NULL when none
    subject     VARCHAR(300) NOT NULL DEFAULT '',
    text        TEXT NOT NULL,
    html        TEXT NOT NULL DEFAULT '', -- sanitised
    auto        BOOLEAN NOT NULL DEFAULT FALSE, -- auto-submitted mail
    created_at  {{time}} NOT NULL
);
--bun:split
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, id);
--bun:split
CREATE TABLE ticket_attachments (
    id           {{id}},
    ticket_id    BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    message_id   BIGINT NOT NULL REFERENCES ticket_messages(id) ON DELETE CASCADE,
    filename     VARCHAR(255) NOT NULL,
    content_type VARCHAR(100) NOT NULL,
    size         BIGINT NOT NULL,
    sha256       VARCHAR(64) NOT NULL,
    created_at   {{time}} NOT NULL
);
--bun:split
CREATE INDEX ticket_attachments_message ON ticket_attachments (message_id);
--bun:split
CREATE TABLE ticket_events (
    id         {{id}},
    ticket_id  BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    actor_id   BIGINT REFERENCES users(id) ON DELETE SET NULL,
    kind       VARCHAR(30) NOT NULL, -- created | status | priority | assignee | tag_added | tag_removed | sla | rated | subject
    old_value  VARCHAR(300) NOT NULL DEFAULT '',
    new_value  VARCHAR(300) NOT NULL DEFAULT '',
    created_at {{time}} NOT NULL
);
--bun:split
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);
--bun:split
CREATE TABLE ticket_participants (
    id         {{id}},
    ticket_id  BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    email      VARCHAR(320) NOT NULL,
    name       VARCHAR(200) NOT NULL DEFAULT '',
    kind       VARCHAR(20) NOT NULL, -- cc | follower
    created_at {{time}} NOT NULL,
    UNIQUE (ticket_id, email)
);
--bun:split
-- Every Message-ID of the ticket's mail, received or sent, for threading
-- replies (In-Reply-To / References).
CREATE TABLE ticket_mail_ids (
    message_id        VARCHAR(300) PRIMARY KEY,
    ticket_id         BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    ticket_message_id BIGINT REFERENCES ticket_messages(id) ON DELETE CASCADE,
    direction         VARCHAR(3) NOT NULL, -- in | out
    created_at        {{time}} NOT NULL
);
--bun:split
CREATE INDEX ticket_mail_ids_ticket ON ticket_mail_ids (ticket_id);
--bun:split
CREATE TABLE tickets_changes (
    id         {{id}},
    ticket_id  BIGINT NOT NULL,
    created_at {{time}} NOT NULL
);
--bun:split
CREATE TABLE ticket_views (
    id         {{id}},
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name       VARCHAR(100) NOT NULL,
    query      VARCHAR(1000) NOT NULL,
    shared     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {{time}} NOT NULL
);
--bun:split
CREATE TABLE ticket_canned (
    id         {{id}},
    title      VARCHAR(200) NOT NULL,
    body       TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at {{time}} NOT NULL,
    updated_at {{time}} NOT NULL
);
--bun:split
CREATE TABLE ticket_presence (
    ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    user_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    replying  BOOLEAN NOT NULL DEFAULT FALSE,
    seen_at   {{time}} NOT NULL,
    PRIMARY KEY (ticket_id, user_id)
);
--bun:split
-- One row per new-request form session: KB suggestions shown and opened,
-- and whether a ticket was then submitted (pending rows older than a day
-- count as abandoned).
CREATE TABLE ticket_deflections (
    id          {{id}},
    token       VARCHAR(64) NOT NULL UNIQUE,
    user_id     BIGINT REFERENCES users(id) ON DELETE SET NULL,
    shown       INTEGER NOT NULL DEFAULT 0,
    opened      INTEGER NOT NULL DEFAULT 0,
    outcome     VARCHAR(20) NOT NULL DEFAULT 'pending', -- pending | submitted
    ticket_id   BIGINT REFERENCES tickets(id) ON DELETE SET NULL,
    created_at  {{time}} NOT NULL,
    updated_at  {{time}} NOT NULL
);
--bun:split
CREATE INDEX ticket_deflections_created ON ticket_deflections (created_at);
