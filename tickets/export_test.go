package tickets_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"partybot/tickets"
)

func exportFixture(tb testing.TB) (*tickets.Store, []*tickets.Ticket) {
	tb.Helper()
	s, _ := MustOpenStore(tb)
	ctx := context.Background()
	a := MustCreate(tb, s, "u1", "老板拖欠我们三个月工资，\n一共 12000 元，电话13812345678")
	MustCreate(tb, s, "u2", "=HYPERLINK(\"http://x\") 井盖丢了")
	if _, err := s.Accept(ctx, admin, a.Number, "已联系企业"); err != nil {
		tb.Fatal(err)
	}
	if _, err := s.Resolve(ctx, admin, a.Number, "已责令企业发放工资，并告知劳动仲裁途径"); err != nil {
		tb.Fatal(err)
	}
	if _, err := s.Rate(ctx, user("u1"), a.Number, 5, "很满意"); err != nil {
		tb.Fatal(err)
	}
	ts, err := s.ExportTickets(ctx, admin, tickets.TicketFilter{})
	if err != nil {
		tb.Fatal(err)
	}
	return s, ts
}

func TestExportXLSX(t *testing.T) {
	s, ts := exportFixture(t)
	var buf bytes.Buffer
	if err := s.WriteXLSX(&buf, ts); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const sheet = "台账"
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want header + 2", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range []string{"工单编号", "诉求内容", "承办部门", "状态", "办理答复", "评分", "评价", "办理记录", "办结期限"} {
		if _, ok := col[h]; !ok {
			t.Fatalf("no column %q in %v", h, rows[0])
		}
	}
	first := rows[1]
	checks := map[string]string{
		"工单编号": "2026-", "诉求内容": "一共 12000 元", "承办部门": "区人社局", "状态": "已评价",
		"办理答复": "劳动仲裁", "评分": "5", "评价": "很满意", "办理记录": "接单",
	}
	for h, want := range checks {
		if got := first[col[h]]; !strings.Contains(got, want) {
			t.Errorf("%s=%q, want it to contain %q", h, got, want)
		}
	}
	if hist := first[col["办理记录"]]; strings.Count(hist, "\n") != 4 { // create, dispatch, accept, resolve, rate
		t.Errorf("history summary %q", hist)
	}
	if got := rows[2][col["诉求内容"]]; !strings.HasPrefix(got, "=HYPERLINK") {
		t.Errorf("formula-like text %q", got)
	}
	if formula, _ := f.GetCellFormula(sheet, "F3"); formula != "" {
		t.Errorf("demand text became a formula: %q", formula)
	}
	panes, err := f.GetPanes(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v: header row not frozen", panes)
	}
	if w, err := f.GetColWidth(sheet, "F"); err != nil || w < 40 {
		t.Errorf("demand column width %v, %v", w, err)
	}
}

func TestExportCSV(t *testing.T) {
	s, ts := exportFixture(t)
	var buf bytes.Buffer
	if err := s.WriteCSV(&buf, ts); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF")) {
		t.Fatal("no UTF-8 byte-order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0][0] != "工单编号" {
		t.Fatalf("records %v", recs)
	}
	if got := recs[1][5]; !strings.Contains(got, "\n一共") {
		t.Errorf("multi-line text %q", got)
	}
	if got := recs[2][5]; !strings.HasPrefix(got, "'=HYPERLINK") {
		t.Errorf("formula not neutralised: %q", got)
	}
}

func TestExportRespectsViewer(t *testing.T) {
	s, _ := exportFixture(t)
	ts, err := s.ExportTickets(context.Background(), user("u2"), tickets.TicketFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].SubmitterID != "u2" || len(ts[0].History) != 2 {
		t.Fatalf("u2 exports %+v", ts)
	}
}
