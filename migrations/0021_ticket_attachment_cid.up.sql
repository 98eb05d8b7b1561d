-- Inline images of inbound email (issue 11): the Content-ID a message's
-- HTML refers to as cid:…, so the ticket page shows the image in place.
-- '' for ordinary attachments. Written only by the tickets service.
ALTER TABLE ticket_attachments ADD COLUMN content_id VARCHAR(300) NOT NULL DEFAULT ''
