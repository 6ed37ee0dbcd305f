package tickets

import (
	"context"
	"database/sql"

	"partybot/sqlstore"
)

// engine is what differs between the two databases a [Store] runs on,
// SQLite ([sqliteEngine]) and PostgreSQL ([postgresEngine]): opening and
// checking the database, how writes are committed, locking between
// processes ([sqlstore.Engine]), and how driver errors read. The dialect beside it holds the
// few words of SQL that differ.
//
// Why one Store over database/sql with a small engine, rather than a store
// interface with one implementation per database: the rules of tickets —
// who may do what, the wording of notices, deadlines and 督办 — are written
// once in the Store's methods, around statements that are the same on both
// databases but for placeholders and a handful of clauses. Two
// implementations would copy those rules, and the copies would drift. The
// engine stays small, and the conformance tests run every rule on both.
type engine interface {
	// open connects to the database, checks that it is a ticket database
	// (or a new one), and reports whether it was opened read-only.
	open(ctx context.Context, s *Store) (db *sql.DB, readOnly bool, err error)
	// start checks the migrated database and returns what commits writes.
	start(ctx context.Context, s *Store) (committer, error)
	// insertTicket writes a new ticket (setting its ID) with its first
	// history rows and notifications.
	insertTicket(ctx context.Context, s *Store, tx *sql.Tx, r newTicketRows) error
	// formatError translates the driver's errors (see [apperr]).
	formatError(err error) error
	// readOnlyError is what a write to a read-only store returns: an
	// apperr.EReadOnly saying why and what to do.
	readOnlyError(s *Store) error
}

// committer commits write transactions.
type committer interface {
	// commit runs fn in a transaction and returns after it committed (nil)
	// or failed; fn's effects are rolled back when it returns an error.
	// Once begun, commit waits for the outcome even if ctx ends, so that a
	// caller never sees "cancelled" for a change that was committed.
	commit(ctx context.Context, fn func(tx *sql.Tx) error) error
	// stop returns once the writes already begun are done.
	stop()
}

// dialect is the SQL that differs between the engines. Statements are
// written with ? placeholders (or ?N for a numbered one) and bound for the
// engine by [dialect.bind].
type dialect struct {
	// name names the engine in messages and logs.
	name string
	// eng is the engine: placeholders, locks, migrations.
	eng sqlstore.Engine
	// forUpdate locks the rows a SELECT in a write transaction reads,
	// where other processes write at the same time.
	forUpdate string
	// skipLocked locks the outbox rows (alias n) a SELECT reads and skips
	// those another transaction holds.
	skipLocked string
	// limitAll is a LIMIT that keeps every row, for an OFFSET alone.
	limitAll string
	// statsFrom is the FROM clause of the statistics queries.
	statsFrom string
	// packedStats: the statistics run as the packed query (see stats.go).
	packedStats bool
}

// bind returns q with its placeholders in the engine's form; see
// [sqlstore.Engine.Bind].
func (d *dialect) bind(q string) string { return d.eng.Bind(q) }
