package knowledge

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Citation returns how an answer names d: its title, then its document
// number and date in brackets where known, e.g.
// "关于做好暖“新”驿站建设的通知（社工发〔2025〕12号，2025年3月12日）".
func (d Document) Citation() string {
	title := d.Title
	if title == "" {
		title = baseName(d.Name)
	}
	var parts []string
	if d.DocNumber != "" {
		parts = append(parts, d.DocNumber)
	}
	if date := ChineseDate(d.Date); date != "" {
		parts = append(parts, date)
	}
	if len(parts) == 0 {
		return title
	}
	return title + "（" + strings.Join(parts, "，") + "）"
}

// ChineseDate writes an ISO date as [Document.Date] holds it ("2025-03-12",
// "2025-03", "2025") the Chinese way ("2025年3月12日", "2025年3月",
// "2025年"); it returns other strings unchanged.
func ChineseDate(iso string) string {
	parts := strings.Split(iso, "-")
	if len(parts) > 3 || len(parts[0]) != 4 {
		return iso
	}
	units := []string{"年", "月", "日"}
	var sb strings.Builder
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return iso
		}
		sb.WriteString(strconv.Itoa(n) + units[i])
	}
	return sb.String()
}

// meta is the metadata a document states.
type meta struct {
	Title, Issuer, DocNumber, Date string
	// Published is a publication date (a page's), used when the text
	// states no date of its own.
	Published string
}

// or fills the fields of m that are empty from o.
func (m meta) or(o meta) meta {
	if m.Title == "" {
		m.Title = o.Title
	}
	if m.Issuer == "" {
		m.Issuer = o.Issuer
	}
	if m.DocNumber == "" {
		m.DocNumber = o.DocNumber
	}
	if m.Date == "" {
		m.Date = o.Date
	}
	if m.Published == "" {
		m.Published = o.Published
	}
	return m
}

// extracted is what a format loader takes out of a file: text in one of
// the two text kinds, metadata the markup states, and warnings.
type extracted struct {
	kind     string // "md" (Markdown) or "txt" (plain text, split as a bulletin)
	meta     meta
	body     string
	warnings []string
}

// encode writes x as the text that [Reload] reads: a front-matter header
// with the kind and the metadata, then the body.
func (x extracted) encode() string {
	var sb strings.Builder
	sb.WriteString("---\nformat: " + x.kind + "\n")
	for _, kv := range [][2]string{{"title", x.meta.Title}, {"issuer", x.meta.Issuer}, {"number", x.meta.DocNumber}, {"date", x.meta.Date}, {"published", x.meta.Published}} {
		if v := oneLine(kv[1]); v != "" {
			sb.WriteString(kv[0] + ": " + v + "\n")
		}
	}
	sb.WriteString("---\n\n")
	sb.WriteString(x.body)
	return sb.String()
}

// decodeExtracted reads what encode wrote; text without a header is plain
// text.
func decodeExtracted(text string) extracted {
	text = normalizeText(text)
	m, n := frontMatter(text)
	x := extracted{kind: "txt", meta: m, body: text}
	if n > 0 {
		x.body = dropLines(text, n)
		if fmKind(text, n) == "md" {
			x.kind = "md"
		}
	}
	return x
}

