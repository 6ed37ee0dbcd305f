package points_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/points"
)

// TestAwardIdempotent: an award by the rules earns the rule's points once
// per key, however often it is retried.
func TestAwardIdempotent(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t, points.WithClock(newClock(at(3, 10, 0)).Now))
		first, err := s.Award(ctx, verify("u1", "2026-000123"))
		require.NoError(t, err)
		assert.True(t, first.New)
		assert.Equal(t, 10, first.Entry.Points)
		assert.Equal(t, 10, first.Entry.Balance)
		assert.Equal(t, "s1", first.Entry.By)
		assert.Equal(t, at(3, 10, 0), first.Entry.At)

		again, err := s.Award(ctx, verify("u1", "2026-000123"))
		require.NoError(t, err)
		assert.False(t, again.New, "a retried award writes nothing")
		assert.Equal(t, first.Entry, again.Entry)

		other := verify("u2", "2026-000123")
		_, err = s.Award(ctx, other)
		assert.Equal(t, apperr.EConflict, apperr.Code(err), "a key is one award: %v", err)

		b, err := s.Balance(ctx, "u1")
		require.NoError(t, err)
		assert.Equal(t, 10, b)
		es, err := s.Entries(ctx, "u1", 0)
		require.NoError(t, err)
		assert.Len(t, es, 1)
		got, err := s.FindEntry(ctx, first.Entry.ID)
		require.NoError(t, err)
		assert.Equal(t, first.Entry, got)
	})
}

// TestAwardRefused: what the store refuses before writing anything.
func TestAwardRefused(t *testing.T) {
	rules := points.DefaultRules()
	rules.Earn[points.VolunteerService] = 0
	s, _ := engines[0].MustOpen(t, points.WithRules(rules))
	for _, tc := range []struct {
		name string
		a    points.Award
		code string
		msg  string
	}{
		{"no one acts", points.Award{UserID: "u1", Reason: points.ReportVerified, Key: "k"}, apperr.EInvalid, "操作人"},
		{"no user", points.Award{Reason: points.ReportVerified, By: "s1", Key: "k"}, apperr.EInvalid, "用户 id"},
		{"unknown reason", points.Award{UserID: "u1", Reason: "submitted", By: "s1", Key: "k"}, apperr.EInvalid, "未知的积分事由"},
		{"rule with points", points.Award{UserID: "u1", Reason: points.LeadAdopted, Points: 50, By: "s1", Key: "k"}, apperr.EInvalid, "由规则决定"},
		{"rule without key", points.Award{UserID: "u1", Reason: points.LeadAdopted, By: "s1"}, apperr.EInvalid, "幂等键"},
		{"reason switched off", points.Award{UserID: "u1", Reason: points.VolunteerService, By: "s1", Key: "k"}, apperr.EInvalid, "不计积分"},
		{"manual without note", points.Award{UserID: "u1", Reason: points.Manual, Points: 5, By: "admin"}, apperr.EInvalid, "理由"},
		{"manual negative", points.Award{UserID: "u1", Reason: points.Manual, Points: -5, By: "admin", Note: "扣分"}, apperr.EInvalid, "分值"},
		{"manual too many", points.Award{UserID: "u1", Reason: points.Manual, Points: points.MaxPoints + 1, By: "admin", Note: "x"}, apperr.EInvalid, "分值"},
		{"correction of nothing", points.Award{UserID: "u1", Reason: points.Correction, Points: 5, By: "admin", Note: "x"}, apperr.EInvalid, "记录编号"},
		{"correction of no entry", points.Award{UserID: "u1", Reason: points.Correction, Points: 5, Corrects: 99, By: "admin", Note: "x"}, apperr.ENotFound, "不存在"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Award(context.Background(), tc.a)
			require.Error(t, err)
			assert.Equal(t, tc.code, apperr.Code(err), err)
			assert.Contains(t, apperr.Message(err), tc.msg)
		})
	}
	es, err := s.Entries(context.Background(), "u1", 0)
	require.NoError(t, err)
	assert.Empty(t, es)
}

