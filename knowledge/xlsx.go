package knowledge

import (
	"encoding/xml"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Limits of the .xlsx reader, besides those of the workbook (xlsxbook.go).
const (
	// maxSheetRows bounds the rows with text read of one workbook; each
	// becomes a paragraph.
	maxSheetRows = maxParagraphs
	// maxSheetCols bounds the columns of a sheet: text in a later column
	// is refused rather than dropped in silence.
	maxSheetCols = 256
	// maxSheetCells bounds the cells (<c> elements, empty ones included)
	// read of one workbook.
	maxSheetCells = 2_000_000
)

// defaultSheetName matches the names spreadsheets give new sheets.
var defaultSheetName = regexp.MustCompile(`^(?i:sheet)\s*\d*$|^工作表\s*\d*$`)

// errSheetEnd stops the reading of a sheet part at the end of its data.
var errSheetEnd = errors.New("end of sheet data")

// extractXLSX reads the sheets of an .xlsx workbook as Markdown: one
// article per sheet (titled by a single-cell title row, else the sheet's
// name), one paragraph per row, each cell with its column header. The
// sheets are streamed: a row costs the memory of its cells with text, and
// the workbook the memory of its shared strings.
func extractXLSX(data []byte) (x extracted, err error) {
	defer func() {
		if r := recover(); r != nil {
			x, err = extracted{}, fmt.Errorf("表格文件已损坏，无法读取，请用 Excel 或 WPS 重新保存为 .xlsx 后再导入: %w", ErrCorrupt)
		}
	}()
	b, err := openBook(data)
	if err != nil {
		return extracted{}, err
	}
	defer b.Close()
	w := &textWriter{md: true}
	r := &sheetReader{book: b}
	for _, s := range b.sheets {
		if err := r.read(s, &sheetWriter{w: w, name: s.name, multi: len(b.sheets) > 1}); err != nil {
			return extracted{}, err
		}
	}
	if w.err != nil {
		return extracted{}, w.err
	}
	if strings.TrimSpace(w.String()) == "" {
		return extracted{}, fmt.Errorf("表格中没有文字内容: %w", ErrEmpty)
	}
	return extracted{kind: "md", body: w.String()}, nil
}

// sheetWriter writes the rows of one sheet as they come: the sheet's
// heading (its title row, else its name when the workbook has several
// sheets), then its rows as a table.
type sheetWriter struct {
	w     *textWriter
	name  string
	multi bool     // the workbook has more than one sheet
	first []string // the first row, until the next shows whether it is a title
	n     int      // rows added
	table tableStream
}

// add writes the next row with text.
func (s *sheetWriter) add(row []string) {
	s.n++
	switch s.n {
	case 1:
		s.first = row
		return
	case 2:
		s.start(true)
	}
	s.table.add(row)
}

// start writes the heading and the first row; more tells whether rows
// follow it. A first row with a single cell is the sheet's title when
// rows follow.
func (s *sheetWriter) start(more bool) {
	first := nonEmpty(s.first)
	title, titleRow := "", false
	if len(first) == 1 && more && fits(first[0], 80) {
		title, titleRow = first[0], true
	}
	if title == "" && s.multi && !defaultSheetName.MatchString(s.name) {
		title = s.name
	}
	if title != "" {
		s.w.heading(1, title)
	} else if s.multi {
		s.w.heading(1, s.name)
	}
	s.table = tableStream{emit: s.w.para}
	if !titleRow {
		s.table.add(s.first)
	}
	s.first = nil
}

// finish ends the sheet.
func (s *sheetWriter) finish() {
	switch s.n {
	case 0:
		return
	case 1:
		s.start(false)
	}
	s.table.finish()
}

// sheetReader reads the sheets of a workbook within the limits on rows,
// cells and text, which count over the whole workbook.
type sheetReader struct {
	book              *xlsxBook
	rows, cells, size int

	// The sheet being read.
	sheet  string
	out    *sheetWriter
	depth  int         // open elements
	inRow  bool        // a <row> is open
	rowNum int         // its number
	row    []sheetCell // its cells with text, in column order
	width  int         // the columns its cells took, as excelize counts them
	col    int         // the column of its last cell
	cell   *xlsxCell   // the <c> being read, or nil
	cname  xml.Name    // its element name
	vAt    int         // depth of the <v> being read, 0 when none
	v      strings.Builder
	is     *richText // the <is> being read, or nil
}

// sheetCell is a cell with text of the row being read.
type sheetCell struct {
	col  int // 0 for A
	text string
}

// read streams sheet s into out.
func (r *sheetReader) read(s xlsxSheet, out *sheetWriter) error {
	f := r.book.part(s.part)
	if s.part == "" || f == nil {
		return fmt.Errorf("表格“%s”无法读取（工作表不存在），请用 Excel 或 WPS 重新保存为 .xlsx 后再导入: %w", s.name, ErrCorrupt)
	}
	r.sheet, r.out, r.depth, r.inRow, r.rowNum, r.cell, r.is = s.name, out, 0, false, 0, nil, nil
	err := r.book.read(f, r.token)
	if err != nil && !errors.Is(err, errSheetEnd) {
		return err
	}
	if r.inRow {
		if err := r.endRow(); err != nil {
			return err
		}
	}
	out.finish()
	return nil
}

// token reads the next token of a sheet part.
func (r *sheetReader) token(tok xml.Token) error {
	switch e := tok.(type) {
	case xml.StartElement:
		r.depth++
		return r.start(e)
	case xml.EndElement:
		err := r.end(e)
		r.depth--
		return err
	case xml.CharData:
		switch {
		case r.is != nil:
			_, err := r.is.token(e)
			return err
		case r.vAt > 0 && r.vAt == r.depth:
			if r.v.Len()+len(e) > maxTextBytes {
				return errCellTooLarge
			}
			r.v.Write(e)
		}
	}
	return nil
}

func (r *sheetReader) start(e xml.StartElement) error {
	switch {
	case r.is != nil:
		_, err := r.is.token(e)
		return err
	case r.cell != nil:
		switch e.Name.Local {
		case "v":
			r.vAt = r.depth
			r.v.Reset()
		case "f":
			r.cell.f = true
		case "is":
			r.is = &richText{}
		}
	case e.Name.Local == "row":
		if r.inRow { // an unclosed row ends where the next starts
			if err := r.endRow(); err != nil {
				return err
			}
		}
		r.inRow, r.row, r.width, r.col = true, r.row[:0], 0, 0
		if n, err := strconv.Atoi(attr(e, "r")); err == nil {
			r.rowNum = n
		} else {
			r.rowNum++
		}
	case e.Name.Local == "c" && r.inRow:
		r.cell, r.cname = &xlsxCell{ref: attr(e, "r"), typ: attr(e, "t")}, e.Name
		r.cell.style, _ = strconv.Atoi(attr(e, "s"))
	}
	return nil
}

func (r *sheetReader) end(e xml.EndElement) error {
	switch {
	case r.is != nil:
		if end, err := r.is.token(e); end {
			r.cell.is, r.cell.hasIS, r.is = r.is.value(), true, nil
		} else if err != nil {
			return err
		}
	case r.cell != nil:
		if r.vAt == r.depth {
			r.cell.v, r.vAt = r.v.String(), 0
		}
		if e.Name == r.cname {
			return r.endCell()
		}
	case e.Name.Local == "row":
		if r.inRow {
			return r.endRow()
		}
	case e.Name.Local == "sheetData":
		return errSheetEnd
	}
	return nil
}

// endCell takes the value of the cell that ends into the row. Like
// excelize, it places a cell with a value in its column, or after the
// row's last cell when that column is taken.
func (r *sheetReader) endCell() error {
	c := r.cell
	r.cell = nil
	if r.cells++; r.cells > maxSheetCells {
		return fmt.Errorf("表格超过 %d 个单元格，请拆分后再导入: %w", maxSheetCells, ErrTooLarge)
	}
	col := r.col + 1
	if c.ref != "" {
		var err error
		if col, err = cellColumn(c.ref); err != nil {
			return fmt.Errorf("表格“%s”无法读取（%v），请用 Excel 或 WPS 重新保存为 .xlsx 后再导入: %w", r.sheet, err, ErrCorrupt)
		}
	}
	r.col = col
	val := r.book.value(c)
	if val == "" && !c.f {
		return nil
	}
	pos := max(r.width, col-1)
	r.width = pos + 1
	text := cleanText(val)
	if text == "" {
		return nil
	}
	if pos >= maxSheetCols {
		return fmt.Errorf("表格“%s”第 %d 行的 %s 列有内容，超出了 %d 列（%s 列）的上限，请删除多余的列或拆分表格后再导入: %w",
			r.sheet, r.rowNum, columnName(pos+1), maxSheetCols, columnName(maxSheetCols), ErrTooLarge)
	}
	r.size += len(text)
	r.row = append(r.row, sheetCell{col: pos, text: text})
	return nil
}

// endRow writes the row that ends, unless it has no text.
func (r *sheetReader) endRow() error {
	r.inRow = false
	if len(r.row) == 0 {
		return nil
	}
	if r.rows++; r.rows > maxSheetRows {
		return fmt.Errorf("表格超过 %d 行，请拆分后再导入: %w", maxSheetRows, ErrTooLarge)
	}
	if r.size > maxTextBytes {
		return fmt.Errorf("表格的文字超过 %d MB，请拆分后再导入: %w", maxTextBytes>>20, ErrTooLarge)
	}
	row := make([]string, r.row[len(r.row)-1].col+1)
	for _, c := range r.row {
		row[c.col] = c.text
	}
	r.out.add(row)
	return r.out.w.err
}
