package push_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, for rawDB

	"partybot/internal/pgtest" // registers the "pgx" driver too
	"partybot/push"
	"partybot/sqlstore"
)

// testEngine makes databases on one engine; every store test runs on
// SQLite and PostgreSQL.
type testEngine struct {
	name   string
	eng    sqlstore.Engine
	newDB  func(tb testing.TB) string // a new, empty database
	driver string                     // rawDB's driver
}

var engines = []testEngine{
	{name: "sqlite", eng: sqlstore.SQLite, driver: "sqlite",
		newDB: func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "push.db") }},
	{name: "postgres", eng: sqlstore.Postgres, driver: "pgx", newDB: pgtest.URL},
}

// eachEngine runs test once per engine, as subtests "sqlite" and
// "postgres"; the PostgreSQL one is skipped without
// PARTYBOT_TEST_DATABASE_URL (see pgtest).
func eachEngine(t *testing.T, test func(t *testing.T, e testEngine)) {
	t.Helper()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { test(t, e) })
	}
}

// MustOpen opens a store on a new database, closed at the end of the
// test, and returns it with where its database is.
func (e testEngine) MustOpen(tb testing.TB, opts ...push.Option) (*push.Store, string) {
	tb.Helper()
	dsn := e.newDB(tb)
	return e.MustOpenAt(tb, dsn, opts...), dsn
}

// MustOpenAt opens a store on the database at dsn, closed at the end of
// the test.
func (e testEngine) MustOpenAt(tb testing.TB, dsn string, opts ...push.Option) *push.Store {
	tb.Helper()
	s, err := push.Open(context.Background(), dsn, opts...)
	require.NoError(tb, err, "open %s store", e.name)
	tb.Cleanup(func() { s.Close() })
	return s
}

// rawDB opens the database at dsn beside the store, closed at the end of
// the test; statements go through e.eng.Bind.
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
