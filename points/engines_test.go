package points_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, for rawDB

	"partybot/internal/pgtest" // registers the "pgx" driver too
	"partybot/points"
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
		newDB: func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "points.db") }},
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

// MustOpen opens a store with opts on a new database and closes it at the
// end of the test; it returns the store and where its database is.
func (e testEngine) MustOpen(tb testing.TB, opts ...points.Option) (*points.Store, string) {
	tb.Helper()
	dsn := e.newDB(tb)
	return e.MustOpenAt(tb, dsn, opts...), dsn
}

// MustOpenAt opens a store with opts on the database at dsn and closes it
// at the end of the test.
func (e testEngine) MustOpenAt(tb testing.TB, dsn string, opts ...points.Option) *points.Store {
	tb.Helper()
	s, err := points.Open(context.Background(), dsn, opts...)
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

// clock is a settable clock for [points.WithClock].
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// cst is the stores' default time zone.
var cst = time.FixedZone("CST", 8*3600)

// newClock returns a clock at t.
func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// at is the time of day h:m on day d of November 2026 in CST.
func at(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, cst) }

// verify is an award for a verified report of ticket n by staff s1.
func verify(user, n string) points.Award {
	return points.Award{UserID: user, Reason: points.ReportVerified, TicketNumber: n, By: "s1", Key: "verify:" + n}
}
