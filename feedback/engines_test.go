package feedback_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, for rawDB

	"partybot/feedback"
	"partybot/internal/pgtest" // registers the "pgx" driver too
	"partybot/sqlstore"
)

// testEngine makes databases on one engine for the conformance tests,
// which run every test of the store on both SQLite and PostgreSQL.
type testEngine struct {
	name string
	eng  sqlstore.Engine
	// newDB returns where a new, empty database is: a file in tb's
	// temporary directory, or a schema of the test database dropped at the
	// end of tb.
	newDB func(tb testing.TB) string
	// driver is the database/sql driver of rawDB.
	driver string
}

var engines = []testEngine{
	{name: "sqlite", eng: sqlstore.SQLite, driver: "sqlite",
		newDB: func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "feedback.db") }},
	{name: "postgres", eng: sqlstore.Postgres, driver: "pgx", newDB: pgtest.URL},
}

// eachEngine runs test once per engine, as subtests "sqlite" and
// "postgres". The PostgreSQL one is skipped without
// PARTYBOT_TEST_DATABASE_URL, and fails without it under CI=true.
func eachEngine(t *testing.T, test func(t *testing.T, e testEngine)) {
	t.Helper()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { test(t, e) })
	}
}

// MustOpen opens a store on a new database and closes it at the end of
// the test; it returns the store and where its database is.
func (e testEngine) MustOpen(tb testing.TB) (*feedback.Store, string) {
	tb.Helper()
	dsn := e.newDB(tb)
	return e.MustOpenAt(tb, dsn), dsn
}

// MustOpenAt opens a store on the database at dsn and closes it at the end
// of the test.
func (e testEngine) MustOpenAt(tb testing.TB, dsn string) *feedback.Store {
	tb.Helper()
	s, err := feedback.Open(context.Background(), dsn)
	require.NoError(tb, err, "open %s store", e.name)
	tb.Cleanup(func() { s.Close() })
	return s
}

// rawDB opens the database at dsn beside the store, for a test to read or
// change what the store's API does not show; it is closed at the end of
// the test. Statements go through e.eng.Bind.
func (e testEngine) rawDB(tb testing.TB, dsn string) *sql.DB {
	tb.Helper()
	if e.eng == sqlstore.SQLite {
		dsn += "?_busy_timeout=10000"
	}
	db, err := sql.Open(e.driver, dsn)
	require.NoError(tb, err)
	tb.Cleanup(func() { db.Close() })
	return db
}
