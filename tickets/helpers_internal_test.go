package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"partybot/sqlstore"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// InsertSyntheticTickets writes n tickets spread over the year before end
// straight into the database, in one transaction, for statistics benchmarks.
// Statuses, response and resolution times, ratings and kinds (a tenth
// reports, a twentieth suggestions, with outcomes) vary pseudo-randomly.
func InsertSyntheticTickets(tb testing.TB, s *Store, n int, end time.Time, seed uint64) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, seed))
	ctx := context.Background()
	const cols = 19 // parameters per row
	perInsert := 45 // rows per statement: SQLite takes 999 parameters
	if s.sql.eng == sqlstore.Postgres {
		perInsert = 500
	}
	row := "(?, ?, ?, ?, '', 'chat', ?, '', '', ?, 'normal', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)"
	err := s.write(ctx, func(tx *sql.Tx) error {
		start := end.AddDate(-1, 0, 0)
		span := end.Sub(start)
		var args []any
		flush := func() error {
			if len(args) == 0 {
				return nil
			}
			rows := strings.TrimSuffix(strings.Repeat(row+", ", len(args)/cols), ", ")
			_, err := s.exec(ctx, tx, `INSERT INTO tickets (number, year, seq, submitter_id, submitter_name, channel,
				text, summary, category, department, urgency, status, created_at, respond_due, due_at, accepted_at,
				resolved_at, rated_at, closed_at, updated_at, rating, overdue, escalation, kind, outcome)
				VALUES `+rows, args...)
			args = args[:0]
			return err
		}
		for i := range n {
			d := s.depts.list[rng.IntN(len(s.depts.list))]
			created := start.Add(time.Duration(rng.Int64N(int64(span))))
			respond, resolve := d.Deadlines(UrgencyNormal)
			var accepted, resolved, rated, closed any
			var rating any
			status := StatusDispatched
			r := rng.Float64()
			if r < 0.85 {
				status = StatusAccepted
				accepted = created.Add(time.Duration(rng.Float64() * 1.3 * float64(respond))).UnixMilli()
			}
			if r < 0.7 {
				status = StatusResolved
				resolved = created.Add(time.Duration(rng.Float64() * 1.2 * float64(resolve))).UnixMilli()
			}
			if r < 0.5 {
				status = StatusClosed
				rating = 1 + rng.IntN(5)
				rated, closed = resolved, resolved
			}
			kind, outcome, due := syntheticKind(rng, resolved != nil, created.Add(resolve).UnixMilli())
			args = append(args, FormatNumber(1900+i/1000000, i%1000000+1), 1900+i/1000000, i%1000000+1,
				fmt.Sprintf("u%d", rng.IntN(5000)), "synthetic demand", d.Key, status, created.UnixMilli(),
				created.Add(respond).UnixMilli(), due, accepted, resolved, rated, closed,
				created.UnixMilli(), rating, false, kind, outcome)
			if len(args) == perInsert*cols {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return flush()
	})
	require.NoError(tb, err, "insert synthetic tickets")
	// Fresh statistics for the planner, as autovacuum would keep them.
	if s.sql.eng == sqlstore.Postgres {
		_, err := s.db.ExecContext(ctx, "VACUUM ANALYZE tickets")
		require.NoError(tb, err, "vacuum")
	}
}

// syntheticKind picks a synthetic ticket's kind, outcome and due date
// (none for a suggestion).
func syntheticKind(rng *rand.Rand, resolved bool, due int64) (Kind, Outcome, any) {
	switch r := rng.Float64(); {
	case r < 0.1:
		o := Outcome("")
		if resolved {
			o = []Outcome{OutcomeVerified, OutcomeAdopted, OutcomeRejected, ""}[rng.IntN(4)]
		}
		return KindReport, o, due
	case r < 0.15:
		o := Outcome("")
		if resolved {
			o = []Outcome{OutcomeAdopted, OutcomePartlyAdopted, OutcomeRejected}[rng.IntN(3)]
		}
		return KindSuggestion, o, nil
	}
	return KindDemand, "", due
}

// Bind returns the statement q, written with ? placeholders, in s's
// engine's form, for tests that write SQL of their own.
func Bind(s *Store, q string) string { return s.sql.bind(q) }

// TestWriteBatchIsolation checks the group commit: concurrent writes share
// transactions, and a write that fails after writing leaves no trace while
// the writes around it commit.
func TestWriteBatchIsolation(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	require.NoError(t, err)
	defer s.Close()
	ctx := context.Background()
	errBoom := errors.New("boom")
	const n = 64
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.write(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, "INSERT INTO ticket_seq (year, last) VALUES (?, 1)", 3000+i); err != nil {
					return err
				}
				if i%3 == 0 {
					return errBoom // after writing: the savepoint must undo the insert
				}
				if i%7 == 0 {
					panic("bad write")
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case i%3 == 0:
			assert.ErrorIs(t, err, errBoom, "write %d", i)
		case i%7 == 0:
			assert.Error(t, err, "write %d: panicking write returned nil", i)
		default:
			assert.NoError(t, err, "write %d", i)
		}
	}
	for i := range n {
		var c int
		require.NoError(t, s.db.QueryRowContext(ctx, "SELECT count(*) FROM ticket_seq WHERE year = ?", 3000+i).Scan(&c))
		want := 1
		if i%3 == 0 || i%7 == 0 {
			want = 0
		}
		assert.Equal(t, want, c, "write %d: rows", i)
	}
}

func TestWriteAfterClose(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "second Close")
	err = s.write(context.Background(), func(*sql.Tx) error { return nil })
	assert.ErrorIs(t, err, ErrClosed, "write after Close")
}

// TestStatsPackedMatchesPlain: the packed statistics query and the plain
// one agree, and the fallback to the plain one works.
func TestStatsPackedMatchesPlain(t *testing.T) {
	end := time.Date(2026, 7, 1, 0, 0, 0, 0, DefaultLocation)
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.db"), WithClock(func() time.Time { return end }))
	require.NoError(t, err)
	defer s.Close()
	InsertSyntheticTickets(t, s, 3000, end, 7)
	v := Viewer{Admin: true}
	f := StatsFilter{From: end.AddDate(0, -6, 0), To: end}
	packed, err := s.Stats(context.Background(), v, f)
	require.NoError(t, err)
	defer func(old int) { packLimit = old }(packLimit)
	packLimit = 1 // every group takes the plain query
	plain, err := s.Stats(context.Background(), v, f)
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprint(packed), fmt.Sprint(plain), "packed and plain statistics differ")
	tot := packed.Total
	assert.True(t, tot.Received != 0 && tot.Overdue != 0 && tot.Satisfied != 0 && tot.ResolvedOnTime != 0 &&
		tot.ReportsVerified != 0 && tot.ReportsFixed != 0 && tot.SuggestionsAdopted != 0, "fixture too thin: %+v", tot)
}
