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

// maxZipEntries bounds the entries of an Office file's zip archive; an
// ordinary one has tens, hundreds with many pictures.
const maxZipEntries = 10_000

// zipEntrySignature starts each entry of a zip archive's central
// directory.
var zipEntrySignature = []byte("PK\x01\x02")

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

// maxTokenBytes bounds one XML token: a run of text, a comment, a tag
// with its attributes.
const maxTokenBytes = 8 << 20

// errTokenTooLarge is returned by a tokenReader past maxTokenBytes.
var errTokenTooLarge = errors.New("token too large")

// tokenReader reads for an xml.Decoder, failing with errTokenTooLarge
// once the token being read passes maxTokenBytes (by less than its
// buffer). The decoder holds a whole token before returning it, so without
// this a part of one 100 MB text would take 100 MB however little of it is
// kept. It is an io.ByteReader, which the decoder reads without a buffer
// of its own, so what it has handed out is what the decoder has read.
type tokenReader struct {
	r     io.Reader
	buf   []byte
	pos   int   // next byte of buf to hand out
	base  int64 // bytes handed out before buf
	start int64 // offset where the token being read starts
	over  bool  // the token passed maxTokenBytes
	err   error
}

// offset returns the number of bytes handed out.
func (t *tokenReader) offset() int64 { return t.base + int64(t.pos) }

func (t *tokenReader) ReadByte() (byte, error) {
	if t.pos == len(t.buf) {
		if err := t.fill(); err != nil {
			return 0, err
		}
	}
	b := t.buf[t.pos]
	t.pos++
	return b, nil
}

// Read is for the charset readers of parts not in UTF-8.
func (t *tokenReader) Read(p []byte) (int, error) {
	if t.pos == len(t.buf) {
		if err := t.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, t.buf[t.pos:])
	t.pos += n
	return n, nil
}

// fill reads the next bytes into the empty buffer.
func (t *tokenReader) fill() error {
	t.base += int64(t.pos)
	t.buf, t.pos = t.buf[:cap(t.buf)], 0
	if t.base-t.start > maxTokenBytes {
		t.buf, t.over = t.buf[:0], true
		return errTokenTooLarge
	}
	for t.err == nil {
		n, err := t.r.Read(t.buf)
		t.err = err
		if n > 0 {
			t.buf = t.buf[:n]
			return nil
		}
	}
	t.buf = t.buf[:0]
	return t.err
}

