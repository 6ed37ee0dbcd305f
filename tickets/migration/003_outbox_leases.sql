-- Several replicas: the outbox leases notices to the replica delivering
-- them, and the 督办 ledger records each escalation once per ticket, level
-- and deadline. The same SQL on SQLite and PostgreSQL.

-- While leased_until is in the future, one replica holds the notice.
ALTER TABLE notifications ADD COLUMN leased_until BIGINT;

-- deadline is the response deadline (level 1) or the due date (levels 2
-- and 3) that was missed, in Unix milliseconds.
CREATE TABLE ticket_escalations (
	ticket_id BIGINT  NOT NULL REFERENCES tickets (id),
	level     INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
	deadline  BIGINT  NOT NULL,
	at        BIGINT  NOT NULL,
	PRIMARY KEY (ticket_id, level, deadline)
);
