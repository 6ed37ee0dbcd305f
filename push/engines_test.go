package push_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"partybot/internal/pgtest"
	"partybot/push"
)

// testEngine is an engine the store's conformance tests run on.
type testEngine struct{ pgtest.Engine }

var engines = []testEngine{{pgtest.SQLite("push.db")}, {pgtest.Postgres}}

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
func (e testEngine) MustOpen(tb testing.TB, opts ...push.Option) (*push.Store, string) {
	tb.Helper()
	dsn := e.NewDB(tb)
	return e.MustOpenAt(tb, dsn, opts...), dsn
}

// MustOpenAt opens a store on the database at dsn and closes it at the end
// of the test.
func (e testEngine) MustOpenAt(tb testing.TB, dsn string, opts ...push.Option) *push.Store {
	tb.Helper()
	s, err := push.Open(context.Background(), dsn, opts...)
	require.NoError(tb, err, "open %s store", e.Name)
	tb.Cleanup(func() { s.Close() })
	return s
}
