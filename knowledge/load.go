package knowledge

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
)

// Errors returned by the loaders ([Load], [LoadText], [Reload]), wrapped
// with the file name and a message in Chinese that says what to do; check
// them with [errors.Is]. The message is the text after the last ": " before
// the sentinel's own text; see [Message].
var (
	// ErrUnsupported means the file type is not one the loaders read
	// (.doc, .wps, images …), or a PDF has no text layer (a scan).
	ErrUnsupported = errors.New("knowledge: unsupported file type")
	// ErrBinary means the file holds binary data, not text.
	ErrBinary = errors.New("knowledge: binary file")
	// ErrEncoding means the text is in an encoding the loaders cannot
	// recognise (neither UTF-8, UTF-16 with a byte-order mark, nor
	// GB18030/GBK), or is damaged.
	ErrEncoding = errors.New("knowledge: unknown text encoding")
	// ErrEmpty means the file has no text.
	ErrEmpty = errors.New("knowledge: empty document")
	// ErrTooLarge means the file, or the text or data it expands to, is
	// over the loaders' limits ([MaxFileSize]), or that it has more of the
	// units documents are made of (lines, paragraphs, table cells, sheet
	// rows and columns) than the loaders take; the message names the
	// limit.
	ErrTooLarge = errors.New("knowledge: file too large")
	// ErrCorrupt means the file is damaged or not of the type its name
	// says (a truncated .docx, an .xlsx that is not a workbook …).
	ErrCorrupt = errors.New("knowledge: damaged file")
	// ErrGarbled means the text extracted from a PDF is mostly unreadable
	// (fonts without a Unicode mapping); the PDF should be converted to
	// .docx or .txt first.
	ErrGarbled = errors.New("knowledge: garbled text")
)

// MaxFileSize is the largest file the loaders accept, in bytes. Check a
// file's size with [CheckSize] before reading it; [Load] refuses larger
// data and [LoadReader] stops reading after MaxFileSize+1 bytes.
const MaxFileSize = 50 << 20

// maxTextBytes bounds the UTF-8 text a loader extracts from one file
// (a compressed .docx or .xlsx can expand far beyond its size).
const maxTextBytes = 32 << 20

// Document is a loaded document: its metadata and its articles, ready to be
// chunked.
type Document struct {
	// Name is the name or path the document was loaded under.
	Name string
	// Title is the title the document states (the <title> or first <h1> of
	// a page, a .docx "Title" paragraph, the "关于……的通知" line of an
	// official document, a Markdown front-matter title), else the title of
	// its only article, else the file name without extension.
	Title string
	// Issuer is the issuing body (发文机关) where the document states it:
	// the masthead "……文件", the signature line above the date, or a
	// "发文机关：" / "发布机构：" field. "" when unknown.
	Issuer string
	// DocNumber is the document number (文号) as stated, without spaces,
	// e.g. "社工发〔2025〕12号" or "民发[2024]3号". "" when unknown.
	DocNumber string
	// Date is the document's date in ISO 8601 form, "2025-03-12" (or
	// "2025-03" when the document gives no day): the date under the
	// signature (成文日期), else a stated publication date. "" when unknown.
	Date string
	// Articles holds at least one article. Articles without a title of
	// their own carry the file name without extension.
	Articles []Article
	// Text is the document as UTF-8 text: for .txt and .md the decoded
	// file, for the other formats the extracted text (Markdown or plain
	// text under a short front-matter header). [Reload] turns Text back
	// into this Document without the original file: store Text, not the
	// file, to re-chunk later.
	Text string
	// Warnings, in Chinese, report problems that did not stop the loading:
	// PDF pages skipped because their text was unreadable (not kept in
	// Text), and seams where a paragraph ends mid-sentence and the next
	// one does not read as its continuation, as after a lost page; such
	// paragraphs are kept apart, not joined ([SplitBulletin]), and the
	// warning quotes the text on both sides: "第 46 段疑似缺页或断页：
	// “…眼科医院、宛城区｜入社会组织管理全…”，已按段落分开，请核对原文".
	Warnings []string
}

// Chunks cuts all articles of d into chunks with [ChunkArticle], naming
// them after d.Name.
func (d Document) Chunks(maxRunes int) []Chunk {
	var cs []Chunk
	for i, a := range d.Articles {
		cs = append(cs, ChunkArticle(d.Name, i, a, maxRunes)...)
	}
	return cs
}

