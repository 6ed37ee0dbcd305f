package knowledge

import (
	"archive/zip"
	"cmp"
	"encoding/xml"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Limits of the workbook reader.
const (
	// maxSheets bounds the sheets of a workbook.
	maxSheets = 1000
	// maxSharedStrings bounds the shared strings table of a workbook.
	maxSharedStrings = 1_000_000
	// maxCellStyles bounds the cell formats read; cells of later ones
	// show their raw value. Excel allows 64,000.
	maxCellStyles = 1 << 16
	// maxNumFmts bounds the custom number formats read; Excel allows
	// about 250.
	maxNumFmts = 1 << 12
	// maxNumFmtBytes bounds a custom number format kept; Excel allows 255
	// characters.
	maxNumFmtBytes = 1 << 10
	// xlsxUnzipLimit bounds the decompressed size of all the parts of a
	// workbook read.
	xlsxUnzipLimit = 128 << 20
)

// Parts that excelize, whose output the reader keeps, reads at fixed
// paths.
const (
	xlsxSharedStringsPart = "xl/sharedStrings.xml"
	xlsxStylesPart        = "xl/styles.xml"
)

// errNoWorkbook is the error for a file without a workbook part.
var errNoWorkbook = fmt.Errorf("表格文件已损坏或不是 .xlsx 工作簿（没有工作簿部分），请用 Excel 或 WPS 重新保存为 .xlsx 后再导入: %w", ErrCorrupt)

// xlsxBook is an open workbook: what its cells need to be read.
type xlsxBook struct {
	zr       *zip.Reader
	budget   int64 // bytes the parts still to read may decompress to
	sheets   []xlsxSheet
	strings  []string // the shared strings table
	numFmts  []numFmt // the number format of each cell style, by index
	hasFmt   []bool   // whether excelize formats the cell style's values
	date1904 bool
	format   *cellFormatter // made for the first formatted cell
}

// xlsxSheet is a sheet of a workbook.
type xlsxSheet struct {
	name string
	part string // the worksheet part, "" when the workbook names none
}

// openBook reads the structure of the workbook in data: its sheets,
// shared strings and number formats.
func openBook(data []byte) (*xlsxBook, error) {
	zr, err := openZip(data, ".xlsx")
	if err != nil {
		return nil, err
	}
	b := &xlsxBook{zr: zr, budget: xlsxUnzipLimit}
	wbPath := b.officeDocument()
	wf := b.part(wbPath)
	if wf == nil {
		return nil, errNoWorkbook
	}
	rels, err := b.readRels(workbookRelsPath(wbPath))
	if err != nil {
		return nil, err
	}
	if ok, err := b.readWorkbook(wf, path.Dir(wbPath), rels); err != nil {
		return nil, err
	} else if !ok {
		return nil, errNoWorkbook
	}
	if f := b.part(xlsxSharedStringsPart); f != nil {
		if err := b.readSharedStrings(f); err != nil {
			return nil, err
		}
	}
	if f := b.part(xlsxStylesPart); f != nil {
		if err := b.readStyles(f); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// Close releases what formatting cells took.
func (b *xlsxBook) Close() error {
	if b.format != nil {
		return b.format.Close()
	}
	return nil
}

// part returns the part at path p, or nil.
func (b *xlsxBook) part(p string) *zip.File {
	for _, f := range b.zr.File {
		if f.Name == p {
			return f
		}
	}
	return zipPart(b.zr, p)
}

// read decodes part f token by token within the workbook's budget.
func (b *xlsxBook) read(f *zip.File, fn func(tok xml.Token) error) error {
	return readPartWithin(f, ".xlsx", &b.budget, xlsxUnzipLimit, fn)
}

// officeDocument returns the path of the workbook part, from the package
// relationships.
func (b *xlsxBook) officeDocument() string {
	rels, _ := b.readRels("_rels/.rels")
	for _, r := range rels {
		if strings.HasSuffix(r.typ, "/officeDocument") {
			return strings.TrimPrefix(r.target, "/")
		}
	}
	return "xl/workbook.xml"
}

// xlsxRel is a package relationship.
type xlsxRel struct{ id, typ, target string }

// readRels reads the relationships part at p; none when it is missing.
func (b *xlsxBook) readRels(p string) ([]xlsxRel, error) {
	f := b.part(p)
	if f == nil {
		return nil, nil
	}
	var rels []xlsxRel
	err := b.read(f, func(tok xml.Token) error {
		if e, ok := tok.(xml.StartElement); ok && e.Name.Local == "Relationship" {
			if len(rels) >= 4*maxSheets {
				return fmt.Errorf("表格文件的结构异常（关系条目过多），可能已损坏: %w", ErrCorrupt)
			}
			rels = append(rels, xlsxRel{id: attr(e, "Id"), typ: attr(e, "Type"), target: attr(e, "Target")})
		}
		return nil
	})
	return rels, err
}

// workbookRelsPath returns the path of the relationships of the workbook
// part at wb.
func workbookRelsPath(wb string) string {
	if dir := path.Dir(wb); dir != "." {
		return strings.TrimPrefix(dir+"/_rels/"+path.Base(wb)+".rels", "/")
	}
	return "_rels/" + path.Base(wb) + ".rels"
}

// readWorkbook reads the sheet list and date system of the workbook part
// f in folder dir; ok is false when f is not a workbook.
func (b *xlsxBook) readWorkbook(f *zip.File, dir string, rels []xlsxRel) (ok bool, err error) {
	depth, sheetsAt := 0, -1
	err = b.read(f, func(tok xml.Token) error {
		switch e := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1:
				ok = e.Name.Local == "workbook"
			case e.Name.Local == "sheets":
				sheetsAt = depth
			case e.Name.Local == "sheet" && depth == sheetsAt+1:
				if len(b.sheets) >= maxSheets {
					return fmt.Errorf("工作簿超过 %d 个工作表，请拆分后再导入: %w", maxSheets, ErrTooLarge)
				}
				b.sheets = append(b.sheets, xlsxSheet{name: attr(e, "name"), part: sheetPart(dir, relID(e), rels)})
			case e.Name.Local == "workbookPr":
				b.date1904, _ = strconv.ParseBool(strings.TrimSpace(attr(e, "date1904")))
			}
		case xml.EndElement:
			if depth == sheetsAt {
				sheetsAt = -1
			}
			depth--
		}
		return nil
	})
	return ok, err
}

// relID returns the r:id attribute of e.
func relID(e xml.StartElement) string {
	for _, a := range e.Attr {
		if a.Name.Local == "id" && strings.HasSuffix(a.Name.Space, "/relationships") {
			return a.Value
		}
	}
	return ""
}

// sheetPart returns the path of the part relationship id targets, from
// a workbook in folder dir, or "".
func sheetPart(dir, id string, rels []xlsxRel) string {
	for _, r := range rels {
		if r.id == id && id != "" {
			if strings.HasPrefix(r.target, "/") {
				return strings.TrimPrefix(path.Clean(r.target), "/")
			}
			return strings.TrimPrefix(path.Clean(dir+"/"+r.target), "/")
		}
	}
	return ""
}

// readSharedStrings reads the shared strings table, at most
// maxSharedStrings strings of maxTextBytes in all.
func (b *xlsxBook) readSharedStrings(f *zip.File) error {
	var item *richText // the <si> being read
	size := 0
	return b.read(f, func(tok xml.Token) error {
		if item != nil {
			if end, err := item.token(tok); !end || err != nil {
				return err
			}
			s := item.value()
			if size += len(s); size > maxTextBytes {
				return errCellTooLarge
			}
			b.strings = append(b.strings, s)
			item = nil
			return nil
		}
		if e, ok := tok.(xml.StartElement); ok && e.Name.Local == "si" {
			if len(b.strings) >= maxSharedStrings {
				return fmt.Errorf("表格中不同的文字超过 %d 条，请拆分后再导入: %w", maxSharedStrings, ErrTooLarge)
			}
			item = &richText{}
		}
		return nil
	})
}

// readStyles reads the number format of each cell style.
func (b *xlsxBook) readStyles(f *zip.File) error {
	var (
		depth, fmtsAt, xfsAt int = 0, -1, -1
		ids                  []int
		custom               = map[int]string{}
	)
	err := b.read(f, func(tok xml.Token) error {
		switch e := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case e.Name.Local == "numFmts":
				fmtsAt = depth
			case e.Name.Local == "numFmt" && depth == fmtsAt+1:
				id, err := strconv.Atoi(strings.TrimSpace(attr(e, "numFmtId")))
				code := cmp.Or(attr(e, "formatCode16"), attr(e, "formatCode"))
				if _, seen := custom[id]; err == nil && !seen && len(custom) < maxNumFmts && len(code) <= maxNumFmtBytes {
					custom[id] = code
				}
			case e.Name.Local == "cellXfs":
				xfsAt = depth
			case e.Name.Local == "xf" && depth == xfsAt+1 && len(ids) < maxCellStyles:
				id, _ := strconv.Atoi(strings.TrimSpace(attr(e, "numFmtId")))
				ids = append(ids, id)
			}
		case xml.EndElement:
			switch depth {
			case xfsAt:
				xfsAt = -1
			case fmtsAt:
				fmtsAt = -1
			}
			depth--
		}
		return nil
	})
	b.numFmts, b.hasFmt = make([]numFmt, len(ids)), make([]bool, len(ids))
	for i, id := range ids {
		if code, ok := custom[id]; ok {
			b.numFmts[i], b.hasFmt[i] = numFmt{custom: true, code: code}, true
		} else if builtInNumFmt(id) {
			b.numFmts[i], b.hasFmt[i] = numFmt{id: id}, true
		}
	}
	return err
}

