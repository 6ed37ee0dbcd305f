-- Demand tickets: the tickets, their append-only history, the per-year number
-- sequence and the notification outbox. Times are Unix milliseconds (UTC).

CREATE TABLE ticket_seq (
	year INTEGER PRIMARY KEY,
	last INTEGER NOT NULL CHECK (last > 0)
);

CREATE TABLE tickets (
	id              INTEGER PRIMARY KEY,
	number          TEXT    NOT NULL UNIQUE,
	year            INTEGER NOT NULL,
	seq             INTEGER NOT NULL,
	idempotency_key TEXT    UNIQUE,

	submitter_id    TEXT    NOT NULL CHECK (submitter_id <> ''),
	submitter_name  TEXT    NOT NULL DEFAULT '',
	channel         TEXT    NOT NULL CHECK (channel IN ('chat', 'phone')),

	text            TEXT    NOT NULL CHECK (length(text) > 0),
	summary         TEXT    NOT NULL DEFAULT '',
	category        TEXT    NOT NULL DEFAULT '',
	department      TEXT    NOT NULL,
	urgency         TEXT    NOT NULL CHECK (urgency IN ('normal', 'urgent')),
	location        TEXT    NOT NULL DEFAULT '',
	contact         TEXT    NOT NULL DEFAULT '',
	confidence      REAL    NOT NULL DEFAULT 0,
	manual_dispatch INTEGER NOT NULL DEFAULT 0,

	status          TEXT    NOT NULL CHECK (status IN ('submitted', 'dispatched', 'accepted', 'resolved', 'rated', 'closed')),
	created_at      INTEGER NOT NULL,
	respond_due     INTEGER,
	due_at          INTEGER,
	accepted_at     INTEGER,
	resolved_at     INTEGER,
	rated_at        INTEGER,
	closed_at       INTEGER,
	updated_at      INTEGER NOT NULL,

	reply           TEXT    NOT NULL DEFAULT '',
	rating          INTEGER CHECK (rating BETWEEN 1 AND 5),
	comment         TEXT    NOT NULL DEFAULT '',

	overdue         INTEGER NOT NULL DEFAULT 0,
	escalation      INTEGER NOT NULL DEFAULT 0 CHECK (escalation BETWEEN 0 AND 3),
	reopened        INTEGER NOT NULL DEFAULT 0,
	version         INTEGER NOT NULL DEFAULT 1,

	UNIQUE (year, seq),
	-- Statistics rely on these: open means not yet resolved, and only an
	-- accepted ticket has been accepted.
	CHECK ((status IN ('submitted', 'dispatched', 'accepted')) = (resolved_at IS NULL)),
	CHECK ((status IN ('submitted', 'dispatched')) = (accepted_at IS NULL))
);

-- Statistics per department and period read only this index (covering, in
-- department order so that GROUP BY needs no sort).
CREATE INDEX tickets_stats ON tickets (department, created_at, accepted_at, respond_due, resolved_at, due_at, rating);
CREATE INDEX tickets_department ON tickets (department, status, created_at);
CREATE INDEX tickets_submitter ON tickets (submitter_id, created_at);
-- The sweep looks only at open tickets.
CREATE INDEX tickets_open ON tickets (due_at) WHERE status IN ('submitted', 'dispatched', 'accepted');
CREATE INDEX tickets_closable ON tickets (status, resolved_at) WHERE status IN ('resolved', 'rated');

CREATE TABLE ticket_history (
	id          INTEGER PRIMARY KEY,
	ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
	at          INTEGER NOT NULL,
	actor       TEXT    NOT NULL,
	action      TEXT    NOT NULL,
	from_status TEXT    NOT NULL,
	to_status   TEXT    NOT NULL,
	note        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX ticket_history_ticket ON ticket_history (ticket_id, id);

-- The history is append-only.
CREATE TRIGGER ticket_history_no_update BEFORE UPDATE ON ticket_history
BEGIN SELECT RAISE(ABORT, 'ticket_history is append-only'); END;
CREATE TRIGGER ticket_history_no_delete BEFORE DELETE ON ticket_history
BEGIN SELECT RAISE(ABORT, 'ticket_history is append-only'); END;

CREATE TABLE notifications (
	id              INTEGER PRIMARY KEY,
	ticket_id       INTEGER NOT NULL REFERENCES tickets (id),
	kind            TEXT    NOT NULL,
	recipient_kind  TEXT    NOT NULL CHECK (recipient_kind IN ('department', 'user', 'admins')),
	recipient       TEXT    NOT NULL DEFAULT '',
	department      TEXT    NOT NULL DEFAULT '',
	text            TEXT    NOT NULL,
	created_at      INTEGER NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	delivered_at    INTEGER,
	last_error      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX notifications_pending ON notifications (next_attempt_at, id) WHERE delivered_at IS NULL;
