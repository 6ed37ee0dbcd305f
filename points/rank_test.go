package points_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/points"
)

// TestMonthRank: the month's net points, most first, named only for the
// users who opted in.
func TestMonthRank(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		clk := newClock(at(2, 9, 0))
		s, _ := e.MustOpen(t, points.WithClock(clk.Now))
		manual := func(user string, n int) points.Entry {
			r, err := s.Award(ctx, points.Award{UserID: user, Reason: points.Manual, Points: n, By: "admin", Note: "表彰"})
			require.NoError(t, err)
			return r.Entry
		}
		manual("u1", 30)
		manual("u2", 20)
		manual("u3", 20)
		wrong := manual("u4", 10)
		_, err := s.Award(ctx, points.Award{UserID: "u4", Reason: points.Correction, Points: -10, Corrects: wrong.ID, By: "admin", Note: "误记"})
		require.NoError(t, err)
		clk.Set(at(30, 0, 0).AddDate(0, 0, 1)) // December
		manual("u5", 50)

		require.NoError(t, s.SetRankOptIn(ctx, "u2", " 小李 ", true))
		require.NoError(t, s.SetRankOptIn(ctx, "u1", "老王", true))
		require.NoError(t, s.SetRankOptIn(ctx, "u1", "", false))
		name, on, err := s.RankOptIn(ctx, "u2")
		require.NoError(t, err)
		assert.True(t, on)
		assert.Equal(t, "小李", name)

		rank, err := s.MonthRank(ctx, at(15, 0, 0), 10)
		require.NoError(t, err)
		assert.Equal(t, []points.RankRow{
			{Rank: 1, UserID: "u1", Points: 30},
			{Rank: 2, UserID: "u2", DisplayName: "小李", Points: 20},
			{Rank: 2, UserID: "u3", Points: 20},
		}, rank)
		top, err := s.MonthRank(ctx, at(15, 0, 0), 1)
		require.NoError(t, err)
		assert.Equal(t, rank[:1], top)

		for _, bad := range []string{"", "一二三四五六七八九十一二三四五六七八九十一", "a\x00b"} {
			err := s.SetRankOptIn(ctx, "u3", bad, true)
			assert.Equal(t, apperr.EInvalid, apperr.Code(err), "%q", bad)
		}
		_, err = s.MonthRank(ctx, at(15, 0, 0), 0)
		assert.Equal(t, apperr.EInvalid, apperr.Code(err))
	})
}