// Formats the loaders read, by extension.
var formats = map[string]string{
	".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md",
	".docx": "docx", ".html": "html", ".htm": "html", ".xhtml": "html",
	".pdf": "pdf", ".xlsx": "xlsx", ".xlsm": "xlsx",
}

// unsupported explains, by extension, what to convert a file type to.
var unsupported = map[string]string{
	".doc":  "旧版 Word 文档（.doc）无法直接读取，请用 Word 或 WPS 打开后另存为 .docx 或 .txt 再导入",
	".wps":  "WPS 文字文档（.wps）无法直接读取，请用 WPS 打开后另存为 .docx 或 .txt 再导入",
	".wpt":  "WPS 模板无法直接读取，请另存为 .docx 或 .txt 再导入",
	".dot":  "Word 模板无法直接读取，请另存为 .docx 或 .txt 再导入",
	".rtf":  "RTF 文档无法直接读取，请用 Word 或 WPS 打开后另存为 .docx 或 .txt 再导入",
	".odt":  "ODT 文档无法直接读取，请另存为 .docx 或 .txt 再导入",
	".xls":  "旧版 Excel 表格（.xls）无法直接读取，请另存为 .xlsx 再导入",
	".et":   "WPS 表格（.et）无法直接读取，请另存为 .xlsx 再导入",
	".csv":  "CSV 表格请用 Excel 或 WPS 打开后另存为 .xlsx 再导入",
	".ppt":  "演示文稿无法直接读取，请把其中的文字另存为 .docx 或 .txt 再导入",
	".pptx": "演示文稿无法直接读取，请把其中的文字另存为 .docx 或 .txt 再导入",
	".dps":  "WPS 演示文稿无法直接读取，请把其中的文字另存为 .docx 或 .txt 再导入",
	".ofd":  "OFD 版式文件无法直接读取，请用数科 OFD 阅读器等软件另存为 PDF 或 .txt 再导入",
	".jpg":  imageAdvice, ".jpeg": imageAdvice, ".png": imageAdvice, ".tif": imageAdvice,
	".tiff": imageAdvice, ".bmp": imageAdvice, ".gif": imageAdvice, ".webp": imageAdvice,
	".heic": imageAdvice,
	".zip":  archiveAdvice, ".rar": archiveAdvice, ".7z": archiveAdvice,
}

const (
	imageAdvice   = "图片中的文字无法直接读取：扫描件需先做文字识别（OCR），把识别结果另存为 .docx 或 .txt 再导入"
	archiveAdvice = "压缩包无法直接导入，请先解压，再导入其中的文档"
	scanAdvice    = "这个 PDF 没有文字层，可能是扫描件：扫描件需先做文字识别（OCR），另存为 .docx 或 .txt 再导入"
	formatList    = ".txt、.md、.docx、.html、.pdf 和 .xlsx"
)

// Supported reports whether [Load] reads files named like name (by its
// extension, case-insensitively).
func Supported(name string) bool { return formatOf(name) != "" }

