package points_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"partybot/internal/pgtest"
	"partybot/points"
)

// testEngine is an engine the store's conformance tests run on.
type testEngine struct{ pgtest.Engine }

var engines = []testEngine{{pgtest.SQLite("points.db")}, {pgtest.Postgres}}

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
func (e testEngine) MustOpen(tb testing.TB, opts ...points.Option) (*points.Store, string) {
	tb.Helper()
	dsn := e.NewDB(tb)
	return e.MustOpenAt(tb, dsn, opts...), dsn
}

// MustOpenAt opens a store on the database at dsn and closes it at the end
// of the test.
func (e testEngine) MustOpenAt(tb testing.TB, dsn string, opts ...points.Option) *points.Store {
	tb.Helper()
	s, err := points.Open(context.Background(), dsn, opts...)
	require.NoError(tb, err, "open %s store", e.Name)
	tb.Cleanup(func() { s.Close() })
	return s
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
