package push_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkPlan100k plans a document on a SQLite store of 100,000
// subscriptions: "cached" as every plan after the first (the store keeps
// its index until subscriptions change), "cold" after a change (reading
// them all and indexing again).
func BenchmarkPlan100k(b *testing.B) {
	ctx := context.Background()
	e := engines[0]
	s, dsn := e.MustOpen(b)
	db := e.RawDB(b, dsn)
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(b, err)
	subs := subscriptions(100_000)
	for start := 0; start < len(subs); start += 500 {
		batch := subs[start:min(start+500, len(subs))]
		var args []any
		for _, s := range batch {
			args = append(args, s.UserID, s.ChatID, strings.Join(s.Audiences, "\n"), strings.Join(s.Topics, "\n"), 0, 0)
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO push_subscriptions (user_id, chat_id, audiences, topics, created_at, updated_at) VALUES "+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", len(batch)), ", "), args...)
		require.NoError(b, err)
	}
	require.NoError(b, tx.Commit())
	doc := mustDoc(b, "rider.txt")
	now := time.Now()
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			_, err := s.Plan(ctx, doc, now)
			require.NoError(b, err)
		}
	})
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			_, err := db.ExecContext(ctx, "UPDATE push_state SET rev = rev + 1")
			require.NoError(b, err)
			b.StartTimer()
			_, err = s.Plan(ctx, doc, now)
			require.NoError(b, err)
		}
	})
}