// formatOf returns the format of a file name: "txt", "md", "docx", "html",
// "pdf", "xlsx", or "".
func formatOf(name string) string {
	return formats[strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/")))]
}

// unsupportedError explains why a file type is not read.
func unsupportedError(name string) error {
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/")))
	if advice, ok := unsupported[ext]; ok {
		return fmt.Errorf("load %s: %s: %w", name, advice, ErrUnsupported)
	}
	kind := "没有扩展名的文件"
	if ext != "" {
		kind = "文件类型“" + ext + "”"
	}
	return fmt.Errorf("load %s: 不支持%s，目前能导入 %s 文件: %w", name, kind, formatList, ErrUnsupported)
}

// CheckSize returns an error wrapping [ErrTooLarge] when a file of size
// bytes is over [MaxFileSize], nil otherwise. Call it before reading a
// file, with its stat size or an upload's announced size.
func CheckSize(name string, size int64) error {
	if size > MaxFileSize {
		return fmt.Errorf("load %s: 文件太大（%.1f MB），单个文件不能超过 %d MB，请拆分后再导入: %w",
			name, float64(size)/(1<<20), MaxFileSize>>20, ErrTooLarge)
	}
	return nil
}

// Load reads a document of any supported type from data, by the extension
// of name, which becomes [Document.Name]:
//
//   - .txt, .md, .markdown: see [LoadText].
//   - .docx: paragraphs, headings and table cells in reading order; "Title"
//     and heading styles (or outline levels) become article titles and
//     subheadings; table rows become "表头：值；……" lines.
//   - .html, .htm: the main text of the page, without navigation, scripts,
//     styles, headers, footers and asides; headings as in Markdown; the
//     charset from the byte-order mark or <meta>, else UTF-8 or GB18030.
//   - .pdf: the text of each page in reading order, by pdftotext (poppler)
//     when it is installed, else a built-in extractor; lines are joined
//     into paragraphs and page numbers dropped.
//   - .xlsx: each sheet's rows as lines, each cell with its column header;
//     text past column IV (the 256th) is refused, not dropped.
//
// Metadata the document states (title, issuing body, document number and
// date) fill the fields of [Document].
//
// A document named as [LoadFS] names those of the shipped corpus
// (corpus.DocsDir + "/" + file name) gets the errata of
// corpus/errata.yaml ([Erratum]) applied, whichever loader reads it.
//
// Returns, each wrapped with a message in Chinese: [ErrTooLarge] for data
// over [MaxFileSize] or expanding beyond the limits; [ErrUnsupported] for
// other types (with advice on what to convert .doc, .wps, images and such
// to) and for PDFs without text; [ErrCorrupt] for damaged files;
// [ErrGarbled] for PDFs whose text is unreadable; [ErrEmpty],
// [ErrBinary], [ErrEncoding] and [ErrErratum] as [LoadText] does.
func Load(name string, data []byte) (Document, error) {
	format := formatOf(name)
	if format == "" {
		return Document{}, unsupportedError(name)
	}
	if err := CheckSize(name, int64(len(data))); err != nil {
		return Document{}, err
	}
	var (
		x   extracted
		err error
	)
	switch format {
	case "txt", "md":
		return LoadText(name, data)
	case "docx":
		x, err = extractDOCX(data)
	case "html":
		x, err = extractHTML(data)
	case "pdf":
		x, err = extractPDF(data)
	case "xlsx":
		x, err = extractXLSX(data)
	}
	if err != nil {
		return Document{}, fmt.Errorf("load %s: %w", name, err)
	}
	doc, err := Reload(name, x.encode())
	doc.Warnings = append(x.warnings, doc.Warnings...)
	return doc, err
}

// LoadReader reads a document from r with [Load]. It reads at most
// [MaxFileSize]+1 bytes: a larger input is refused with [ErrTooLarge]
// without being read to its end.
func LoadReader(name string, r io.Reader) (Document, error) {
	if formatOf(name) == "" {
		return Document{}, unsupportedError(name)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return Document{}, fmt.Errorf("load %s: %w", name, err)
	}
	if err := CheckSize(name, int64(len(data))); err != nil {
		return Document{}, fmt.Errorf("load %s: 文件太大，单个文件不能超过 %d MB，请拆分后再导入: %w", name, MaxFileSize>>20, ErrTooLarge)
	}
	return Load(name, data)
}

// Reload rebuilds a Document from the [Document.Text] of one that a
// loader returned under the same name, without the original file and
// with the current splitting rules and errata. Reload(d.Name, d.Text)
// equals d but for the warnings about the original file (skipped PDF
// pages); those about the text are made again.
//
// Returns ErrUnsupported for names of unsupported types, ErrEmpty for
// text without content and ErrTooLarge for text over the limits of
// [LoadText]; for .txt and .md names it is [LoadText].
func Reload(name, text string) (Document, error) {
	switch formatOf(name) {
	case "":
		return Document{}, unsupportedError(name)
	case "txt", "md":
		return LoadText(name, []byte(text))
	}
	x := decodeExtracted(text)
	doc, err := build(name, x.kind, x.body, x.meta)
	if err != nil {
		return Document{}, fmt.Errorf("load %s: %w", name, err)
	}
	doc.Text = text
	return doc, nil
}

// LoadText reads a plain-text (.txt) or Markdown (.md, .markdown) document
// from data; name gives the type by its extension and becomes
// [Document.Name]. The text may be UTF-8 (with or without BOM), UTF-16 with
// a BOM, or GB18030/GBK (recognised when the data is not UTF-8 and decodes
// to plausible Chinese text); CRLF line ends are normalised. Plain text is
// split with [SplitBulletin], so a bulletin yields its articles and any
// other text one or more articles; the masthead lines of an official
// document (发文机关 "……文件", 文号) above its title are kept as metadata,
// not as text. In Markdown, "#" headings open articles, deeper headings
// become subheadings, and emphasis, links, images, list markers, quotes and
// tables are reduced to their text; a YAML front matter's title, date,
// issuer and number are metadata.
//
// Returns ErrUnsupported for other extensions, ErrBinary for data with NUL
// bytes or many control characters, ErrEncoding for data in no encoding it
// recognises, ErrEmpty for data without text, ErrTooLarge for text of
// a million lines or more than 200,000 paragraphs, and ErrErratum for a
// shipped document (see [Load]) an erratum of corpus/errata.yaml no longer
// matches, each wrapped.
func LoadText(name string, data []byte) (Document, error) {
	format := formatOf(name)
	if format != "txt" && format != "md" {
		if format != "" {
			return Document{}, fmt.Errorf("load %s: LoadText 只读取 .txt 和 .md 文件，其他格式请用 Load: %w", name, ErrUnsupported)
		}
		return Document{}, unsupportedError(name)
	}
	if err := CheckSize(name, int64(len(data))); err != nil {
		return Document{}, err
	}
	text, err := decodeText(data)
	if err != nil {
		return Document{}, fmt.Errorf("load %s: %w", name, err)
	}
	var fm meta
	if format == "md" {
		fm, _ = frontMatter(text)
	}
	doc, err := build(name, format, text, fm)
	if err != nil {
		return Document{}, fmt.Errorf("load %s: %w", name, err)
	}
	doc.Text = text
	return doc, nil
}

// LoadFS loads every file of a supported type (see [Supported]) under dir
// in fsys, in lexical order, with [Load]; other files are skipped.
// Documents are named by their path in fsys, e.g.
// "docs/000_cd24362e620a5886.txt". It stops at the first error.
func LoadFS(fsys fs.FS, dir string) ([]Document, error) {
	var docs []Document
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !Supported(p) {
			return nil
		}
		if info, err := d.Info(); err == nil {
			if err := CheckSize(p, info.Size()); err != nil {
				return err
			}
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		doc, err := Load(p, data)
		if err != nil {
			return err
		}
		docs = append(docs, doc)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load documents: %w", err)
	}
	return docs, nil
}

// Message returns the Chinese explanation in a loader error, the text
// between its "load NAME: " prefix and the sentinel error, or err.Error()
// for other errors.
func Message(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	for _, sentinel := range []error{ErrUnsupported, ErrBinary, ErrEncoding, ErrEmpty, ErrTooLarge, ErrCorrupt, ErrGarbled, ErrErratum} {
		if errors.Is(err, sentinel) {
			s = strings.TrimSuffix(s, ": "+sentinel.Error())
			break
		}
	}
	if strings.HasPrefix(s, "load ") {
		if i := strings.LastIndex(s, ": "); i >= 0 {
			s = s[i+2:]
		}
	}
	return s
}

// parseText splits text into articles by the document type of name.
func parseText(name, text string) []Article {
	if formatOf(name) == "md" {
		arts, _ := parseMarkdown(text, 0)
		return arts
	}
	return SplitBulletin(text)
}

// build parses text of the given kind ("md" or anything else for plain
// text) into a Document with the metadata given (which wins) and found in
// the text.
func build(name, kind, text string, given meta) (Document, error) {
	text = normalizeText(text)
	if err := checkLines(text); err != nil {
		return Document{}, err
	}
	errata, err := errataFor(name)
	if err != nil {
		return Document{}, err
	}
	text, fixes, err := errata.apply(name, kind, text)
	if err != nil {
		return Document{}, err
	}
	lines := metaLines(kind, text)
	m, header := scanMeta(lines)
	m = given.or(m)
	if m.Date == "" {
		m.Date = m.Published
	}
	skipped := 0 // blocks of the masthead dropped, for the paragraph numbers of warnings
	if kind != "md" && header > 0 {
		rest := dropLines(text, header)
		skipped = len(splitBlocks(text[:len(text)-len(rest)]))
		if fixes, err = errata.shiftFixes(name, fixes, len(text)-len(rest)); err != nil {
			return Document{}, err
		}
		text = rest
	}
	var b bulletin
	var over bool
	if kind == "md" {
		b.arts, over = parseMarkdown(text, maxParagraphs)
	} else {
		b, over = splitBulletin(text, maxParagraphs, fixes)
	}
	if over {
		return Document{}, errTooManyParagraphs()
	}
	arts := b.arts
	if len(arts) == 0 {
		return Document{}, fmt.Errorf("文件中没有文字内容: %w", ErrEmpty)
	}
	if err := errata.checkFixes(name, fixes, b); err != nil {
		return Document{}, err
	}
	d := newDocument(name, arts)
	for i, s := range b.seams {
		if i == maxSeamWarnings {
			d.Warnings = append(d.Warnings, fmt.Sprintf("另有 %d 处疑似缺页或断页，未一一列出，已按段落分开，请核对原文", len(b.seams)-i))
			break
		}
		d.Warnings = append(d.Warnings, s.warning(skipped+s.block))
	}
	d.Issuer, d.DocNumber, d.Date = m.Issuer, m.DocNumber, m.Date
	if m.Title != "" {
		d.Title = m.Title
		a := &d.Articles[0]
		if a.Title == baseName(name) || sameTitle(a.Title, m.Title) || isMastheadLine(a.Title) {
			a.Title, a.Region = m.Title, regionOf(m.Title)
			if len(a.Paragraphs) > 1 && sameTitle(a.Paragraphs[0].Text, m.Title) && a.Paragraphs[0].Heading == "" {
				a.Paragraphs = slices.Delete(a.Paragraphs, 0, 1)
			}
		}
	}
	return d, nil
}

// sameTitle reports whether two titles differ only in white space.
func sameTitle(a, b string) bool {
	return strings.Join(strings.Fields(a), "") == strings.Join(strings.Fields(b), "")
}

// dropLines removes the first n lines of text.
func dropLines(text string, n int) string {
	text = normalizeText(text)
	for ; n > 0; n-- {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			return ""
		}
		text = text[i+1:]
	}
	return text
}

