-- Settings: small key/value configuration an admin edits in the UI
-- (branding, feature switches). Values are text; the owner parses them.
CREATE TABLE settings (
    key        VARCHAR(100) PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at {{time}} NOT NULL
);
