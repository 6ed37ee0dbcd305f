package knowledge

import (
	"fmt"
	"strings"
)

// Limits on the units a document turns into. The byte limits
// ([MaxFileSize], maxTextBytes, maxPartBytes) bound what a loader reads;
// these bound what it makes of it, whose count a crafted file sets apart
// from its size: an empty paragraph, a table cell or a line of text costs
// a few bytes of a compressed file and tens of bytes of memory, and every
// paragraph becomes chunks that are embedded and indexed. Each limit is
// many times what ordinary documents have (a 1,000-page report has about
// 30,000 paragraphs), so none of them refuses a document that loaded
// before except ones nobody could use.
const (
	// maxTextLines bounds the lines of a document's text: a .txt or .md
	// file, or the text another loader extracted.
	maxTextLines = 1_000_000
	// maxParagraphs bounds the paragraphs of a document: body paragraphs
	// of all its articles, the <w:p> elements of a .docx (empty ones
	// included) and the rows of an .xlsx.
	maxParagraphs = 200_000
	// maxTableCells bounds the table cells of a .docx or an HTML page.
	maxTableCells = 200_000
)

// errTooManyLines and its siblings are the errors for the limits above.
func errTooManyLines() error {
	return fmt.Errorf("文档超过 %d 行，请拆分后再导入: %w", maxTextLines, ErrTooLarge)
}

func errTooManyParagraphs() error {
	return fmt.Errorf("文档超过 %d 个段落，请拆分后再导入: %w", maxParagraphs, ErrTooLarge)
}

func errTooManyCells(what string) error {
	return fmt.Errorf("%s中的表格超过 %d 个单元格，请拆分后再导入: %w", what, maxTableCells, ErrTooLarge)
}

// checkLines returns an error when normalised text has more than
// maxTextLines lines.
func checkLines(text string) error {
	if strings.Count(text, "\n") >= maxTextLines {
		return errTooManyLines()
	}
	return nil
}
