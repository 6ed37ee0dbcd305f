package knowledge

import (
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// This file is the adapter to github.com/xuri/excelize/v2. The .xlsx
// reader streams the workbook itself (see xlsx.go): excelize's row
// iterator materialises every row as wide as its last cell, 16,384
// strings for a cell in column XFD. What excelize still does is what it
// does well: cell references, column names and number formats, whose
// output the loader has always shown and must keep showing.

// cellColumn returns the column number (1 for A) of a cell reference
// such as "B7" or "$B$7".
func cellColumn(ref string) (int, error) {
	col, _, err := excelize.CellNameToCoordinates(ref)
	return col, err
}

// columnName returns the name of column n (1 is "A").
func columnName(n int) string {
	name, err := excelize.ColumnNumberToName(n)
	if err != nil {
		return "?"
	}
	return name
}

// numFmt is the number format of a cell style: a custom format code, or
// a built-in format by its ID.
type numFmt struct {
	custom bool
	code   string // when custom
	id     int    // when built in
}

// builtInNumFmt reports whether excelize formats the built-in number
// format id (without a culture set, the ones of every locale).
func builtInNumFmt(id int) bool {
	return (id >= 0 && id <= 4) || (id >= 9 && id <= 22) || (id >= 37 && id <= 49)
}

// textSentinel stands for a text value while its format is worked out;
// it is a private-use character that no number format contains.
const textSentinel = "\uE000"

// maxFormatCache bounds the formatted values remembered.
const maxFormatCache = 1 << 14

// cellFormatter formats cell values as excelize does, on a scratch
// workbook whose styles carry the number formats of the workbook read:
// a value is written to cell A1 with its format's style and read back.
type cellFormatter struct {
	f      *excelize.File
	styles map[numFmt]int    // scratch style of each format
	texts  map[numFmt]string // each format's output for textSentinel
	cache  map[formatKey]string
}

type formatKey struct {
	nf    numFmt
	value string
}

// newCellFormatter returns a formatter for a workbook using the 1904
// date system or not.
func newCellFormatter(date1904 bool) *cellFormatter {
	f := excelize.NewFile()
	_ = f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904})
	return &cellFormatter{f: f, styles: map[numFmt]int{}, texts: map[numFmt]string{}, cache: map[formatKey]string{}}
}

// number returns numeric (or date) cell value v shown in format nf, or
// unformatted (see plainNumber) when excelize cannot format it. A value
// that is no number is shown as text is.
func (c *cellFormatter) number(nf numFmt, v string) string {
	if !isNumber(v) {
		return c.text(nf, v)
	}
	key := formatKey{nf, v}
	if s, ok := c.cache[key]; ok {
		return s
	}
	s, ok := c.format(nf, v)
	if !ok {
		s = plainNumber(v)
	}
	if len(c.cache) >= maxFormatCache {
		clear(c.cache)
	}
	c.cache[key] = s
	return s
}

// text returns text cell value v shown in format nf. A format puts a
// text value in its text section as a whole, so it is worked out once per
// format, for textSentinel.
func (c *cellFormatter) text(nf numFmt, v string) string {
	t, ok := c.texts[nf]
	if !ok {
		if t, ok = c.format(nf, textSentinel); !ok {
			t = textSentinel
		}
		c.texts[nf] = t
	}
	if t == textSentinel {
		return v
	}
	return strings.ReplaceAll(t, textSentinel, v)
}

// isNumber reports whether excelize takes v for a number.
func isNumber(v string) bool {
	if strings.Contains(v, "_") {
		return false
	}
	_, err := strconv.ParseFloat(v, 64)
	return err == nil
}

// format writes raw value v to the scratch cell in format nf and reads
// it back; a numeric v is a number, any other an inline string.
func (c *cellFormatter) format(nf numFmt, v string) (string, bool) {
	style, ok := c.styles[nf]
	if !ok {
		// The protection keeps NewStyle from returning the default style
		// 0 for the General format: a cell of style 0 is not formatted.
		s := &excelize.Style{NumFmt: nf.id, Protection: &excelize.Protection{Hidden: true}}
		if nf.custom {
			s.NumFmt, s.CustomNumFmt = 0, &nf.code
		}
		id, err := c.f.NewStyle(s)
		if err != nil || id == 0 {
			return "", false
		}
		style = id
		c.styles[nf] = style
	}
	const sheet, cell = "Sheet1", "A1"
	if c.f.SetCellDefault(sheet, cell, v) != nil || c.f.SetCellStyle(sheet, cell, cell, style) != nil {
		return "", false
	}
	s, err := c.f.GetCellValue(sheet, cell)
	return s, err == nil
}

// Close releases the scratch workbook.
func (c *cellFormatter) Close() error { return c.f.Close() }
