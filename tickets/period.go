package tickets

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"partybot/apperr"
)

// Period is a span of ticket creation times, for statistics and the
// 台账: From inclusive, To exclusive, zero for unbounded.
type Period struct {
	From, To time.Time
	Label    string // for people: "2026年3月"
	Slug     string // for file names: "2026-03"
}

// dayLayout is how a day is written: 2026-03-01.
const dayLayout = "2006-01-02"

// ParsePeriod parses a period as people write it (/stats and /export) at
// time now, in now's location: 本月, 上月, 本年, 去年, 全部, a year (2026),
// a month (2026-03) or days (2026-03-01, or two of them, both included),
// in the years 2000 to 9998; def is used for an empty arg. Returns
// EINVALID for anything else.
func ParsePeriod(arg string, now time.Time, def string) (Period, error) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		arg = def
	}
	loc := now.Location()
	switch strings.ToLower(arg) {
	case "本月", "这个月", "当月", "month":
		return monthPeriod(now.Year(), now.Month(), loc), nil
	case "上月", "上个月", "last-month":
		return monthPeriod(now.Year(), now.Month()-1, loc), nil
	case "本年", "今年", "全年", "year":
		return yearPeriod(now.Year(), loc), nil
	case "去年", "上年", "last-year":
		return yearPeriod(now.Year()-1, loc), nil
	case "全部", "所有", "all":
		return Period{Label: "全部", Slug: "全部"}, nil
	}
	bad := apperr.Errorf(apperr.EInvalid, "无法识别的时间范围“%s”。可以写：本月、上月、本年、去年、全部、2026、2026-03，或 2026-03-01 2026-03-31。", clipRunes(strings.ToValidUTF8(arg, "\uFFFD"), 30))
	f := strings.Fields(arg)
	if len(f) == 0 || len(f) > 2 {
		return Period{}, bad
	}
	if len(f) == 1 && len(f[0]) == 4 {
		y, err := strconv.Atoi(f[0])
		if err != nil || y < 2000 || y > 9998 || f[0][0] == '+' || f[0][0] == '-' {
			return Period{}, bad
		}
		return yearPeriod(y, loc), nil
	}
	if len(f) == 1 && len(f[0]) == 7 {
		t, err := time.ParseInLocation("2006-01", f[0], loc)
		if err != nil || !inYears(t) {
			return Period{}, bad
		}
		return monthPeriod(t.Year(), t.Month(), loc), nil
	}
	p, err := DatePeriod(f[0], f[len(f)-1], loc)
	switch {
	case err != nil || !inYears(p.From) || !inYears(p.To.AddDate(0, 0, -1)):
		return Period{}, bad
	case !p.From.Before(p.To):
		return Period{}, apperr.Errorf(apperr.EInvalid, "开始日期应不晚于结束日期。")
	}
	return p, nil
}

// DatePeriod is the period from day from to day to, both included and
// written as in [ParsePeriod] (2026-03-01), in loc; an empty one leaves
// that end open. It checks the form of the days only: the store checks
// their range and order. Returns EINVALID for a day of another form.
func DatePeriod(from, to string, loc *time.Location) (Period, error) {
	var p Period
	var err error
	if from != "" {
		if p.From, err = parseDay(from, loc); err != nil {
			return Period{}, err
		}
	}
	if to != "" {
		if p.To, err = parseDay(to, loc); err != nil {
			return Period{}, err
		}
		p.To = p.To.AddDate(0, 0, 1)
	}
	switch {
	case from == "" && to == "":
		p.Label, p.Slug = "全部", "全部"
	case to == "":
		p.Label, p.Slug = from+" 起", from+"_"
	case from == "":
		p.Label, p.Slug = "至 "+to, "_"+to
	case from == to:
		p.Label, p.Slug = from, from
	default:
		p.Label, p.Slug = from+" 至 "+to, from+"_"+to
	}
	return p, nil
}

// inYears reports whether t falls in the years a period may span.
func inYears(t time.Time) bool { return t.Year() >= 2000 && t.Year() <= 9998 }

// parseDay parses a day written 2026-03-01. Returns EINVALID.
func parseDay(s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(dayLayout, s, loc)
	if err != nil {
		return time.Time{}, apperr.Errorf(apperr.EInvalid, "日期格式应为 2026-03-01，而不是 %q", s)
	}
	return t, nil
}

// monthPeriod is month m of year y; month 0 is December of the year before.
func monthPeriod(y int, m time.Month, loc *time.Location) Period {
	from := time.Date(y, m, 1, 0, 0, 0, 0, loc)
	return Period{From: from, To: from.AddDate(0, 1, 0),
		Label: fmt.Sprintf("%d年%d月", from.Year(), int(from.Month())), Slug: from.Format("2006-01")}
}

// yearPeriod is year y.
func yearPeriod(y int, loc *time.Location) Period {
	return Period{From: time.Date(y, 1, 1, 0, 0, 0, 0, loc), To: time.Date(y+1, 1, 1, 0, 0, 0, 0, loc),
		Label: fmt.Sprintf("%d年", y), Slug: strconv.Itoa(y)}
}

// clipRunes shortens s to at most n runes, marking the cut with "……".
func clipRunes(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "……"
}
