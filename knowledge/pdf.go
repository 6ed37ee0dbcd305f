package knowledge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
)

// Limits of the PDF reader.
const (
	// pdfTimeout bounds the extraction of one PDF.
	pdfTimeout = 60 * time.Second
	// maxPDFPages bounds the pages read of one PDF.
	maxPDFPages = 3000
	// maxPDFContentBytes bounds the decompressed page contents the
	// built-in extractor interprets: a compressed content stream can
	// expand a thousandfold, and the extractor keeps a page's text until
	// the page ends.
	maxPDFContentBytes = 256 << 20
)

// pdftotext returns the path of poppler's pdftotext, or "" when it is not
// installed; tests replace it.
var pdftotext = sync.OnceValue(func() string {
	p, _ := exec.LookPath("pdftotext")
	return p
})

// extractPDF reads the text of a PDF, page by page, as plain text.
func extractPDF(data []byte) (extracted, error) {
	if !bytes.HasPrefix(bytes.TrimLeft(data[:min(len(data), 1024)], "\x00\t\n\r "), []byte("%PDF")) &&
		!bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-")) {
		return extracted{}, fmt.Errorf("文件不是 PDF 文档（文件头不对，可能已损坏或扩展名有误）: %w", ErrCorrupt)
	}
	var pages []string
	var err error
	layout := true
	if tool := pdftotext(); tool != "" {
		pages, err = runPDFToText(tool, data, true)
		if err == nil && multiColumn(pages) {
			// Columns side by side: read them one after the other.
			layout = false
			pages, err = runPDFToText(tool, data, false)
		}
	} else {
		layout = false
		pages, err = readPDFPages(data)
	}
	if err != nil {
		return extracted{}, err
	}
	return pdfText(pages, layout)
}

// cappedBuffer collects output up to max bytes, then cancels.
type cappedBuffer struct {
	bytes.Buffer
	max    int
	over   bool
	cancel func()
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		b.over = true
		b.cancel()
		return 0, errors.New("output too large")
	}
	return b.Buffer.Write(p)
}

// runPDFToText extracts the pages of a PDF with pdftotext.
func runPDFToText(tool string, data []byte, layout bool) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), pdfTimeout)
	defer cancel()
	args := []string{"-enc", "UTF-8", "-eol", "unix", "-q", "-l", strconv.Itoa(maxPDFPages), "-", "-"}
	if layout {
		args = append([]string{"-layout"}, args...)
	}
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Stdin = bytes.NewReader(data)
	out := &cappedBuffer{max: maxTextBytes, cancel: cancel}
	stderr := &cappedBuffer{max: 64 << 10, cancel: func() {}}
	cmd.Stdout, cmd.Stderr = out, stderr
	err := cmd.Run()
	switch {
	case out.over:
		return nil, fmt.Errorf("PDF 的文字超过 %d MB，请拆分后再导入: %w", maxTextBytes>>20, ErrTooLarge)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, fmt.Errorf("PDF 文字提取超时（超过 %v），文件可能过于复杂或已损坏，请转成 .docx 或 .txt 后再导入: %w", pdfTimeout, ErrCorrupt)
	case err != nil:
		msg := strings.ToLower(stderr.String())
		if strings.Contains(msg, "password") || strings.Contains(msg, "encrypt") {
			return nil, fmt.Errorf("PDF 已加密，请去除密码保护后再导入: %w", ErrUnsupported)
		}
		return nil, fmt.Errorf("PDF 文件已损坏，无法读取，请重新导出 PDF 或转成 .docx 后再导入: %w", ErrCorrupt)
	}
	text := out.String()
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	// pdftotext ends each of at most maxPDFPages pages with a form feed;
	// form feeds in the text itself do not make more pages.
	pages := strings.SplitN(text, "\f", maxPDFPages+1)
	if len(pages) > 1 && strings.TrimSpace(pages[len(pages)-1]) == "" {
		pages = pages[:len(pages)-1]
	}
	return pages, nil
}

// readPDFPages extracts the pages of a PDF with the built-in reader
// (github.com/ledongthuc/pdf), within pdfTimeout.
func readPDFPages(data []byte) ([]string, error) {
	type result struct {
		pages []string
		err   error
	}
	done := make(chan result, 1)
	go func() {
		pages, err := readPDFPagesNow(data)
		done <- result{pages, err}
	}()
	select {
	case r := <-done:
		return r.pages, r.err
	case <-time.After(pdfTimeout):
		// The reader goroutine is left to finish on its own.
		return nil, fmt.Errorf("PDF 文字提取超时（超过 %v），文件可能过于复杂或已损坏，请转成 .docx 或 .txt 后再导入: %w", pdfTimeout, ErrCorrupt)
	}
}