// richText collects the text of a shared string item (<si>) or an inline
// string (<is>) as excelize does: its last <t>, then the last <t> of each
// run (<r>), leaving out phonetic runs (<rPh>). It is given the tokens
// after the item's start.
type richText struct {
	depth  int // open elements inside the item
	tDepth int // depth of the <t> being read, 0 when none
	inRun  bool
	hasT   bool            // the current run has a <t>
	direct strings.Builder // the item's last <t>
	run    strings.Builder // the current run's last <t>
	runs   strings.Builder // the text of the runs so far
	size   int             // bytes of text read, kept or not
}

// errCellTooLarge is the error for a cell or shared string of more than
// maxTextBytes.
var errCellTooLarge = fmt.Errorf("表格的文字超过 %d MB，请拆分后再导入: %w", maxTextBytes>>20, ErrTooLarge)

// token takes the next token and reports whether it ends the item. It
// fails past maxTextBytes of text.
func (rt *richText) token(tok xml.Token) (bool, error) {
	switch e := tok.(type) {
	case xml.StartElement:
		rt.depth++
		switch {
		case rt.depth == 1 && e.Name.Local == "t":
			rt.direct.Reset()
			rt.tDepth = 1
		case rt.depth == 1 && e.Name.Local == "r":
			rt.inRun, rt.hasT = true, false
		case rt.depth == 2 && rt.inRun && e.Name.Local == "t":
			rt.run.Reset()
			rt.hasT, rt.tDepth = true, 2
		}
	case xml.EndElement:
		if rt.depth == 0 {
			return true, nil
		}
		if rt.depth == rt.tDepth {
			rt.tDepth = 0
		}
		if rt.depth == 1 && rt.inRun {
			if rt.inRun = false; rt.hasT {
				rt.runs.WriteString(rt.run.String())
			}
		}
		rt.depth--
	case xml.CharData:
		if rt.size += len(e); rt.size > maxTextBytes {
			return false, errCellTooLarge
		}
		switch {
		case rt.tDepth == 0 || rt.depth != rt.tDepth:
		case rt.tDepth == 1:
			rt.direct.Write(e)
		default:
			rt.run.Write(e)
		}
	}
	return false, nil
}

// value returns the text of the item.
func (rt *richText) value() string {
	s := rt.direct.String() + rt.runs.String()
	if s == "" {
		return ""
	}
	return unescapeBSTR(s)
}

// bstrEscape matches the _xHHHH_ escapes of characters XML cannot hold.
var bstrEscape = regexp.MustCompile(`_x[a-fA-F\d]{4}_`)

// unescapeBSTR replaces the _xHHHH_ escapes in s by their characters, as
// excelize does (which does not export it): "_x005F_" is "_", an escape
// of an invalid character (a lone surrogate) is dropped.
func unescapeBSTR(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var sb strings.Builder
	cursor := 0
	for _, m := range bstrEscape.FindAllStringIndex(s, -1) {
		sb.WriteString(s[cursor:m[0]])
		cursor = m[1]
		if s[m[0]:m[1]] == "_x005F_" {
			sb.WriteByte('_')
			continue
		}
		v, _ := strconv.Unquote(`"\u` + s[m[0]+2:m[1]-1] + `"`)
		sb.WriteString(v)
	}
	sb.WriteString(s[cursor:])
	return sb.String()
}
