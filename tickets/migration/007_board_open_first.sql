-- The board shows open work first: a ticket finished late stays overdue
-- (its record says it was), but it no longer sorts above open tickets. On
-- equal deadlines the ticket waiting longest comes first. The index follows
-- boardOrder (board.go). The same SQL on SQLite and PostgreSQL.
DROP INDEX tickets_board;
CREATE INDEX tickets_board ON tickets (
	(CASE WHEN status IN ('submitted', 'dispatched', 'accepted') THEN 0 ELSE 1 END),
	overdue DESC,
	(CASE WHEN urgency = 'urgent' THEN 0 ELSE 1 END),
	(CASE WHEN COALESCE(due_at, respond_due) IS NULL THEN 1 ELSE 0 END),
	(COALESCE(due_at, respond_due)), id);
