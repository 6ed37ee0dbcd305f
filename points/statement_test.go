package points_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"partybot/points"
)

// TestMonthStatement: a user's month is opening + earned + corrected =
// closing; the workbook has the figures and the month's entries.
func TestMonthStatement(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		clk := newClock(time.Date(2026, 10, 31, 23, 30, 0, 0, cst))
		s, _ := e.MustOpen(t, points.WithClock(clk.Now))
		oct, err := s.Award(ctx, verify("u1", "2026-000001"))
		require.NoError(t, err)
		_, err = s.Award(ctx, points.Award{UserID: "u3", Reason: points.VolunteerService, By: "s1", Key: "vol:1"})
		require.NoError(t, err)
		clk.Set(at(1, 0, 30))
		_, err = s.Award(ctx, points.Award{UserID: "u1", Reason: points.SuggestionAdopted, By: "s1", Key: "sug:7", Note: "驿站选址建议"})
		require.NoError(t, err)
		_, err = s.Award(ctx, points.Award{UserID: "u1", Reason: points.Correction, Points: -5, Corrects: oct.Entry.ID, By: "admin", Note: "部分属实"})
		require.NoError(t, err)
		_, err = s.Award(ctx, points.Award{UserID: "u2", Reason: points.Manual, Points: 15, By: "admin", Note: "表彰"})
		require.NoError(t, err)

		st, err := s.MonthStatement(ctx, at(20, 0, 0))
		require.NoError(t, err)
		assert.Equal(t, "2026年11月", st.Label)
		assert.Equal(t, []points.StatementRow{
			{UserID: "u1", Opening: 10, Earned: 20, Corrected: -5, Closing: 25},
			{UserID: "u2", Opening: 0, Earned: 15, Corrected: 0, Closing: 15},
			{UserID: "u3", Opening: 5, Earned: 0, Corrected: 0, Closing: 5},
		}, st.Users)
		assert.Len(t, st.Entries, 3)

		n, err := s.Awarded(ctx, st.From, st.To)
		require.NoError(t, err)
		assert.Equal(t, 30, n, "20 + 15 - 5")
		n, err = s.Awarded(ctx, time.Time{}, time.Time{})
		require.NoError(t, err)
		assert.Equal(t, 45, n)

		var buf bytes.Buffer
		require.NoError(t, points.WriteXLSX(&buf, st))
		f, err := excelize.OpenReader(&buf)
		require.NoError(t, err)
		defer f.Close()
		rows, err := f.GetRows(points.SheetStatement)
		require.NoError(t, err)
		assert.Equal(t, [][]string{
			{"红色积分月结单：2026年11月"},
			{"用户", "期初余额", "本月获得", "本月更正", "期末余额"},
			{"u1", "10", "20", "-5", "25"},
			{"u2", "0", "15", "0", "15"},
			{"u3", "5", "0", "0", "5"},
			{"合计", "15", "35", "-5", "45"},
		}, rows)
		entries, err := f.GetRows(points.SheetEntries)
		require.NoError(t, err)
		require.Len(t, entries, 4)
		assert.Equal(t, []string{"3", "2026-11-01 00:30", "u1", "20", "建议被采纳", "", "s1", "驿站选址建议", "", "30"}, entries[1])
		assert.Equal(t, "更正", entries[2][4])
		assert.Equal(t, "1", entries[2][8], "the entry corrected")
	})
}
