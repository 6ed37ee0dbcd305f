package stations

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/xuri/excelize/v2"

	"partybot/apperr"
)

// Limits of an .xlsx workbook unzipped: a list of stations is small.
const (
	maxUnzipped    = 256 << 20
	maxUnzippedXML = 64 << 20
)

// readXLSX reads the rows of the visible sheets of an .xlsx workbook:
// each cell as shown, and as stored (for coordinates, which a number
// format may round). A sheet is named only when there are several.
func readXLSX(data []byte) (tables []table, err error) {
	defer func() {
		if r := recover(); r != nil {
			tables, err = nil, badWorkbook(fmt.Errorf("%v", r))
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: maxUnzippedXML})
	if err != nil {
		return nil, badWorkbook(err)
	}
	defer f.Close()
	var names []string
	for _, name := range f.GetSheetList() {
		if visible, err := f.GetSheetVisible(name); err == nil && visible {
			names = append(names, name)
		}
	}
	for _, name := range names {
		t, err := readSheet(f, name)
		if _, coded := errors.AsType[*apperr.Error](err); coded {
			return nil, err
		} else if err != nil {
			return nil, badWorkbook(err)
		}
		if len(names) > 1 {
			t.sheet = name
		}
		tables = append(tables, t)
	}
	return tables, nil
}

// readSheet reads one sheet; row i is line i+1.
func readSheet(f *excelize.File, name string) (table, error) {
	rows, err := sheetRows(f, name, false)
	if err != nil {
		return table{}, err
	}
	raw, err := sheetRows(f, name, true)
	if err != nil {
		return table{}, err
	}
	t := table{rows: rows, raw: raw, lines: make([]int, len(rows))}
	for i := range t.lines {
		t.lines[i] = i + 1
	}
	return t, nil
}

// sheetRows is excelize's GetRows (row i is line i+1, rows without
// cells empty) refusing a sheet of more than maxRows rows with cells.
func sheetRows(f *excelize.File, name string, raw bool) ([][]string, error) {
	it, err := f.Rows(name)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out [][]string
	n := 0
	for line := 1; it.Next(); line++ {
		row, err := it.Columns(excelize.Options{RawCellValue: raw})
		if err != nil {
			return nil, err
		}
		if len(row) == 0 {
			continue
		}
		if n++; n > maxRows {
			return nil, tooManyRows()
		}
		out = append(out, make([][]string, line-1-len(out))...)
		out = append(out, row)
	}
	return out, it.Error()
}

func badWorkbook(err error) error {
	return apperr.Wrap(err, apperr.EInvalid, "无法读取 .xlsx 文件（已损坏或不是 Excel 工作簿）；请用 Excel 或 WPS 重新保存为 .xlsx 或 CSV 后再导入")
}
