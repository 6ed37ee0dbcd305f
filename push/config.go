package push

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"partybot/strictyaml"
)

// Config is the "push" section of the config file.
//
//	push:
//	  quiet_hours: "22:00-08:00"   # 免打扰时段；"" 表示不设
//	  daily_limit: 3               # 每人每天最多几条
type Config struct {
	// QuietHours is when no notice is sent, "HH:MM-HH:MM" in China
	// Standard Time, over midnight when the end is before the start
	// (see [ParseQuietHours]). nil — the key not written — means
	// [DefaultQuietHours]; "" turns quiet hours off. A pointer, because
	// the two differ.
	QuietHours *string `yaml:"quiet_hours"`
	// DailyLimit is the most notices a user gets a day; the rest wait for
	// the next day. 0 means [DefaultDailyLimit].
	DailyLimit int `yaml:"daily_limit"`
}

// Defaults of [Config].
const (
	DefaultQuietHours = "22:00-08:00"
	DefaultDailyLimit = 3
	maxDailyLimit     = 100
)

// Validate checks the settings. Returns a [*strictyaml.Error] whose Key
// is the setting ("quiet_hours", "daily_limit"), for
// [strictyaml.Document.Locate] under "push".
func (c Config) Validate() error {
	if _, err := c.Quiet(); err != nil {
		return err
	}
	if c.DailyLimit < 0 || c.DailyLimit > maxDailyLimit {
		return strictyaml.Errorf("daily_limit", "push.daily_limit 应在 1 到 %d 之间（不写或写 0 表示默认每天 %d 条）", maxDailyLimit, DefaultDailyLimit)
	}
	return nil
}

// Quiet returns the quiet hours the settings give. Returns the error of
// [Config.Validate] for malformed ones.
func (c Config) Quiet() (QuietHours, error) {
	s := DefaultQuietHours
	if c.QuietHours != nil {
		s = *c.QuietHours
	}
	q, err := ParseQuietHours(s)
	if err != nil {
		return QuietHours{}, strictyaml.Errorf("quiet_hours", "push.quiet_hours %s", err)
	}
	return q, nil
}

// Limit returns the daily limit the settings give.
func (c Config) Limit() int {
	if c.DailyLimit <= 0 {
		return DefaultDailyLimit
	}
	return c.DailyLimit
}

// QuietHours is a daily period in which no notice is sent: from Start to
// End, in minutes after midnight, over midnight when End < Start. The zero
// value is none.
type QuietHours struct {
	start, end int
}

// ParseQuietHours parses "22:00-08:00" (also with –, ~, ～ or 至 between,
// and full-width colons); "" is none. The error says, in Chinese, what the
// form is.
func ParseQuietHours(s string) (QuietHours, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "：", ":"))
	if s == "" {
		return QuietHours{}, nil
	}
	var from, to string
	for _, sep := range []string{"-", "–", "—", "~", "～", "至"} {
		if a, b, ok := strings.Cut(s, sep); ok {
			from, to = a, b
			break
		}
	}
	start, ok1 := clock(from)
	end, ok2 := clock(to)
	switch {
	case !ok1 || !ok2:
		return QuietHours{}, fmt.Errorf("应写成“22:00-08:00”这样的时段（开始-结束，可跨午夜），不设免打扰请写 \"\"，而不是“%s”", s)
	case start == end:
		return QuietHours{}, fmt.Errorf("的开始和结束相同（“%s”）；不设免打扰请写 \"\"", s)
	}
	return QuietHours{start: start, end: end}, nil
}

// clock parses "HH:MM" into minutes after midnight.
func clock(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, false
	}
	return hh*60 + mm, true
}

// IsZero reports whether q is none.
func (q QuietHours) IsZero() bool { return q.start == q.end }

// String returns q as "22:00-08:00", "" for none.
func (q QuietHours) String() string {
	if q.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", q.start/60, q.start%60, q.end/60, q.end%60)
}

// Next returns the first moment at or after t outside the quiet hours, in
// t's location: t itself, or the end of the quiet hours t falls in.
func (q QuietHours) Next(t time.Time) time.Time {
	if q.IsZero() {
		return t
	}
	m := t.Hour()*60 + t.Minute()
	in := q.start <= m && m < q.end
	if q.end < q.start {
		in = m >= q.start || m < q.end
	}
	if !in {
		return t
	}
	y, mo, d := t.Date()
	end := time.Date(y, mo, d, q.end/60, q.end%60, 0, 0, t.Location())
	if end.Before(t) {
		end = end.AddDate(0, 0, 1)
	}
	return end
}
