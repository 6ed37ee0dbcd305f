package stations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"partybot/internal/pgtest"
	"partybot/stations"
)

// testEngine is an engine the store's conformance tests run on.
type testEngine struct{ pgtest.Engine }

var engines = []testEngine{{pgtest.SQLite("stations.db")}, {pgtest.Postgres}}

// eachEngine runs test once per engine, as subtests "sqlite" and
// "postgres". The PostgreSQL one is skipped without
// PARTYBOT_TEST_DATABASE_URL, and fails without it under CI=true.
func eachEngine(t *testing.T, test func(t *testing.T, e testEngine)) {
	t.Helper()
	for _, e := range engines {
		t.Run(e.Name, func(t *testing.T) { test(t, e) })
	}
}

// MustOpen opens a store on a new database; it returns the store and
// where its database is.
func (e testEngine) MustOpen(tb testing.TB) (*stations.Store, string) {
	tb.Helper()
	dsn := e.NewDB(tb)
	return MustOpenAt(tb, dsn), dsn
}

// MustOpenAt opens a store on the database at dsn and closes it at the
// end of the test.
func MustOpenAt(tb testing.TB, dsn string) *stations.Store {
	tb.Helper()
	s, err := stations.Open(context.Background(), dsn)
	require.NoError(tb, err)
	tb.Cleanup(func() { s.Close() })
	return s
}
