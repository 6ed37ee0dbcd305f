package web

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"partybot/tickets"
)

// TestUrgentFirst: keeping the best n gives the first n of the full sort.
func TestUrgentFirst(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var ts []*tickets.Ticket
	for i := range 3000 {
		tk := &tickets.Ticket{ID: int64(i + 1), Overdue: rng.IntN(5) == 0,
			Status:  tickets.Statuses[rng.IntN(len(tickets.Statuses))],
			Urgency: []tickets.Urgency{tickets.UrgencyNormal, tickets.UrgencyUrgent}[rng.IntN(2)]}
		if rng.IntN(10) > 0 {
			tk.DueAt = base.Add(time.Duration(rng.IntN(100)) * time.Hour)
		}
		ts = append(ts, tk)
	}
	all := urgentFirst(slices.Clone(ts), len(ts))
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if a.Overdue != b.Overdue {
			assert.True(t, a.Overdue, "overdue first")
		}
	}
	ids := func(ts []*tickets.Ticket) []int64 {
		out := make([]int64, len(ts))
		for i, t := range ts {
			out[i] = t.ID
		}
		return out
	}
	for _, n := range []int{1, 50, 100, 2001} {
		got := urgentFirst(slices.Clone(ts), n)
		assert.GreaterOrEqual(t, len(got), n)
		assert.Equal(t, ids(all[:n]), ids(got[:n]), "n=%d", n)
	}
}
