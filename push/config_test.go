package push_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/push"
	"partybot/strictyaml"
	"partybot/tickets"
)

func TestParseQuietHours(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"22:00-08:00", "22:00-08:00", ""},
		{" 22：30 ～ 7:05 ", "22:30-07:05", ""},
		{"12:00至14:00", "12:00-14:00", ""},
		{"", "", ""},
		{"22-8", "", "应写成“22:00-08:00”这样的时段"},
		{"25:00-08:00", "", "而不是“25:00-08:00”"},
		{"08:00-08:00", "", "开始和结束相同"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			q, err := push.ParseQuietHours(tc.in)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, q.String())
		})
	}
}

func TestQuietHoursNext(t *testing.T) {
	at := func(d, h, m int) time.Time { return time.Date(2025, 6, d, h, m, 0, 0, tickets.DefaultLocation) }
	night, _ := push.ParseQuietHours("22:00-08:00")
	noon, _ := push.ParseQuietHours("12:00-14:00")
	for _, tc := range []struct {
		name     string
		q        push.QuietHours
		now, was time.Time
	}{
		{"evening", night, at(10, 23, 0), at(11, 8, 0)},
		{"at the start", night, at(10, 22, 0), at(11, 8, 0)},
		{"after midnight", night, at(11, 3, 30), at(11, 8, 0)},
		{"at the end", night, at(11, 8, 0), at(11, 8, 0)},
		{"day", night, at(11, 12, 0), at(11, 12, 0)},
		{"noon", noon, at(11, 12, 30), at(11, 14, 0)},
		{"none", push.QuietHours{}, at(10, 23, 0), at(10, 23, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.was, tc.q.Next(tc.now))
		})
	}
}

// TestConfig: quiet_hours not written is the default; "" turns quiet
// hours off; problems name the key.
func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, quiet string
		limit             int
		key, err          string
	}{
		{"defaults", "{}", "22:00-08:00", 3, "", ""},
		{"null is unset", "quiet_hours: ~", "22:00-08:00", 3, "", ""},
		{"off", `quiet_hours: ""`, "", 3, "", ""},
		{"set", "quiet_hours: 21:30-07:00\ndaily_limit: 5", "21:30-07:00", 5, "", ""},
		{"bad hours", "quiet_hours: 晚上十点", "", 0, "quiet_hours", "push.quiet_hours 应写成“22:00-08:00”这样的时段"},
		{"bad limit", "daily_limit: -1", "", 0, "daily_limit", "push.daily_limit 应在 1 到 100 之间"},
		{"unknown key", "quiet_hour: 1", "", 0, "quiet_hour", "未知的设置 quiet_hour，是否想写 quiet_hours？"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c push.Config
			err := strictyaml.Decode([]byte(tc.yaml), &c)
			if err == nil {
				err = c.Validate()
			}
			if tc.err != "" {
				var se *strictyaml.Error
				require.True(t, errors.As(err, &se), "%v", err)
				assert.Equal(t, tc.key, se.Key)
				assert.Contains(t, se.Msg, tc.err)
				return
			}
			require.NoError(t, err)
			q, err := c.Quiet()
			require.NoError(t, err)
			assert.Equal(t, tc.quiet, q.String())
			assert.Equal(t, tc.limit, c.Limit())
		})
	}
}

// FuzzParseQuietHours: any input is parsed or refused, never a panic, and
// what is parsed prints back as itself.
func FuzzParseQuietHours(f *testing.F) {
	for _, s := range []string{"22:00-08:00", "", "12:00至14:00", "7:5-8:00", "24:00-01:00", "：-："} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := push.ParseQuietHours(s)
		if err != nil {
			return
		}
		again, err := push.ParseQuietHours(q.String())
		require.NoError(t, err)
		assert.Equal(t, q, again)
		now := time.Date(2025, 6, 10, 23, 0, 0, 0, tickets.DefaultLocation)
		next := q.Next(now)
		assert.False(t, next.Before(now))
		assert.Equal(t, next, q.Next(next), "the end of quiet hours is outside them")
	})
}
