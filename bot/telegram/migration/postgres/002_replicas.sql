-- The state store on PostgreSQL, shared by the replicas: version 2 is the
-- same schema as SQLite's 001 and 002 together (no PostgreSQL database
-- predates it). Times are unix milliseconds.
CREATE TABLE telegram_updates (
	bot_id        BIGINT NOT NULL,
	update_id     BIGINT NOT NULL,
	at            BIGINT NOT NULL,
	claimant      TEXT   NOT NULL DEFAULT '',
	claimed_until BIGINT,
	attempts      INTEGER NOT NULL DEFAULT 0,
	done_at       BIGINT,
	payload       TEXT, -- the update's JSON until it is done
	PRIMARY KEY (bot_id, update_id)
);
CREATE INDEX telegram_updates_at ON telegram_updates (at);
CREATE INDEX telegram_updates_open ON telegram_updates (bot_id, claimed_until) WHERE done_at IS NULL;

CREATE TABLE telegram_update_calls (
	bot_id    BIGINT  NOT NULL,
	update_id BIGINT  NOT NULL,
	seq       INTEGER NOT NULL, -- the n-th Bot API call made for the update
	at        BIGINT  NOT NULL,
	PRIMARY KEY (bot_id, update_id, seq)
);
CREATE INDEX telegram_update_calls_at ON telegram_update_calls (at);

CREATE TABLE telegram_sessions (
	bot_id  BIGINT NOT NULL,
	chat_id BIGINT NOT NULL,
	user_id BIGINT NOT NULL,
	version BIGINT NOT NULL, -- 1 for the first save, +1 for each
	state   TEXT   NOT NULL, -- bot.Session.MarshalState
	at      BIGINT NOT NULL,
	PRIMARY KEY (bot_id, chat_id, user_id)
);
CREATE INDEX telegram_sessions_at ON telegram_sessions (at);

CREATE TABLE telegram_notice_sends (
	notice  TEXT   NOT NULL, -- notice id and a digest of its text
	chat_id BIGINT NOT NULL,
	at      BIGINT NOT NULL,
	PRIMARY KEY (notice, chat_id)
);
CREATE INDEX telegram_notice_sends_at ON telegram_notice_sends (at);
