package knowledge

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// textWriter builds the text body of a converted document — Markdown
// (headings, paragraphs) or plain paragraphs separated by blank lines —
// within [maxTextBytes].
type textWriter struct {
	md  bool
	sb  strings.Builder
	err error
}

// heading writes a heading of level 1 to 6 (Markdown only; in plain text
// it is a paragraph).
func (w *textWriter) heading(level int, text string) {
	text = cleanText(text)
	if text == "" {
		return
	}
	if !w.md {
		w.para(text)
		return
	}
	level = min(max(level, 1), 6)
	w.write(strings.Repeat("#", level) + " " + strings.TrimRight(text, "#") + "\n\n")
}

// para writes a paragraph on one line. In Markdown, text that the
// Markdown reader would change goes into a fence, which it reads verbatim.
func (w *textWriter) para(text string) {
	text = cleanText(text)
	if text == "" {
		return
	}
	if w.md && !mdPlain(text) {
		fence := "```"
		if strings.HasPrefix(text, fence) {
			fence = "~~~"
		}
		w.write(fence + "\n" + text + "\n" + fence + "\n\n")
		return
	}
	w.write(text + "\n\n")
}

func (w *textWriter) write(s string) {
	if w.err != nil {
		return
	}
	if w.sb.Len()+len(s) > maxTextBytes {
		w.err = fmt.Errorf("文档的文字超过 %d MB，请拆分后再导入: %w", maxTextBytes>>20, ErrTooLarge)
		return
	}
	w.sb.WriteString(s)
}

// table writes the rows of a table, one paragraph per row (see rowText).
func (w *textWriter) table(rows [][]string) {
	for _, line := range tableLines(rows) {
		w.para(line)
	}
}

// String returns the text written.
func (w *textWriter) String() string { return w.sb.String() }

// mdPlain reports whether the Markdown reader keeps a one-line paragraph
// as it is.
func mdPlain(s string) bool {
	if strings.HasPrefix(s, "```") || strings.HasPrefix(s, "~~~") || strings.HasPrefix(s, "#") ||
		strings.HasPrefix(s, "|") || strings.HasPrefix(s, ">") || s == "---" {
		return false
	}
	if mdRule.MatchString(s) || mdListItem.MatchString(s) || mdTableRule.MatchString(s) || mdSetext2.MatchString(s) {
		return false
	}
	return mdInline(s) == s
}

// cleanText puts text on one line: runs of white space (line breaks,
// no-break and ideographic spaces included) become one space, and
// control and format characters other than white space are dropped.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r), r == '\u200B', r == '\uFEFF', r == '\u00AD':
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// blank reports whether cleanText(s) is "", without building it.
func blank(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return !unicode.IsSpace(r) && !unicode.IsControl(r) && r != '\u200B' && r != '\uFEFF' && r != '\u00AD'
	}) < 0
}

// maxHeaderRunes bounds a table header cell.
const maxHeaderRunes = 24

// tableLines turns the rows of a table into lines of text. When the first
// row with two or more cells looks like a header (short text cells, not
// numbers) and rows follow, each later row is written "表头：值；表头：值"
// (empty cells left out); other rows are their cells joined by "；".
// Rows before the header with a single cell (a table title) stay as they
// are.
func tableLines(rows [][]string) []string {
	var lines []string
	t := tableStream{emit: func(line string) { lines = append(lines, line) }}
	for _, r := range rows {
		t.add(r)
	}
	t.finish()
	return lines
}

// tableStream turns table rows into lines as they come, as [tableLines]
// does, holding back at most the row that may be the header: a sheet of
// any length is written in the memory of one row.
type tableStream struct {
	emit    func(line string)
	header  []string // the header, once a row follows it
	pending []string // the first row with two or more cells, if it looks like a header
	decided bool     // the header, or that there is none, is known
	lines   int      // lines emitted
}

// add takes the next row.
func (t *tableStream) add(r []string) {
	if t.decided {
		t.line(r, t.header)
		return
	}
	if t.pending != nil {
		t.header, t.pending, t.decided = t.pending, nil, true
		t.line(r, t.header)
		return
	}
	if len(nonEmpty(r)) < 2 {
		t.line(r, nil)
		return
	}
	if isHeaderRow(r) {
		t.pending = r
		return
	}
	t.decided = true
	t.line(r, nil)
}

// finish ends the table: a header without rows under it is a row, and a
// table of only a header is its header line.
func (t *tableStream) finish() {
	if t.pending != nil {
		t.line(t.pending, nil)
		t.pending = nil
	}
	if t.header != nil && t.lines == 0 {
		t.emit(strings.Join(nonEmpty(t.header), "；"))
		t.lines++
	}
}

// line emits row r, each cell after its column header when header is not
// nil.
func (t *tableStream) line(r, header []string) {
	var cells []string
	for j, c := range r {
		if c == "" {
			continue
		}
		if j < len(header) && header[j] != "" && header[j] != c {
			c = header[j] + "：" + c
		}
		cells = append(cells, c)
	}
	if len(cells) > 0 {
		t.emit(strings.Join(cells, "；"))
		t.lines++
	}
}

// isHeaderRow reports whether the cells of a row look like column headers.
func isHeaderRow(r []string) bool {
	for _, c := range r {
		if c == "" {
			continue
		}
		if !fits(c, maxHeaderRunes) || strings.ContainsAny(c, "。；！？") {
			return false
		}
		if strings.IndexFunc(c, func(r rune) bool { return unicode.IsLetter(r) }) < 0 {
			return false // a number or a date
		}
	}
	return true
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
