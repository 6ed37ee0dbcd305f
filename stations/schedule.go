package stations

import (
	"math/bits"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Schedule is when a station is open, read from its 开放时间. The zero
// Schedule is unknown.
type Schedule struct {
	known bool
	days  [7][]span // Monday first
}

// span is an opening, in minutes from the day's midnight; to passes
// 1440 for one that ends the next day.
type span struct{ from, to int }

// chinaTime is China Standard Time, UTC+8 all year: hours are read there,
// whatever the server's zone.
var chinaTime = time.FixedZone("CST", 8*60*60)

// ParseSchedule reads opening hours as deployers write them: "08:00-20:00",
// "8点至20点", "24小时", "全天", "周一至周五 9:00-18:00；周六、周日
// 10:00-16:00", "工作日 8:30-12:00 14:00-17:30", "每天 20:00-次日8:00",
// "周一至周五 9:00-18:00 周末休息". Days a schedule with days does not name
// are closed. Anything else — a note such as "节假日除外", an unknown
// word — makes the schedule unknown rather than guessed.
func ParseSchedule(hours string) Schedule {
	toks, ok := lexHours(normalizeHours(hours))
	if !ok {
		return Schedule{}
	}
	s, ok := buildSchedule(toks)
	if !ok {
		return Schedule{}
	}
	return s
}

// Known reports whether the hours were understood.
func (s Schedule) Known() bool { return s.known }

// OpenAt reports whether the station is open at t (in China's time), and
// known=false, open=false when its hours were not understood.
func (s Schedule) OpenAt(t time.Time) (open, known bool) {
	if !s.known {
		return false, false
	}
	t = t.In(chinaTime)
	d := (int(t.Weekday()) + 6) % 7
	m := t.Hour()*60 + t.Minute()
	for _, sp := range s.days[d] {
		if m >= sp.from && m < sp.to {
			return true, true
		}
	}
	for _, sp := range s.days[(d+6)%7] {
		if m < sp.to-1440 {
			return true, true
		}
	}
	return false, true
}

var (
	// shortDayRange spells out "周一至五" as "周一至周五".
	shortDayRange = regexp.MustCompile(`(周|星期|礼拜)([一二三四五六日天])\s*(至|到|-|—|~)\s*([一二三四五六日天])`)
	// everyDay is "每周一" (→ 周一) or "每周" (→ 每天).
	everyDay = regexp.MustCompile(`每(周|星期)`)
)

// normalizeHours folds widths and case and spells out shorthand.
func normalizeHours(s string) string {
	s = strings.ToLower(width.Fold.String(strings.TrimSpace(s)))
	s = shortDayRange.ReplaceAllString(s, "$1$2$3$1$4")
	return everyDay.ReplaceAllStringFunc(s, func(m string) string {
		return strings.TrimPrefix(m, "每")
	})
}

type tokKind uint8

const (
	tDays tokKind = iota + 1
	tTime
	tDash
	tNextDay
	tAllDay
	tClosed
	tAM
	tPM
	tNoon
)

type token struct {
	kind tokKind
	days uint8 // tDays: bit 0 is Monday
	min  int   // tTime: minutes from midnight
}

const allDays = 1<<7 - 1

// hourWords are the words of opening hours, sorted longest first (see
// init) so that 周末 is not read as 周 and 末.
var hourWords = []hourWord{
	{"星期一", token{kind: tDays, days: 1 << 0}}, {"星期二", token{kind: tDays, days: 1 << 1}},
	{"星期三", token{kind: tDays, days: 1 << 2}}, {"星期四", token{kind: tDays, days: 1 << 3}},
	{"星期五", token{kind: tDays, days: 1 << 4}}, {"星期六", token{kind: tDays, days: 1 << 5}},
	{"星期日", token{kind: tDays, days: 1 << 6}}, {"星期天", token{kind: tDays, days: 1 << 6}},
	{"礼拜一", token{kind: tDays, days: 1 << 0}}, {"礼拜二", token{kind: tDays, days: 1 << 1}},
	{"礼拜三", token{kind: tDays, days: 1 << 2}}, {"礼拜四", token{kind: tDays, days: 1 << 3}},
	{"礼拜五", token{kind: tDays, days: 1 << 4}}, {"礼拜六", token{kind: tDays, days: 1 << 5}},
	{"礼拜日", token{kind: tDays, days: 1 << 6}}, {"礼拜天", token{kind: tDays, days: 1 << 6}},
	{"周六日", token{kind: tDays, days: 1<<5 | 1<<6}},
	{"周一", token{kind: tDays, days: 1 << 0}}, {"周二", token{kind: tDays, days: 1 << 1}},
	{"周三", token{kind: tDays, days: 1 << 2}}, {"周四", token{kind: tDays, days: 1 << 3}},
	{"周五", token{kind: tDays, days: 1 << 4}}, {"周六", token{kind: tDays, days: 1 << 5}},
	{"周日", token{kind: tDays, days: 1 << 6}}, {"周天", token{kind: tDays, days: 1 << 6}},
	{"全年无休", token{kind: tDays, days: allDays}}, {"每天", token{kind: tDays, days: allDays}},
	{"每日", token{kind: tDays, days: allDays}}, {"天天", token{kind: tDays, days: allDays}},
	{"全周", token{kind: tDays, days: allDays}}, {"全年", token{kind: tDays, days: allDays}},
	{"周", token{kind: tDays, days: allDays}},
	{"工作日", token{kind: tDays, days: 1<<5 - 1}},
	{"周末", token{kind: tDays, days: 1<<5 | 1<<6}}, {"双休日", token{kind: tDays, days: 1<<5 | 1<<6}},
	{"24小时", token{kind: tAllDay}}, {"24h", token{kind: tAllDay}},
	{"全天候", token{kind: tAllDay}}, {"全天", token{kind: tAllDay}},
	{"不开放", token{kind: tClosed}}, {"休息", token{kind: tClosed}}, {"闭馆", token{kind: tClosed}},
	{"休馆", token{kind: tClosed}}, {"闭站", token{kind: tClosed}}, {"关闭", token{kind: tClosed}},
	{"次日", token{kind: tNextDay}}, {"第二天", token{kind: tNextDay}}, {"翌日", token{kind: tNextDay}},
	{"上午", token{kind: tAM}}, {"早上", token{kind: tAM}}, {"早晨", token{kind: tAM}},
	{"凌晨", token{kind: tAM}}, {"早", token{kind: tAM}},
	{"下午", token{kind: tPM}}, {"晚上", token{kind: tPM}}, {"傍晚", token{kind: tPM}},
	{"晚", token{kind: tPM}}, {"中午", token{kind: tNoon}},
	{"至", token{kind: tDash}}, {"到", token{kind: tDash}},
	{"-", token{kind: tDash}}, {"—", token{kind: tDash}}, {"–", token{kind: tDash}}, {"~", token{kind: tDash}},
	// Words that say nothing of the hours.
	{"开放时间", token{}}, {"营业时间", token{}}, {"服务时间", token{}},
	{"开放", token{}}, {"营业", token{}}, {"时间", token{}}, {"均", token{}}, {"每", token{}},
}

type hourWord struct {
	word string
	tok  token
}

func init() {
	slices.SortStableFunc(hourWords, func(a, b hourWord) int {
		return utf8.RuneCountInString(b.word) - utf8.RuneCountInString(a.word)
	})
}

// hourSeps separate the parts of opening hours.
const hourSeps = " \t\r\n,、;/|。:"

// lexHours splits normalised hours into tokens; false at anything it
// does not know.
func lexHours(s string) ([]token, bool) {
	var toks []token
	for s != "" {
		if r, n := utf8.DecodeRuneInString(s); strings.ContainsRune(hourSeps, r) {
			s = s[n:]
			continue
		}
		if t, rest, ok := lexWord(s); ok {
			if t.kind != 0 && !(t.kind == tDash && len(toks) > 0 && toks[len(toks)-1].kind == tDash) {
				toks = append(toks, t)
			}
			s = rest
			continue
		}
		t, rest, ok := lexTime(s)
		if !ok {
			return nil, false
		}
		toks, s = append(toks, t), rest
	}
	return toks, len(toks) > 0
}

// lexWord reads one of hourWords at the start of s.
func lexWord(s string) (token, string, bool) {
	for _, w := range hourWords {
		if rest, ok := strings.CutPrefix(s, w.word); ok {
			return w.tok, rest, true
		}
	}
	return token{}, s, false
}

// clock is a time of day: "8", "08:00", "8:00:00", "8.30", "8点",
// "8点30分", "8点半", "8时".
var clock = regexp.MustCompile(`^(\d{1,2})(?::(\d{2})(?::\d{2})?|\.(\d{2})|[点时](半|(\d{1,2})分?)?)?`)

// lexTime reads a time of day at the start of s.
func lexTime(s string) (token, string, bool) {
	m := clock.FindStringSubmatch(s)
	if m == nil {
		return token{}, s, false
	}
	h, _ := strconv.Atoi(m[1])
	mins := 0
	for _, g := range []string{m[2], m[3], m[5]} {
		if g != "" {
			mins, _ = strconv.Atoi(g)
		}
	}
	if m[4] == "半" {
		mins = 30
	}
	if h > 24 || mins > 59 || (h == 24 && mins > 0) {
		return token{}, s, false
	}
	return token{kind: tTime, min: h*60 + mins}, s[len(m[0]):], true
}

// buildSchedule reads tokens as groups of days, each followed by its
// openings (times, 24小时) or by 休息. Openings before any days are every
// day's.
func buildSchedule(toks []token) (Schedule, bool) {
	var s Schedule
	var cur, named uint8
	collecting := false // reading a group's days
	fresh := false      // the group has no openings yet
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case tDays:
			if !collecting {
				cur, fresh = 0, true
			}
			days, n, ok := dayRange(toks[i:])
			if !ok {
				return Schedule{}, false
			}
			cur, collecting, i = cur|days, true, i+n-1
		case tTime, tAllDay, tAM, tPM, tNoon:
			sp, n, ok := readSpan(toks[i:])
			if !ok {
				return Schedule{}, false
			}
			if cur == 0 {
				cur = allDays
			}
			s.add(cur, sp, fresh)
			named, collecting, fresh, i = named|cur, false, false, i+n-1
		case tClosed:
			if !collecting {
				return Schedule{}, false
			}
			s.add(cur, span{}, true)
			named, collecting, fresh = named|cur, false, false
		default:
			return Schedule{}, false
		}
	}
	s.known = named != 0 && !collecting
	return s, s.known
}

