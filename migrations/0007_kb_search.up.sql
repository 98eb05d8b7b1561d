-- Knowledge-base search at scale and its synonyms.
--
-- The home page's popular list and an article's related list read the most
-- viewed published articles: indexes let them stop after a few rows
-- instead of sorting every article.
CREATE INDEX kb_articles_popular ON kb_articles (status, view_count, helpful_yes);
--bun:split
CREATE INDEX kb_articles_category_views ON kb_articles (category_id, status, view_count);
--bun:split
-- Anonymous "Was this helpful?" votes are limited per client address and
-- article: client_key is a hash of the address ('' for signed-in voters).
ALTER TABLE kb_feedback ADD COLUMN client_key VARCHAR(64) NOT NULL DEFAULT '';
--bun:split
CREATE INDEX kb_feedback_client ON kb_feedback (article_id, client_key, created_at);
--bun:split
-- Search synonyms: one group per row, phrases separated by commas
-- ("log in, sign in, login"); admins edit them on /agent/kb/synonyms.
CREATE TABLE kb_synonyms (
    id         {{id}},
    phrases    TEXT NOT NULL,
    updated_at {{time}} NOT NULL
);
--bun:split
INSERT INTO kb_synonyms (phrases, updated_at) VALUES
    ('log in, sign in, login, signin, log on, logon', CURRENT_TIMESTAMP),
    ('log out, sign out, logout, signout', CURRENT_TIMESTAMP),
    ('sign up, register, signup, create account', CURRENT_TIMESTAMP),
    ('e-mail, email, mail', CURRENT_TIMESTAMP),
    ('invoice, bill, receipt', CURRENT_TIMESTAMP),
    ('password, passcode, passphrase', CURRENT_TIMESTAMP),
    ('cancel, unsubscribe, terminate', CURRENT_TIMESTAMP),
    ('refund, money back, chargeback', CURRENT_TIMESTAMP),
    ('delete, remove, erase', CURRENT_TIMESTAMP),
    ('two-factor, 2fa, mfa, two-step verification', CURRENT_TIMESTAMP),
    ('attachment, attached file', CURRENT_TIMESTAMP),
    ('ticket, support request', CURRENT_TIMESTAMP);
