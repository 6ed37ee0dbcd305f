package points_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/points"
)

// TestFindEntries: the ledger newest first, by user, by who acted and by
// month, paged, with the corrections of each entry listed.
func TestFindEntries(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		clk := newClock(at(1, 9, 0).AddDate(0, -1, 0)) // October
		s, _ := e.MustOpen(t, points.WithClock(clk.Now))
		oct, err := s.Award(ctx, verify("u1", "2026-000001"))
		require.NoError(t, err)
		clk.Set(at(2, 9, 0))
		_, err = s.Award(ctx, verify("u2", "2026-000002"))
		require.NoError(t, err)
		clk.Set(at(3, 9, 0))
		fix, err := s.Award(ctx, points.Award{UserID: "u1", Reason: points.Correction, Points: -4, Corrects: oct.Entry.ID, By: "admin", Note: "部分属实"})
		require.NoError(t, err)

		ids := func(p points.EntryPage) []int64 {
			var out []int64
			for _, e := range p.Entries {
				out = append(out, e.ID)
			}
			return out
		}
		u1, admin := "u1", "admin"
		novFrom, novTo := s.MonthBounds(at(15, 0, 0))
		for _, tc := range []struct {
			name  string
			f     points.EntryFilter
			total int
			want  []int64
		}{
			{"all", points.EntryFilter{Limit: 10}, 3, []int64{fix.Entry.ID, 2, oct.Entry.ID}},
			{"user", points.EntryFilter{UserID: &u1, Limit: 10}, 2, []int64{fix.Entry.ID, oct.Entry.ID}},
			{"by", points.EntryFilter{By: &admin, Limit: 10}, 1, []int64{fix.Entry.ID}},
			{"month", points.EntryFilter{From: novFrom, To: novTo, Limit: 10}, 2, []int64{fix.Entry.ID, 2}},
			{"page 2", points.EntryFilter{Offset: 1, Limit: 1}, 3, []int64{2}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p, err := s.FindEntries(ctx, tc.f)
				require.NoError(t, err)
				assert.Equal(t, tc.total, p.Total)
				assert.Equal(t, tc.want, ids(p))
			})
		}
		p, err := s.FindEntries(ctx, points.EntryFilter{UserID: &u1, Limit: 10})
		require.NoError(t, err)
		assert.Equal(t, map[int64][]int64{oct.Entry.ID: {fix.Entry.ID}}, p.CorrectedBy)
		assert.Equal(t, oct.Entry.ID, p.Entries[0].Corrects)

		for _, f := range []points.EntryFilter{{}, {Limit: points.MaxFind + 1}, {Limit: 1, Offset: -1}} {
			_, err := s.FindEntries(ctx, f)
			assert.Equal(t, apperr.EInvalid, apperr.Code(err), "%+v", f)
		}
	})
}
