-- Replicas: updates are claimed with a lease until handled, the calls
-- made while handling each are recorded, and conversations are stored.
-- The tables take the telegram_ prefix they have on PostgreSQL, where
-- they share a database with the other stores.
ALTER TABLE updates RENAME TO telegram_updates;
ALTER TABLE notice_sends RENAME TO telegram_notice_sends;
ALTER TABLE telegram_updates ADD COLUMN claimant TEXT NOT NULL DEFAULT '';
ALTER TABLE telegram_updates ADD COLUMN claimed_until INTEGER;
ALTER TABLE telegram_updates ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE telegram_updates ADD COLUMN done_at INTEGER;
ALTER TABLE telegram_updates ADD COLUMN payload TEXT; -- the update's JSON until it is done
-- An update taken before this version was handled then (or lost).
UPDATE telegram_updates SET done_at = at;
CREATE INDEX telegram_updates_open ON telegram_updates (bot_id, claimed_until) WHERE done_at IS NULL;

CREATE TABLE telegram_update_calls (
	bot_id    INTEGER NOT NULL,
	update_id INTEGER NOT NULL,
	seq       INTEGER NOT NULL, -- the n-th Bot API call made for the update
	at        INTEGER NOT NULL,
	PRIMARY KEY (bot_id, update_id, seq)
) WITHOUT ROWID;
CREATE INDEX telegram_update_calls_at ON telegram_update_calls (at);

CREATE TABLE telegram_sessions (
	bot_id  INTEGER NOT NULL,
	chat_id INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	version INTEGER NOT NULL, -- 1 for the first save, +1 for each
	state   TEXT    NOT NULL, -- bot.Session.MarshalState
	at      INTEGER NOT NULL,
	PRIMARY KEY (bot_id, chat_id, user_id)
) WITHOUT ROWID;
CREATE INDEX telegram_sessions_at ON telegram_sessions (at);
