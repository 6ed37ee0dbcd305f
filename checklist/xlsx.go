package checklist

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"
)

// columns are the columns of the 台账, with their widths in
// characters; the last four are for the user to fill in.
var columns = []struct {
	title string
	width float64
}{
	{"序号", 6}, {"工作事项", 18}, {"具体要求", 40}, {"依据", 44}, {"责任单位", 14},
	{"责任人", 10}, {"完成时限", 14}, {"完成情况", 16}, {"佐证材料", 16},
}

// sheetName is the name of the 台账's worksheet.
const sheetName = "台账"

// FileName is the name of the checklist's .xlsx file: its title, with
// characters that file systems reject replaced, and ".xlsx".
func (c Checklist) FileName() string {
	name := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, c.Title)
	name = strings.Trim(strings.TrimSpace(clip(name, 60)), ".")
	if name == "" {
		name = "工作台账"
	}
	return name + ".xlsx"
}

// WriteXLSX writes the checklist as an .xlsx 台账: a title row, a frozen
// header row (序号, 工作事项, 具体要求, 依据, 责任单位, 责任人, 完成时限,
// 完成情况, 佐证材料), one row per item, then the notes and sources. Columns
// have set widths and wrap their text; the sheet prints on A4 landscape,
// fitted to the page width, with the title and header rows on every page.
// Returns ErrRefused (wrapped) for a refused checklist.
func (c Checklist) WriteXLSX(w io.Writer) error {
	if c.Refused() {
		return fmt.Errorf("write xlsx: %w", ErrRefused)
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := c.fillWorkbook(f); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

// fillWorkbook lays the 台账 out in f.
func (c Checklist) fillWorkbook(f *excelize.File) error {
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	if err := c.writeHead(f, st); err != nil {
		return err
	}
	if err := c.writeItems(f, st); err != nil {
		return err
	}
	if err := c.writeNotes(f, st); err != nil {
		return err
	}
	return setPrinting(f)
}

// lastColumn is the name of the 台账's last column.
func lastColumn() string {
	last, _ := excelize.ColumnNumberToName(len(columns))
	return last
}

// writeHead sets the column widths and writes row 1, the title across all
// columns, and row 2, the header.
func (c Checklist) writeHead(f *excelize.File, st styles) error {
	last := lastColumn()
	for i, col := range columns {
		name, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheetName, name, name, col.width); err != nil {
			return err
		}
	}
	if err := setMerged(f, 1, last, c.heading(), st.title, 30); err != nil {
		return err
	}
	for i, col := range columns {
		cell, _ := excelize.CoordinatesToCellName(i+1, 2)
		if err := f.SetCellStr(sheetName, cell, col.title); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(sheetName, "A2", last+"2", st.header); err != nil {
		return err
	}
	return f.SetRowHeight(sheetName, 2, 22)
}

// writeItems writes the items, one a row from row 3.
func (c Checklist) writeItems(f *excelize.File, st styles) error {
	last := lastColumn()
	for n, it := range c.Items {
		r := n + 3
		cells := it.row(n + 1)
		for i, v := range cells {
			cell, _ := excelize.CoordinatesToCellName(i+1, r)
			if err := f.SetCellStr(sheetName, cell, v); err != nil {
				return err
			}
		}
		if err := f.SetCellStyle(sheetName, fmt.Sprintf("A%d", r), fmt.Sprintf("%s%d", last, r), st.body); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheetName, fmt.Sprintf("A%d", r), fmt.Sprintf("A%d", r), st.number); err != nil {
			return err
		}
		if err := f.SetRowHeight(sheetName, r, rowHeight(cells)); err != nil {
			return err
		}
	}
	return nil
}

// writeNotes writes, after a blank row below the items, how the checklist
// was drafted, the notes and the sources, each across all columns.
func (c Checklist) writeNotes(f *excelize.File, st styles) error {
	notes := []string{c.subtitle()}
	for _, n := range c.Notes {
		notes = append(notes, "说明："+n)
	}
	if len(c.Sources) > 0 {
		notes = append(notes, "依据出处：")
		for i, h := range c.Sources {
			notes = append(notes, fmt.Sprintf("[%d] %s", i+1, h.Citation()))
		}
	}
	last := lastColumn()
	for i, n := range notes {
		if err := setMerged(f, len(c.Items)+4+i, last, n, st.note, 0); err != nil {
			return err
		}
	}
	return nil
}

// setPrinting freezes the header, and sets up A4 landscape printing fitted
// to the page width with rows 1–2 repeated on every page.
func setPrinting(f *excelize.File) error {
	const sheet = sheetName
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	size, orient, one, zero, fit := 9, "landscape", 1, 0, true // 9: A4
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &size, Orientation: &orient, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return err
	}
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	margin, edge := 0.5, 0.3
	if err := f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &margin, Right: &margin, Top: &margin, Bottom: &margin, Header: &edge, Footer: &edge}); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: "&C第 &P 页，共 &N 页"}); err != nil {
		return err
	}
	return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + sheet + "'!$1:$2", Scope: sheet})
}