// fmKind returns the format field of the front matter in the first n
// lines of text.
func fmKind(text string, n int) string {
	for i, line := range strings.SplitN(text, "\n", n+1) {
		if i >= n {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "format" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// frontMatter reads a YAML front matter ("---" lines around "key: value"
// lines) at the start of text: title, date, issuer and number (also under
// Chinese keys). n is the number of lines it takes, 0 when there is none.
func frontMatter(text string) (m meta, n int) {
	text = normalizeText(text)
	if !strings.HasPrefix(text, "---\n") {
		return meta{}, 0
	}
	lines := strings.SplitN(text, "\n", 64)
	for i := 1; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == "---" {
			return m, i + 1
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"'`)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "title", "标题":
			m.Title = v
		case "issuer", "发文机关":
			m.Issuer = v
		case "number", "文号":
			m.DocNumber = v
		case "date", "日期":
			m.Date = parseDate(v)
		case "published":
			m.Published = parseDate(v)
		}
	}
	return meta{}, 0
}

// oneLine collapses white space, line breaks included, to single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// metaLines returns the trimmed lines of text to look for metadata in,
// without a front matter and, in Markdown, without heading marks.
func metaLines(kind, text string) []string {
	text = normalizeText(text)
	if _, n := frontMatter(text); n > 0 {
		text = dropLines(text, n)
	}
	var lines []string
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if kind == "md" {
			line = strings.TrimSpace(strings.TrimLeft(line, "#"))
		}
		lines = append(lines, line)
	}
	return lines
}

// Patterns of metadata in the text of official documents.
var (
	// docNumberRe matches a document number: 机关代字〔年份〕序号号.
	docNumberRe = regexp.MustCompile(`[\p{Han}A-Za-z]{1,12}\s*[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*第?\s*\d{1,5}\s*号`)
	// labelRe matches a "field：value" pair of page or document metadata.
	labelRe = regexp.MustCompile(`(发文机关|发文单位|发布机构|发布单位|印发机关|成文单位|发文字号|发文文号|文号|成文日期|发文日期|印发日期|发布日期|发布时间|日期)\s*[：:]\s*`)
	// dateRe matches a date in digits; chineseDateRe one in Chinese numerals.
	dateRe        = regexp.MustCompile(`((?:19|20)\d{2})\s*(?:年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?|[-/.](\d{1,2})[-/.](\d{1,2})(?:[^\d]|$))`)
	chineseDateRe = regexp.MustCompile(`([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月(?:([一二三四五六七八九十]{1,3})日)?`)
	// signedRe strips the "签发人：…" field next to a document number.
	signedRe = regexp.MustCompile(`签\s*发\s*人\s*[：:]\s*\S*`)
)

// orgSuffixes end the names of issuing bodies.
var orgSuffixes = []string{
	"委员会", "办公室", "办公厅", "人民政府", "政府", "党委", "党组", "工委", "委", "部", "局", "厅",
	"会", "院", "署", "办", "室", "处", "科", "中心", "联合会", "总工会", "协会", "商会", "街道", "社区",
}

// docTypes end the titles of official documents.
var docTypes = []string{
	"通知", "通报", "意见", "决定", "决议", "办法", "规定", "方案", "报告", "请示", "批复", "函",
	"纪要", "公告", "通告", "细则", "规则", "指引", "指南", "措施", "条例", "规划", "要点", "公报",
	"规范", "制度", "章程", "清单", "计划", "倡议书", "问答", "答复",
}

// headerLines is how far into a document its masthead and title may reach.
const headerLines = 20

// scanMeta finds the metadata stated in the lines of a document. header is
// the number of masthead lines before the title that are not text
// (0 when no title was found after such lines).
func scanMeta(lines []string) (m meta, header int) {
	zone := headerZone(lines)
	numberLine, mastheadLine := m.scanHeader(lines[:zone])
	m.Title, header = findTitle(lines, zone, numberLine, mastheadLine)
	labels := labelFields(lines)
	m.fromLabels(labels)
	m.findDate(lines, zone, labels)
	return m, header
}

// headerZone is how many lines the header zone has: it ends at the first
// line of running text.
func headerZone(lines []string) int {
	zone := 0
	for zone < len(lines) && zone < headerLines {
		l := lines[zone]
		if strings.ContainsAny(l, "。；！？") || !fits(l, 60) {
			break
		}
		zone++
	}
	return zone
}

// scanHeader takes the document number and the masthead's issuer from the
// header zone and returns their lines, -1 when absent.
func (m *meta) scanHeader(zone []string) (numberLine, mastheadLine int) {
	numberLine, mastheadLine = -1, -1
	for i, l := range zone {
		if m.DocNumber == "" {
			if num := docNumberRe.FindString(l); num != "" {
				rest := signedRe.ReplaceAllString(strings.Replace(l, num, "", 1), "")
				if utf8.RuneCountInString(strings.Join(strings.Fields(rest), "")) <= 6 {
					m.DocNumber, numberLine = compact(num), i
				}
			}
		}
		if mastheadLine < 0 && isMastheadLine(l) {
			m.Issuer, mastheadLine = strings.TrimSuffix(compact(l), "文件"), i
		}
	}
	return numberLine, mastheadLine
}

// findTitle finds the title: a line, or up to three wrapped lines, in the
// header zone that reads like the title of an official document. header
// is how many lines above it are masthead only.
func findTitle(lines []string, zone, numberLine, mastheadLine int) (title string, header int) {
	for i := 0; i < zone; i++ {
		if lines[i] == "" || i == numberLine || i == mastheadLine {
			continue
		}
		joined := ""
		for j := i; j < zone && j < i+3 && lines[j] != ""; j++ {
			joined = joinText([]string{joined, lines[j]})
			if !isDocTitle(joined, i == firstNonEmpty(lines) || numberLine >= 0 || mastheadLine >= 0) {
				continue
			}
			if i > 0 && (numberLine >= 0 || mastheadLine >= 0) && mastheadOnly(lines[:i]) {
				header = i
			}
			return joined, header
		}
	}
	return "", 0
}

// labelFields reads "label：value" fields anywhere in the document, the
// first of each label.
func labelFields(lines []string) map[string]string {
	labels := map[string]string{}
	for _, l := range lines {
		if !mayHaveLabel(l) {
			continue
		}
		for _, loc := range labelRe.FindAllStringSubmatchIndex(l, -1) {
			key := l[loc[2]:loc[3]]
			if _, seen := labels[key]; seen {
				continue
			}
			v := l[loc[1]:]
			if next := labelRe.FindStringIndex(v); next != nil {
				v = v[:next[0]]
			}
			for _, sep := range []string{"  ", "\u3000", "；", ";", "|", "｜"} {
				if i := strings.Index(v, sep); i >= 0 {
					v = v[:i]
				}
			}
			labels[key] = strings.TrimSpace(v)
		}
	}
	return labels
}

// fromLabels takes the document number and the issuer from the labelled
// fields when the header gave none.
func (m *meta) fromLabels(labels map[string]string) {
	if m.DocNumber == "" {
		for _, k := range []string{"发文字号", "发文文号", "文号"} {
			if num := docNumberRe.FindString(labels[k]); num != "" {
				m.DocNumber = compact(num)
				break
			}
		}
	}
	if m.Issuer == "" {
		for _, k := range []string{"发文机关", "发文单位", "印发机关", "成文单位", "发布机构", "发布单位"} {
			if v := labels[k]; v != "" && fits(v, 60) {
				m.Issuer = v
				break
			}
		}
	}
}

// findDate sets the date: the 成文日期 field, else the date under the
// signature (with the signature as issuer), else a date line under the
// title, else a publication date, else the 印发 date.
func (m *meta) findDate(lines []string, zone int, labels map[string]string) {
	m.Date = parseDate(labels["成文日期"])
	sigDate, sigLine := signatureDate(lines)
	if m.Date == "" {
		m.Date = sigDate
	}
	if sigLine > zone && m.Issuer == "" {
		var orgs []string
		for i := sigLine - 1; i >= 0 && i >= sigLine-3 && isOrgName(lines[i]); i-- {
			orgs = append([]string{compact(lines[i])}, orgs...)
		}
		m.Issuer = strings.Join(orgs, "、")
	}
	if m.Date == "" {
		for i := 0; i < zone+2 && i < len(lines); i++ {
			if d := standaloneDate(lines[i]); d != "" {
				m.Date = d
				break
			}
		}
	}
	for _, k := range []string{"发文日期", "印发日期", "发布日期", "发布时间", "日期"} {
		if m.Date == "" {
			m.Date = parseDate(labels[k])
		}
	}
	if m.Date == "" {
		for i := len(lines) - 1; i >= 0 && i >= len(lines)-20; i-- {
			if l := lines[i]; strings.HasSuffix(l, "印发") && fits(l, 60) {
				if m.Date = parseDate(l); m.Date != "" {
					break
				}
			}
		}
	}
}

// signatureDate is the date standing alone in the last 20 lines (under a
// signature) and its line, or "", -1.
func signatureDate(lines []string) (string, int) {
	for i := len(lines) - 1; i >= 0 && i >= len(lines)-20; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasSuffix(l, "印发") {
			continue
		}
		if d := standaloneDate(l); d != "" {
			return d, i
		}
	}
	return "", -1
}

