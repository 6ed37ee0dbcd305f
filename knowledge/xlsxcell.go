package knowledge

import (
	"strconv"
	"strings"
	"time"
)

// This file shows cell values as excelize's row iterator did, which the
// reader replaced: the same text for the same cells (see
// xlsx_excelize_test.go). Where excelize formats a value by a number
// format, cellFormatter (xlsxfmt.go) asks it; the rest is ported here,
// since excelize does not export it.

// xlsxCell is a cell of a sheet as read.
type xlsxCell struct {
	ref   string // r attribute
	typ   string // t attribute
	style int    // s attribute
	v     string // <v>
	is    string // <is>, when hasIS
	hasIS bool
	f     bool // has a formula
}

// value returns the text excelize shows for cell c: its value formatted
// by its style's number format; "" for a shared string index outside the
// table.
func (b *xlsxBook) value(c *xlsxCell) string {
	switch c.typ {
	case "b":
		switch c.v {
		case "1":
			return "TRUE"
		case "0":
			return "FALSE"
		}
		return b.formatText(c.style, c.v)
	case "d":
		return b.formatNumber(c.style, isoDateSerial(c.v))
	case "s":
		if c.v == "" {
			return b.formatText(c.style, "")
		}
		i, _ := strconv.Atoi(strings.TrimSpace(c.v))
		if i < 0 || i >= len(b.strings) {
			return ""
		}
		return b.formatText(c.style, b.strings[i])
	case "str":
		return c.v
	case "inlineStr":
		if c.hasIS {
			return b.formatText(c.style, c.is)
		}
		return b.formatText(c.style, c.v)
	}
	if c.style == 0 || !b.formatted(c.style) {
		return plainNumber(c.v)
	}
	if nf := b.numFmts[c.style]; !nf.custom && nf.id == 0 {
		return generalNumber(c.v)
	}
	return b.formatter().number(b.numFmts[c.style], c.v)
}

// formatted reports whether excelize formats the values of cell style s.
func (b *xlsxBook) formatted(s int) bool {
	return s > 0 && s < len(b.hasFmt) && b.hasFmt[s]
}

func (b *xlsxBook) formatter() *cellFormatter {
	if b.format == nil {
		b.format = newCellFormatter(b.date1904)
	}
	return b.format
}

// formatText returns text value v shown in cell style s.
func (b *xlsxBook) formatText(s int, v string) string {
	if !b.formatted(s) {
		return v
	}
	return b.formatter().text(b.numFmts[s], v)
}

// formatNumber returns a number already in the form excelize keeps, v,
// shown in cell style s.
func (b *xlsxBook) formatNumber(s int, v string) string {
	if !b.formatted(s) {
		return v
	}
	return b.formatter().number(b.numFmts[s], v)
}

// plainNumber writes a number as excelize shows a cell of no style: in
// full, or to 15 significant digits when it has more (and is not an
// integer padded with zeros); other text stays as it is.
func plainNumber(v string) string {
	if !isNumber(v) {
		return v
	}
	f, _ := strconv.ParseFloat(v, 64)
	full := strconv.FormatFloat(f, 'f', -1, 64)
	if len(full)-strings.Count(full, ".") > 15 && !integerWithin15(v) {
		return strconv.FormatFloat(f, 'G', 15, 64)
	}
	return full
}

// generalNumber writes a number of a style in the General format as
// excelize does: as plainNumber, but to 10 significant digits when it has
// more than 11 ("13800000000" stays, "123456789012" is "1.23456789E+11").
// Most numbers of a spreadsheet are styled General; this spares them the
// general-purpose formatter, which parses the format for every cell.
func generalNumber(v string) string {
	if v = plainNumber(v); !isNumber(v) {
		return v
	}
	f, _ := strconv.ParseFloat(v, 64)
	if full := strconv.FormatFloat(f, 'f', -1, 64); len(full)-strings.Count(full, ".") > 11 {
		return strconv.FormatFloat(f, 'G', 10, 64)
	}
	return v
}

// integerWithin15 reports whether v is an integer of at most 15
// significant digits followed by zeros.
func integerWithin15(v string) bool {
	if strings.ContainsAny(v, ".Ee") {
		return false
	}
	v = strings.TrimLeft(v, "+-0")
	return len(strings.TrimRight(v, "0")) <= 15
}

// isoDateSerial turns the ISO 8601 value of a date cell (t="d") into the
// Excel serial number excelize shows, or returns it as it is.
func isoDateSerial(v string) string {
	layout := "20060102T150405.999"
	if strings.HasSuffix(v, "Z") {
		layout = "20060102T150405Z"
		if strings.Contains(v, "-") {
			layout = "2006-01-02T15:04:05Z"
		}
	} else if strings.Contains(v, "-") {
		layout = "2006-01-02 15:04:05Z"
	}
	t, err := time.Parse(layout, strings.ReplaceAll(v, ",", "."))
	if err != nil {
		return v
	}
	return strconv.FormatFloat(excelSerial(t), 'G', 15, 64)
}

// excelSerial returns the Excel (1900 date system) serial number of t,
// as excelize computes it: days since 1899-12-31, one more from March
// 1900 on (Excel counts a 29 February 1900).
func excelSerial(t time.Time) float64 {
	const day = 24 * time.Hour
	const step = 290 * 364 * day // a time.Duration of whole days, near the longest
	epoch := time.Date(1899, time.December, 31, 0, 0, 0, 0, time.UTC)
	if t.Before(epoch) {
		return 0
	}
	result, diff := 0.0, t.Sub(epoch)
	for tt := t; diff >= step; diff = tt.Sub(epoch) {
		result += float64(step / day)
		tt = tt.Add(-step)
	}
	rem := diff % day
	result += float64(diff-rem)/float64(day) + float64(rem)/float64(day)
	if t.After(time.Date(1900, time.March, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)) {
		result++
	}
	return result
}
