package tickets_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/tickets"
)

// north returns the point m metres north of p.
func north(p tickets.LatLng, m float64) tickets.LatLng {
	return tickets.LatLng{Lat: p.Lat + m/111195.08, Lng: p.Lng}
}

// east returns the point m metres east of p.
func east(p tickets.LatLng, m float64) tickets.LatLng {
	q := tickets.LatLng{Lat: p.Lat, Lng: p.Lng + 0.001}
	return tickets.LatLng{Lat: p.Lat, Lng: p.Lng + 0.001*m/tickets.Distance(p, q)}
}

func TestDuplicateReports(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		tests := []struct {
			name   string
			second func(first *tickets.Ticket) tickets.NewTicket
			wait   time.Duration // between the two reports
			before func(ctx context.Context, s *tickets.Store, first *tickets.Ticket)
			dup    bool
		}{
			{"18 m north", func(*tickets.Ticket) tickets.NewTicket { return report("u2", north(tiananmen, 18)) }, time.Hour, nil, true},
			{"49 m east", func(*tickets.Ticket) tickets.NewTicket { return report("u2", east(tiananmen, 49)) }, time.Hour, nil, true},
			{"80 m north", func(*tickets.Ticket) tickets.NewTicket { return report("u2", north(tiananmen, 80)) }, time.Hour, nil, false},
			{"80 m east", func(*tickets.Ticket) tickets.NewTicket { return report("u2", east(tiananmen, 80)) }, time.Hour, nil, false},
			{"after 24 hours", func(*tickets.Ticket) tickets.NewTicket { return report("u2", north(tiananmen, 18)) }, 24*time.Hour + time.Minute, nil, false},
			{"another category", func(*tickets.Ticket) tickets.NewTicket {
				n := report("u2", north(tiananmen, 18))
				n.Category = "路灯"
				return n
			}, time.Hour, nil, false},
			{"a suggestion", func(*tickets.Ticket) tickets.NewTicket {
				n := report("u2", north(tiananmen, 18))
				n.Kind = tickets.KindSuggestion
				return n
			}, time.Hour, nil, false},
			{"the first resolved", func(*tickets.Ticket) tickets.NewTicket { return report("u2", north(tiananmen, 18)) }, time.Hour,
				func(ctx context.Context, s *tickets.Store, first *tickets.Ticket) {
					_, err := s.Accept(ctx, admin, first.Number, "")
					require.NoError(t, err)
					_, err = s.Resolve(ctx, admin, first.Number, "已更换井盖")
					require.NoError(t, err)
				}, false},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				c := newClock()
				s, _ := e.MustOpen(t, tickets.WithClock(c.Now))
				ctx := context.Background()
				first := mustFile(t, s, report("u1", tiananmen))
				assert.Empty(t, first.Duplicates, "first report")
				if tc.before != nil {
					tc.before(ctx, s, first)
				}
				c.Add(tc.wait)
				n := tc.second(first)
				dist := tickets.Distance(tiananmen, *n.Coords)
				second := mustFile(t, s, n)
				stored, err := s.FindTicketByNumber(ctx, admin, second.Number)
				require.NoError(t, err)
				notice := dispatchNotice(t, s, second.Number)
				if !tc.dup {
					assert.Empty(t, stored.Duplicates, "%.0f m away", dist)
					assert.NotContains(t, notice, "疑似重复")
					return
				}
				assert.Equal(t, []string{first.Number}, stored.Duplicates, "%.0f m away", dist)
				assert.Contains(t, notice, fmt.Sprintf("疑似重复：与 %s 相距 %.0f 米", first.Number, dist))
				assert.Contains(t, stored.Describe(""), "疑似重复："+first.Number, "Describe")
			})
		}
	})
}

func TestDuplicatesNearestFirst(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, _ := e.MustOpen(t)
		far := mustFile(t, s, report("u1", north(tiananmen, 40)))
		near := mustFile(t, s, report("u2", north(tiananmen, 5)))
		third := mustFile(t, s, report("u3", tiananmen))
		assert.Equal(t, []string{far.Number}, near.Duplicates, "second report")
		assert.Equal(t, []string{near.Number, far.Number}, third.Duplicates, "third report")
		assert.Contains(t, dispatchNotice(t, s, third.Number), "疑似重复：与 "+near.Number+" 相距 5 米；与 "+far.Number+" 相距 40 米")
	})
}

// dispatchNotice returns the text of the department's notice of number.
func dispatchNotice(tb testing.TB, s *tickets.Store, number string) string {
	tb.Helper()
	ns, err := s.PendingNotifications(context.Background(), 100)
	require.NoError(tb, err)
	for _, n := range ns {
		if n.Number == number && n.Kind == "dispatched" {
			return n.Text
		}
	}
	tb.Fatalf("no dispatch notice of %s in %+v", number, ns)
	return ""
}

// BenchmarkCreateReport files reports with coordinates, one at a time,
// each compared with the open reports of its category nearby: the
// reports fall within 1 km of one another, so that every lookup has
// candidates in its bounding box.
func BenchmarkCreateReport(b *testing.B) {
	s, _ := MustOpenStore(b)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		p := east(north(tiananmen, float64(i*37%1000)), float64(i*53%1000))
		_, err := s.CreateTicket(ctx, report("u", p))
		require.NoError(b, err)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
}
