package tickets_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/tickets"
)

func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, tickets.DefaultLocation)
}

func TestParsePeriod(t *testing.T) {
	now := time.Date(2026, 1, 20, 15, 0, 0, 0, tickets.DefaultLocation)
	tests := []struct {
		arg         string
		from, to    time.Time
		label, slug string
	}{
		{"", day(2026, 1, 1), day(2026, 2, 1), "2026年1月", "2026-01"},
		{"本月", day(2026, 1, 1), day(2026, 2, 1), "2026年1月", "2026-01"},
		{"上月", day(2025, 12, 1), day(2026, 1, 1), "2025年12月", "2025-12"},
		{"本年", day(2026, 1, 1), day(2027, 1, 1), "2026年", "2026"},
		{"去年", day(2025, 1, 1), day(2026, 1, 1), "2025年", "2025"},
		{" 全部 ", time.Time{}, time.Time{}, "全部", "全部"},
		{"ALL", time.Time{}, time.Time{}, "全部", "全部"},
		{"2025", day(2025, 1, 1), day(2026, 1, 1), "2025年", "2025"},
		{"2025-02", day(2025, 2, 1), day(2025, 3, 1), "2025年2月", "2025-02"},
		{"2026-03-01", day(2026, 3, 1), day(2026, 3, 2), "2026-03-01", "2026-03-01"},
		{"2026-03-01 2026-03-01", day(2026, 3, 1), day(2026, 3, 2), "2026-03-01", "2026-03-01"},
		{"2026-03-01 2026-03-31", day(2026, 3, 1), day(2026, 4, 1), "2026-03-01 至 2026-03-31", "2026-03-01_2026-03-31"},
	}
	for _, tc := range tests {
		t.Run(tc.arg, func(t *testing.T) {
			p, err := tickets.ParsePeriod(tc.arg, now, "本月")
			require.NoError(t, err)
			assert.True(t, p.From.Equal(tc.from), "from %v", p.From)
			assert.True(t, p.To.Equal(tc.to), "to %v", p.To)
			assert.Equal(t, tc.label, p.Label)
			assert.Equal(t, tc.slug, p.Slug)
		})
	}
	for _, bad := range []string{"明年", "2026-13", "2026-02-30", "1999", "+202", "2026-03-31 2026-03-01",
		"a b c", "2026-03 2026-04", "1999-12-31 2026-01-01", "9999-01-01 2026-01-01"} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, err := tickets.ParsePeriod(bad, now, "本月")
			assert.Equal(t, apperr.EInvalid, apperr.Code(err), "%v", err)
		})
	}
	_, err := tickets.ParsePeriod("", now, "")
	assert.Equal(t, apperr.EInvalid, apperr.Code(err), "no arg and no default")
}

func TestDatePeriod(t *testing.T) {
	loc := tickets.DefaultLocation
	for _, tc := range []struct {
		from, to    string
		wantFrom    time.Time
		wantTo      time.Time
		label, slug string
	}{
		{"", "", time.Time{}, time.Time{}, "全部", "全部"},
		{"2026-03-01", "", day(2026, 3, 1), time.Time{}, "2026-03-01 起", "2026-03-01_"},
		{"", "2026-03-31", time.Time{}, day(2026, 4, 1), "至 2026-03-31", "_2026-03-31"},
		{"2026-03-01", "2026-03-31", day(2026, 3, 1), day(2026, 4, 1), "2026-03-01 至 2026-03-31", "2026-03-01_2026-03-31"},
		{"1990-01-01", "", day(1990, 1, 1), time.Time{}, "1990-01-01 起", "1990-01-01_"}, // the store checks the range
	} {
		t.Run(tc.from+"_"+tc.to, func(t *testing.T) {
			p, err := tickets.DatePeriod(tc.from, tc.to, loc)
			require.NoError(t, err)
			assert.True(t, p.From.Equal(tc.wantFrom), "from %v", p.From)
			assert.True(t, p.To.Equal(tc.wantTo), "to %v", p.To)
			assert.Equal(t, tc.label, p.Label)
			assert.Equal(t, tc.slug, p.Slug)
		})
	}
	_, err := tickets.DatePeriod("2026-13-01", "", loc)
	assert.Equal(t, apperr.EInvalid, apperr.Code(err))
	assert.Contains(t, apperr.Message(err), "日期格式应为 2026-03-01")
	_, err = tickets.DatePeriod("", "March", loc)
	assert.Equal(t, apperr.EInvalid, apperr.Code(err))
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"本月", "2026", "2026-03", "2026-03-01 2026-03-31", "9999", "0000-00", "\xff"} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 10, 10, 0, 0, 0, tickets.DefaultLocation)
	f.Fuzz(func(t *testing.T, arg string) {
		p, err := tickets.ParsePeriod(arg, now, "本月")
		if err != nil {
			if apperr.Code(err) != apperr.EInvalid || !utf8.ValidString(apperr.Message(err)) {
				t.Fatalf("ParsePeriod(%q): %v", arg, err)
			}
			return
		}
		if p.From.IsZero() != p.To.IsZero() || (!p.From.IsZero() && !p.From.Before(p.To)) {
			t.Fatalf("ParsePeriod(%q) = %v – %v", arg, p.From, p.To)
		}
		if p.Label == "" || p.Slug == "" || strings.ContainsAny(p.Slug, `/\ `) {
			t.Fatalf("ParsePeriod(%q): label %q slug %q", arg, p.Label, p.Slug)
		}
	})
}
