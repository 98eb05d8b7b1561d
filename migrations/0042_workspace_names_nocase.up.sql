-- File and folder names are unique per folder regardless of case, as
-- Windows and macOS users expect: "Report.pdf" uploaded over "report.pdf"
-- is its next version, not a second file. name_key is the lower-cased name
-- (the application writes it with Go's Unicode case mapping; existing rows
-- get the database's lower()). Names that already differ only by case are
-- told apart first by their id.
ALTER TABLE workspace_files ADD COLUMN name_key VARCHAR(255) NOT NULL DEFAULT '';
--bun:split
ALTER TABLE workspace_folders ADD COLUMN name_key VARCHAR(255) NOT NULL DEFAULT '';
--bun:split
UPDATE workspace_files SET name = substr(name, 1, 180) || ' (' || id || ')'
WHERE EXISTS (SELECT 1 FROM workspace_files o
              WHERE o.workspace_id = workspace_files.workspace_id AND o.folder_id = workspace_files.folder_id
                AND lower(o.name) = lower(workspace_files.name) AND o.id < workspace_files.id);
--bun:split
UPDATE workspace_folders SET name = substr(name, 1, 180) || ' (' || id || ')'
WHERE EXISTS (SELECT 1 FROM workspace_folders o
              WHERE o.workspace_id = workspace_folders.workspace_id AND o.parent_id = workspace_folders.parent_id
                AND lower(o.name) = lower(workspace_folders.name) AND o.id < workspace_folders.id);
--bun:split
UPDATE workspace_files SET name_key = lower(name);
--bun:split
UPDATE workspace_folders SET name_key = lower(name);
--bun:split
DROP INDEX workspace_files_name;
--bun:split
DROP INDEX workspace_folders_name;
--bun:split
CREATE UNIQUE INDEX workspace_files_name_key ON workspace_files (workspace_id, folder_id, name_key);
--bun:split
CREATE UNIQUE INDEX workspace_folders_name_key ON workspace_folders (workspace_id, parent_id, name_key);
