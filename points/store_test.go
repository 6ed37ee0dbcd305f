package points_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/points"
	"partybot/sqlstore"
)

// TestAppendOnly: the database itself refuses to change or delete an
// entry, whatever program writes to it.
func TestAppendOnly(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, dsn := e.MustOpen(t)
		_, err := s.Award(ctx, verify("u1", "2026-000001"))
		require.NoError(t, err)
		db := e.RawDB(t, dsn)
		for _, stmt := range []string{
			"UPDATE points_entries SET points = 500, balance = 500",
			"DELETE FROM points_entries",
		} {
			_, err := db.ExecContext(ctx, stmt)
			require.Error(t, err, stmt)
			assert.Contains(t, err.Error(), "append-only", stmt)
		}
		if e.Eng == sqlstore.Postgres {
			_, err := db.ExecContext(ctx, "TRUNCATE points_entries")
			assert.ErrorContains(t, err, "append-only")
		}
		assertBalance(t, s, "u1", 10)
	})
}

// TestOpenRefuses: rules that do not validate, and a file that is not a
// points ledger.
func TestOpenRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	_, err := points.Open(ctx, filepath.Join(dir, "points.db"), points.WithRules(points.Rules{DailyCap: -1}))
	assert.ErrorContains(t, err, "points.daily_cap")

	empty := filepath.Join(dir, "empty.db")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	_, err = points.Open(ctx, empty)
	require.Error(t, err)
	assert.Contains(t, apperr.Message(err), "积分库")
}
