-- Sign-in for the web console. Only SHA-256 hashes (hex) of the secrets
-- are kept: a copy of the database signs nobody in. Times are Unix
-- milliseconds in BIGINT on both engines.

-- Single-use sign-in links: used_at is set when one is redeemed.
CREATE TABLE web_links (
	token_hash TEXT   PRIMARY KEY,
	user_id    TEXT   NOT NULL,
	next       TEXT   NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at    BIGINT
);
CREATE INDEX web_links_expires ON web_links (expires_at);

-- Browser sessions, ended by 12 hours without a request or by revocation.
CREATE TABLE web_sessions (
	id_hash    TEXT   PRIMARY KEY,
	user_id    TEXT   NOT NULL,
	created_at BIGINT NOT NULL,
	last_seen  BIGINT NOT NULL,
	revoked_at BIGINT
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

-- Bearer tokens for the JSON API, until revoked.
CREATE TABLE web_tokens (
	token_hash TEXT   PRIMARY KEY,
	user_id    TEXT   NOT NULL,
	created_at BIGINT NOT NULL,
	revoked_at BIGINT
);
CREATE INDEX web_tokens_user ON web_tokens (user_id);
