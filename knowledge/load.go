package knowledge

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Errors returned by [LoadText], wrapped with the file name and a message
// in Chinese; check them with [errors.Is].
var (
	// ErrUnsupported means the file type is not one LoadText reads.
	ErrUnsupported = errors.New("knowledge: unsupported file type")
	// ErrBinary means the file holds binary data, not text.
	ErrBinary = errors.New("knowledge: binary file")
	// ErrEncoding means the file is not UTF-8 text.
	ErrEncoding = errors.New("knowledge: not UTF-8 text")
	// ErrEmpty means the file has no text.
	ErrEmpty = errors.New("knowledge: empty document")
)

// Document is a loaded document: its articles, ready to be chunked.
type Document struct {
	// Name is the name or path the document was loaded under.
	Name string
	// Title is the title of its only article, or the file name without
	// extension when it has several.
	Title string
	// Articles holds at least one article. Articles without a title of
	// their own carry the file name without extension.
	Articles []Article
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

// LoadText reads a plain-text (.txt) or Markdown (.md, .markdown) document
// from data; name gives the type by its extension and becomes
// [Document.Name]. A UTF-8 BOM is dropped and CRLF line ends are normalised.
// Plain text is split with [SplitBulletin], so a bulletin yields its
// articles and any other text one or more articles. In Markdown, "#"
// headings open articles, deeper headings become subheadings, and emphasis,
// links, images, list markers, quotes and tables are reduced to their text.
//
// Returns ErrUnsupported for other extensions, ErrBinary for data with NUL
// bytes or many control characters, ErrEncoding for data that is not valid
// UTF-8 (GBK, UTF-16) and ErrEmpty for data without text, each wrapped.
func LoadText(name string, data []byte) (Document, error) {
	if textKind(name) == "" {
		kind := "没有扩展名的文件"
		if ext := path.Ext(name); ext != "" {
			kind = "文件类型“" + ext + "”"
		}
		return Document{}, fmt.Errorf("load %s: 不支持%s，目前只能导入 .txt 和 .md 文件: %w", name, kind, ErrUnsupported)
	}
	text, err := decodeText(data)
	if err != nil {
		return Document{}, fmt.Errorf("load %s: %w", name, err)
	}
	arts := parseText(name, text)
	if len(arts) == 0 {
		return Document{}, fmt.Errorf("load %s: 文件中没有文字内容: %w", name, ErrEmpty)
	}
	return newDocument(name, arts), nil
}

// LoadFS loads every .txt, .md and .markdown file under dir in fsys, in
// lexical order, with [LoadText]; other files are skipped. Documents are
// named by their path in fsys, e.g. "docs/000_cd24362e620a5886.txt".
// It stops at the first error.
func LoadFS(fsys fs.FS, dir string) ([]Document, error) {
	var docs []Document
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || textKind(p) == "" {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		doc, err := LoadText(p, data)
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

// textKind returns "md" or "txt" for the file types LoadText reads, "" for
// others.
func textKind(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".txt":
		return "txt"
	case ".md", ".markdown":
		return "md"
	}
	return ""
}

// maxControlShare is the largest share of control bytes (other than tab,
// line and page breaks) in a text file, in percent.
const maxControlShare = 5

// decodeText checks that data is UTF-8 text and returns it without BOM.
func decodeText(data []byte) (string, error) {
	if bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		return "", fmt.Errorf("文件是 UTF-16 编码，请另存为 UTF-8 后再导入: %w", ErrEncoding)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if bytes.IndexByte(data, 0) >= 0 {
		return "", fmt.Errorf("文件含有二进制数据，不是文本文件: %w", ErrBinary)
	}
	control := 0
	for _, c := range data {
		if (c < 0x20 && !strings.ContainsRune("\t\n\v\f\r", rune(c))) || c == 0x7F {
			control++
		}
	}
	if control*100 > len(data)*maxControlShare {
		return "", fmt.Errorf("文件含有大量控制字符，不是文本文件: %w", ErrBinary)
	}
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, size := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			off += size
		}
		return "", fmt.Errorf("文件不是有效的 UTF-8 文本（第 %d 字节起无法识别，可能是 GBK 编码），请另存为 UTF-8 后再导入: %w", off+1, ErrEncoding)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return "", fmt.Errorf("文件中没有文字内容: %w", ErrEmpty)
	}
	return string(data), nil
}

// parseText splits text into articles by the document type of name.
func parseText(name, text string) []Article {
	if textKind(name) == "md" {
		return parseMarkdown(text)
	}
	return SplitBulletin(text)
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

// parseMarkdown splits a Markdown text into articles at its "#" headings.
func parseMarkdown(text string) []Article {
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
	return m.arts
}

// mdParser holds the state of parseMarkdown.
type mdParser struct {
	arts     []Article
	cur      *Article
	headings [6]string // open headings by level; [0] is unused
	para     []string  // lines of the paragraph being read
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
	}
	m.cur = nil
	m.headings = [6]string{}
}