// TestCaps: awards by the rules are cut to what the daily and monthly caps
// leave, and refused when nothing is left; manual awards and corrections
// are not capped; a new day and a new month start afresh.
func TestCaps(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		clk := newClock(at(1, 9, 0))
		rules := points.Rules{Earn: map[points.Reason]int{points.ReportVerified: 10, points.SuggestionAdopted: 20}, DailyCap: 30, MonthlyCap: 70}
		s, _ := e.MustOpen(t, points.WithRules(rules), points.WithClock(clk.Now))
		award := func(r points.Reason, key string) (points.Result, error) {
			return s.Award(ctx, points.Award{UserID: "u1", Reason: r, By: "s1", Key: key})
		}
		for _, tc := range []struct {
			when   string
			reason points.Reason
			want   int
			cutBy  points.Cap
			refuse string
		}{
			{"1 09:00", points.ReportVerified, 10, "", ""},
			{"1 10:00", points.ReportVerified, 10, "", ""},
			{"1 11:00", points.SuggestionAdopted, 10, points.CapDaily, ""},
			{"1 23:59", points.ReportVerified, 0, "", "今日红色积分已达上限（30 分）"},
			{"2 00:01", points.SuggestionAdopted, 20, "", ""},
			{"3 09:00", points.ReportVerified, 10, "", ""},
			{"3 10:00", points.SuggestionAdopted, 10, points.CapMonthly, ""},
			{"4 09:00", points.ReportVerified, 0, "", "本月红色积分已达上限（70 分）"},
		} {
			var d, h, m int
			_, err := fmt.Sscanf(tc.when, "%d %d:%d", &d, &h, &m)
			require.NoError(t, err)
			clk.Set(at(d, h, m))
			res, err := award(tc.reason, "k"+tc.when)
			if tc.refuse != "" {
				assert.Equal(t, apperr.ETooMany, apperr.Code(err), "%s: %v", tc.when, err)
				assert.Equal(t, tc.refuse+"，本次不再计分", apperr.Message(err), tc.when)
				continue
			}
			require.NoError(t, err, tc.when)
			assert.Equal(t, tc.want, res.Entry.Points, tc.when)
			assert.Equal(t, rules.Earn[tc.reason], res.Requested, tc.when)
			assert.Equal(t, tc.cutBy, res.CutBy, tc.when)
		}
		assertBalance(t, s, "u1", 70)

		// Not capped: an admin's award, a correction.
		m, err := s.Award(ctx, points.Award{UserID: "u1", Reason: points.Manual, Points: 100, By: "admin", Note: "抗洪志愿服务表彰"})
		require.NoError(t, err)
		assert.Equal(t, 100, m.Entry.Points)
		_, err = s.Award(ctx, points.Award{UserID: "u1", Reason: points.Correction, Points: 5, Corrects: m.Entry.ID, By: "admin", Note: "少记 5 分"})
		require.NoError(t, err)
		assertBalance(t, s, "u1", 175)

		// A refused award did not use up its key: retried next month, it earns.
		clk.Set(at(30, 0, 0).AddDate(0, 0, 1))
		res, err := award(points.ReportVerified, "k4 09:00")
		require.NoError(t, err)
		assert.True(t, res.New)
		assert.Equal(t, 10, res.Entry.Points)
		assertBalance(t, s, "u1", 185)
	})
}

// assertBalance checks userID's balance.
func assertBalance(t *testing.T, s *points.Store, userID string, want int) {
	t.Helper()
	got, err := s.Balance(context.Background(), userID)
	require.NoError(t, err)
	assert.Equal(t, want, got, "balance of %s", userID)
}

