package knowledge

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Limits of the HTML reader.
const (
	// maxHTMLDepth bounds the open elements tracked; deeper ones are read
	// as if they were not nested further.
	maxHTMLDepth = 256
	// maxHTMLBlocks bounds the blocks of text of one page.
	maxHTMLBlocks = 200000
	// maxHTMLContainers bounds the elements holding blocks that a page
	// keeps scores for (a <div> nested 250 deep around each word would
	// otherwise keep 250 per word).
	maxHTMLContainers = 400000
)

// htmlEncoding returns the encoding of an HTML page: from its byte-order
// mark, else UTF-8 when the page is valid UTF-8 beyond ASCII (whatever it
// declares: pages saved from a browser keep their old declaration), else
// its <meta charset> or http-equiv Content-Type, else UTF-8 when
// the data is valid UTF-8 or broken UTF-8, else GB18030 when that decodes
// plausibly, else windows-1252. GBK and GB2312 are read as GB18030, their
// superset.
func htmlEncoding(data []byte) encoding.Encoding {
	switch {
	case bytes.HasPrefix(data, bomUTF8):
		return xunicode.UTF8BOM
	case bytes.HasPrefix(data, bomUTF16LE):
		return xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM)
	case bytes.HasPrefix(data, bomUTF16BE):
		return xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM)
	}
	if enc, name := metaCharset(data); enc != nil && !(utf8.Valid(data) && hasNonASCII(data)) {
		switch name {
		case "utf-8": // also a declared UTF-16, which a page without BOM is not
			if utf8.Valid(data) {
				return encoding.Nop
			}
			// Declared UTF-8 but is not: sniff below.
		case "gbk", "gb18030":
			return simplifiedchinese.GB18030
		default:
			return enc
		}
	}
	if utf8.Valid(data) {
		return encoding.Nop
	}
	if _, broken := brokenUTF8(data); broken {
		return encoding.Nop
	}
	if _, ok := decodeGB18030(data); ok {
		return simplifiedchinese.GB18030
	}
	return charmap.Windows1252
}

// hasNonASCII reports whether data has bytes outside ASCII.
func hasNonASCII(data []byte) bool {
	for _, c := range data {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// metaCharset returns the encoding a page without byte-order mark declares
// in a <meta charset> or http-equiv Content-Type within its first 1024
// bytes (the WHATWG prescan of golang.org/x/net/html/charset) and its
// canonical name, or nil. A declared windows-1252 (also ISO-8859-1, ASCII
// and their other labels) counts as none: charset reports an undeclared
// page as windows-1252 too, and the sniffing of htmlEncoding reads a page
// that is Latin-1 as windows-1252 anyway.
func metaCharset(data []byte) (encoding.Encoding, string) {
	enc, name, _ := charset.DetermineEncoding(data, "")
	if name == "windows-1252" {
		return nil, ""
	}
	return enc, name
}

// htmlElem is an open element.
type htmlElem struct {
	tag       atom.Atom
	name      string
	skip      bool // its text is not read
	container int  // its index in htmlReader.containers, or -1 until needed
	main      bool // <article>, <main> or role=main
	link      bool
}

// htmlContainer is an element that holds blocks, for choosing the main
// content.
type htmlContainer struct {
	parent int
	main   bool
	score  float64 // text of the blocks in it, with its children's in part
	own    int     // CJK runes in blocks directly in it
	total  int     // CJK runes in blocks in its subtree
}

// htmlBlock is a run of text between block boundaries.
type htmlBlock struct {
	container int
	level     int    // 1–6 for headings, 0 for other text
	text      string //
	cjk       int    // Han runes outside links
	score     float64
}

// htmlTable is a table being read: its rows are kept as one block each
// when their cells are simple.
type htmlTable struct {
	header    []string
	rows      int
	rowStart  int // first block of the current row
	cellStart int // first block of the current cell
	cells     []string
	header1   bool // the current row has only <th> cells
	simple    bool // the current row's cells are one block each
	pending   bool // a header row was kept back
	container int
}

// htmlReader reads a page into blocks.
type htmlReader struct {
	stack      []htmlElem
	overflow   int
	skips      int
	links      int
	containers []htmlContainer
	blocks     []htmlBlock
	tables     []*htmlTable
	cells      int // table cells read
	text       strings.Builder
	cjk        int // Han runes outside links in text
	letters    int
	level      int
	size       int
	title      string // <title>
	inTitle    bool
	metaTitle  string
	metaDate   string
	metaSource string
}

// blockTags end a block of text where they start or end.
var blockTags = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Section: true, atom.Article: true, atom.Main: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Li: true, atom.Ul: true, atom.Ol: true, atom.Dl: true, atom.Dt: true, atom.Dd: true,
	atom.Table: true, atom.Tr: true, atom.Td: true, atom.Th: true, atom.Tbody: true, atom.Thead: true,
	atom.Tfoot: true, atom.Caption: true, atom.Blockquote: true, atom.Pre: true, atom.Br: true,
	atom.Hr: true, atom.Center: true, atom.Address: true, atom.Figure: true, atom.Figcaption: true,
	atom.Header: true, atom.Footer: true, atom.Form: true, atom.Fieldset: true, atom.Body: true,
	atom.Option: true, atom.Details: true, atom.Summary: true,
}

// containerTags hold blocks for the choice of the main content.
var containerTags = map[atom.Atom]bool{
	atom.Body: true, atom.Div: true, atom.Section: true, atom.Article: true, atom.Main: true,
	atom.Td: true, atom.Th: true, atom.Center: true, atom.Blockquote: true, atom.Ul: true,
	atom.Ol: true, atom.Dl: true, atom.Form: true, atom.Table: true,
}

// skipTags hold no main text.
var skipTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Nav: true,
	atom.Aside: true, atom.Footer: true, atom.Select: true, atom.Button: true, atom.Iframe: true,
	atom.Object: true, atom.Embed: true, atom.Svg: true, atom.Math: true, atom.Canvas: true,
	atom.Audio: true, atom.Video: true, atom.Textarea: true, atom.Head: true, atom.Menu: true,
	atom.Noframes: true, atom.Frameset: true, atom.Dialog: true,
}