// styles are the cell styles of the 台账.
type styles struct{ title, header, body, number, note int }

// newStyles adds the 台账's cell styles to f.
func newStyles(f *excelize.File) (styles, error) {
	border := []excelize.Border{
		{Type: "left", Color: "808080", Style: 1}, {Type: "right", Color: "808080", Style: 1},
		{Type: "top", Color: "808080", Style: 1}, {Type: "bottom", Color: "808080", Style: 1},
	}
	var s styles
	var err error
	for _, x := range []struct {
		id    *int
		style *excelize.Style
	}{
		{&s.title, &excelize.Style{
			Font:      &excelize.Font{Bold: true, Size: 16},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		}},
		{&s.header, &excelize.Style{
			Font:      &excelize.Font{Bold: true},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
			Border:    border,
		}},
		{&s.body, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}, Border: border}},
		{&s.number, &excelize.Style{Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "top"}, Border: border}},
		{&s.note, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
	} {
		if *x.id, err = f.NewStyle(x.style); err != nil {
			return s, err
		}
	}
	return s, nil
}

// setMerged writes text across columns A…last of row r; height 0 sizes the
// row to the text.
func setMerged(f *excelize.File, r int, last, text string, style int, height float64) error {
	a, z := fmt.Sprintf("A%d", r), fmt.Sprintf("%s%d", last, r)
	if err := f.MergeCell(sheetName, a, z); err != nil {
		return err
	}
	if err := f.SetCellStr(sheetName, a, text); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheetName, a, z, style); err != nil {
		return err
	}
	if height == 0 {
		var total float64
		for _, col := range columns {
			total += col.width
		}
		height = float64(wrappedLines(text, total)) * lineHeight
	}
	return f.SetRowHeight(sheetName, r, height+4)
}

// lineHeight is the height in points of one line of 11-point text.
const lineHeight = 15

// rowHeight is the height that shows every cell of a row in full: Excel
// does not grow rows for wrapped text written by a program.
func rowHeight(cells []string) float64 {
	lines := 1
	for i, v := range cells {
		lines = max(lines, wrappedLines(v, columns[i].width))
	}
	return min(float64(lines)*lineHeight+4, 409) // 409: Excel's largest row
}

// wrappedLines estimates how many lines text takes in a column of width
// characters, a Han character taking two.
func wrappedLines(text string, width float64) int {
	lines := 0
	for _, para := range strings.Split(text, "\n") {
		w := 0.0
		for _, r := range para {
			if r >= 0x2E80 || (r >= 0x2010 && r <= 0x201F) {
				w += 2
			} else {
				w++
			}
		}
		per := max(width-1, 1)
		lines += max(1, int((w+per-1)/per))
	}
	return lines
}
