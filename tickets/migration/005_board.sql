-- The console's board (board.go) reads its page from this index in the
-- board's order, as boardOrder writes it, instead of sorting every ticket.
-- The same SQL on SQLite and PostgreSQL.
CREATE INDEX tickets_board ON tickets (overdue DESC,
	(CASE WHEN status IN ('submitted', 'dispatched', 'accepted') THEN 0 ELSE 1 END),
	(CASE WHEN urgency = 'urgent' THEN 0 ELSE 1 END),
	(CASE WHEN COALESCE(due_at, respond_due) IS NULL THEN 1 ELSE 0 END),
	(COALESCE(due_at, respond_due)), id DESC);

-- The board's counts per status.
CREATE INDEX tickets_status ON tickets (status);