// TestCorrection: a correction is a new entry; one that would make the
// balance, or what the corrected entry came to, negative is refused.
func TestCorrection(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t)
		r1, err := s.Award(ctx, verify("u1", "2026-000001"))
		require.NoError(t, err)
		fix := func(user string, id int64, n int) (points.Result, error) {
			return s.Award(ctx, points.Award{UserID: user, Reason: points.Correction, Points: n, Corrects: id, By: "admin", Note: "核实有误"})
		}
		_, err = fix("u1", r1.Entry.ID, -11)
		assert.Equal(t, apperr.EInvalid, apperr.Code(err))
		assert.Equal(t, "更正后用户 u1 的积分余额将为负数（现有 10 分，更正 -11 分）", apperr.Message(err))

		r2, err := s.Award(ctx, points.Award{UserID: "u1", Reason: points.LeadAdopted, By: "s1", Key: "lead:1"})
		require.NoError(t, err)
		_, err = fix("u1", r1.Entry.ID, -15)
		assert.Equal(t, apperr.EInvalid, apperr.Code(err))
		assert.Contains(t, apperr.Message(err), "积分记录 1 将为负数", "balance 20, but the entry gave 10")

		c, err := fix("u1", r1.Entry.ID, -10)
		require.NoError(t, err)
		assert.Equal(t, points.Correction, c.Entry.Reason)
		assert.Equal(t, r1.Entry.ID, c.Entry.Corrects)
		assert.Equal(t, 10, c.Entry.Balance)
		_, err = fix("u1", r1.Entry.ID, -1)
		assert.Equal(t, apperr.EInvalid, apperr.Code(err), "the entry came to 0 already")
		_, err = fix("u1", c.Entry.ID, 10)
		assert.Contains(t, apperr.Message(err), "本身是更正")
		_, err = fix("u2", r2.Entry.ID, -5)
		assert.Contains(t, apperr.Message(err), "不属于用户 u2")

		// The original entries are as they were.
		es, err := s.Entries(ctx, "u1", 0)
		require.NoError(t, err)
		require.Len(t, es, 3)
		assert.Equal(t, []int{-10, 10, 10}, []int{es[0].Points, es[1].Points, es[2].Points})
		assert.Equal(t, []int{10, 20, 10}, []int{es[0].Balance, es[1].Balance, es[2].Balance})
		last, err := s.Entries(ctx, "u1", 1)
		require.NoError(t, err)
		assert.Equal(t, es[:1], last)
	})
}

// TestKnown: with a hook, an award to a user it does not know is refused.
func TestKnown(t *testing.T) {
	ctx := context.Background()
	known := func(_ context.Context, id string) (bool, error) {
		if id == "broken" {
			return false, errors.New("tickets store down")
		}
		return id == "u1", nil
	}
	s, _ := engines[0].MustOpen(t, points.WithKnown(known))
	_, err := s.Award(ctx, verify("u1", "2026-000001"))
	require.NoError(t, err)
	_, err = s.Award(ctx, verify("u9", "2026-000002"))
	assert.Equal(t, apperr.ENotFound, apperr.Code(err))
	assert.Contains(t, apperr.Message(err), "未找到用户 u9")
	_, err = s.Award(ctx, verify("broken", "2026-000003"))
	assert.Equal(t, apperr.EInternal, apperr.Code(err))
}

// TestConcurrentAwards: two stores on one database (two replicas) award to
// one user at once; the caps hold and the balances form one chain.
func TestConcurrentAwards(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		clk := newClock(at(5, 12, 0))
		a, dsn := e.MustOpen(t, points.WithClock(clk.Now))
		b := e.MustOpenAt(t, dsn, points.WithClock(clk.Now))
		var wg sync.WaitGroup
		errs := make([]error, 40)
		for i := range errs {
			s := []*points.Store{a, b}[i%2]
			// Each award twice (once on each store): a retried staff action.
			wg.Go(func() { _, errs[i] = s.Award(ctx, verify("u1", fmt.Sprintf("2026-%06d", i/2))) })
		}
		wg.Wait()
		refused := 0
		for _, err := range errs {
			if err != nil {
				require.Equal(t, apperr.ETooMany, apperr.Code(err), err)
				refused++
			}
		}
		assertBalance(t, a, "u1", points.DefaultDailyCap)
		es, err := b.Entries(ctx, "u1", 0)
		require.NoError(t, err)
		require.Len(t, es, points.DefaultDailyCap/10)
		for i, en := range es {
			assert.Equal(t, (len(es)-i)*10, en.Balance, "entry %d", en.ID)
		}
		assert.GreaterOrEqual(t, refused, 40-2*len(es), "at most two calls (one key) per entry succeed")
	})
}
