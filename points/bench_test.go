package points_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"partybot/points"
)

// fill writes n entries of userID (one point each, balance 1 … n) and n of
// other users straight into the database at dsn, in batches: a user with a
// long history, as Award would have left it.
func fill(tb testing.TB, e testEngine, dsn, userID string, n int) {
	tb.Helper()
	ctx := context.Background()
	db := e.RawDB(tb, dsn)
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(tb, err)
	defer tx.Rollback()
	const batch = 500
	for start := 0; start < 2*n; start += batch {
		var rows []string
		var args []any
		for i := start; i < min(start+batch, 2*n); i++ {
			user, seq := userID, i/2+1
			if i%2 == 1 {
				user = fmt.Sprintf("other%d", i%97)
				seq = i/(2*97) + 1
			}
			rows = append(rows, "(?, ?, 1, ?, 'manual', 'admin', ?)")
			args = append(args, user, seq, seq, int64(1_700_000_000_000+i))
		}
		_, err := tx.ExecContext(ctx, e.Eng.Bind("INSERT INTO points_entries (user_id, seq, points, balance, reason, by_user, created_at) VALUES "+
			strings.Join(rows, ", ")), args...)
		require.NoError(tb, err)
	}
	require.NoError(tb, tx.Commit())
}

// BenchmarkBalance10k reads the balance of a user with 10,000 entries
// (among 20,000); the target is under 5 ms.
func BenchmarkBalance10k(b *testing.B) {
	for _, e := range engines {
		b.Run(e.Name, func(b *testing.B) {
			ctx := context.Background()
			s, dsn := e.MustOpen(b)
			fill(b, e, dsn, "heavy", 10_000)
			r, err := s.Award(ctx, points.Award{UserID: "heavy", Reason: points.Manual, Points: 5, By: "admin", Note: "基准"})
			require.NoError(b, err)
			require.Equal(b, 10_005, r.Entry.Balance)
			b.ResetTimer()
			for b.Loop() {
				if n, err := s.Balance(ctx, "heavy"); err != nil || n != 10_005 {
					b.Fatalf("balance = %d, %v", n, err)
				}
			}
		})
	}
}

// TestBalanceLongHistory: awards to a user with a long history go on from
// the newest entry (BenchmarkBalance10k times it with 10,000).
func TestBalanceLongHistory(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, dsn := e.MustOpen(t)
		fill(t, e, dsn, "heavy", 2_000)
		assertBalance(t, s, "heavy", 2_000)
		_, err := s.Award(context.Background(), verify("heavy", "2026-000001"))
		require.NoError(t, err)
		assertBalance(t, s, "heavy", 2_010)
	})
}

// BenchmarkAward awards points by hand to one user with a growing history:
// one transaction holding the user's lock.
func BenchmarkAward(b *testing.B) {
	for _, e := range engines {
		b.Run(e.Name, func(b *testing.B) {
			ctx := context.Background()
			s, _ := e.MustOpen(b)
			for b.Loop() {
				if _, err := s.Award(ctx, points.Award{UserID: "u1", Reason: points.Manual, Points: 1, By: "admin", Note: "基准"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
