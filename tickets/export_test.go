package tickets_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"partybot/tickets"
)

func exportFixture(tb testing.TB, e testEngine) (*tickets.Store, []*tickets.Ticket) {
	tb.Helper()
	s, _ := e.MustOpen(tb)
	ctx := context.Background()
	a := MustCreate(tb, s, "u1", "老板拖欠我们三个月工资，\n一共 12000 元，电话13812345678")
	MustCreate(tb, s, "u2", "=HYPERLINK(\"http://x\") 井盖丢了")
	_, err := s.Accept(ctx, admin, a.Number, "已联系企业")
	require.NoError(tb, err)
	_, err = s.Resolve(ctx, admin, a.Number, "已责令企业发放工资，并告知劳动仲裁途径")
	require.NoError(tb, err)
	_, err = s.Rate(ctx, user("u1"), a.Number, 5, "很满意")
	require.NoError(tb, err)
	ts, err := s.ExportTickets(ctx, admin, tickets.TicketFilter{})
	require.NoError(tb, err)
	return s, ts
}

func TestExportXLSX(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, ts := exportFixture(t, e)
		var buf bytes.Buffer
		require.NoError(t, s.WriteXLSX(&buf, ts))
		f, err := excelize.OpenReader(&buf)
		require.NoError(t, err)
		defer f.Close()
		const sheet = "台账"
		rows, err := f.GetRows(sheet)
		require.NoError(t, err)
		require.Len(t, rows, 3, "want header + 2")
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		for _, h := range []string{"工单编号", "诉求内容", "承办部门", "状态", "办理答复", "评分", "评价", "办理记录", "办结期限"} {
			require.Contains(t, col, h, "no column %q in %v", h, rows[0])
		}
		first := rows[1]
		checks := map[string]string{
			"工单编号": "2026-", "诉求内容": "一共 12000 元", "承办部门": "区人社局", "状态": "已评价",
			"办理答复": "劳动仲裁", "评分": "5", "评价": "很满意", "办理记录": "接单",
		}
		for h, want := range checks {
			assert.Contains(t, first[col[h]], want, "column %s", h)
		}
		// five history lines: create, dispatch, accept, resolve, rate
		hist := first[col["办理记录"]]
		assert.Equal(t, 4, strings.Count(hist, "\n"), "history summary %q", hist)
		assert.True(t, strings.HasPrefix(rows[2][col["诉求内容"]], "=HYPERLINK"), "formula-like text %q", rows[2][col["诉求内容"]])
		formula, _ := f.GetCellFormula(sheet, "F3")
		assert.Empty(t, formula, "demand text became a formula")
		panes, err := f.GetPanes(sheet)
		require.NoError(t, err)
		assert.True(t, panes.Freeze && panes.YSplit == 1, "panes %+v: header row not frozen", panes)
		w, err := f.GetColWidth(sheet, "F")
		if assert.NoError(t, err, "demand column width") {
			assert.GreaterOrEqual(t, w, 40.0, "demand column width")
		}
	})
}

func TestExportCSV(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, ts := exportFixture(t, e)
		var buf bytes.Buffer
		require.NoError(t, s.WriteCSV(&buf, ts))
		require.True(t, bytes.HasPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF")), "no UTF-8 byte-order mark")
		recs, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
		require.NoError(t, err)
		require.Len(t, recs, 3, "records %v", recs)
		require.Equal(t, "工单编号", recs[0][0], "records %v", recs)
		assert.Contains(t, recs[1][5], "\n一共", "multi-line text")
		assert.True(t, strings.HasPrefix(recs[2][5], "'=HYPERLINK"), "formula not neutralised: %q", recs[2][5])
	})
}

func TestExportRespectsViewer(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, _ := exportFixture(t, e)
		ts, err := s.ExportTickets(context.Background(), user("u2"), tickets.TicketFilter{})
		require.NoError(t, err)
		require.Len(t, ts, 1, "u2 exports %+v", ts)
		assert.Equal(t, "u2", ts[0].SubmitterID, "u2 exports %+v", ts)
		assert.Len(t, ts[0].History, 2, "u2 exports %+v", ts)
	})
}

func TestExportReports(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, _ := e.MustOpen(t)
		ctx := context.Background()
		n := report("u1", tiananmen)
		n.Attachments = photos(t, 2)
		rep := mustFile(t, s, n)
		_, err := s.Accept(ctx, admin, rep.Number, "")
		require.NoError(t, err)
		_, err = s.Reject(ctx, admin, rep.Number, "现场井盖完好")
		require.NoError(t, err)
		MustCreate(t, s, "u2", "老板拖欠工资")
		ts, err := s.ExportTickets(ctx, admin, tickets.TicketFilter{})
		require.NoError(t, err)
		var buf bytes.Buffer
		require.NoError(t, s.WriteCSV(&buf, ts))
		recs, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
		require.NoError(t, err)
		require.Len(t, recs, 3)
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		want := map[string][2]string{ // column: report, demand
			"类型":   {"随手拍/线索", "诉求"},
			"坐标":   {"39.908700,116.397500", ""},
			"照片":   {"IMG_0.jpg\nIMG_1.jpg", ""},
			"办理结论": {"核实无效", ""},
		}
		for h, w := range want {
			require.Contains(t, col, h, "no column %q in %v", h, recs[0])
			assert.Equal(t, w[0], recs[1][col[h]], "report: %s", h)
			assert.Equal(t, w[1], recs[2][col[h]], "demand: %s", h)
		}
	})
}
