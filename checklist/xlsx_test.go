package checklist_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"partybot/checklist"
)

func TestWriteXLSX(t *testing.T) {
	c := mustDraft(t, mustDrafter(t), "社会组织换届", checklist.Options{Org: "乌达区民政局", Due: time.Date(2026, 6, 30, 0, 0, 0, 0, time.Local)})
	var buf bytes.Buffer
	require.NoError(t, c.WriteXLSX(&buf))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer f.Close()
	const sheet = "台账"
	rows, err := f.GetRows(sheet)
	require.NoError(t, err)
	assert.Equal(t, "乌达区民政局社会组织换届事前审核工作台账", rows[0][0], "title row")
	header := []string{"序号", "工作事项", "具体要求", "依据", "责任单位", "责任人", "完成时限", "完成情况", "佐证材料"}
	assert.Equal(t, header, rows[1], "header")
	for i, it := range c.Items {
		row := rows[i+2]
		require.GreaterOrEqual(t, len(row), 7, "row %d: %q", i+3, row)
		assert.Equal(t, []string{fmt.Sprint(i + 1), it.Task, it.Requirement}, row[:3], "row %d", i+3)
		assert.Equal(t, "乌达区民政局", row[4], "row %d unit", i+3)
		assert.Equal(t, "2026年6月30日前", row[6], "row %d due", i+3)
		assert.Contains(t, row[3], it.Basis.Quote, "row %d basis", i+3)
		assert.Contains(t, row[3], it.Basis.Title, "row %d basis", i+3)
	}
	// One row per item: the row after the items is empty, then the notes.
	n := len(c.Items) + 2
	require.Greater(t, len(rows), n)
	assert.Empty(t, rows[n], "more item rows than items")
	tail := fmt.Sprint(rows[len(c.Items)+3:])
	assert.Contains(t, tail, "依据出处", "sources listed after the items")
	assert.Contains(t, tail, c.Sources[0].Title)

	panes, err := f.GetPanes(sheet)
	require.NoError(t, err)
	assert.True(t, panes.Freeze, "header frozen")
	assert.Equal(t, 2, panes.YSplit)
	layout, err := f.GetPageLayout(sheet)
	require.NoError(t, err)
	assert.Equal(t, 9, *layout.Size, "A4")
	assert.Equal(t, "landscape", *layout.Orientation)
	assert.Equal(t, 1, *layout.FitToWidth)
	props, err := f.GetSheetProps(sheet)
	require.NoError(t, err)
	require.NotNil(t, props.FitToPage)
	assert.True(t, *props.FitToPage, "fitted to the page")
	assert.Contains(t, f.GetDefinedName(), excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'台账'!$1:$2", Scope: sheet},
		"title and header rows repeated on every page")
	w, err := f.GetColWidth(sheet, "D")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, w, 30.0, "basis column width")
}

func TestMarkdown(t *testing.T) {
	c := mustDraft(t, mustDrafter(t), "六同步", checklist.Options{Org: "甲|乙"})
	md := c.Markdown()
	lines := strings.Split(md, "\n")
	assert.Equal(t, "# 甲|乙“六同步”机制工作台账", lines[0])
	rows := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "| ") {
			rows++
		}
	}
	assert.Equal(t, len(c.Items)+2, rows, "table lines:\n%s", md)
	for _, w := range []string{"| 序号 | 工作事项 | 具体要求 | 依据 |", "| 1 | 登记同步 |", "甲\\|乙", "年检年报等“六同步”机制", "\\[1\\]", "> 说明：知识库只写明了", "## 依据出处"} {
		assert.Contains(t, md, w)
	}
}

func TestFileName(t *testing.T) {
	d := mustDrafter(t)
	tests := []struct{ topic, want string }{
		{"帮我列一个专项整顿的台账", "社会组织专项整顿闭环管理工作台账.xlsx"},
		{"驿站服务清单", "暖“新”驿站服务工作台账.xlsx"},
		{"三会一课", "“三会一课”工作清单.xlsx"},
		{"飞地党支部/../x", "“飞地党支部_.._x”工作清单.xlsx"},
	}
	for _, tc := range tests {
		t.Run(tc.topic, func(t *testing.T) {
			assert.Equal(t, tc.want, mustDraft(t, d, tc.topic, checklist.Options{}).FileName())
		})
	}
}

func BenchmarkChecklistXLSX(b *testing.B) {
	c := mustDraft(b, mustDrafter(b), "新兴领域党组织组建", checklist.Options{})
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := c.WriteXLSX(&buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
}