// voidTags have no end tag.
var voidTags = map[atom.Atom]bool{
	atom.Area: true, atom.Base: true, atom.Br: true, atom.Col: true, atom.Embed: true, atom.Hr: true,
	atom.Img: true, atom.Input: true, atom.Link: true, atom.Meta: true, atom.Source: true,
	atom.Track: true, atom.Wbr: true, atom.Param: true, atom.Keygen: true,
}

var hiddenStyle = regexp.MustCompile(`(?i)display\s*:\s*none|visibility\s*:\s*hidden`)

// extractHTML reads the main text of an HTML page.
func extractHTML(data []byte) (extracted, error) {
	enc := htmlEncoding(data)
	var r io.Reader = bytes.NewReader(data)
	if enc != encoding.Nop {
		r = transform.NewReader(r, enc.NewDecoder())
	}
	z := html.NewTokenizer(r)
	z.SetMaxBuf(maxTextBytes)
	h := &htmlReader{}
	h.containers = append(h.containers, htmlContainer{parent: -1}) // the document
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			err := z.Err()
			if err == io.EOF {
				break
			}
			if errors.Is(err, html.ErrBufferExceeded) {
				return extracted{}, fmt.Errorf("网页中有超过 %d MB 的单段内容，请拆分后再导入: %w", maxTextBytes>>20, ErrTooLarge)
			}
			return extracted{}, fmt.Errorf("网页无法读取（%v），请另存为 .txt 后再导入: %w", err, ErrCorrupt)
		}
		var err error
		switch tt {
		case html.TextToken:
			err = h.addText(string(z.Text()))
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if len(attrs) < 32 {
					attrs[string(k)] = string(v)
				}
			}
			err = h.start(string(name), attrs, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			name, _ := z.TagName()
			err = h.end(string(name))
		}
		if err != nil {
			return extracted{}, err
		}
	}
	if err := h.flush(); err != nil {
		return extracted{}, err
	}
	return h.result()
}

func (h *htmlReader) addText(s string) error {
	if h.inTitle {
		if len(h.title) < 4096 {
			h.title += s
		}
		return nil
	}
	if h.skips > 0 {
		return nil
	}
	if h.size += len(s); h.size > maxTextBytes {
		return fmt.Errorf("网页的文字超过 %d MB，请拆分后再导入: %w", maxTextBytes>>20, ErrTooLarge)
	}
	if h.links == 0 {
		for _, r := range s {
			if unicode.Is(unicode.Han, r) {
				h.cjk++
			} else if unicode.IsLetter(r) {
				h.letters++
			}
		}
	}
	h.text.WriteString(s)
	return nil
}

