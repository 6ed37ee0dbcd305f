package tickets

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// ExportTickets returns the tickets v may see that match f, oldest first,
// each with its history (read with one query). Errors as [Store.FindTickets].
func (s *Store) ExportTickets(ctx context.Context, v Viewer, f TicketFilter) ([]*Ticket, error) {
	ts, err := s.FindTickets(ctx, v, f)
	if err != nil {
		return nil, err
	}
	for i, j := 0, len(ts)-1; i < j; i, j = i+1, j-1 {
		ts[i], ts[j] = ts[j], ts[i]
	}
	if len(ts) == 0 {
		return ts, nil
	}
	byID := make(map[int64]*Ticket, len(ts))
	for _, t := range ts {
		byID[t.ID] = t
	}
	where, args, err := s.filterSQL(v, f)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, s.db, `SELECT h.ticket_id, h.id, h.at, h.actor, h.via, h.action, h.from_status, h.to_status, h.note
		FROM ticket_history h JOIN tickets t ON t.id = h.ticket_id WHERE `+where+` ORDER BY h.ticket_id, h.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("export history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var h HistoryEntry
		var at int64
		if err := rows.Scan(&id, &h.ID, &at, &h.Actor, &h.Via, &h.Action, &h.From, &h.To, &h.Note); err != nil {
			return nil, fmt.Errorf("export history: %w", err)
		}
		h.At = s.fromMS(at)
		if t := byID[id]; t != nil { // outside the page when f has a limit
			t.History = append(t.History, h)
		}
	}
	return ts, rows.Err()
}

// ledgerColumns are the 台账 columns with their widths in characters.
var ledgerColumns = []struct {
	title string
	width float64
}{
	{"工单编号", 13}, {"提交时间", 17}, {"提交人", 12}, {"来源", 6}, {"联系方式", 15}, {"诉求内容", 50},
	{"类型", 10}, {"类别", 14}, {"紧急程度", 8}, {"地点", 18}, {"坐标", 22}, {"照片", 24}, {"疑似重复", 14},
	{"承办部门", 16}, {"状态", 8}, {"响应期限", 17},
	{"接单时间", 17}, {"办结期限", 17}, {"办结时间", 17}, {"是否超期", 8}, {"督办级别", 8},
	{"核实时间", 17}, {"办理结论", 10},
	{"办理答复", 40}, {"评分", 6}, {"评价", 24}, {"重办次数", 8}, {"人工分派", 8}, {"办理记录", 70},
}

// ledgerRow returns t's 台账 row as text, in ledgerColumns order, hidden
// characters shown as ⟨U+202E⟩ ([ShowHidden]).
func (s *Store) ledgerRow(t *Ticket) []string {
	tm := func(x time.Time) string {
		if x.IsZero() {
			return ""
		}
		return s.fmtTime(x)
	}
	yes := func(b bool) string {
		if b {
			return "是"
		}
		return "否"
	}
	channel := "对话"
	if t.Channel == ChannelPhone {
		channel = "电话"
	}
	rating := ""
	if t.Rating > 0 {
		rating = strconv.Itoa(t.Rating)
	}
	level := ""
	if t.Escalation > 0 {
		level = strconv.Itoa(t.Escalation) + " 级"
	}
	hist := make([]string, len(t.History))
	for i, h := range t.History {
		hist[i] = h.String()
	}
	history := strings.Join(hist, "\n")
	if rs := []rune(history); len(rs) > 32000 { // an Excel cell holds 32,767 characters
		history = string(rs[:32000]) + "…"
	}
	submitter := t.SubmitterName
	if submitter == "" {
		submitter = t.SubmitterID
	}
	coords := ""
	if t.Coords != nil {
		coords = fmt.Sprintf("%.6f,%.6f", t.Coords.Lat, t.Coords.Lng)
	}
	photos := make([]string, len(t.Attachments))
	for i, a := range t.Attachments {
		photos[i] = a.Name
	}
	row := []string{
		t.Number, tm(t.CreatedAt), submitter, channel, t.Contact, t.Text,
		t.Kind.Label(), t.Category, t.Urgency.Label(), t.Location, coords, strings.Join(photos, "\n"), strings.Join(t.Duplicates, "\n"),
		s.depts.name(t.Department), t.Status.Label(), tm(t.RespondDue),
		tm(t.AcceptedAt), tm(t.DueAt), tm(t.ResolvedAt), yes(t.Overdue), level,
		tm(t.VerifiedAt), t.Outcome.Label(t.Kind),
		t.Reply, rating, t.Comment, strconv.Itoa(t.Reopened), yes(t.ManualDispatch), history,
	}
	for i, v := range row {
		row[i] = ShowHidden(v)
	}
	return row
}

// WriteXLSX writes the 台账 of ts as an .xlsx workbook: one sheet "台账", a
// bold header row that stays frozen, set column widths and wrapped long text.
func (s *Store) WriteXLSX(w io.Writer, ts []*Ticket) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "台账"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	header, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border:    []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}},
	})
	if err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	top, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}})
	if err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	for i, c := range ledgerColumns {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	row := make([]any, len(ledgerColumns))
	for i, c := range ledgerColumns {
		row[i] = excelize.Cell{StyleID: header, Value: c.title}
	}
	if err := sw.SetRow("A1", row, excelize.RowOpts{Height: 20}); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	for n, t := range ts {
		for i, v := range s.ledgerRow(t) {
			style := top
			if ledgerColumns[i].width >= 24 {
				style = wrap
			}
			row[i] = excelize.Cell{StyleID: style, Value: v}
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, row); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

// WriteCSV writes the 台账 of ts as CSV in UTF-8 with a byte-order mark, so
// that Excel opens it with the right encoding. Cells that a spreadsheet would
// take for a formula (=, +, -, @) are prefixed with an apostrophe.
func (s *Store) WriteCSV(w io.Writer, ts []*Ticket) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	head := make([]string, len(ledgerColumns))
	for i, c := range ledgerColumns {
		head[i] = c.title
	}
	if err := cw.Write(head); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, t := range ts {
		row := s.ledgerRow(t)
		for i, v := range row {
			if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
				row[i] = "'" + v
			}
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// ExportXLSX writes the 台账 of the tickets v may see that match f as .xlsx
// and returns how many there were.
func (s *Store) ExportXLSX(ctx context.Context, w io.Writer, v Viewer, f TicketFilter) (int, error) {
	ts, err := s.ExportTickets(ctx, v, f)
	if err != nil {
		return 0, err
	}
	return len(ts), s.WriteXLSX(w, ts)
}

// ExportCSV is [Store.ExportXLSX] in CSV.
func (s *Store) ExportCSV(ctx context.Context, w io.Writer, v Viewer, f TicketFilter) (int, error) {
	ts, err := s.ExportTickets(ctx, v, f)
	if err != nil {
		return 0, err
	}
	return len(ts), s.WriteCSV(w, ts)
}
