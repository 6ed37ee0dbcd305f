package bot_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"partybot/bot"
)

func TestStatsAndExport(t *testing.T) {
	f := newDeskFixture(t)
	f.say(t, f.resident, "/demand 老板拖欠工资三个月了")
	number := numberIn(f.say(t, f.resident, "确认").Text)

	st := f.say(t, f.staff, "/stats 全部")
	mustContain(t, st, "工单统计（全部）", "受理 1 件", "区人社局：受理 1")
	require.Equal(t, 1, len(st.Files), "stats files")
	assert.Equal(t, "工单统计-全部.xlsx", st.Files[0].Name, "stats file")
	x, err := excelize.OpenReader(bytes.NewReader(st.Files[0].Data))
	require.NoError(t, err)
	rows, _ := x.GetRows("统计")
	x.Close()
	require.Len(t, rows, 4, "stats sheet %q", rows)
	assert.Equal(t, "区人社局", rows[2][0], "stats sheet %q", rows)
	assert.Equal(t, "1", rows[2][1], "stats sheet %q", rows)
	assert.Equal(t, "合计", rows[3][0], "stats sheet %q", rows)

	ex := f.say(t, f.staff, "/export")
	mustContain(t, ex, "共 1 件")
	require.Equal(t, 1, len(ex.Files), "export files")
	assert.True(t, strings.HasSuffix(ex.Files[0].Name, ".xlsx"), "export file %q", ex.Files[0].Name)
	x, err = excelize.OpenReader(bytes.NewReader(ex.Files[0].Data))
	require.NoError(t, err)
	v, _ := x.GetCellValue("台账", "A2")
	assert.Equal(t, number, v, "台账 A2")
	x.Close()

	mustContain(t, f.say(t, f.staff, "/export 2025"), "没有工单")
	mustContain(t, f.say(t, f.staff, "/stats 明年"), "无法识别")
	for _, cmd := range []string{"/stats", "/export"} {
		r := f.say(t, f.resident, cmd)
		assert.Equal(t, 0, len(r.Files), "%s for a resident: files", cmd)
		assert.Contains(t, r.Text, "只有管理员和部门工作人员", "%s for a resident", cmd)
	}
	h := f.say(t, f.staff, "/help").Text
	assert.Contains(t, h, "/stats", "staff help")
	assert.Contains(t, h, "/export", "staff help")
	assert.NotContains(t, f.say(t, f.resident, "/help").Text, "/stats", "resident help lists /stats")
}

// TestButtonsSettleAndRefuse: a refusal is personal and changes nothing;
// a move that spends the buttons says so.
func TestButtonsSettleAndRefuse(t *testing.T) {
	f := newDeskFixture(t)
	draft := f.say(t, f.resident, "/demand 老板拖欠工资三个月了")
	filed := f.press(t, f.resident, buttonData(draft, "提交"))
	assert.True(t, filed.Settled, "filing: %+v", filed)
	assert.False(t, filed.Personal, "filing: %+v", filed)
	number := numberIn(filed.Text)
	for _, r := range []bot.Reply{
		f.press(t, f.stranger, "ac:"+number),
		f.press(t, f.resident, "ac:"+number), // the submitter is no staff
		f.press(t, f.staff, "rt:"+number+":5"),
		f.press(t, f.resident, "zz"),
	} {
		assert.True(t, r.Personal, "refusal %+v", r)
		assert.False(t, r.Settled, "refusal %+v", r)
	}
	r := f.press(t, f.staff, "tr:"+number)
	assert.False(t, r.Settled, "转派 %+v", r)
	assert.False(t, r.Personal, "转派 %+v", r)
	assert.Contains(t, r.Text, "/transfer", "转派")
	r = f.press(t, f.staff, "ac:"+number)
	assert.True(t, r.Settled, "接单 %+v", r)
	assert.False(t, r.Personal, "接单 %+v", r)
	// The card's 接单 pressed again: the store says why; the buttons are spent.
	r = f.press(t, f.staff, "ac:"+number)
	assert.True(t, r.Settled, "接单 again %+v", r)
	r = f.press(t, f.staff, "rs:"+number)
	assert.True(t, r.ExpectReply, "办结 %+v", r)
	assert.False(t, r.Settled, "办结 %+v", r)
}