// flush ends the current block of text.
func (h *htmlReader) flush() error {
	text := joinCJK(cleanText(h.text.String()))
	cjk, letters := h.cjk, h.letters
	h.text.Reset()
	h.cjk, h.letters = 0, 0
	if text == "" {
		return nil
	}
	if len(h.blocks) >= maxHTMLBlocks {
		return fmt.Errorf("网页结构过于复杂（超过 %d 段），请另存为 .txt 后再导入: %w", maxHTMLBlocks, ErrTooLarge)
	}
	c, err := h.container()
	if err != nil {
		return err
	}
	h.blocks = append(h.blocks, htmlBlock{container: c, level: h.level, text: text, cjk: cjk,
		score: float64(cjk) + float64(letters)/3})
	return nil
}

// container returns the nearest container of the current position,
// creating the entries of containers on the stack as needed, at most
// maxHTMLContainers.
func (h *htmlReader) container() (int, error) {
	parent := 0
	for i := range h.stack {
		e := &h.stack[i]
		if !containerTags[e.tag] && !e.main {
			continue
		}
		if e.container < 0 {
			if len(h.containers) > maxHTMLContainers {
				return 0, fmt.Errorf("网页结构过于复杂（超过 %d 个区块元素），请另存为 .txt 后再导入: %w", maxHTMLContainers, ErrTooLarge)
			}
			h.containers = append(h.containers, htmlContainer{parent: parent, main: e.main})
			e.container = len(h.containers) - 1
		}
		parent = e.container
	}
	return parent, nil
}

func (h *htmlReader) start(name string, attrs map[string]string, selfClosing bool) error {
	tag := atom.Lookup([]byte(name))
	switch tag {
	case atom.Title:
		if !selfClosing {
			h.inTitle = true
		}
		return nil
	case atom.Meta:
		key := strings.ToLower(attrs["name"] + attrs["property"])
		switch key {
		case "articletitle", "og:title":
			h.metaTitle = attrs["content"]
		case "pubdate", "publishdate", "article:published_time", "firstpublishedtime":
			h.metaDate = attrs["content"]
		case "contentsource":
			h.metaSource = attrs["content"]
		}
		return nil
	}
	if blockTags[tag] {
		if err := h.flush(); err != nil {
			return err
		}
		h.closeImplied(tag)
	}
	if err := h.tableStart(tag); err != nil {
		return err
	}
	if voidTags[tag] || selfClosing {
		return nil
	}
	if len(h.stack) >= maxHTMLDepth {
		h.overflow++
		return nil
	}
	role := strings.ToLower(attrs["role"])
	e := htmlElem{tag: tag, name: name, container: -1, link: tag == atom.A}
	e.main = tag == atom.Article || tag == atom.Main || role == "main"
	_, hidden := attrs["hidden"]
	e.skip = skipTags[tag] || hidden || attrs["aria-hidden"] == "true" || hiddenStyle.MatchString(attrs["style"]) ||
		role == "navigation" || role == "banner" || role == "contentinfo" || role == "complementary" || role == "search"
	if tag == atom.Header && !h.inMain() {
		e.skip = true
	}
	if e.skip {
		h.skips++
	}
	if e.link {
		h.links++
	}
	switch tag {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		h.level = int(name[1] - '0')
	}
	h.stack = append(h.stack, e)
	return nil
}

// inMain reports whether an <article> or <main> is open.
func (h *htmlReader) inMain() bool {
	for _, e := range h.stack {
		if e.main {
			return true
		}
	}
	return false
}

