package knowledge

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Limits of the .xlsx reader.
const (
	// maxSheetRows bounds the rows read of one workbook.
	maxSheetRows = 200000
	// maxSheetCols bounds the cells read of one row.
	maxSheetCols = 256
	// xlsxUnzipLimit bounds the decompressed size of a workbook.
	xlsxUnzipLimit = 128 << 20
	// xlsxXMLMemLimit is the largest sheet kept in memory; larger ones
	// are spilled to temporary files by excelize.
	xlsxXMLMemLimit = 16 << 20
)

// defaultSheetName matches the names spreadsheets give new sheets.
var defaultSheetName = regexp.MustCompile(`^(?i:sheet)\s*\d*$|^工作表\s*\d*$`)

// extractXLSX reads the sheets of an .xlsx workbook as Markdown: one
// article per sheet (titled by a single-cell title row, else the sheet's
// name), one paragraph per row, each cell with its column header.
func extractXLSX(data []byte) (x extracted, err error) {
	if _, err := openZip(data, ".xlsx"); err != nil {
		return extracted{}, err
	}
	defer func() {
		if r := recover(); r != nil {
			x, err = extracted{}, fmt.Errorf("表格文件已损坏，无法读取，请用 Excel 或 WPS 重新保存为 .xlsx 后再导入: %w", ErrCorrupt)
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: xlsxUnzipLimit, UnzipXMLSizeLimit: xlsxXMLMemLimit,
	})
	if err != nil {
		if strings.Contains(err.Error(), "size exceeds") {
			return extracted{}, fmt.Errorf("表格解压后超过 %d MB，请拆分后再导入: %w", xlsxUnzipLimit>>20, ErrTooLarge)
		}
		return extracted{}, fmt.Errorf("表格文件已损坏或不是 .xlsx 工作簿（%v），请用 Excel 或 WPS 重新保存为 .xlsx 后再导入: %w", err, ErrCorrupt)
	}
	defer f.Close()
	w := &textWriter{md: true}
	sheets := f.GetSheetList()
	total := 0
	for _, sheet := range sheets {
		rows, err := readSheet(f, sheet, &total)
		if err != nil {
			return extracted{}, err
		}
		if len(rows) == 0 {
			continue
		}
		// A first row with a single cell is the sheet's title.
		title := ""
		if len(nonEmpty(rows[0])) == 1 && len(rows) > 1 && fits(nonEmpty(rows[0])[0], 80) {
			title, rows = nonEmpty(rows[0])[0], rows[1:]
		}
		if title == "" && (len(sheets) > 1 && !defaultSheetName.MatchString(sheet)) {
			title = sheet
		}
		if title != "" {
			w.heading(1, title)
		} else if len(sheets) > 1 {
			w.heading(1, sheet)
		}
		w.table(rows)
	}
	if w.err != nil {
		return extracted{}, w.err
	}
	if strings.TrimSpace(w.String()) == "" {
		return extracted{}, fmt.Errorf("表格中没有文字内容: %w", ErrEmpty)
	}
	return extracted{kind: "md", body: w.String()}, nil
}

// readSheet reads the rows of a sheet as trimmed cell texts, dropping
// empty rows, counting them in total against maxSheetRows.
func readSheet(f *excelize.File, sheet string, total *int) ([][]string, error) {
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, fmt.Errorf("表格“%s”无法读取（%v），请用 Excel 或 WPS 重新保存为 .xlsx 后再导入: %w", sheet, err, ErrCorrupt)
	}
	defer it.Close()
	var rows [][]string
	size := 0
	for it.Next() {
		cols, err := it.Columns()
		if err != nil {
			return nil, fmt.Errorf("表格“%s”无法读取（%v），请用 Excel 或 WPS 重新保存为 .xlsx 后再导入: %w", sheet, err, ErrCorrupt)
		}
		if len(cols) > maxSheetCols {
			cols = cols[:maxSheetCols]
		}
		empty := true
		for i, c := range cols {
			cols[i] = cleanText(c)
			size += len(cols[i])
			empty = empty && cols[i] == ""
		}
		if empty {
			continue
		}
		if *total++; *total > maxSheetRows {
			return nil, fmt.Errorf("表格超过 %d 行，请拆分后再导入: %w", maxSheetRows, ErrTooLarge)
		}
		if size > maxTextBytes {
			return nil, fmt.Errorf("表格的文字超过 %d MB，请拆分后再导入: %w", maxTextBytes>>20, ErrTooLarge)
		}
		rows = append(rows, cols)
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("表格“%s”无法读取（%v），请用 Excel 或 WPS 重新保存为 .xlsx 后再导入: %w", sheet, err, ErrCorrupt)
	}
	return rows, nil
}