// newDocument names a document and fills in missing titles.
func newDocument(name string, arts []Article) Document {
	base := baseName(name)
	for i := range arts {
		if arts[i].Title == "" {
			arts[i].Title = base
		}
	}
	d := Document{Name: name, Title: base, Articles: arts}
	if len(arts) == 1 {
		d.Title = arts[0].Title
	}
	return d
}

// baseName returns the file name of a slash- or backslash-separated path
// without its extension.
func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if b := strings.TrimSuffix(name, path.Ext(name)); b != "" {
		return b
	}
	return name
}

// Markdown syntax reduced to text.
var (
	mdHeading   = regexp.MustCompile(`^(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$`)
	mdRule      = regexp.MustCompile(`^(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$`)
	mdSetext1   = regexp.MustCompile(`^=+$`)
	mdSetext2   = regexp.MustCompile(`^-+$`)
	mdListItem  = regexp.MustCompile(`^(?:[-*+]|\d{1,9}[.)])\s+`)
	mdQuote     = regexp.MustCompile(`^(?:>\s?)+`)
	mdTableRule = regexp.MustCompile(`^\|?(?:\s*:?-+:?\s*\|)+\s*:?-*:?\s*$`)
	mdImage     = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	mdLink      = regexp.MustCompile(`\[([^\]]+)\](?:\([^)]*\)|\[[^\]]*\])`)
	mdAutoLink  = regexp.MustCompile(`<((?:https?|mailto):[^>\s]+)>`)
	mdCode      = regexp.MustCompile("`+([^`]*)`+")
	mdStrong    = regexp.MustCompile(`\*\*(.+?)\*\*|__(.+?)__|~~(.+?)~~`)
	mdEm        = regexp.MustCompile(`\*([^*\s](?:[^*]*[^*\s])?)\*`)
)

