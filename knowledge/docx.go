package knowledge

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/html/charset"
)

// Limits of the .docx and .xlsx readers.
const (
	// maxPartBytes bounds one decompressed XML part of an Office file.
	maxPartBytes = 128 << 20
	// maxXMLDepth bounds the nesting of XML elements.
	maxXMLDepth = 1000
)

// oleMagic starts the binary Office formats (.doc, .xls, .wps, .et).
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// errPartTooLarge is returned by a limitedReader past its limit.
var errPartTooLarge = errors.New("part too large")

// limitedReader reads from r and fails with errPartTooLarge after n bytes.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errPartTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// openZip opens data as a zip archive (an Office Open XML file).
func openZip(data []byte, kind string) (*zip.Reader, error) {
	if bytes.HasPrefix(data, oleMagic) {
		return nil, fmt.Errorf("文件实际是旧版二进制格式（.doc/.xls/.wps），请用 Word、Excel 或 WPS 打开后另存为 %s 再导入: %w", kind, ErrUnsupported)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("文件已损坏或不是 %s 文档（无法按压缩包打开，可能没有下载或复制完整），请重新保存为 %s 后再导入: %w", kind, kind, ErrCorrupt)
	}
	return zr, nil
}

// zipPart opens the part named name (case-insensitively), or returns nil.
func zipPart(zr *zip.Reader, name string) *zip.File {
	for _, f := range zr.File {
		if strings.EqualFold(f.Name, name) {
			return f
		}
	}
	return nil
}

// readPart decodes the XML part f token by token, calling fn for each.
func readPart(f *zip.File, kind string, fn func(tok xml.Token) error) error {
	if f.UncompressedSize64 > maxPartBytes {
		return fmt.Errorf("文件解压后超过 %d MB，可能已损坏或是压缩炸弹: %w", maxPartBytes>>20, ErrTooLarge)
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("文件已损坏（%s 无法解压），请重新保存为 %s 后再导入: %w", f.Name, kind, ErrCorrupt)
	}
	defer rc.Close()
	d := xml.NewDecoder(&limitedReader{r: rc, n: maxPartBytes})
	d.CharsetReader = charset.NewReaderLabel
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, errPartTooLarge) {
				return fmt.Errorf("文件解压后超过 %d MB，可能已损坏或是压缩炸弹: %w", maxPartBytes>>20, ErrTooLarge)
			}
			return fmt.Errorf("文件已损坏（%s 内容不完整），请重新保存为 %s 后再导入: %w", f.Name, kind, ErrCorrupt)
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth++; depth > maxXMLDepth {
				return fmt.Errorf("文件结构嵌套过深，可能已损坏: %w", ErrCorrupt)
			}
		case xml.EndElement:
			depth--
		}
		if err := fn(tok); err != nil {
			return err
		}
	}
}

// attr returns the value of the attribute with the local name local.
func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// docxMain finds the main document part through the package relationships.
func docxMain(zr *zip.Reader) string {
	if f := zipPart(zr, "_rels/.rels"); f != nil {
		target := ""
		_ = readPart(f, ".docx", func(tok xml.Token) error {
			if e, ok := tok.(xml.StartElement); ok && e.Name.Local == "Relationship" &&
				strings.HasSuffix(attr(e, "Type"), "/officeDocument") && target == "" {
				target = strings.TrimPrefix(attr(e, "Target"), "/")
			}
			return nil
		})
		if target != "" && zipPart(zr, target) != nil {
			return target
		}
	}
	return "word/document.xml"
}

// docxStyle is what a paragraph style says about headings.
type docxStyle struct {
	name    string
	basedOn string
	outline int // outline level 0–8 as in the XML, -1 when not set
}

var headingName = regexp.MustCompile(`^(?:heading|标题)\s*(\d)$`)

// headingLevel returns the heading level a style gives: 0 for a title, 1–9
// for headings, -1 for body text.
func headingLevel(styles map[string]docxStyle, id string) int {
	for range 10 { // follow basedOn, without looping forever
		s, ok := styles[id]
		if !ok {
			return -1
		}
		name := strings.ToLower(strings.TrimSpace(s.name))
		switch {
		case name == "title" || name == "标题":
			return 0
		case headingName.MatchString(name):
			n, _ := strconv.Atoi(headingName.FindStringSubmatch(name)[1])
			return max(n, 1)
		case s.outline >= 0 && s.outline <= 8:
			return s.outline + 1
		}
		id = s.basedOn
	}
	return -1
}

// readDocxStyles reads the paragraph styles of styles.xml.
func readDocxStyles(f *zip.File) (map[string]docxStyle, error) {
	styles := map[string]docxStyle{}
	var id string
	var cur docxStyle
	err := readPart(f, ".docx", func(tok xml.Token) error {
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "style":
				id, cur = attr(e, "styleId"), docxStyle{outline: -1}
			case "name":
				cur.name = attr(e, "val")
			case "basedOn":
				cur.basedOn = attr(e, "val")
			case "outlineLvl":
				if n, err := strconv.Atoi(attr(e, "val")); err == nil {
					cur.outline = n
				}
			}
		case xml.EndElement:
			if e.Name.Local == "style" && id != "" && len(styles) < 10000 {
				styles[id] = cur
			}
		}
		return nil
	})
	return styles, err
}

// docxBlock is a paragraph or a table of a .docx body, in reading order.
type docxBlock struct {
	level int        // heading level as headingLevel gives it
	text  string     // paragraph text
	rows  [][]string // table rows, when a table
}

// docxTable is a table being read.
type docxTable struct {
	rows [][]string
	row  []string
	cell []string // paragraphs of the cell being read
}

