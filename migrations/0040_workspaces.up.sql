-- Client workspaces: a private space per high-value account for files
-- (folders, versions), approvals, tasks, conversation and private links.
-- File bytes live in the file store, referenced by sha256.
CREATE TABLE workspaces (
    id          {{id}},
    slug        VARCHAR(100) NOT NULL UNIQUE,
    name        VARCHAR(200) NOT NULL,
    org_id      BIGINT REFERENCES organizations(id) ON DELETE CASCADE,
    customer_id BIGINT REFERENCES users(id) ON DELETE CASCADE, -- a single customer's workspace
    color       VARCHAR(7) NOT NULL DEFAULT '',
    logo_sha256 VARCHAR(64) NOT NULL DEFAULT '',
    logo_type   VARCHAR(100) NOT NULL DEFAULT '',
    created_at  {{time}} NOT NULL,
    updated_at  {{time}} NOT NULL
);
--bun:split
CREATE INDEX workspaces_org_id ON workspaces (org_id);
--bun:split
CREATE INDEX workspaces_customer_id ON workspaces (customer_id);
--bun:split
-- The account team (agents) and the client members (customers).
CREATE TABLE workspace_people (
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    side         VARCHAR(10) NOT NULL, -- 'team' or 'client'
    created_at   {{time}} NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
--bun:split
CREATE INDEX workspace_people_user ON workspace_people (user_id);
--bun:split
-- Private links: the token is shown once; only its SHA-256 is kept.
CREATE TABLE workspace_links (
    id            {{id}},
    workspace_id  BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          VARCHAR(200) NOT NULL,
    token_hash    VARCHAR(64) NOT NULL UNIQUE,
    require_code  BOOLEAN NOT NULL DEFAULT FALSE,
    allowed_emails TEXT NOT NULL DEFAULT '', -- space separated, lower-case
    expires_at    {{time}},
    revoked_at    {{time}},
    rotated_at    {{time}},
    last_used_at  {{time}},
    created_by    BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at    {{time}} NOT NULL
);
--bun:split
CREATE INDEX workspace_links_workspace ON workspace_links (workspace_id);
--bun:split
-- One-time codes emailed to an allowed address before a link opens.
CREATE TABLE workspace_link_codes (
    id         {{id}},
    link_id    BIGINT NOT NULL REFERENCES workspace_links(id) ON DELETE CASCADE,
    email      VARCHAR(320) NOT NULL,
    code_hash  VARCHAR(64) NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    expires_at {{time}} NOT NULL,
    used_at    {{time}},
    created_at {{time}} NOT NULL
);
--bun:split
CREATE INDEX workspace_link_codes_link ON workspace_link_codes (link_id, id);
--bun:split
-- A browser that opened a link: its cookie's SHA-256, bound to one link.
CREATE TABLE workspace_link_sessions (
    id         {{id}},
    link_id    BIGINT NOT NULL REFERENCES workspace_links(id) ON DELETE CASCADE,
    token_hash VARCHAR(64) NOT NULL UNIQUE,
    email      VARCHAR(320) NOT NULL DEFAULT '', -- the address a code was sent to
    name       VARCHAR(200) NOT NULL DEFAULT '',
    created_at {{time}} NOT NULL,
    expires_at {{time}} NOT NULL
);
--bun:split
CREATE INDEX workspace_link_sessions_link ON workspace_link_sessions (link_id);
--bun:split
CREATE TABLE workspace_folders (
    id           {{id}},
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    parent_id    BIGINT NOT NULL DEFAULT 0, -- 0: the workspace's top level
    name         VARCHAR(200) NOT NULL,
    created_at   {{time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX workspace_folders_name ON workspace_folders (workspace_id, parent_id, name);
--bun:split
CREATE TABLE workspace_files (
    id              {{id}},
    workspace_id    BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    folder_id       BIGINT NOT NULL DEFAULT 0,
    name            VARCHAR(255) NOT NULL,
    current_version INTEGER NOT NULL DEFAULT 0,
    size            BIGINT NOT NULL DEFAULT 0,     -- of the current version
    content_type    VARCHAR(100) NOT NULL DEFAULT '',
    created_at      {{time}} NOT NULL,
    updated_at      {{time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX workspace_files_name ON workspace_files (workspace_id, folder_id, name);
--bun:split
CREATE TABLE workspace_file_versions (
    id           {{id}},
    file_id      BIGINT NOT NULL REFERENCES workspace_files(id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,
    sha256       VARCHAR(64) NOT NULL,
    size         BIGINT NOT NULL,
    content_type VARCHAR(100) NOT NULL,
    author       VARCHAR(320) NOT NULL DEFAULT '', -- who uploaded it, as shown
    user_id      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    link_id      BIGINT REFERENCES workspace_links(id) ON DELETE SET NULL,
    created_at   {{time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX workspace_file_versions_number ON workspace_file_versions (file_id, number);
--bun:split
-- An approval request on one version; status pending, approved,
-- changes_requested or superseded (a newer version reset it).
CREATE TABLE workspace_approvals (
    id           {{id}},
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    file_id      BIGINT NOT NULL REFERENCES workspace_files(id) ON DELETE CASCADE,
    version_id   BIGINT NOT NULL REFERENCES workspace_file_versions(id) ON DELETE CASCADE,
    status       VARCHAR(20) NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    due_on       {{time}},
    requested_by VARCHAR(320) NOT NULL DEFAULT '',
    created_at   {{time}} NOT NULL,
    closed_at    {{time}}
);
--bun:split
CREATE INDEX workspace_approvals_file ON workspace_approvals (file_id, id);
--bun:split
-- Named reviewers: a client member (user_id) or the holders of a link.
CREATE TABLE workspace_approval_reviewers (
    id          {{id}},
    approval_id BIGINT NOT NULL REFERENCES workspace_approvals(id) ON DELETE CASCADE,
    user_id     BIGINT REFERENCES users(id) ON DELETE CASCADE,
    link_id     BIGINT REFERENCES workspace_links(id) ON DELETE CASCADE,
    label       VARCHAR(320) NOT NULL
);
--bun:split
CREATE INDEX workspace_approval_reviewers_approval ON workspace_approval_reviewers (approval_id);
--bun:split
CREATE TABLE workspace_approval_decisions (
    id          {{id}},
    approval_id BIGINT NOT NULL REFERENCES workspace_approvals(id) ON DELETE CASCADE,
    decision    VARCHAR(20) NOT NULL, -- approved, changes_requested
    comment     TEXT NOT NULL DEFAULT '',
    author      VARCHAR(320) NOT NULL,
    user_id     BIGINT REFERENCES users(id) ON DELETE SET NULL,
    link_id     BIGINT REFERENCES workspace_links(id) ON DELETE SET NULL,
    created_at  {{time}} NOT NULL
);
--bun:split
CREATE INDEX workspace_approval_decisions_approval ON workspace_approval_decisions (approval_id, id);
--bun:split
-- Tasks for the client: ticked off, or done by uploading a file.
CREATE TABLE workspace_tasks (
    id           {{id}},
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    title        VARCHAR(200) NOT NULL,
    details      TEXT NOT NULL DEFAULT '',
    kind         VARCHAR(10) NOT NULL, -- 'tick' or 'upload'
    due_on       {{time}},
    done_at      {{time}},
    done_by      VARCHAR(320) NOT NULL DEFAULT '',
    file_id      BIGINT REFERENCES workspace_files(id) ON DELETE SET NULL,
    reminded_at  {{time}},
    position     INTEGER NOT NULL DEFAULT 0,
    created_at   {{time}} NOT NULL
);
--bun:split
CREATE INDEX workspace_tasks_workspace ON workspace_tasks (workspace_id, done_at);
--bun:split
CREATE INDEX workspace_tasks_due ON workspace_tasks (due_on);
--bun:split
-- The onboarding checklist admins keep; new workspaces may start from it.
CREATE TABLE workspace_checklist_items (
    id         {{id}},
    position   INTEGER NOT NULL,
    title      VARCHAR(200) NOT NULL,
    details    TEXT NOT NULL DEFAULT '',
    kind       VARCHAR(10) NOT NULL,
    due_days   INTEGER NOT NULL DEFAULT 0, -- due this many days after the workspace opens; 0: no due date
    created_at {{time}} NOT NULL
);
--bun:split
-- The workspace conversation (file_id NULL) and per-file comments.
CREATE TABLE workspace_messages (
    id           {{id}},
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    file_id      BIGINT REFERENCES workspace_files(id) ON DELETE CASCADE,
    body         TEXT NOT NULL,
    author       VARCHAR(320) NOT NULL,
    side         VARCHAR(10) NOT NULL, -- 'team' or 'client'
    user_id      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    link_id      BIGINT REFERENCES workspace_links(id) ON DELETE SET NULL,
    source       VARCHAR(10) NOT NULL DEFAULT 'web', -- 'web' or 'email'
    message_id   VARCHAR(500), -- the email's Message-ID, for replies by email
    ticket_ref   VARCHAR(50) NOT NULL DEFAULT '',
    created_at   {{time}} NOT NULL
);
--bun:split
CREATE INDEX workspace_messages_thread ON workspace_messages (workspace_id, file_id, id);
--bun:split
CREATE UNIQUE INDEX workspace_messages_message_id ON workspace_messages (message_id);
--bun:split
-- The activity feed and audit trail: uploads, views, downloads,
-- approvals, comments, link use.
CREATE TABLE workspace_activity (
    id           {{id}},
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    actor        VARCHAR(320) NOT NULL,
    user_id      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    link_id      BIGINT REFERENCES workspace_links(id) ON DELETE SET NULL,
    action       VARCHAR(40) NOT NULL,
    subject      VARCHAR(500) NOT NULL DEFAULT '',
    file_id      BIGINT,
    ip           VARCHAR(64) NOT NULL DEFAULT '',
    created_at   {{time}} NOT NULL
);
--bun:split
CREATE INDEX workspace_activity_workspace ON workspace_activity (workspace_id, id);