// mdInline reduces inline Markdown to its text.
func mdInline(s string) string {
	s = mdImage.ReplaceAllString(s, "$1")
	s = mdLink.ReplaceAllString(s, "$1")
	s = mdAutoLink.ReplaceAllString(s, "$1")
	s = mdCode.ReplaceAllString(s, "$1")
	s = mdStrong.ReplaceAllString(s, "$1$2$3")
	s = mdEm.ReplaceAllString(s, "$1")
	return strings.TrimSpace(s)
}

// parseMarkdown splits a Markdown text into articles at its "#" headings,
// stopping once they have more than limit paragraphs (never when limit
// <= 0); over reports that it stopped.
func parseMarkdown(text string, limit int) (arts []Article, over bool) {
	m := &mdParser{}
	lines := strings.Split(normalizeText(text), "\n")
	if strings.TrimSpace(lines[0]) == "---" { // YAML front matter
		for i := 1; i < len(lines); i++ {
			if strings.TrimSpace(lines[i]) == "---" {
				lines = lines[i+1:]
				break
			}
		}
	}
	fence := ""
	for _, line := range lines {
		if limit > 0 && m.paragraphs() > limit {
			return nil, true
		}
		line = strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(line, fence) {
				fence = ""
				m.flush()
			} else if line != "" {
				m.para = append(m.para, line)
			}
			continue
		}
		switch {
		case strings.HasPrefix(line, "```") || strings.HasPrefix(line, "~~~"):
			m.flush()
			fence = line[:3]
		case line == "":
			m.flush()
		case len(m.para) == 1 && mdSetext1.MatchString(line):
			m.heading(1, m.takePara())
		case len(m.para) == 1 && mdSetext2.MatchString(line):
			m.heading(2, m.takePara())
		case mdRule.MatchString(line):
			m.flush()
		case mdHeading.MatchString(line):
			sub := mdHeading.FindStringSubmatch(line)
			m.flush()
			m.heading(len(sub[1]), mdInline(sub[2]))
		case mdTableRule.MatchString(line) && strings.Contains(line, "|"):
			// The line under a table header.
		case strings.HasPrefix(line, "|"):
			m.flush()
			var cells []string
			for c := range strings.SplitSeq(strings.Trim(line, "|"), "|") {
				if c = mdInline(c); c != "" {
					cells = append(cells, c)
				}
			}
			if len(cells) > 0 {
				m.para = append(m.para, strings.Join(cells, " "))
			}
			m.flush()
		default:
			line = mdQuote.ReplaceAllString(line, "")
			if mdListItem.MatchString(line) {
				m.flush()
				line = mdListItem.ReplaceAllString(line, "")
			}
			if line = mdInline(line); line != "" {
				m.para = append(m.para, line)
			}
		}
	}
	m.flush()
	m.finish()
	if limit > 0 && m.paragraphs() > limit {
		return nil, true
	}
	return m.arts, false
}

