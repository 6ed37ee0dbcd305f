-- Policy push on SQLite: who asked for what, the documents pushed and each
-- user's notice of each. Times are Unix milliseconds.

-- A user's subscription: audience names and topic words, one a line.
CREATE TABLE push_subscriptions (
	user_id    INTEGER PRIMARY KEY,
	chat_id    INTEGER NOT NULL,
	audiences  TEXT    NOT NULL,
	topics     TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

-- One row: the revision of push_subscriptions, raised by every change, so
-- that a store keeps its index of them until another changes them.
CREATE TABLE push_state (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	rev INTEGER NOT NULL
);
INSERT INTO push_state (id, rev) VALUES (1, 0);

-- The documents pushed or held, with their notice. status is 'held' (no
-- notice goes out) or 'sent' (queued); queued_at is NULL for a document
-- held before it was queued.
CREATE TABLE push_documents (
	name       TEXT    PRIMARY KEY,
	checksum   TEXT    NOT NULL DEFAULT '',
	title      TEXT    NOT NULL DEFAULT '',
	doc_number TEXT    NOT NULL DEFAULT '',
	doc_date   TEXT    NOT NULL DEFAULT '',
	extract    TEXT    NOT NULL DEFAULT '',
	cites      TEXT    NOT NULL DEFAULT '[]',
	status     TEXT    NOT NULL,
	queued_at  INTEGER,
	updated_at INTEGER NOT NULL
);

-- Each user's notice of a document, once: due_at is NULL while the
-- document is held.
CREATE TABLE push_deliveries (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL,
	chat_id      INTEGER NOT NULL,
	doc          TEXT    NOT NULL,
	why          TEXT    NOT NULL,
	created_at   INTEGER NOT NULL,
	due_at       INTEGER,
	leased_until INTEGER,
	attempts     INTEGER NOT NULL DEFAULT 0,
	sent_at      INTEGER,
	opened_at    INTEGER,
	UNIQUE (user_id, doc)
);
-- Due finds the unsent notices by due time; Queue counts a day's notices.
CREATE INDEX push_deliveries_pending ON push_deliveries (due_at) WHERE sent_at IS NULL;
CREATE INDEX push_deliveries_due ON push_deliveries (due_at);
CREATE INDEX push_deliveries_doc ON push_deliveries (doc);
CREATE INDEX push_deliveries_sent ON push_deliveries (sent_at);
