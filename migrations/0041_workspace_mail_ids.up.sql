-- The Message-IDs of the workspace mail we sent (notifications, mentions,
-- reminders): a reply naming one in In-Reply-To/References comes back into
-- that workspace's conversation, or the file's comments when the mail was
-- about a file. Written only by the workspaces domain.
CREATE TABLE workspace_mail_ids (
    message_id   VARCHAR(500) PRIMARY KEY, -- brackets included, as sent
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    file_id      BIGINT REFERENCES workspace_files(id) ON DELETE SET NULL,
    recipient    VARCHAR(320) NOT NULL,
    created_at   {{time}} NOT NULL
);
--bun:split
CREATE INDEX workspace_mail_ids_workspace ON workspace_mail_ids (workspace_id);
