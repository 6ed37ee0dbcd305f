-- The state store as it was before versioned migrations: a telegram.db
-- written by an earlier partybot already has these tables, which this
-- migration adopts as they are.
CREATE TABLE IF NOT EXISTS updates (
	bot_id    INTEGER NOT NULL,
	update_id INTEGER NOT NULL,
	at        INTEGER NOT NULL, -- unix milliseconds
	PRIMARY KEY (bot_id, update_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS updates_at ON updates (at);
CREATE TABLE IF NOT EXISTS notice_sends (
	notice  TEXT    NOT NULL, -- notice id and a digest of its text
	chat_id INTEGER NOT NULL,
	at      INTEGER NOT NULL,
	PRIMARY KEY (notice, chat_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS notice_sends_at ON notice_sends (at);
