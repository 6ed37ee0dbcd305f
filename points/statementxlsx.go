package points

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Sheets of the workbook [WriteXLSX] writes.
const (
	SheetStatement = "月结单"
	SheetEntries   = "明细"
)

// WriteXLSX writes st as an .xlsx workbook: a sheet "月结单" headed by the
// month, a row per user (opening, earned, corrected, closing) and the
// total; a sheet "明细" with the month's entries.
func WriteXLSX(w io.Writer, st *Statement) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := writeStatementSheet(f, st); err != nil {
		return fmt.Errorf("write points xlsx: %w", err)
	}
	if err := writeEntriesSheet(f, st); err != nil {
		return fmt.Errorf("write points xlsx: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write points xlsx: %w", err)
	}
	return nil
}

// writeStatementSheet writes the sheet of the users' rows.
func writeStatementSheet(f *excelize.File, st *Statement) error {
	if err := f.SetSheetName("Sheet1", SheetStatement); err != nil {
		return err
	}
	rows := [][]any{{"红色积分月结单：" + st.Label}, {"用户", "期初余额", "本月获得", "本月更正", "期末余额"}}
	for _, r := range append(st.Users, st.Total()) {
		rows = append(rows, []any{r.UserID, r.Opening, r.Earned, r.Corrected, r.Closing})
	}
	if err := setRows(f, SheetStatement, rows); err != nil {
		return err
	}
	last := strconv.Itoa(len(rows))
	return style(f, SheetStatement, []string{"A2:E2", "A" + last + ":E" + last}, map[string]float64{"A:A": 20, "B:E": 12})
}

// writeEntriesSheet writes the sheet of the month's entries.
func writeEntriesSheet(f *excelize.File, st *Statement) error {
	if _, err := f.NewSheet(SheetEntries); err != nil {
		return err
	}
	rows := [][]any{{"编号", "时间", "用户", "积分", "事由", "工单编号", "操作人", "备注", "更正记录", "余额"}}
	for _, e := range st.Entries {
		corrects := ""
		if e.Corrects != 0 {
			corrects = strconv.FormatInt(e.Corrects, 10)
		}
		rows = append(rows, []any{e.ID, e.At.Format("2006-01-02 15:04"), e.UserID, e.Points, e.Reason.Label(),
			e.TicketNumber, e.By, e.Note, corrects, e.Balance})
	}
	if err := setRows(f, SheetEntries, rows); err != nil {
		return err
	}
	return style(f, SheetEntries, []string{"A1:J1"}, map[string]float64{"A:A": 8, "B:B": 17, "C:C": 20, "E:E": 16, "H:H": 30})
}

// setRows writes rows from A1 down.
func setRows(f *excelize.File, sheet string, rows [][]any) error {
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return err
		}
	}
	return nil
}

// style makes the ranges bold (as tickets' 统计 sheet heads) and sets the
// widths of column ranges ("B:E").
func style(f *excelize.File, sheet string, bold []string, widths map[string]float64) error {
	b, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return err
	}
	for _, r := range bold {
		from, to, _ := strings.Cut(r, ":")
		if err := f.SetCellStyle(sheet, from, to, b); err != nil {
			return err
		}
	}
	for cols, w := range widths {
		from, to, _ := strings.Cut(cols, ":")
		if err := f.SetColWidth(sheet, from, to, w); err != nil {
			return err
		}
	}
	return nil
}
