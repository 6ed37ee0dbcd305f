package pgtest

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, for RawDB

	"partybot/sqlstore"
)

// Engine is a database engine a store's conformance tests run on: every
// test of a store runs on SQLite and on PostgreSQL.
type Engine struct {
	Name string // "sqlite" or "postgres": the subtest's name
	Eng  sqlstore.Engine
	// NewDB returns where a new, empty database is: a file in tb's
	// temporary directory, or a schema of the test database dropped at the
	// end of tb (skipped without it, see [Require]).
	NewDB func(tb testing.TB) string
}

// SQLite is the engine of a database in a file named file.
func SQLite(file string) Engine {
	return Engine{Name: "sqlite", Eng: sqlstore.SQLite, NewDB: func(tb testing.TB) string { return filepath.Join(tb.TempDir(), file) }}
}

// Postgres is the engine of a schema of the test database.
var Postgres = Engine{Name: "postgres", Eng: sqlstore.Postgres, NewDB: URL}

// RawDB opens the database at dsn beside a store, for a test to read or
// change what the store's API does not show; it is closed at the end of
// the test. Statements go through e.Eng.Bind.
func (e Engine) RawDB(tb testing.TB, dsn string) *sql.DB {
	tb.Helper()
	driver := "pgx"
	if e.Eng == sqlstore.SQLite {
		driver, dsn = "sqlite", dsn+"?_busy_timeout=10000"
	}
	db, err := sql.Open(driver, dsn)
	require.NoError(tb, err)
	tb.Cleanup(func() { db.Close() })
	return db
}