// closeImplied closes the elements a start tag closes: an open <p> (for
// block elements), <li>, <dt>/<dd>, <td>/<th>, <tr> within the same list
// or table.
func (h *htmlReader) closeImplied(tag atom.Atom) {
	var closes, scope []atom.Atom
	switch tag {
	case atom.Li:
		closes, scope = []atom.Atom{atom.Li}, []atom.Atom{atom.Ul, atom.Ol, atom.Menu}
	case atom.Dt, atom.Dd:
		closes, scope = []atom.Atom{atom.Dt, atom.Dd}, []atom.Atom{atom.Dl}
	case atom.Td, atom.Th:
		closes, scope = []atom.Atom{atom.Td, atom.Th}, []atom.Atom{atom.Tr, atom.Table}
	case atom.Tr:
		closes, scope = []atom.Atom{atom.Tr}, []atom.Atom{atom.Table}
	}
	if n := len(h.stack); n > 0 && h.stack[n-1].tag == atom.P && tag != atom.Br {
		h.pop(n - 1)
	}
	if closes == nil {
		return
	}
	for i := len(h.stack) - 1; i >= 0; i-- {
		t := h.stack[i].tag
		if containsAtom(scope, t) {
			return
		}
		if containsAtom(closes, t) {
			h.pop(i)
			return
		}
	}
}

func containsAtom(as []atom.Atom, a atom.Atom) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}

func (h *htmlReader) end(name string) error {
	tag := atom.Lookup([]byte(name))
	switch tag {
	case atom.Title:
		h.inTitle = false
		return nil
	}
	if voidTags[tag] {
		if tag == atom.Br {
			return h.flush()
		}
		return nil
	}
	if h.overflow > 0 {
		h.overflow--
		return nil
	}
	for i := len(h.stack) - 1; i >= 0; i-- {
		if h.stack[i].name == name {
			if blockTags[tag] || h.stack[i].skip {
				if err := h.flush(); err != nil {
					return err
				}
			}
			h.pop(i)
			return nil
		}
	}
	return nil
}

// pop closes the elements from index i of the stack up, ending the
// blocks, cells, rows and tables they hold.
func (h *htmlReader) pop(i int) {
	for j := len(h.stack) - 1; j >= i; j-- {
		e := h.stack[j]
		if blockTags[e.tag] {
			_ = h.flush() // the block limit is checked again on the next flush
		}
		if e.skip {
			h.skips--
		}
		if e.link {
			h.links--
		}
		switch e.tag {
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			h.level = 0
		}
		h.stack = h.stack[:j]
		h.tableEnd(e.tag)
	}
}

// tableStart tracks the start of tables, rows and cells, within
// maxTableCells cells; tables nested deeper than maxHTMLDepth are read as
// part of the table around them.
func (h *htmlReader) tableStart(tag atom.Atom) error {
	switch tag {
	case atom.Table:
		if len(h.tables) < maxHTMLDepth {
			h.tables = append(h.tables, &htmlTable{})
		}
	case atom.Tr:
		if t := h.table(); t != nil {
			c, err := h.container()
			if err != nil {
				return err
			}
			t.rowStart, t.cells, t.simple, t.header1 = len(h.blocks), nil, true, true
			t.container = c
		}
	case atom.Td, atom.Th:
		if t := h.table(); t != nil {
			if h.cells++; h.cells > maxTableCells {
				return errTooManyCells("网页")
			}
			t.cellStart = len(h.blocks)
			if tag == atom.Td {
				t.header1 = false
			}
		}
	}
	return nil
}

func (h *htmlReader) table() *htmlTable {
	if len(h.tables) == 0 {
		return nil
	}
	return h.tables[len(h.tables)-1]
}

// tableEnd tracks the end of tables, rows and cells: a row of simple
// cells becomes one block, "表头：值；……" under a header row.
func (h *htmlReader) tableEnd(tag atom.Atom) {
	t := h.table()
	if t == nil {
		return
	}
	switch tag {
	case atom.Td, atom.Th:
		n := len(h.blocks) - t.cellStart
		switch {
		case n > 1 || t.cellStart < t.rowStart:
			t.simple = false
		case n == 1:
			t.cells = append(t.cells, h.blocks[t.cellStart].text)
		default:
			t.cells = append(t.cells, "")
		}
	case atom.Tr:
		if !t.simple || len(nonEmpty(t.cells)) < 2 || t.rowStart > len(h.blocks) {
			return
		}
		b := htmlBlock{container: t.container}
		for _, x := range h.blocks[t.rowStart:] {
			b.cjk += x.cjk
			b.score += x.score
		}
		h.blocks = h.blocks[:t.rowStart]
		if t.header == nil && t.rows == 0 && (t.header1 || isHeaderRow(t.cells)) {
			t.header, t.pending = t.cells, true
			b.text = strings.Join(nonEmpty(t.cells), "；")
		} else {
			b.text = tableLines([][]string{t.header, t.cells})[0]
			if t.header == nil {
				b.text = strings.Join(nonEmpty(t.cells), "；")
			}
			if t.pending { // the header row is known by the rows under it
				t.pending = false
				if n := len(h.blocks); n > 0 && h.blocks[n-1].text == strings.Join(nonEmpty(t.header), "；") {
					h.blocks = h.blocks[:n-1]
				}
			}
			t.rows++
		}
		h.blocks = append(h.blocks, b)
	case atom.Table:
		h.tables = h.tables[:len(h.tables)-1]
	}
}

