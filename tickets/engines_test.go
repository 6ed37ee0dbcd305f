package tickets_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"partybot/internal/pgtest"
	"partybot/tickets"
)

// testEngine opens stores on one engine for the conformance tests, which
// run every rule of the store on both SQLite and PostgreSQL.
type testEngine struct {
	pgtest.Engine
	open func(ctx context.Context, dsn string, opts ...tickets.Option) (*tickets.Store, error)
}

// latestVersion is the schema version of the newest migration.
const latestVersion = 7

var (
	sqliteEngine   = testEngine{pgtest.SQLite("tickets.db"), tickets.Open}
	postgresEngine = testEngine{pgtest.Postgres, tickets.OpenPostgres}
	engines        = []testEngine{sqliteEngine, postgresEngine}
)

// eachEngine runs test once per engine, as subtests "sqlite" and
// "postgres". The PostgreSQL one is skipped without
// PARTYBOT_TEST_DATABASE_URL, and fails without it under CI=true.
func eachEngine(t *testing.T, test func(t *testing.T, e testEngine)) {
	t.Helper()
	for _, e := range engines {
		t.Run(e.Name, func(t *testing.T) { test(t, e) })
	}
}

// MustOpen opens a store on a new database and closes it at the end of
// the test; it returns the store and where its database is.
func (e testEngine) MustOpen(tb testing.TB, opts ...tickets.Option) (*tickets.Store, string) {
	tb.Helper()
	dsn := e.NewDB(tb)
	return e.MustOpenAt(tb, dsn, opts...), dsn
}

// MustOpenAt opens a store on the database at dsn and closes it at the end
// of the test.
func (e testEngine) MustOpenAt(tb testing.TB, dsn string, opts ...tickets.Option) *tickets.Store {
	tb.Helper()
	s, err := e.open(context.Background(), dsn, opts...)
	require.NoError(tb, err, "open %s store", e.Name)
	tb.Cleanup(func() { s.Close() })
	return s
}
