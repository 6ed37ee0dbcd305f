package stations_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"partybot/stations"
)

// cst is China Standard Time.
var cst = time.FixedZone("CST", 8*3600)

// at is a time in China in the week of Monday 2026-03-02.
func at(weekday time.Weekday, hhmm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", "2026-03-02 "+hhmm, cst)
	if err != nil {
		panic(err)
	}
	return t.AddDate(0, 0, (int(weekday)+6)%7)
}

func TestParseSchedule(t *testing.T) {
	type check struct {
		t    time.Time
		open bool
	}
	for _, tc := range []struct {
		hours  string
		checks []check // empty: unknown
	}{
		{"08:00-20:00", []check{{at(time.Monday, "07:59"), false}, {at(time.Monday, "08:00"), true}, {at(time.Sunday, "19:59"), true}, {at(time.Sunday, "20:00"), false}}},
		{"8:00～20:00", []check{{at(time.Monday, "12:00"), true}, {at(time.Monday, "21:00"), false}}},
		{"8点半至20点", []check{{at(time.Monday, "08:29"), false}, {at(time.Monday, "08:30"), true}}},
		{"24小时", []check{{at(time.Wednesday, "03:00"), true}}},
		{"全天开放", []check{{at(time.Sunday, "23:59"), true}}},
		{"00:00-24:00", []check{{at(time.Sunday, "23:59"), true}, {at(time.Monday, "00:00"), true}}},
		{"周一至周五 9:00-18:00", []check{{at(time.Friday, "17:00"), true}, {at(time.Saturday, "10:00"), false}, {at(time.Monday, "08:00"), false}}},
		{"周一至五 9:00-18:00；周六、周日 10:00-16:00", []check{{at(time.Tuesday, "09:30"), true}, {at(time.Saturday, "09:30"), false}, {at(time.Sunday, "15:00"), true}}},
		{"工作日 8:30-12:00 14:00-17:30", []check{{at(time.Monday, "13:00"), false}, {at(time.Monday, "15:00"), true}, {at(time.Saturday, "15:00"), false}}},
		{"周一至周五 9:00-18:00 周末休息", []check{{at(time.Sunday, "12:00"), false}, {at(time.Thursday, "12:00"), true}}},
		{"每天 8:00-20:00，周六 10:00-16:00", []check{{at(time.Saturday, "09:00"), false}, {at(time.Friday, "09:00"), true}}},
		{"每天 20:00-次日8:00", []check{{at(time.Monday, "21:00"), true}, {at(time.Tuesday, "07:00"), true}, {at(time.Monday, "07:00"), true}, {at(time.Monday, "12:00"), false}}},
		{"22:00-6:00", []check{{at(time.Sunday, "23:00"), true}, {at(time.Monday, "05:59"), true}, {at(time.Monday, "06:00"), false}}},
		{"周五至周一 10:00-14:00", []check{{at(time.Saturday, "11:00"), true}, {at(time.Tuesday, "11:00"), false}}},
		{"上午8:00-12:00 下午2:00-6:00", []check{{at(time.Monday, "13:00"), false}, {at(time.Monday, "17:00"), true}, {at(time.Monday, "18:00"), false}}},
		{"晚上8点-12点", []check{{at(time.Monday, "23:30"), true}, {at(time.Tuesday, "00:30"), false}}},
		{"", nil},
		{"营业时间待定", nil},
		{"周一至周五9:00-18:00（节假日除外）", nil},
		{"周一至周五", nil},
		{"9:00", nil},
		{"25:00-26:00", nil},
		{"预约开放", nil},
	} {
		t.Run(tc.hours, func(t *testing.T) {
			s := stations.ParseSchedule(tc.hours)
			assert.Equal(t, len(tc.checks) > 0, s.Known())
			if len(tc.checks) == 0 {
				open, known := s.OpenAt(at(time.Monday, "12:00"))
				assert.False(t, open)
				assert.False(t, known)
			}
			for _, c := range tc.checks {
				open, known := s.OpenAt(c.t)
				assert.True(t, known)
				assert.Equal(t, c.open, open, "%s", c.t.Format("Mon 15:04"))
			}
		})
	}
}

// TestOpenAtZone: hours are China's, whatever the zone of t.
func TestOpenAtZone(t *testing.T) {
	s := stations.ParseSchedule("08:00-20:00")
	open, _ := s.OpenAt(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)) // 09:00 in China
	assert.True(t, open)
	open, _ = s.OpenAt(time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)) // 21:00 in China
	assert.False(t, open)
}

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"08:00-20:00", "周一至周五 9:00-18:00；周六 10-16", "每天 20:00-次日8:00", "下午2点-6点", "24小时", "周五至周一 休息"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, hours string) {
		s := stations.ParseSchedule(hours)
		open, known := s.OpenAt(at(time.Monday, "12:00"))
		if known != s.Known() || (open && !known) {
			t.Fatalf("%q: open=%v known=%v Known()=%v", hours, open, known, s.Known())
		}
	})
}