// mayHaveLabel is a quick test for lines that labelRe may match.
func mayHaveLabel(l string) bool {
	if !strings.ContainsAny(l, "：:") || !fits(l, 300) {
		return false
	}
	for _, k := range []string{"日期", "时间", "文号", "字号", "机关", "单位", "机构"} {
		if strings.Contains(l, k) {
			return true
		}
	}
	return false
}

// firstNonEmpty returns the index of the first non-empty line, or -1.
func firstNonEmpty(lines []string) int {
	for i, l := range lines {
		if l != "" {
			return i
		}
	}
	return -1
}

// isDocTitle reports whether s reads like the title of an official
// document: "关于……" ending in a document type, or, when strong (first line
// or under a masthead), any short line ending in one.
func isDocTitle(s string, strong bool) bool {
	if !fits(s, 80) || strings.ContainsAny(s, "。；！？：:") || docNumberRe.MatchString(s) {
		return false
	}
	typed := false
	t := strings.TrimRight(s, "）)")
	if i := strings.LastIndexAny(t, "（("); i > 0 && strings.Contains(t[i:], "试行") {
		t = t[:i] // "……办法（试行）"
	}
	for _, dt := range docTypes {
		if strings.HasSuffix(t, dt) {
			typed = true
			break
		}
	}
	if !typed {
		return false
	}
	if strings.HasPrefix(s, "关于") || strings.Contains(s, "关于") && fits(s, 60) {
		return true
	}
	return strong && fits(s, 50)
}

