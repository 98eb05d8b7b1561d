-- The file store: every domain's file bytes (KB attachments, ticket
-- attachments, raw inbound mail, workspace files), content-addressed by
-- SHA-256 so the same bytes are stored once. A blob's bytes live either in
-- file_chunks (the default: shared by every node through the database) or
-- in a file under --files-dir (storage = 'dir').
CREATE TABLE file_blobs (
    sha256     VARCHAR(64) PRIMARY KEY,
    size       BIGINT NOT NULL,
    storage    VARCHAR(8) NOT NULL DEFAULT 'db', -- db | dir
    created_at {{time}} NOT NULL
);
--bun:split
CREATE TABLE file_chunks (
    sha256 VARCHAR(64) NOT NULL REFERENCES file_blobs(sha256) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    data   {{blob}} NOT NULL,
    PRIMARY KEY (sha256, seq)
);
