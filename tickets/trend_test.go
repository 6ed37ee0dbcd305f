package tickets_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/tickets"
)

// trendFixture files, on the store s at clock c, demands in January and
// March 2026 (none in February) and rates some of them: January two for
// 人社 (rated 5 and 3), March one for 人社 (rated 4) and two for 司法,
// categories 欠薪 ×3, 法律援助 ×1 and none ×1.
func trendFixture(t *testing.T, s *tickets.Store, c *clock) {
	t.Helper()
	ctx := context.Background()
	file := func(user, dept, category string, rating int) {
		t.Helper()
		tk, err := s.CreateTicket(ctx, tickets.NewTicket{SubmitterID: user, SubmitterName: user, Text: "诉求 " + user,
			Department: dept, Category: category, Confidence: 1})
		require.NoError(t, err)
		if rating == 0 {
			return
		}
		_, err = s.Accept(ctx, admin, tk.Number, "")
		require.NoError(t, err)
		_, err = s.Resolve(ctx, admin, tk.Number, "已办理")
		require.NoError(t, err)
		_, err = s.Rate(ctx, tickets.Viewer{UserID: user}, tk.Number, rating, "")
		require.NoError(t, err)
	}
	c.Add(time.Date(2026, 1, 10, 9, 0, 0, 0, tickets.DefaultLocation).Sub(c.Now()))
	file("u1", "renshe", "欠薪", 5)
	file("u2", "renshe", "欠薪", 3)
	c.Add(time.Date(2026, 3, 5, 9, 0, 0, 0, tickets.DefaultLocation).Sub(c.Now()))
	file("u3", "renshe", "欠薪", 4)
	file("u4", "sifa", "法律援助", 0)
	file("u5", "sifa", "", 0)
}

func TestTrend(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		c := newClock()
		s, _ := e.MustOpen(t, tickets.WithClock(c.Now))
		trendFixture(t, s, c)
		loc := tickets.DefaultLocation
		from, to := time.Date(2025, 12, 1, 0, 0, 0, 0, loc), time.Date(2026, 4, 1, 0, 0, 0, 0, loc)
		f := tickets.StatsFilter{From: from, To: to}

		months, err := s.Trend(ctx, admin, f)
		require.NoError(t, err)
		require.Len(t, months, 4, "Dec, Jan, Feb, Mar")
		var received []int
		for i, m := range months {
			assert.Equal(t, from.AddDate(0, i, 0), m.Month, "month %d", i)
			received = append(received, m.Received)
		}
		assert.Equal(t, []int{0, 2, 0, 3}, received, "received per month")
		assert.Equal(t, 2, months[1].Rated)
		assert.Equal(t, 8, months[1].RatingSum)
		assert.Equal(t, 4.0, months[1].AverageRating)
		assert.Equal(t, 0.5, months[1].SatisfactionRate)

		// A month of the trend counts as Stats does for that month.
		march := tickets.StatsFilter{From: from.AddDate(0, 3, 0), To: to}
		st, err := s.Stats(ctx, admin, march)
		require.NoError(t, err)
		want := st.Total
		want.Department, want.Name = "", ""
		want.Reports, want.ReportsVerified, want.ReportsFixed, want.Suggestions, want.SuggestionsAdopted = 0, 0, 0, 0, 0
		assert.Equal(t, want, months[3].DepartmentStats, "March as Stats counts it")

		// Staff see their department's months only.
		mine, err := s.Trend(ctx, staff("sifa"), f)
		require.NoError(t, err)
		assert.Equal(t, 0, mine[1].Received, "sifa in January")
		assert.Equal(t, 2, mine[3].Received, "sifa in March")

		for _, tc := range []struct {
			name string
			v    tickets.Viewer
			f    tickets.StatsFilter
			code string
		}{
			{"resident", user("u1"), f, apperr.EForbidden},
			{"unbounded", admin, tickets.StatsFilter{From: from}, apperr.EInvalid},
			{"too long", admin, tickets.StatsFilter{From: time.Date(2001, 1, 1, 0, 0, 0, 0, loc), To: to}, apperr.EInvalid},
			{"reversed", admin, tickets.StatsFilter{From: to, To: from}, apperr.EInvalid},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.Trend(ctx, tc.v, tc.f)
				wantCode(t, err, tc.code)
			})
		}
	})
}

func TestBreakdown(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		c := newClock()
		s, _ := e.MustOpen(t, tickets.WithClock(c.Now))
		trendFixture(t, s, c)
		loc := tickets.DefaultLocation
		all := tickets.StatsFilter{From: time.Date(2026, 1, 1, 0, 0, 0, 0, loc), To: time.Date(2026, 4, 1, 0, 0, 0, 0, loc)}

		b, err := s.Breakdown(ctx, admin, all)
		require.NoError(t, err)
		assert.Equal(t, []tickets.CategoryCount{{"欠薪", 3}, {"", 1}, {"法律援助", 1}}, b.Categories)
		assert.Equal(t, map[string]tickets.Rating{"renshe": {Rated: 3, Sum: 12}}, b.Ratings)
		assert.Equal(t, 4.0, b.Ratings["renshe"].Average())

		b, err = s.Breakdown(ctx, staff("sifa"), all)
		require.NoError(t, err)
		assert.Equal(t, []tickets.CategoryCount{{"", 1}, {"法律援助", 1}}, b.Categories, "sifa's only")
		assert.Empty(t, b.Ratings)

		_, err = s.Breakdown(ctx, user("u1"), all)
		wantCode(t, err, apperr.EForbidden)
	})
}

// BenchmarkTrend100k measures the twelve-month trend and a month's
// breakdown over 100,000 tickets on SQLite.
func BenchmarkTrend100k(b *testing.B) {
	benchTrend(b, sqliteEngine)
}

// BenchmarkPostgresTrend100k is BenchmarkTrend100k on PostgreSQL. It needs
// PARTYBOT_TEST_DATABASE_URL.
func BenchmarkPostgresTrend100k(b *testing.B) {
	benchTrend(b, postgresEngine)
}

func benchTrend(b *testing.B, e testEngine) {
	s, end := open100k(b, e)
	ctx := context.Background()
	b.Run("trend-year", func(b *testing.B) {
		for b.Loop() {
			_, err := s.Trend(ctx, admin, tickets.StatsFilter{From: end.AddDate(-1, 0, 0), To: end})
			require.NoError(b, err)
		}
	})
	b.Run("breakdown-month", func(b *testing.B) {
		for b.Loop() {
			_, err := s.Breakdown(ctx, admin, tickets.StatsFilter{From: end.AddDate(0, -1, 0), To: end})
			require.NoError(b, err)
		}
	})
}
