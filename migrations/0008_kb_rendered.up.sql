-- Articles are rendered from Markdown once, when saved: public pages serve
-- the stored HTML and table of contents instead of running the Markdown
-- parser on every view. render_version says which renderer produced them;
-- rows from before (0) are rendered by a background backfill at start and,
-- until then, on their first view.
ALTER TABLE kb_articles ADD COLUMN body_html TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE kb_articles ADD COLUMN toc TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE kb_articles ADD COLUMN render_version INTEGER NOT NULL DEFAULT 0;
--bun:split
CREATE INDEX kb_articles_render_version ON kb_articles (render_version);
