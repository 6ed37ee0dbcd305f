// Package sqlstore holds what partybot's durable stores share on either
// database engine — SQLite, the embedded default, and PostgreSQL, which
// several replicas share: placeholders, locks between processes, opening a
// PostgreSQL database without its password reaching a message, and
// versioned migrations.
package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// Engine is the database a store runs on.
type Engine uint8

const (
	// SQLite is a file in the data directory (modernc.org/sqlite).
	SQLite Engine = iota
	// Postgres is a PostgreSQL database (github.com/jackc/pgx/v5).
	Postgres
)

// EngineOf returns the engine of dsn: Postgres for a postgres:// URL,
// SQLite for anything else (a file path).
func EngineOf(dsn string) Engine {
	if IsPostgresURL(dsn) {
		return Postgres
	}
	return SQLite
}

// IsPostgresURL reports whether dsn names a PostgreSQL database: a URL
// beginning postgres:// or postgresql://.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// String names the engine in messages.
func (e Engine) String() string {
	if e == Postgres {
		return "PostgreSQL"
	}
	return "SQLite"
}

// Querier is what reads: a *sql.DB, *sql.Tx or *sql.Conn.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Bind returns q, written with ? placeholders (or ?N for a numbered one),
// in the engine's form: unchanged for SQLite; for PostgreSQL each ?
// becomes $1, $2 … in order and ?N becomes $N. Quoted text is left alone.
//
// Why our own: the statements of the stores are the same on both engines
// but for placeholders; a query builder would be a dependency for this
// alone.
func (e Engine) Bind(q string) string {
	if e != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 {
				b.WriteString(q[i+1 : j])
				i = j - 1
			} else {
				n++
				b.WriteString(strconv.Itoa(n))
			}
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// TableExists reports whether the database's schema has table name.
func (e Engine) TableExists(ctx context.Context, q Querier, name string) (bool, error) {
	var ok bool
	if e == Postgres {
		err := q.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", name).Scan(&ok)
		return ok, err
	}
	err := q.QueryRowContext(ctx, "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = ?", name).Scan(&ok)
	return ok, err
}

// lockKey is the advisory lock of key within the current schema, so that
// two installations sharing a database in different schemas do not wait
// for each other.
const lockKey = "hashtextextended(current_schema() || ':partybot.' || $1, 0)"

// Lock takes the lock named key until tx ends, against other processes
// (replicas) writing the same database: a transaction-level advisory lock
// on PostgreSQL. On SQLite it does nothing: the stores' write
// transactions are immediate, so one writes at a time anyway.
func (e Engine) Lock(ctx context.Context, tx *sql.Tx, key string) error {
	if e != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock("+lockKey+")", key); err != nil {
		return lockError(key, err)
	}
	return nil
}

// TryLock is Lock without waiting: false when another transaction holds
// the lock. Always true on SQLite.
func (e Engine) TryLock(ctx context.Context, tx *sql.Tx, key string) (bool, error) {
	if e != Postgres {
		return true, nil
	}
	var ok bool
	if err := tx.QueryRowContext(ctx, "SELECT pg_try_advisory_xact_lock("+lockKey+")", key).Scan(&ok); err != nil {
		return false, lockError(key, err)
	}
	return ok, nil
}

type lockErr struct {
	key string
	err error
}

func lockError(key string, err error) error { return &lockErr{key, err} }
func (e *lockErr) Error() string            { return "lock " + e.key + ": " + e.err.Error() }
func (e *lockErr) Unwrap() error            { return e.err }

// Changed is the error of an UPDATE or DELETE that must change a row: err
// wrapped with op when the statement failed, notFound when it changed
// nothing, nil otherwise.
func Changed(res sql.Result, err error, op string, notFound error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	n, err := res.RowsAffected()
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", op, err)
	case n == 0:
		return notFound
	}
	return nil
}
