package tickets_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"partybot/internal/pgtest"
	"partybot/tickets"
)

// testEngine opens stores on one engine for the conformance tests, which
// run every rule of the store on both SQLite and PostgreSQL.
type testEngine struct {
	name string
	// newDB returns where a new, empty database is: a file in tb's
	// temporary directory, or a schema of the test database dropped at the
	// end of tb.
	newDB func(tb testing.TB) string
	open  func(ctx context.Context, dsn string, opts ...tickets.Option) (*tickets.Store, error)
}

// latestVersion is the schema version of the newest migration.
const latestVersion = 7

var (
	sqliteEngine = testEngine{
		name:  "sqlite",
		newDB: func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "tickets.db") },
		open:  tickets.Open,
	}
	postgresEngine = testEngine{name: "postgres", newDB: pgtest.URL, open: tickets.OpenPostgres}
	engines        = []testEngine{sqliteEngine, postgresEngine}
)

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
func (e testEngine) MustOpen(tb testing.TB, opts ...tickets.Option) (*tickets.Store, string) {
	tb.Helper()
	dsn := e.newDB(tb)
	return e.MustOpenAt(tb, dsn, opts...), dsn
}

// MustOpenAt opens a store on the database at dsn and closes it at the end
// of the test.
func (e testEngine) MustOpenAt(tb testing.TB, dsn string, opts ...tickets.Option) *tickets.Store {
	tb.Helper()
	s, err := e.open(context.Background(), dsn, opts...)
	require.NoError(tb, err, "open %s store", e.name)
	tb.Cleanup(func() { s.Close() })
	return s
}