// mdParser holds the state of parseMarkdown.
type mdParser struct {
	arts     []Article
	cur      *Article
	headings [6]string // open headings by level; [0] is unused
	para     []string  // lines of the paragraph being read
	done     int       // paragraphs of the finished articles
}

// paragraphs returns the number of paragraphs read so far.
func (m *mdParser) paragraphs() int {
	if m.cur == nil {
		return m.done
	}
	return m.done + len(m.cur.Paragraphs)
}

func (m *mdParser) takePara() string {
	s := m.para[0]
	m.para = nil
	return s
}

// heading handles a heading of the given level: level 1 opens an article,
// deeper levels set the subheading ("二、主要任务 （一）…" for nested ones).
func (m *mdParser) heading(level int, text string) {
	if text == "" {
		return
	}
	if level == 1 {
		m.finish()
		m.cur = &Article{Title: text, Region: regionOf(text)}
		return
	}
	m.headings[level-1] = text
	for i := level; i < len(m.headings); i++ {
		m.headings[i] = ""
	}
}

// flush ends the paragraph being read.
func (m *mdParser) flush() {
	if len(m.para) == 0 {
		return
	}
	s := joinText(m.para)
	m.para = nil
	if m.cur == nil {
		m.cur = &Article{}
	}
	var hs []string
	for _, h := range m.headings[1:] {
		if h != "" {
			hs = append(hs, h)
		}
	}
	m.cur.Paragraphs = append(m.cur.Paragraphs, Paragraph{Heading: strings.Join(hs, " "), Text: s})
}

// finish closes the current article; one with a title and no paragraphs
// gets its title as its body.
func (m *mdParser) finish() {
	if m.cur == nil {
		return
	}
	if len(m.cur.Paragraphs) == 0 && m.cur.Title != "" {
		m.cur.Paragraphs = []Paragraph{{Text: m.cur.Title}}
	}
	if len(m.cur.Paragraphs) > 0 {
		m.arts = append(m.arts, *m.cur)
		m.done += len(m.cur.Paragraphs)
	}
	m.cur = nil
	m.headings = [6]string{}
}