// isMastheadLine reports whether l is the masthead of an official
// document: an issuing body followed by "文件" ("中共某某区委社会工作部文件").
func isMastheadLine(l string) bool {
	l = compact(l)
	if !strings.HasSuffix(l, "文件") || !fits(l, 50) {
		return false
	}
	return isOrgName(strings.TrimSuffix(l, "文件"))
}

// mastheadOnly reports whether lines are all masthead material: short
// lines without sentences (masthead, number, 签发人, 份号, 密级, 紧急程度).
func mastheadOnly(lines []string) bool {
	for _, l := range lines {
		if l != "" && (!fits(l, 50) || strings.ContainsAny(l, "。；！？，")) {
			return false
		}
	}
	return true
}

// isOrgName reports whether l is a short line naming an organisation.
func isOrgName(l string) bool {
	l = compact(l)
	if l == "" || !fits(l, 40) || strings.ContainsAny(l, "。；！？，、：:") {
		return false
	}
	for _, r := range l {
		if r < utf8.RuneSelf && r != '(' && r != ')' {
			return false
		}
	}
	for _, s := range orgSuffixes {
		if strings.HasSuffix(l, s) && l != s {
			return true
		}
	}
	return false
}

// compact removes all white space (including ideographic spaces) from s.
func compact(s string) string { return strings.Join(strings.Fields(s), "") }

// standaloneDate returns the date of a line that is only a date, possibly
// in brackets ("2025年3月12日", "（2025年3月12日）"), or "".
func standaloneDate(l string) string {
	l = compact(l)
	if l == "" || !fits(l, 20) {
		return ""
	}
	if inner, ok := unbracket(l); ok {
		l = inner
	}
	l = foldDigits(l)
	if loc := dateRe.FindStringIndex(l); loc != nil && loc[0] == 0 && strings.TrimRight(l[loc[1]:], ".") == "" {
		return parseDate(l)
	}
	if loc := chineseDateRe.FindStringIndex(l); loc != nil && loc[0] == 0 && loc[1] == len(l) {
		return parseDate(l)
	}
	return ""
}

// foldDigits turns full-width digits into ASCII ones.
func foldDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return '0' + r - '０'
		}
		return r
	}, s)
}

// parseDate returns the first date in s in ISO form ("2025-03-12", or
// "2025-03" without a day), or "" when s holds no valid date.
func parseDate(s string) string {
	s = foldDigits(s)
	var y, mo, d int
	if sub := dateRe.FindStringSubmatch(s); sub != nil {
		y, _ = strconv.Atoi(sub[1])
		if sub[2] != "" {
			mo, _ = strconv.Atoi(sub[2])
			d, _ = strconv.Atoi(sub[3])
		} else {
			mo, _ = strconv.Atoi(sub[4])
			d, _ = strconv.Atoi(sub[5])
		}
	} else if sub := chineseDateRe.FindStringSubmatch(s); sub != nil {
		for _, r := range sub[1] {
			y = y*10 + chineseDigit(r)
		}
		mo, d = chineseNumber(sub[2]), chineseNumber(sub[3])
	} else {
		return ""
	}
	if mo < 1 || mo > 12 || d < 0 || d > 31 {
		return ""
	}
	if d == 0 {
		return fmt.Sprintf("%04d-%02d", y, mo)
	}
	if t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC); t.Day() != d {
		return "" // 2月30日
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, mo, d)
}

// chineseDigit returns the value of a Chinese digit (〇 to 九).
func chineseDigit(r rune) int {
	return strings.IndexRune("〇一二三四五六七八九", r) / 3 // runes of 3 bytes
}

// chineseNumber returns the value of a Chinese number from 一 to 三十一,
// 0 for "".
func chineseNumber(s string) int {
	if s == "" {
		return 0
	}
	tens, rest, ok := strings.Cut(s, "十")
	if !ok {
		return digitValue(s)
	}
	t := 1
	if tens != "" {
		t = digitValue(tens)
	}
	return t*10 + digitValue(rest)
}

func digitValue(s string) int {
	n := 0
	for _, r := range s {
		switch r {
		case '〇', '○', '零':
			n = n * 10
		default:
			if v := strings.IndexRune("一二三四五六七八九", r); v >= 0 {
				n = n*10 + v/3 + 1
			}
		}
	}
	return n
}