// extractDOCX reads the text of a .docx file (Office Open XML).
func extractDOCX(data []byte) (extracted, error) {
	zr, err := openZip(data, ".docx")
	if err != nil {
		return extracted{}, err
	}
	main := docxMain(zr)
	df := zipPart(zr, main)
	if df == nil {
		return extracted{}, fmt.Errorf("文件不是 Word 文档（.docx 中没有正文部分），请用 Word 或 WPS 另存为 .docx 后再导入: %w", ErrCorrupt)
	}
	styles := map[string]docxStyle{}
	if sf := zipPart(zr, path.Join(path.Dir(main), "styles.xml")); sf != nil {
		if styles, err = readDocxStyles(sf); err != nil {
			return extracted{}, err
		}
	}
	var (
		blocks  []docxBlock
		size    int
		paras   []*strings.Builder // open paragraphs (text boxes nest them)
		levels  []int
		tables  []*docxTable
		skip    int // depth inside elements whose text is not read
		inText  bool
		tooMuch = fmt.Errorf("文档的文字超过 %d MB，请拆分后再导入: %w", maxTextBytes>>20, ErrTooLarge)
	)
	addText := func(s string) error {
		if len(paras) == 0 {
			return nil
		}
		if size += len(s); size > maxTextBytes {
			return tooMuch
		}
		paras[len(paras)-1].WriteString(s)
		return nil
	}
	err = readPart(df, ".docx", func(tok xml.Token) error {
		switch e := tok.(type) {
		case xml.StartElement:
			if skip > 0 {
				skip++
				return nil
			}
			switch e.Name.Local {
			case "Fallback", "delText", "instrText", "footnoteReference", "commentReference":
				skip = 1 // duplicates of mc:Choice, deleted text, field codes
			case "p":
				paras = append(paras, &strings.Builder{})
				levels = append(levels, -1)
			case "pStyle":
				if len(levels) > 0 && levels[len(levels)-1] < 0 {
					levels[len(levels)-1] = headingLevel(styles, attr(e, "val"))
				}
			case "outlineLvl":
				if n, err := strconv.Atoi(attr(e, "val")); err == nil && n >= 0 && n <= 8 && len(levels) > 0 {
					levels[len(levels)-1] = n + 1
				}
			case "t":
				inText = true
			case "tab", "ptab":
				return addText(" ")
			case "br", "cr":
				return addText("\n")
			case "noBreakHyphen":
				return addText("-")
			case "tbl":
				tables = append(tables, &docxTable{})
			case "tr":
				if len(tables) > 0 {
					tables[len(tables)-1].row = nil
				}
			case "tc":
				if len(tables) > 0 {
					tables[len(tables)-1].cell = nil
				}
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				return nil
			}
			switch e.Name.Local {
			case "t":
				inText = false
			case "p":
				if len(paras) == 0 {
					return nil
				}
				text, level := paras[len(paras)-1].String(), levels[len(levels)-1]
				paras, levels = paras[:len(paras)-1], levels[:len(levels)-1]
				if len(tables) > 0 {
					t := tables[len(tables)-1]
					t.cell = append(t.cell, cleanText(text))
					return nil
				}
				for _, line := range strings.Split(text, "\n") {
					blocks = append(blocks, docxBlock{level: level, text: line})
				}
			case "tc":
				if len(tables) > 0 {
					t := tables[len(tables)-1]
					t.row = append(t.row, strings.Join(nonEmpty(t.cell), " "))
					t.cell = nil
				}
			case "tr":
				if len(tables) > 0 {
					t := tables[len(tables)-1]
					if len(t.rows) < maxTableRows {
						t.rows = append(t.rows, t.row)
					}
					t.row = nil
				}
			case "tbl":
				if len(tables) == 0 {
					return nil
				}
				t := tables[len(tables)-1]
				tables = tables[:len(tables)-1]
				if len(tables) > 0 { // a nested table: its rows go into the outer cell
					outer := tables[len(tables)-1]
					outer.cell = append(outer.cell, strings.Join(tableLines(t.rows), "；"))
					return nil
				}
				blocks = append(blocks, docxBlock{level: -1, rows: t.rows})
			}
		case xml.CharData:
			if inText && skip == 0 {
				return addText(string(e))
			}
		}
		return nil
	})
	if err != nil {
		return extracted{}, err
	}
	return docxText(blocks)
}

// maxTableRows bounds the rows kept of one table.
const maxTableRows = 100000

// docxText writes the blocks of a .docx body: Markdown when it has
// headings or tables, plain text (split as a bulletin) otherwise. A
// "Title" paragraph is the level-1 heading and headings move one level
// down under it.
func docxText(blocks []docxBlock) (extracted, error) {
	hasTitle, md := false, false
	for _, b := range blocks {
		if b.rows != nil || (b.level >= 0 && cleanText(b.text) != "") {
			md = true
		}
		if b.level == 0 && cleanText(b.text) != "" {
			hasTitle = true
		}
	}
	w := &textWriter{md: md}
	x := extracted{kind: "txt"}
	if md {
		x.kind = "md"
	}
	for _, b := range blocks {
		switch {
		case b.rows != nil:
			w.table(b.rows)
		case b.level == 0:
			if x.meta.Title == "" {
				x.meta.Title = cleanText(b.text)
			}
			w.heading(1, b.text)
		case b.level > 0 && hasTitle:
			w.heading(b.level+1, b.text)
		case b.level > 0:
			w.heading(b.level, b.text)
		default:
			w.para(b.text)
		}
	}
	if w.err != nil {
		return extracted{}, w.err
	}
	x.body = w.String()
	if strings.TrimSpace(x.body) == "" {
		return extracted{}, fmt.Errorf("文档中没有文字内容（如果是扫描图片，需先做文字识别 OCR）: %w", ErrEmpty)
	}
	return x, nil
}
