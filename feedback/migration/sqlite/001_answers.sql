-- The answers the assistant gave and the votes on them, as feedback.db had
-- them before the store had migrations (IF NOT EXISTS: such a file already
-- has them; see adoptLegacy in schema.go). Times are Unix milliseconds.
CREATE TABLE IF NOT EXISTS answers (
	id         INTEGER PRIMARY KEY,
	user_id    TEXT    NOT NULL,
	question   TEXT    NOT NULL,
	mode       TEXT    NOT NULL,
	refused    INTEGER NOT NULL,
	sources    TEXT    NOT NULL, -- JSON array of Source
	created_at INTEGER NOT NULL,
	vote       INTEGER NOT NULL DEFAULT 0,
	voted_at   INTEGER
);
-- Pruning finds the unvoted answers by age.
CREATE INDEX IF NOT EXISTS answers_voted ON answers (vote, created_at);
