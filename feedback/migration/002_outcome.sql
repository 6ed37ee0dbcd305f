-- How an answer was judged: answered, partial or refused; what a partial
-- answer lacked; who decided ("offline" or "model"). The same SQL on SQLite
-- and PostgreSQL. A feedback.db from before migrations may already have
-- some or all of these columns: adoptLegacy (schema.go) records this
-- version for it instead.
ALTER TABLE answers ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE answers ADD COLUMN missing TEXT NOT NULL DEFAULT '';
ALTER TABLE answers ADD COLUMN judged_by TEXT NOT NULL DEFAULT '';
