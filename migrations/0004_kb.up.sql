-- Knowledge base: categories (with one level of sections), articles and
-- their revisions, attachments, feedback, search and view analytics, and
-- the change log every node's search index follows.
CREATE TABLE kb_categories (
    id          {{id}},
    parent_id   BIGINT REFERENCES kb_categories(id) ON DELETE CASCADE,
    slug        VARCHAR(200) NOT NULL UNIQUE,
    name        VARCHAR(200) NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  {{time}} NOT NULL,
    updated_at  {{time}} NOT NULL
);
--bun:split
CREATE TABLE kb_articles (
    id           {{id}},
    category_id  BIGINT REFERENCES kb_categories(id) ON DELETE SET NULL,
    slug         VARCHAR(200) NOT NULL UNIQUE,
    title        VARCHAR(300) NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    tags         TEXT NOT NULL DEFAULT '',       -- comma-separated, lower-case
    status       VARCHAR(20) NOT NULL DEFAULT 'draft', -- draft | published | archived
    author_id    BIGINT REFERENCES users(id) ON DELETE SET NULL,
    position     INTEGER NOT NULL DEFAULT 0,
    revision     INTEGER NOT NULL DEFAULT 1,
    source_path  VARCHAR(500) NOT NULL DEFAULT '', -- set by kb import, for re-import
    view_count   BIGINT NOT NULL DEFAULT 0,
    helpful_yes  INTEGER NOT NULL DEFAULT 0,
    helpful_no   INTEGER NOT NULL DEFAULT 0,
    created_at   {{time}} NOT NULL,
    updated_at   {{time}} NOT NULL,
    published_at {{time}}
);
--bun:split
CREATE INDEX kb_articles_category ON kb_articles (category_id, status, position);
--bun:split
CREATE INDEX kb_articles_status_updated ON kb_articles (status, updated_at);
--bun:split
-- kb import matches files to articles by their path.
CREATE INDEX kb_articles_source ON kb_articles (source_path);
--bun:split
CREATE TABLE kb_revisions (
    id          {{id}},
    article_id  BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    title       VARCHAR(300) NOT NULL,
    slug        VARCHAR(200) NOT NULL,
    summary     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT '',
    tags        TEXT NOT NULL DEFAULT '',
    category_id BIGINT,
    status      VARCHAR(20) NOT NULL,
    author_id   BIGINT REFERENCES users(id) ON DELETE SET NULL,
    note        VARCHAR(300) NOT NULL DEFAULT '',
    created_at  {{time}} NOT NULL,
    UNIQUE (article_id, number)
);
--bun:split
CREATE TABLE kb_attachments (
    id           {{id}},
    article_id   BIGINT REFERENCES kb_articles(id) ON DELETE CASCADE,
    filename     VARCHAR(255) NOT NULL,
    content_type VARCHAR(100) NOT NULL,
    size         BIGINT NOT NULL,
    sha256       VARCHAR(64) NOT NULL,
    data         {{blob}} NOT NULL,
    created_at   {{time}} NOT NULL
);
--bun:split
CREATE TABLE kb_feedback (
    id         {{id}},
    article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    voter_key  VARCHAR(100) NOT NULL, -- "u:<user id>" or "a:<anonymous cookie hash>"
    user_id    BIGINT REFERENCES users(id) ON DELETE SET NULL,
    helpful    BOOLEAN NOT NULL,
    comment    TEXT NOT NULL DEFAULT '',
    created_at {{time}} NOT NULL,
    updated_at {{time}} NOT NULL,
    UNIQUE (article_id, voter_key)
);
--bun:split
CREATE TABLE kb_searches (
    id                 {{id}},
    query              VARCHAR(300) NOT NULL,
    normalized         VARCHAR(300) NOT NULL,
    results            INTEGER NOT NULL,
    clicked_article_id BIGINT REFERENCES kb_articles(id) ON DELETE SET NULL,
    user_id            BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at         {{time}} NOT NULL
);
--bun:split
CREATE INDEX kb_searches_created ON kb_searches (created_at);
--bun:split
CREATE TABLE kb_article_views (
    article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    day        DATE NOT NULL,
    count      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, day)
);
--bun:split
-- Every write that changes what search should return appends a row here in
-- the same transaction; each node's index applies rows past the last id it
-- recorded, which repairs a crash between DB write and index write and
-- keeps several nodes in step.
CREATE TABLE kb_changes (
    id         {{id}},
    article_id BIGINT NOT NULL,
    created_at {{time}} NOT NULL
);
