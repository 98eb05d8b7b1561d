-- KB attachments move onto the file store (0005): every existing file's
-- bytes are copied into file_blobs/file_chunks under the SHA-256 the row
-- already holds, then kb_attachments.data is dropped, so the bytes are not
-- kept twice and nothing can write them around the store.
--
-- SQL cannot split a value into 1 MiB pieces portably, so each existing
-- file becomes a single chunk (seq 0); the store's reader follows the
-- stored chunk lengths, so it reads one large chunk as well as many small
-- ones. New uploads are chunked by the store. The same bytes attached
-- twice become one blob, and a blob the store already has is kept.
INSERT INTO file_blobs (sha256, size, storage, created_at)
SELECT a.sha256, {{if pg}}octet_length(a.data){{else}}length(a.data){{end}}, 'db', a.created_at
FROM kb_attachments a
WHERE a.id = (SELECT MIN(b.id) FROM kb_attachments b WHERE b.sha256 = a.sha256)
  AND NOT EXISTS (SELECT 1 FROM file_blobs f WHERE f.sha256 = a.sha256);
--bun:split
INSERT INTO file_chunks (sha256, seq, data)
SELECT a.sha256, 0, a.data
FROM kb_attachments a
WHERE a.id = (SELECT MIN(b.id) FROM kb_attachments b WHERE b.sha256 = a.sha256)
  AND NOT EXISTS (SELECT 1 FROM file_chunks c WHERE c.sha256 = a.sha256)
  AND EXISTS (SELECT 1 FROM file_blobs f WHERE f.sha256 = a.sha256 AND f.storage = 'db');
--bun:split
ALTER TABLE kb_attachments DROP COLUMN data;
