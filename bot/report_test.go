package bot_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"partybot/apperr"
	"partybot/bot"
	"partybot/tickets"
)

func TestParsePeriod(t *testing.T) {
	loc := tickets.DefaultLocation
	now := time.Date(2026, 1, 20, 15, 0, 0, 0, loc)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, loc) }
	tests := []struct {
		arg      string
		from, to time.Time
		label    string
		slug     string
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
		{"2026-03-01 2026-03-31", day(2026, 3, 1), day(2026, 4, 1), "2026-03-01 至 2026-03-31", "2026-03-01_2026-03-31"},
	}
	for _, tc := range tests {
		t.Run(tc.arg, func(t *testing.T) {
			p, err := bot.ParsePeriod(tc.arg, now, "本月")
			if err != nil {
				t.Fatal(err)
			}
			if !p.From.Equal(tc.from) || !p.To.Equal(tc.to) || p.Label != tc.label || p.Slug != tc.slug {
				t.Fatalf("got %v – %v %q %q; want %v – %v %q %q", p.From, p.To, p.Label, p.Slug, tc.from, tc.to, tc.label, tc.slug)
			}
		})
	}
	for _, bad := range []string{"明年", "2026-13", "2026-02-30", "1999", "+202", "2026-03-31 2026-03-01", "a b c", "2026-03 2026-04"} {
		t.Run("bad "+bad, func(t *testing.T) {
			if _, err := bot.ParsePeriod(bad, now, "本月"); apperr.Code(err) != apperr.EInvalid {
				t.Fatalf("ParsePeriod(%q): %v, want EINVALID", bad, err)
			}
		})
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"本月", "2026", "2026-03", "2026-03-01 2026-03-31", "9999", "0000-00", "\xff"} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 10, 10, 0, 0, 0, tickets.DefaultLocation)
	f.Fuzz(func(t *testing.T, arg string) {
		p, err := bot.ParsePeriod(arg, now, "本月")
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

// TestStatsAndExport: staff get their department's statistics and 台账 as
// files; residents are refused.
func TestStatsAndExport(t *testing.T) {
	f := newDeskFixture(t)
	f.say(t, f.resident, "/demand 老板拖欠工资三个月了")
	number := numberIn(f.say(t, f.resident, "确认").Text)

	st := f.say(t, f.staff, "/stats 全部")
	mustContain(t, st, "工单统计（全部）", "受理 1 件", "区人社局：受理 1")
	if len(st.Files) != 1 || st.Files[0].Name != "工单统计-全部.xlsx" {
		t.Fatalf("stats files %+v", st.Files)
	}
	x, err := excelize.OpenReader(bytes.NewReader(st.Files[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("统计")
	x.Close()
	if len(rows) != 4 || rows[2][0] != "区人社局" || rows[2][1] != "1" || rows[3][0] != "合计" {
		t.Fatalf("stats sheet %q", rows)
	}

	ex := f.say(t, f.staff, "/export")
	mustContain(t, ex, "共 1 件")
	if len(ex.Files) != 1 || !strings.HasSuffix(ex.Files[0].Name, ".xlsx") {
		t.Fatalf("export files %+v", ex.Files)
	}
	x, err = excelize.OpenReader(bytes.NewReader(ex.Files[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := x.GetCellValue("台账", "A2"); v != number {
		t.Fatalf("台账 A2 %q, want %s", v, number)
	}
	x.Close()

	mustContain(t, f.say(t, f.staff, "/export 2025"), "没有工单")
	mustContain(t, f.say(t, f.staff, "/stats 明年"), "无法识别")
	for _, cmd := range []string{"/stats", "/export"} {
		if r := f.say(t, f.resident, cmd); len(r.Files) != 0 || !strings.Contains(r.Text, "只有管理员和部门工作人员") {
			t.Fatalf("%s for a resident: %+v", cmd, r)
		}
	}
	if h := f.say(t, f.staff, "/help").Text; !strings.Contains(h, "/stats") || !strings.Contains(h, "/export") {
		t.Fatal("staff help lacks /stats and /export")
	}
	if h := f.say(t, f.resident, "/help").Text; strings.Contains(h, "/stats") {
		t.Fatal("resident help lists /stats")
	}
}

// TestButtonsSettleAndRefuse: a refusal is personal and changes nothing;
// a move that spends the buttons says so.
func TestButtonsSettleAndRefuse(t *testing.T) {
	f := newDeskFixture(t)
	draft := f.say(t, f.resident, "/demand 老板拖欠工资三个月了")
	filed := f.press(t, f.resident, buttonData(draft, "提交"))
	if !filed.Settled || filed.Personal {
		t.Fatalf("filing: %+v", filed)
	}
	number := numberIn(filed.Text)
	for _, r := range []bot.Reply{
		f.press(t, f.stranger, "ac:"+number),
		f.press(t, f.resident, "ac:"+number), // the submitter is no staff
		f.press(t, f.staff, "rt:"+number+":5"),
		f.press(t, f.resident, "zz"),
	} {
		if !r.Personal || r.Settled {
			t.Fatalf("refusal %+v", r)
		}
	}
	if r := f.press(t, f.staff, "tr:"+number); r.Settled || r.Personal || !strings.Contains(r.Text, "/transfer") {
		t.Fatalf("转派 %+v", r)
	}
	if r := f.press(t, f.staff, "ac:"+number); !r.Settled || r.Personal {
		t.Fatalf("接单 %+v", r)
	}
	// The card's 接单 pressed again: the store says why; the buttons are spent.
	if r := f.press(t, f.staff, "ac:"+number); !r.Settled {
		t.Fatalf("接单 again %+v", r)
	}
	if r := f.press(t, f.staff, "rs:"+number); !r.ExpectReply || r.Settled {
		t.Fatalf("办结 %+v", r)
	}
}