// openZip opens data as a zip archive (an Office Open XML file).
func openZip(data []byte, kind string) (*zip.Reader, error) {
	if bytes.HasPrefix(data, oleMagic) {
		return nil, fmt.Errorf("文件实际是旧版二进制格式（.doc/.xls/.wps），请用 Word、Excel 或 WPS 打开后另存为 %s 再导入: %w", kind, ErrUnsupported)
	}
	// zip.NewReader keeps every entry, some 300 bytes each: count the
	// central directory headers first (the count is an upper bound, since
	// the signature may occur in the data too).
	if n := bytes.Count(data, zipEntrySignature); n > maxZipEntries {
		return nil, fmt.Errorf("文件中有超过 %d 个部件，可能已损坏或是恶意构造的文件，请重新保存为 %s 后再导入: %w", maxZipEntries, kind, ErrTooLarge)
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
	budget := int64(maxPartBytes)
	return readPartWithin(f, kind, &budget, maxPartBytes, fn)
}

// readPartWithin is readPart decompressing at most *budget bytes, which
// it lowers by what it read: parts read under one budget share it.
// limit, in bytes, is the budget the error message names.
func readPartWithin(f *zip.File, kind string, budget *int64, limit int64, fn func(tok xml.Token) error) error {
	tooLarge := fmt.Errorf("文件解压后超过 %d MB，可能已损坏或是压缩炸弹: %w", limit>>20, ErrTooLarge)
	if f.UncompressedSize64 > uint64(max(*budget, 0)) {
		return tooLarge
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("文件已损坏（%s 无法解压），请重新保存为 %s 后再导入: %w", f.Name, kind, ErrCorrupt)
	}
	defer rc.Close()
	lr := &limitedReader{r: rc, n: *budget}
	defer func() { *budget = lr.n }()
	tr := &tokenReader{r: lr, buf: make([]byte, 0, 32<<10)}
	d := xml.NewDecoder(tr)
	d.CharsetReader = charset.NewReaderLabel
	depth := 0
	for {
		tr.start = tr.offset()
		tok, err := d.Token()
		if tr.over {
			// The decoder may return the token cut short, or fail on
			// the rune it was cut in.
			return fmt.Errorf("文件中有超过 %d MB 的单段内容，请拆分后再导入: %w", maxTokenBytes>>20, ErrTooLarge)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, errPartTooLarge) {
				return tooLarge
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
	text  string     // paragraph text, not blank
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
	r := &docxReader{styles: map[string]docxStyle{}}
	if sf := zipPart(zr, path.Join(path.Dir(main), "styles.xml")); sf != nil {
		if r.styles, err = readDocxStyles(sf); err != nil {
			return extracted{}, err
		}
	}
	if err := readPart(df, ".docx", r.token); err != nil {
		return extracted{}, err
	}
	return docxText(r.blocks)
}

// docxReader reads the body of a .docx into blocks, within the limits on
// text, paragraphs and table cells.
type docxReader struct {
	styles map[string]docxStyle
	blocks []docxBlock
	size   int                // bytes of text read
	count  int                // <w:p> elements read
	cells  int                // <w:tc> elements read
	paras  []*strings.Builder // open paragraphs (text boxes nest them)
	levels []int
	tables []*docxTable
	skip   int // depth inside elements whose text is not read
	inText bool
}

// token reads the next token of the document part.
func (r *docxReader) token(tok xml.Token) error {
	switch e := tok.(type) {
	case xml.StartElement:
		if r.skip > 0 {
			r.skip++
			return nil
		}
		return r.start(e)
	case xml.EndElement:
		if r.skip > 0 {
			r.skip--
			return nil
		}
		return r.end(e.Name.Local)
	case xml.CharData:
		if r.inText && r.skip == 0 {
			return r.addText(e)
		}
	}
	return nil
}

func (r *docxReader) start(e xml.StartElement) error {
	switch e.Name.Local {
	case "Fallback", "delText", "instrText", "footnoteReference", "commentReference":
		r.skip = 1 // duplicates of mc:Choice, deleted text, field codes
	case "p":
		if r.count++; r.count > maxParagraphs {
			return fmt.Errorf("文档超过 %d 个段落（含空段落），请拆分后再导入: %w", maxParagraphs, ErrTooLarge)
		}
		r.paras = append(r.paras, &strings.Builder{})
		r.levels = append(r.levels, -1)
	case "pStyle":
		if len(r.levels) > 0 && r.levels[len(r.levels)-1] < 0 {
			r.levels[len(r.levels)-1] = headingLevel(r.styles, attr(e, "val"))
		}
	case "outlineLvl":
		if n, err := strconv.Atoi(attr(e, "val")); err == nil && n >= 0 && n <= 8 && len(r.levels) > 0 {
			r.levels[len(r.levels)-1] = n + 1
		}
	case "t":
		r.inText = true
	case "tab", "ptab":
		return r.addText(space)
	case "br", "cr":
		return r.addText(newline)
	case "noBreakHyphen":
		return r.addText(hyphen)
	case "tbl":
		r.tables = append(r.tables, &docxTable{})
	case "tr":
		if len(r.tables) > 0 {
			r.tables[len(r.tables)-1].row = nil
		}
	case "tc":
		if r.cells++; r.cells > maxTableCells {
			return errTooManyCells("文档")
		}
		if len(r.tables) > 0 {
			r.tables[len(r.tables)-1].cell = nil
		}
	}
	return nil
}

func (r *docxReader) end(local string) error {
	switch local {
	case "t":
		r.inText = false
	case "p":
		return r.endParagraph()
	case "tc":
		if len(r.tables) > 0 {
			t := r.tables[len(r.tables)-1]
			t.row = append(t.row, strings.Join(nonEmpty(t.cell), " "))
			t.cell = nil
		}
	case "tr":
		if len(r.tables) > 0 {
			t := r.tables[len(r.tables)-1]
			if len(t.rows) < maxTableRows {
				t.rows = append(t.rows, t.row)
			}
			t.row = nil
		}
	case "tbl":
		return r.endTable()
	}
	return nil
}

// endParagraph adds the paragraph that ends to its table cell, or its
// lines to the blocks; empty lines add nothing.
func (r *docxReader) endParagraph() error {
	if len(r.paras) == 0 {
		return nil
	}
	text, level := r.paras[len(r.paras)-1].String(), r.levels[len(r.levels)-1]
	r.paras, r.levels = r.paras[:len(r.paras)-1], r.levels[:len(r.levels)-1]
	if len(r.tables) > 0 {
		t := r.tables[len(r.tables)-1]
		t.cell = append(t.cell, cleanText(text))
		return nil
	}
	for line := range strings.SplitSeq(text, "\n") {
		if blank(line) {
			continue
		}
		if len(r.blocks) >= maxParagraphs {
			return errTooManyParagraphs()
		}
		r.blocks = append(r.blocks, docxBlock{level: level, text: line})
	}
	return nil
}

// endTable adds the table that ends to the blocks, or to the cell of the
// table it is nested in.
func (r *docxReader) endTable() error {
	if len(r.tables) == 0 {
		return nil
	}
	t := r.tables[len(r.tables)-1]
	r.tables = r.tables[:len(r.tables)-1]
	if len(r.tables) > 0 { // a nested table: its rows go into the outer cell
		outer := r.tables[len(r.tables)-1]
		outer.cell = append(outer.cell, strings.Join(tableLines(t.rows), "；"))
		return nil
	}
	if len(r.blocks) >= maxParagraphs {
		return errTooManyParagraphs()
	}
	r.blocks = append(r.blocks, docxBlock{level: -1, rows: t.rows})
	return nil
}

// Text that elements stand for.
var space, newline, hyphen = []byte(" "), []byte("\n"), []byte("-")

// addText adds text to the open paragraph, within maxTextBytes.
func (r *docxReader) addText(s []byte) error {
	if len(r.paras) == 0 {
		return nil
	}
	if r.size += len(s); r.size > maxTextBytes {
		return fmt.Errorf("文档的文字超过 %d MB，请拆分后再导入: %w", maxTextBytes>>20, ErrTooLarge)
	}
	r.paras[len(r.paras)-1].Write(s)
	return nil
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