func readPDFPagesNow(data []byte) (pages []string, err error) {
	corrupt := fmt.Errorf("PDF 文件已损坏或使用了不支持的结构，无法读取，请转成 .docx 或 .txt 后再导入（安装 poppler-utils 的 pdftotext 后能读取更多 PDF）: %w", ErrCorrupt)
	defer func() {
		if r := recover(); r != nil {
			pages, err = nil, corrupt
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		msg := strings.ToLower(err.Error())
		if strings.Contains(msg, "password") || strings.Contains(msg, "encrypt") {
			return nil, fmt.Errorf("PDF 已加密，请去除密码保护后再导入: %w", ErrUnsupported)
		}
		return nil, corrupt
	}
	n := min(r.NumPage(), maxPDFPages)
	size, content := 0, int64(maxPDFContentBytes)
	for i := 1; i <= n; i++ {
		p := r.Page(i)
		if p.V.IsNull() {
			pages = append(pages, "")
			continue
		}
		if content -= pageContentSize(p, content); content < 0 {
			return nil, fmt.Errorf("PDF 的页面内容解压后超过 %d MB，可能已损坏或是压缩炸弹，请转成 .docx 或 .txt 后再导入: %w", maxPDFContentBytes>>20, ErrTooLarge)
		}
		text, err := p.GetPlainText(nil)
		if err != nil {
			text = ""
		}
		if size += len(text); size > maxTextBytes {
			return nil, fmt.Errorf("PDF 的文字超过 %d MB，请拆分后再导入: %w", maxTextBytes>>20, ErrTooLarge)
		}
		if !utf8.ValidString(text) {
			text = strings.ToValidUTF8(text, "\uFFFD")
		}
		pages = append(pages, text)
	}
	return pages, nil
}

// pageContentSize returns the decompressed size of the content streams
// of page p, reading at most limit+1 bytes of them. The library offers no
// limit of its own: it decompresses while it interprets.
func pageContentSize(p pdf.Page, limit int64) int64 {
	c := p.V.Key("Contents")
	streams := []pdf.Value{c}
	if c.Kind() == pdf.Array {
		streams = streams[:0]
		for i := range c.Len() {
			streams = append(streams, c.Index(i))
		}
	}
	var n int64
	for _, s := range streams {
		if s.Kind() != pdf.Stream {
			continue
		}
		rc := s.Reader()
		m, _ := io.Copy(io.Discard, io.LimitReader(rc, limit+1-n))
		rc.Close()
		if n += m; n > limit {
			break
		}
	}
	return n
}

// multiColumn reports whether the layout text of a PDF sets columns side
// by side: many lines hold a wide gap between two runs of text.
func multiColumn(pages []string) bool {
	lines, gapped := 0, 0
	for _, p := range pages {
		for l := range strings.SplitSeq(p, "\n") {
			t := strings.TrimSpace(l)
			if utf8.RuneCountInString(t) < 20 {
				continue
			}
			lines++
			if strings.Contains(t, "      ") {
				gapped++
			}
		}
	}
	return lines >= 10 && gapped*10 >= lines*4
}

// pageNumber matches the page-number lines of a page's top or bottom.
var pageNumber = regexp.MustCompile(`^[-—–－\s]*(?:第\s*)?\d{1,4}\s*页?(?:\s*[/／]\s*\d{1,4}|\s*[，,]?\s*共\s*\d{1,4}\s*页)?[-—–－\s]*$|^(?i:page)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$`)

// pdfText checks the pages for garbled text and writes them as plain
// paragraphs.
func pdfText(pages []string, layout bool) (extracted, error) {
	lines := 0
	for _, p := range pages {
		lines += strings.Count(p, "\n")
	}
	if lines >= maxTextLines {
		return extracted{}, errTooManyLines()
	}
	var stats []textStats
	var all textStats
	for _, p := range pages {
		s := statsOf(p)
		stats = append(stats, s)
		all.add(s)
	}
	cjkDoc := all.han*10 >= (all.han+all.letters+all.odd)*3 && all.han > 0
	var garbled, empty []int
	textPages := 0
	for i, s := range stats {
		switch {
		case s.total < 8:
			empty = append(empty, i+1)
		case s.garbled(cjkDoc):
			garbled = append(garbled, i+1)
			textPages++
		default:
			textPages++
		}
	}
	if textPages == 0 {
		return extracted{}, fmt.Errorf("%s: %w", scanAdvice, ErrUnsupported)
	}
	if len(garbled)*2 >= textPages {
		return extracted{}, fmt.Errorf("PDF 中的文字无法正确提取（多为乱码，可能使用了没有字符映射的字体），请用 WPS 或 Word 把 PDF 转成 .docx 或 .txt 后再导入: %w", ErrGarbled)
	}
	x := extracted{kind: "txt"}
	if len(garbled) > 0 {
		x.warnings = append(x.warnings, fmt.Sprintf("第 %s 页的文字是乱码，已跳过；如需这些内容，请把 PDF 转成 .docx 或 .txt 后再导入", pageList(garbled)))
	}
	if len(empty) > 0 {
		x.warnings = append(x.warnings, fmt.Sprintf("第 %s 页没有可提取的文字（可能是扫描图片或空白页），已跳过；扫描内容需先做文字识别（OCR）", pageList(empty)))
	}
	var sb strings.Builder
	skip := map[int]bool{}
	for _, n := range garbled {
		skip[n] = true
	}
	for i, p := range pages {
		if skip[i+1] {
			continue
		}
		for _, para := range reflow(p, layout) {
			sb.WriteString(para)
			sb.WriteString("\n\n")
		}
	}
	x.body = sb.String()
	return x, nil
}

// pageList writes page numbers as "1、3、5", at most ten of them.
func pageList(ns []int) string {
	var ss []string
	for _, n := range ns[:min(len(ns), 10)] {
		ss = append(ss, strconv.Itoa(n))
	}
	if len(ns) > 10 {
		return strings.Join(ss, "、") + " 等"
	}
	return strings.Join(ss, "、")
}

// textStats counts the kinds of characters in extracted text.
type textStats struct {
	han, letters, symbols, odd, bad, total int
}

func (s *textStats) add(o textStats) {
	s.han += o.han
	s.letters += o.letters
	s.symbols += o.symbols
	s.odd += o.odd
	s.bad += o.bad
	s.total += o.total
}

func statsOf(text string) textStats {
	var s textStats
	for _, r := range text {
		if unicode.IsSpace(r) {
			continue
		}
		s.total++
		switch {
		case r == utf8.RuneError || unicode.In(r, unicode.Co) || unicode.IsControl(r):
			s.bad++
		case unicode.Is(unicode.Han, r):
			s.han++
		case r >= 0x80 && r <= 0x2FF: // Latin-1 to spacing modifiers: mojibake
			s.odd++
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			s.letters++
		default:
			s.symbols++
		}
	}
	return s
}

// garbled reports whether a page's text is unreadable: many undecodable,
// private-use or control characters, much Latin-1 mojibake, or, in a
// Chinese document, almost no Chinese and mostly symbols.
func (s textStats) garbled(cjkDoc bool) bool {
	if s.total == 0 {
		return false
	}
	return s.bad*10 > s.total || s.odd*5 > s.total ||
		(cjkDoc && s.han*20 < s.total && s.symbols*10 > s.total*3)
}

// headingStart matches lines that start a numbered heading or item.
var headingStart = regexp.MustCompile(`^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|第[一二三四五六七八九十百零〇\d]+[章节条部分]|\d{1,2}[.．、]\D|附件)`)

// reflow joins the lines of a page of extracted text into paragraphs.
// A paragraph ends at a blank line, before a line that is indented
// further than the page's margin (with layout), before a numbered
// heading, and after a line that stops well short of the right edge.
// Page numbers at the top and bottom are dropped.
func reflow(page string, layout bool) []string {
	type line struct {
		indent, end int
		text        string
	}
	var lines []line
	for l := range strings.SplitSeq(strings.ReplaceAll(page, "\r", ""), "\n") {
		l = strings.TrimRightFunc(l, unicode.IsSpace)
		indent := 0
		for _, r := range l {
			if r == ' ' {
				indent++
			} else if r == '\u3000' {
				indent += 2
			} else {
				break
			}
		}
		t := strings.TrimSpace(l)
		lines = append(lines, line{indent: indent, end: indent + utf8.RuneCountInString(t), text: t})
	}
	// Page numbers: the first and last non-empty lines.
	for _, fromEnd := range []bool{false, true} {
		for k := range lines {
			i := k
			if fromEnd {
				i = len(lines) - 1 - k
			}
			if lines[i].text == "" {
				continue
			}
			if pageNumber.MatchString(lines[i].text) {
				lines[i].text = ""
			}
			break
		}
	}
	margin, right := -1, 0
	for _, l := range lines {
		if utf8.RuneCountInString(l.text) >= 8 {
			if margin < 0 || l.indent < margin {
				margin = l.indent
			}
			right = max(right, l.end)
		}
	}
	short := func(l line) bool {
		return right > 0 && l.end < right-max(3, right/10)
	}
	var paras []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			paras = append(paras, joinCJK(cleanText(joinText(cur))))
			cur = nil
		}
	}
	for i, l := range lines {
		if l.text == "" {
			flush()
			continue
		}
		if len(cur) > 0 {
			prev := lines[i-1]
			if (layout && l.indent >= margin+2) || headingStart.MatchString(l.text) || short(prev) {
				flush()
			}
		}
		cur = append(cur, strings.Join(strings.Fields(l.text), " "))
	}
	flush()
	return paras
}
