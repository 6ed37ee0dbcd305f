package bot_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"partybot/bot"
)

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
