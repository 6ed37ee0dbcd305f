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

func TestStats(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		c := newClock()
		s, _ := e.MustOpen(t, tickets.WithClock(c.Now))
		t0 := c.Now()
		rs := staff("renshe")
		onTime := MustCreate(t, s, "u1", "老板拖欠工资")
		late := MustCreate(t, s, "u2", "公司不给交社保")
		open := MustCreate(t, s, "u3", "工伤认定怎么申请")
		reopened := MustCreate(t, s, "u4", "想请律师打官司，申请法律援助")
		step := func(at time.Duration, fn func() error) {
			t.Helper()
			c.Add(t0.Add(at).Sub(c.Now()))
			require.NoError(t, fn())
		}
		do := func(_ *tickets.Ticket, err error) error { return err }
		step(time.Hour, func() error { return do(s.Accept(ctx, rs, onTime.Number, "")) })
		step(time.Hour, func() error { return do(s.Accept(ctx, admin, reopened.Number, "")) })
		step(2*time.Hour, func() error { return do(s.Resolve(ctx, rs, onTime.Number, "已发放")) })
		step(2*time.Hour, func() error { return do(s.Resolve(ctx, admin, reopened.Number, "已答复")) })
		step(3*time.Hour, func() error { return do(s.Rate(ctx, user("u1"), onTime.Number, 5, "")) })
		step(3*time.Hour, func() error { return do(s.Rate(ctx, user("u4"), reopened.Number, 1, "")) })
		step(30*time.Hour, func() error { return do(s.Accept(ctx, rs, late.Number, "")) })
		step(130*time.Hour, func() error { return do(s.Resolve(ctx, rs, late.Number, "已补缴")) })
		step(131*time.Hour, func() error { return do(s.Rate(ctx, user("u2"), late.Number, 3, "")) })
		c.Add(t0.Add(200 * time.Hour).Sub(c.Now()))
		_ = open
		// one more ticket next month: outside the period
		c.Add(30 * 24 * time.Hour)
		MustCreate(t, s, "u5", "老板拖欠工资")

		from := time.Date(2026, 3, 1, 0, 0, 0, 0, tickets.DefaultLocation)
		to := from.AddDate(0, 1, 0)
		st, err := s.Stats(ctx, admin, tickets.StatsFilter{From: from, To: to})
		require.NoError(t, err)
		require.Len(t, st.Departments, 13, "department rows")
		got := map[string]tickets.DepartmentStats{}
		for _, d := range st.Departments {
			got[d.Department] = d
		}
		want := tickets.DepartmentStats{
			Department: "renshe", Name: "区人社局", Received: 3,
			ResponseDue: 3, RespondedOnTime: 1, ResponseRate: 0.333,
			ResolutionDue: 3, ResolvedOnTime: 1, OnTimeRate: 0.333,
			Rated: 2, Satisfied: 1, SatisfactionRate: 0.5,
			Open: 1, Overdue: 1,
		}
		assert.Equal(t, want, got["renshe"], "renshe")
		// reopened after a rating of 1: open again, rated 1, not yet due
		wantSifa := tickets.DepartmentStats{Department: "sifa", Name: "区司法局", Received: 1, ResponseDue: 1, RespondedOnTime: 0,
			ResolutionDue: 1, ResolvedOnTime: 0, Rated: 1, Satisfied: 0, Open: 1, Overdue: 1}
		assert.Equal(t, wantSifa, got["sifa"], "sifa")
		assert.Equal(t, 4, st.Total.Received, "total %+v", st.Total)
		assert.Equal(t, 2, st.Total.Open, "total %+v", st.Total)

		// staff see their department only; others nothing
		mine, err := s.Stats(ctx, rs, tickets.StatsFilter{From: from, To: to})
		require.NoError(t, err)
		assert.Equal(t, []tickets.DepartmentStats{want}, mine.Departments, "staff stats")
		other := "sifa"
		_, err = s.Stats(ctx, rs, tickets.StatsFilter{Department: &other})
		wantCode(t, err, apperr.EForbidden)
		_, err = s.Stats(ctx, user("u1"), tickets.StatsFilter{})
		wantCode(t, err, apperr.EForbidden)

		all, err := s.Stats(ctx, admin, tickets.StatsFilter{})
		require.NoError(t, err)
		assert.Equal(t, 5, all.Total.Received, "unbounded period: received")
	})
}

// BenchmarkStats100k measures the statistics query over 100,000 tickets
// on SQLite.
func BenchmarkStats100k(b *testing.B) {
	benchStats(b, sqliteEngine)
}

// BenchmarkPostgresStats100k is BenchmarkStats100k on PostgreSQL. It needs
// PARTYBOT_TEST_DATABASE_URL.
func BenchmarkPostgresStats100k(b *testing.B) {
	benchStats(b, postgresEngine)
}

// open100k opens a store of engine e holding 100,000 synthetic tickets
// before end, the store's clock standing at end.
func open100k(b *testing.B, e testEngine) (s *tickets.Store, end time.Time) {
	end = time.Date(2026, 7, 1, 0, 0, 0, 0, tickets.DefaultLocation)
	s, _ = e.MustOpen(b, tickets.WithClock(func() time.Time { return end }))
	tickets.InsertSyntheticTickets(b, s, 100_000, end, 1)
	return s, end
}

func benchStats(b *testing.B, e testEngine) {
	s, end := open100k(b, e)
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		f    tickets.StatsFilter
	}{
		{"year", tickets.StatsFilter{From: end.AddDate(-1, 0, 0), To: end}},
		{"month", tickets.StatsFilter{From: end.AddDate(0, -1, 0), To: end}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var st *tickets.Stats
			for b.Loop() {
				var err error
				st, err = s.Stats(ctx, admin, bc.f)
				require.NoError(b, err)
			}
			b.ReportMetric(float64(st.Total.Received), "tickets")
		})
	}
}