// joinCJK removes the spaces that source line breaks leave between
// Chinese characters.
func joinCJK(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	rs := []rune(s)
	var sb strings.Builder
	for i, r := range rs {
		if r == ' ' && i > 0 && i+1 < len(rs) && isCJK(rs[i-1]) && isCJK(rs[i+1]) {
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// isCJK reports whether r is a Chinese character or full-width punctuation.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF) ||
		r == '“' || r == '”' || r == '‘' || r == '’' || r == '…' || r == '—'
}

// titleSeparators split a page title from the site name after it.
var titleSeparators = regexp.MustCompile(`\s*(?:_|\||｜|--|－|—| - | – )\s*`)

// result chooses the main content and writes it as Markdown.
func (h *htmlReader) result() (extracted, error) {
	// Scores: each block counts fully for its container, half for the
	// parent and a quarter for the grandparent.
	for _, b := range h.blocks {
		c, w := b.container, 1.0
		h.containers[c].own += b.cjk
		for d := 0; c >= 0; d++ {
			if d < 3 {
				h.containers[c].score += b.score * w
				w /= 2
			}
			h.containers[c].total += b.cjk
			c = h.containers[c].parent
		}
	}
	best := 0
	pageCJK := h.containers[0].total
	for i, c := range h.containers {
		if c.main && c.total > 0 && c.total*3 >= pageCJK && (!h.containers[best].main || c.total > h.containers[best].total) {
			best = i
		}
	}
	if !h.containers[best].main {
		for i, c := range h.containers {
			if c.score > h.containers[best].score || best == 0 {
				best = i
			}
		}
	}
	within := func(c int) bool {
		for ; c >= 0; c = h.containers[c].parent {
			if c == best {
				return true
			}
		}
		return false
	}
	var content []htmlBlock
	var info []string
	first := -1
	for i, b := range h.blocks {
		if within(b.container) {
			if first < 0 {
				first = i
			}
			content = append(content, b)
		} else if mayHaveLabel(b.text) && labelRe.MatchString(b.text) {
			info = append(info, b.text)
		}
	}
	// The title: the first <h1> of the content, else the page's
	// ArticleTitle, else the last <h1> before the content, else <title>
	// without the site name.
	title := ""
	for _, b := range content {
		if b.level == 1 {
			title = b.text
			break
		}
	}
	if title == "" {
		title = cleanText(h.metaTitle)
	}
	if title == "" && first >= 0 {
		for _, b := range h.blocks[:first] {
			if b.level == 1 {
				title = b.text
			}
		}
	}
	if title == "" {
		if t := cleanText(h.title); t != "" {
			title = titleSeparators.Split(t, 2)[0]
			if !fits(title, 80) || utf8.RuneCountInString(title) < 2 {
				title = t
			}
		}
	}
	x := extracted{kind: "md"}
	x.meta.Title = title
	im, _ := scanMeta(info)
	x.meta.Issuer, x.meta.DocNumber = im.Issuer, im.DocNumber
	x.meta.Published = im.Date
	if x.meta.Published == "" {
		x.meta.Published = parseDate(h.metaDate)
	}
	if x.meta.Issuer == "" && isOrgName(h.metaSource) {
		x.meta.Issuer = compact(h.metaSource)
	}
	w := &textWriter{md: true}
	if title != "" {
		w.heading(1, title)
	}
	for _, b := range content {
		switch {
		case b.level > 0 && sameTitle(b.text, title):
		case b.level > 0:
			w.heading(max(b.level, 2), b.text)
		default:
			w.para(b.text)
		}
	}
	if w.err != nil {
		return extracted{}, w.err
	}
	if len(content) == 0 {
		return extracted{}, fmt.Errorf("网页中没有正文文字: %w", ErrEmpty)
	}
	x.body = w.String()
	return x, nil
}
