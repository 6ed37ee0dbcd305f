package tickets

import (
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// WriteXLSX writes st as an .xlsx workbook: one sheet "统计" headed by
// the period's label, a row per department and the total, rates as
// percentages, then 民情线索 and suggestions.
func (st *Stats) WriteXLSX(w io.Writer, label string) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "统计"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("write stats xlsx: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return fmt.Errorf("write stats xlsx: %w", err)
	}
	pct, err := f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	if err != nil {
		return fmt.Errorf("write stats xlsx: %w", err)
	}
	header := []any{"部门", "受理", "应响应", "按时响应", "响应率", "应办结", "按期办结", "按期办结率", "已评价", "满意", "满意率", "在办", "超期",
		"民情线索", "核实有效", "已整改", "建议", "采纳"}
	rows := [][]any{{"统计期间：" + label}, header}
	for _, d := range append(st.Departments, st.Total) {
		rows = append(rows, []any{d.Name, d.Received, d.ResponseDue, d.RespondedOnTime, rateCell(d.ResponseRate, d.ResponseDue),
			d.ResolutionDue, d.ResolvedOnTime, rateCell(d.OnTimeRate, d.ResolutionDue), d.Rated, d.Satisfied,
			rateCell(d.SatisfactionRate, d.Rated), d.Open, d.Overdue,
			d.Reports, d.ReportsVerified, d.ReportsFixed, d.Suggestions, d.SuggestionsAdopted})
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return fmt.Errorf("write stats xlsx: %w", err)
		}
	}
	last := strconv.Itoa(len(rows))
	for _, col := range []string{"E", "H", "K"} {
		if err := f.SetCellStyle(sheet, col+"3", col+last, pct); err != nil {
			return fmt.Errorf("write stats xlsx: %w", err)
		}
	}
	if err := f.SetCellStyle(sheet, "A2", "R2", bold); err != nil {
		return fmt.Errorf("write stats xlsx: %w", err)
	}
	if err := f.SetCellStyle(sheet, "A"+last, "R"+last, bold); err != nil {
		return fmt.Errorf("write stats xlsx: %w", err)
	}
	if err := f.SetColWidth(sheet, "A", "A", 18); err != nil {
		return fmt.Errorf("write stats xlsx: %w", err)
	}
	if err := f.SetColWidth(sheet, "B", "R", 11); err != nil {
		return fmt.Errorf("write stats xlsx: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write stats xlsx: %w", err)
	}
	return nil
}

// rateCell is a rate cell: the rate, or empty when nothing was due.
func rateCell(r float64, of int) any {
	if of == 0 {
		return ""
	}
	return r
}