// add opens sp on days; replace drops what an earlier group opened on
// them ("每天 8:00-20:00，周六 10:00-16:00"). An empty sp closes them.
func (s *Schedule) add(days uint8, sp span, replace bool) {
	for d := range 7 {
		if days&(1<<d) == 0 {
			continue
		}
		if replace {
			s.days[d] = nil
		}
		if sp.to > sp.from {
			s.days[d] = append(s.days[d], sp)
		}
	}
}

// dayRange reads days at toks[0]: one day, or a range "周五至周一"
// (wrapping the week), and how many tokens it took.
func dayRange(toks []token) (days uint8, n int, ok bool) {
	a := toks[0].days
	if len(toks) < 3 || toks[1].kind != tDash || toks[2].kind != tDays {
		return a, 1, true
	}
	b := toks[2].days
	if bits.OnesCount8(a) != 1 || bits.OnesCount8(b) != 1 {
		return 0, 0, false
	}
	from, to := bits.TrailingZeros8(a), bits.TrailingZeros8(b)
	for d := from; ; d = (d + 1) % 7 {
		days |= 1 << d
		if d == to {
			return days, 3, true
		}
	}
}

// readSpan reads an opening at toks[0]: 24小时, or "[上午] 8:00 - [次日]
// [下午] 18:00", and how many tokens it took.
func readSpan(toks []token) (span, int, bool) {
	if toks[0].kind == tAllDay {
		return span{0, 1440}, 1, true
	}
	from, half, i, ok := readClock(toks, 0)
	if !ok || i >= len(toks) || toks[i].kind != tDash {
		return span{}, 0, false
	}
	i++
	next := i < len(toks) && toks[i].kind == tNextDay
	if next {
		i++
	}
	to, toHalf, j, ok := readClock(toks, i)
	if !ok {
		return span{}, 0, false
	}
	if toHalf == 0 && !next {
		to = inherit(half, from, to)
	}
	if next || to <= from {
		to += 1440
	}
	return span{from, to}, j, true
}

// readClock reads a time at toks[i] with the half of the day before it
// (tAM, tPM or tNoon; 0 for none), in minutes, and where it ends.
func readClock(toks []token, i int) (mins int, half tokKind, end int, ok bool) {
	if i < len(toks) && (toks[i].kind == tAM || toks[i].kind == tPM || toks[i].kind == tNoon) {
		half, i = toks[i].kind, i+1
	}
	if i >= len(toks) || toks[i].kind != tTime {
		return 0, 0, 0, false
	}
	mins = toks[i].min
	h := mins / 60
	switch {
	case half == tPM && h < 12, half == tNoon && h < 6:
		mins += 12 * 60
	case half == tAM && h == 12:
		mins -= 12 * 60
	}
	return mins, half, i + 1, true
}

// inherit reads an end with no half of the day of its own in the half of
// its start: "下午2点-6点" ends at 18:00, "晚上8点-12点" at midnight.
func inherit(half tokKind, from, to int) int {
	if half != tPM && half != tNoon {
		return to
	}
	switch h := to / 60; {
	case h < 12 && to+12*60 > from:
		return to + 12*60
	case h == 12 && from >= 12*60:
		return 24 * 60
	}
	return to
}
