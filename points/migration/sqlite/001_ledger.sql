-- The red-points ledger on SQLite. Times are Unix milliseconds.
--
-- points_entries is append-only: every change of a user's points is a new
-- row, a correction too (reason 'correction', corrects = the entry it puts
-- right); the triggers below refuse UPDATE and DELETE. seq numbers a
-- user's entries 1, 2 …, and balance is the user's balance after the
-- entry: the newest entry of a user is their balance, one read of the
-- unique index.
CREATE TABLE points_entries (
	id            INTEGER PRIMARY KEY,
	user_id       TEXT    NOT NULL,
	seq           INTEGER NOT NULL CHECK (seq > 0),
	points        INTEGER NOT NULL CHECK (points <> 0),
	balance       INTEGER NOT NULL CHECK (balance >= 0),
	reason        TEXT    NOT NULL,
	ticket_number TEXT    NOT NULL DEFAULT '',
	by_user       TEXT    NOT NULL CHECK (by_user <> ''),
	note          TEXT    NOT NULL DEFAULT '',
	idem_key      TEXT    UNIQUE,
	corrects      INTEGER REFERENCES points_entries (id),
	created_at    INTEGER NOT NULL,
	UNIQUE (user_id, seq)
);
-- The caps sum a user's awards of a day or month.
CREATE INDEX points_entries_user_time ON points_entries (user_id, created_at);
-- Ranks, statements and statistics read a period.
CREATE INDEX points_entries_time ON points_entries (created_at);
-- A correction checks what the entry it corrects came to.
CREATE INDEX points_entries_corrects ON points_entries (corrects) WHERE corrects IS NOT NULL;

CREATE TRIGGER points_entries_no_update BEFORE UPDATE ON points_entries
BEGIN SELECT RAISE(ABORT, 'points_entries is append-only'); END;
CREATE TRIGGER points_entries_no_delete BEFORE DELETE ON points_entries
BEGIN SELECT RAISE(ABORT, 'points_entries is append-only'); END;

-- The users who chose to appear by name in the monthly rank, with the
-- name they chose. Opting out deletes the row.
CREATE TABLE points_rank_optin (
	user_id      TEXT    PRIMARY KEY,
	display_name TEXT    NOT NULL,
	updated_at   INTEGER NOT NULL
);
