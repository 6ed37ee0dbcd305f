package knowledge

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Article is one article of a bulletin, or the whole of a document that has
// no bulletin structure.
type Article struct {
	// Title is the headline, its lines joined: without a separator after a
	// line that ends in punctuation ("福建泉州泉港区：" + "“三维聚力”…"),
	// with one space otherwise. It is empty when the text gave none; the
	// loaders then use the document's name.
	Title string
	// Region is the place the headline names ("内蒙古乌海市乌达区",
	// "贵州德江"), or "" when the headline states none.
	Region string
	// Section is the newsletter section the article sits under ("党建动态",
	// "经验做法"), or "".
	Section string
	// Source is the closing source line without its brackets, e.g.
	// "转自乌达社会工作" for "(转自乌达社会工作)" or "（转自…）", or "".
	Source string
	// Paragraphs is the body, in order, with page-break artefacts healed.
	// It is never empty for an article returned by this package: an article
	// with a headline and no body has its title as its only paragraph.
	Paragraphs []Paragraph
	// Captions holds photo captions and other front or back matter found
	// next to the article (text kept out of the body, but not lost).
	Captions []string
}

// Paragraph is one paragraph of an article body.
type Paragraph struct {
	// Heading is the subheading the paragraph sits under ("多方联动搭框架
	// 压实监管责任链条"), or "" before the article's first subheading.
	// Subheadings are not paragraphs of their own.
	Heading string
	// Text is the paragraph on one line (line breaks inside it joined).
	Text string
}

// Body returns the texts of the article's paragraphs separated by "\n\n".
// Subheadings are not part of the body; see [Paragraph.Heading].
func (a Article) Body() string {
	texts := make([]string, len(a.Paragraphs))
	for i, p := range a.Paragraphs {
		texts[i] = p.Text
	}
	return strings.Join(texts, "\n\n")
}

// Layout limits of the heuristics, in runes.
const (
	// maxTitleLineRunes bounds a line of a headline or photo caption.
	maxTitleLineRunes = 48
	// maxHeadingRunes bounds a line of a subheading inside an article. A
	// longer line without final punctuation is taken for a paragraph cut
	// by a page break (page breaks rarely fall that early in a paragraph).
	maxHeadingRunes = 22
	// maxSectionRunes bounds a newsletter section header ("经验做法").
	maxSectionRunes = 8
	// maxCaptionRunes bounds a caption marked as one ("图为…", "▲…").
	maxCaptionRunes = 80
)

// SplitBulletin splits the text of a newsletter bulletin into its articles.
//
// The text is read as blocks of lines separated by blank lines (a BOM is
// dropped, CRLF, CR and form feeds count as line breaks, invalid UTF-8 is
// replaced by U+FFFD). The layout it recognises:
//
//   - A source line "(转自…)", "（来源：…）" or "来源：…" closes an article.
//   - Between articles (at the start, after a source line), short lines
//     without final punctuation are headlines, section headers and captions:
//     the block right before the first body paragraph is the headline (two
//     blocks when the first ends in "：" or "——"); a short all-Han line that
//     is a known section name, or ends like one ("…动态", "…做法"), and is
//     followed by more such lines is the section header; what comes before
//     it, or before the headline after a source line, is a caption of the
//     previous article. At the start of a text, or after a section header,
//     the first short block is the headline instead and the others open the
//     body, so a plain document's first line becomes its title.
//   - Inside an article, a block of short lines (at most 22 runes each)
//     without final punctuation is a subheading; a paragraph that ends
//     without final punctuation (。！？；：… or such a mark before closing
//     quotes) continues in the next paragraph and is joined to it without a
//     space ("内" + "部建设"), unless the join looks wrong, as after a lost
//     page: the two characters across the seam make no word the document
//     knows, and the text after it does not go on with the words of the
//     text before it. Then the two stay apart, and the loaders warn about
//     the seam ([Document.Warnings]). A headline whose first line ends in
//     "：" or "——", a one-line "<region>：…" headline, or a section header
//     followed by a headline start the next article even without a source
//     line.
//   - Blocks starting with "图为", "图：" or "▲" are captions wherever they
//     stand.
//
// No text is dropped: what is not in a body is in a title, heading,
// section, source or caption. Any text that is not blank yields at least one
// article; an empty or blank text yields none.
func SplitBulletin(text string) []Article {
	r, _ := splitBulletin(text, 0, nil)
	return r.arts
}

// bulletin is what splitBulletin makes of a text.
type bulletin struct {
	arts  []Article
	seams []seam      // page-break seams left apart because the join looked wrong
	fixed map[int]int // erratum index → the article its fix's block went to
}

// splitBulletin is [SplitBulletin] applying the errata's fixes (by the
// byte offset of the block they start) and stopping once the articles have
// more than limit paragraphs (never when limit <= 0); over reports that it
// stopped.
func splitBulletin(text string, limit int, fixes map[int]fix) (r bulletin, over bool) {
	p := &parser{blocks: splitBlocks(normalizeText(text)), fixes: fixes}
	for i := range p.blocks {
		if limit > 0 && p.paragraphs() > limit {
			return bulletin{}, true
		}
		p.step(i)
	}
	p.end()
	if limit > 0 && p.paragraphs() > limit {
		return bulletin{}, true
	}
	return bulletin{arts: p.arts, seams: p.seams, fixed: p.fixed}, false
}

// parser holds the state of [SplitBulletin].
type parser struct {
	blocks  []block
	arts    []Article
	cur     *Article // the open article; nil between articles
	section string   // the current newsletter section
	pending []block  // short blocks seen between articles
	heading string   // subheading of the paragraphs being added
	heads   []string // subheading lines not yet followed by a paragraph
	tail    []string // pieces of the last paragraph while it is open
	done    int      // paragraphs of the finished articles

	fixes map[int]fix // errata's fixes by the byte offset of the block they start
	fixed map[int]int // erratum index → the article its fix's block went to
	seams []seam      // seams left apart
	stats *seamStats  // the document's statistics for judging seams, once needed
}

// paragraphs returns the number of paragraphs read so far.
func (p *parser) paragraphs() int {
	if p.cur == nil {
		return p.done
	}
	return p.done + len(p.cur.Paragraphs)
}

func (p *parser) step(i int) {
	b := p.blocks[i]
	var next *block
	if i+1 < len(p.blocks) {
		next = &p.blocks[i+1]
	}
	if f, ok := p.fixes[b.start]; ok {
		p.fix(f)
	}
	if p.cur == nil {
		p.between(b, next)
		return
	}
	switch {
	case b.isSource():
		p.cur.Source = sourceText(b.lines[0])
		p.finish()
	case b.isCaption():
		p.cur.Captions = append(p.cur.Captions, b.paragraph())
	case b.startsSection(next):
		p.finish()
		p.between(b, next)
	case b.isHeadline():
		p.finish()
		p.start(b.title(), nil)
	case p.tail != nil && (len(b.lines) == 1 || !b.isHeading()):
		if !p.joins(i) {
			// Keep a seam that looks wrong apart, and report it.
			p.seams = append(p.seams, p.seamAt(i))
			p.settle()
			if b.isHeading() {
				p.addHeading(b.title())
			} else {
				p.addParagraph(b.paragraph(), true)
			}
			return
		}
		// Heal a page break; the pieces are joined when the paragraph ends.
		p.tail = append(p.tail, b.paragraph())
		if terminated(b.last()) {
			p.settle()
		}
	case b.isHeading():
		p.addHeading(b.title())
	default:
		p.addParagraph(b.paragraph(), true)
	}
}

// fix applies an erratum's fix at the start of a block: the open
// paragraph ends there, and for a split the article too; the block then
// opens the erratum's article.
func (p *parser) fix(f fix) {
	if p.fixed == nil {
		p.fixed = map[int]int{}
	}
	p.fixed[f.entry] = len(p.arts)
	if !f.split {
		if p.cur != nil {
			p.settle()
		}
		return
	}
	switch {
	case p.cur != nil:
		p.finish()
	case len(p.pending) > 0:
		p.startPending()
		p.finish()
	}
	p.fixed[f.entry] = len(p.arts)
	p.start(f.title, nil)
	p.cur.Source = f.source
}

// between handles block b when no article is open.
func (p *parser) between(b block, next *block) {
	if b.isSource() || b.isCaption() || b.sectionKind() > 0 || b.isShort() ||
		(b.isLeadLine() && next != nil && next.isShort()) {
		p.pending = append(p.pending, b)
		return
	}
	p.startPending()
	p.addParagraph(b.paragraph(), true)
}

// startPending opens an article from the pending blocks: section header,
// captions, headline (see [SplitBulletin]).
func (p *parser) startPending() {
	pend := p.pending
	p.pending = nil
	sec := -1 // the last section header, never the last block
	for k, b := range pend[:max(len(pend)-1, 0)] {
		if b.sectionKind() > 0 {
			sec = k
		}
	}
	var captions []string
	var items []block // headline candidates, after the section header
	for k, b := range pend {
		switch {
		case k == sec:
			p.section = b.lines[0]
		case k < sec || b.isSource() || b.isCaption():
			captions = append(captions, b.paragraph())
		default:
			items = append(items, b)
		}
	}
	var title string
	var lead []block // short blocks that open the body
	if sec < 0 && len(p.arts) > 0 {
		// After a source line: the headline is the last block (or the last
		// two), or the last block shaped like a headline, and what comes
		// before it are captions of the previous article.
		n, end := len(items)-1, len(items)
		for k := len(items) - 1; k >= 0; k-- {
			if items[k].isHeadline() {
				n, end = k, k+1
				break
			}
		}
		if n >= 1 && end == n+1 && items[n-1].endsLikeLead() {
			n--
		}
		for _, b := range items[:max(n, 0)] {
			captions = append(captions, b.paragraph())
		}
		if n >= 0 {
			title = joinTitle(items[n:end])
			lead = items[end:]
		}
	} else if len(items) > 0 {
		// At the start or after a section header: the headline comes first.
		n := 1
		if len(items) > 1 && items[0].endsLikeLead() {
			n = 2
		}
		title = joinTitle(items[:n])
		lead = items[n:]
	}
	if len(p.arts) > 0 {
		prev := &p.arts[len(p.arts)-1]
		prev.Captions = append(prev.Captions, captions...)
		captions = nil
	}
	p.start(title, captions)
	for k, b := range lead {
		if k == len(lead)-1 && b.isHeading() {
			p.addHeading(b.title())
		} else {
			p.addParagraph(b.paragraph(), false)
		}
	}
}

func (p *parser) start(title string, captions []string) {
	p.cur = &Article{Title: title, Region: regionOf(title), Section: p.section, Captions: captions}
	p.heading, p.heads, p.tail = "", nil, nil
}

// maxHeads is the most subheading blocks in a row that make one heading;
// earlier ones in a longer run become paragraphs.
const maxHeads = 2

func (p *parser) addHeading(h string) {
	p.settle()
	if len(p.heads) == maxHeads {
		p.cur.Paragraphs = append(p.cur.Paragraphs, Paragraph{Heading: p.heading, Text: p.heads[0]})
		p.heads = p.heads[1:]
	}
	p.heads = append(p.heads, h)
}

// addParagraph adds a paragraph; one from the body that ends without final
// punctuation stays open for healing.
func (p *parser) addParagraph(text string, body bool) {
	p.settle()
	if p.heads != nil {
		p.heading, p.heads = strings.Join(p.heads, " "), nil
	}
	p.cur.Paragraphs = append(p.cur.Paragraphs, Paragraph{Heading: p.heading, Text: text})
	if body && !terminated(text) {
		p.tail = []string{text}
	}
}

// settle closes the open paragraph, joining the pieces healed into it.
func (p *parser) settle() {
	if len(p.tail) > 1 {
		p.cur.Paragraphs[len(p.cur.Paragraphs)-1].Text = joinText(p.tail)
	}
	p.tail = nil
}

// finish closes the open article. A subheading that no paragraph follows
// becomes a paragraph; an article without paragraphs gets its title as one.
func (p *parser) finish() {
	p.settle()
	a := p.cur
	if p.heads != nil {
		a.Paragraphs = append(a.Paragraphs, Paragraph{Heading: p.heading, Text: strings.Join(p.heads, " ")})
	}
	if len(a.Paragraphs) == 0 && a.Title != "" {
		a.Paragraphs = []Paragraph{{Text: a.Title}}
	}
	if len(a.Paragraphs) == 0 {
		a.Paragraphs = captionParagraphs(a.Captions)
		a.Captions = nil
	}
	p.arts = append(p.arts, *a)
	p.done += len(a.Paragraphs)
	p.cur = nil
}

// end finishes the text: pending blocks after the last article are its
// captions; a text made only of short blocks becomes one article.
func (p *parser) end() {
	if p.cur != nil {
		p.finish()
	}
	if len(p.pending) == 0 {
		return
	}
	if len(p.arts) > 0 {
		last := &p.arts[len(p.arts)-1]
		for _, b := range p.pending {
			last.Captions = append(last.Captions, b.paragraph())
		}
		p.pending = nil
		return
	}
	p.startPending()
	p.finish()
}

func captionParagraphs(captions []string) []Paragraph {
	var ps []Paragraph
	for _, c := range captions {
		ps = append(ps, Paragraph{Text: c})
	}
	return ps
}

// block is a run of non-blank lines, each trimmed.
type block struct {
	lines []string
	start int // byte offset of its first line's text in the text split
}

func (b block) last() string { return b.lines[len(b.lines)-1] }

// paragraph joins the lines of b as running text.
func (b block) paragraph() string { return joinText(b.lines) }

// title joins the lines of b as a headline or subheading.
func (b block) title() string { return joinTitle([]block{b}) }

// isShort reports whether b could be a headline, subheading, section header
// or caption: at most three short lines, no sentence inside, and no final
// punctuation at the end.
func (b block) isShort() bool {
	if len(b.lines) > 3 {
		return false
	}
	for _, l := range b.lines {
		if !fits(l, maxTitleLineRunes) || strings.ContainsAny(l, "。！？；") {
			return false
		}
	}
	return !terminated(b.last())
}

// isHeading reports whether b is a subheading inside an article.
func (b block) isHeading() bool {
	if !b.isShort() {
		return false
	}
	for _, l := range b.lines {
		if !fits(l, maxHeadingRunes) {
			return false
		}
	}
	first, _ := utf8.DecodeRuneInString(b.lines[0])
	last, _ := utf8.DecodeLastRuneInString(b.last())
	return !strings.ContainsRune("，、,。；）)”’》」』", first) &&
		!strings.ContainsRune("，、,—-（(“‘《「『", last)
}

// isHeadline reports whether b is a headline that opens an article even
// without a source line before it: two or three lines whose first ends in
// "：" or "——", or one line "<region>：<title>".
func (b block) isHeadline() bool {
	if !b.isShort() {
		return false
	}
	if len(b.lines) > 1 {
		return endsLikeLead(b.lines[0])
	}
	return regionColon(b.lines[0]) != ""
}

// isLeadLine reports whether b is the first line of a headline split by a
// blank line: one short line ending in "：".
func (b block) isLeadLine() bool {
	return len(b.lines) == 1 && fits(b.lines[0], maxTitleLineRunes) &&
		!strings.ContainsAny(b.lines[0], "。！？；") && endsLikeLead(b.lines[0])
}

func (b block) endsLikeLead() bool { return len(b.lines) == 1 && endsLikeLead(b.lines[0]) }

func endsLikeLead(s string) bool {
	return strings.HasSuffix(s, "：") || strings.HasSuffix(s, ":") || strings.HasSuffix(s, "——")
}

// isSource reports whether b is a source line such as "(转自乌达社会工作)".
func (b block) isSource() bool {
	if len(b.lines) != 1 {
		return false
	}
	s := b.lines[0]
	if !fits(s, 2*maxTitleLineRunes) {
		return false
	}
	inner, bracketed := unbracket(s)
	if !bracketed {
		return (strings.HasPrefix(s, "来源：") || strings.HasPrefix(s, "来源:") || strings.HasPrefix(s, "转自")) &&
			fits(s, maxTitleLineRunes) && !strings.ContainsAny(s, "。！？；")
	}
	for _, w := range sourceWords {
		if strings.HasPrefix(inner, w) {
			return true
		}
	}
	return false
}

var sourceWords = []string{"转自", "来源", "摘自", "选自", "原载", "稿源", "供稿", "作者"}

// unbracket strips one pair of round brackets around s.
func unbracket(s string) (string, bool) {
	for _, pair := range [][2]string{{"(", ")"}, {"（", "）"}, {"(", "）"}, {"（", ")"}} {
		if strings.HasPrefix(s, pair[0]) && strings.HasSuffix(s, pair[1]) && len(s) >= len(pair[0])+len(pair[1]) {
			return strings.TrimSpace(s[len(pair[0]) : len(s)-len(pair[1])]), true
		}
	}
	return s, false
}

func sourceText(s string) string {
	inner, _ := unbracket(s)
	return inner
}

// isCaption reports whether b is marked as a photo caption.
func (b block) isCaption() bool {
	if len(b.lines) > 2 {
		return false
	}
	for _, m := range []string{"图为", "图：", "图:", "▲", "△"} {
		if strings.HasPrefix(b.lines[0], m) {
			return fits(b.paragraph(), maxCaptionRunes)
		}
	}
	return false
}

// knownSections are section names of Party-building newsletters.
var knownSections = map[string]bool{
	"党建动态": true, "经验做法": true, "工作动态": true, "基层动态": true, "各地动态": true,
	"地方动态": true, "部门动态": true, "基层风采": true, "一线风采": true, "典型案例": true,
	"经验交流": true, "工作交流": true, "他山之石": true, "理论研究": true, "理论学习": true,
	"政策解读": true, "政策法规": true, "要闻": true, "要闻速递": true, "工作部署": true,
	"领导讲话": true, "调研报告": true, "图片新闻": true, "特别关注": true, "专题报道": true,
	"工作简讯": true, "简讯": true, "党建视点": true, "创新实践": true, "品牌展示": true,
	"案例选编": true, "基层探索": true, "基层实践": true, "实践探索": true,
}

// sectionSuffixes are endings of section names not in knownSections.
var sectionSuffixes = []string{
	"动态", "做法", "经验", "交流", "案例", "风采", "之石", "视点", "要闻", "关注",
	"研究", "解读", "速递", "快讯", "简讯", "纵横", "专题", "专栏", "论坛", "观察",
	"前沿", "访谈", "短波", "传真", "集锦", "撷英", "荟萃",
}

// sectionKind tells whether b looks like a section header: 2 for a known
// section name, 1 for a short all-Han line with a section-like ending,
// 0 otherwise.
func (b block) sectionKind() int {
	if len(b.lines) != 1 {
		return 0
	}
	s := b.lines[0]
	if !fits(s, maxSectionRunes) {
		return 0
	}
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return 0
		}
	}
	if knownSections[s] {
		return 2
	}
	for _, suf := range sectionSuffixes {
		if strings.HasSuffix(s, suf) && s != suf {
			return 1
		}
	}
	return 0
}

// startsSection reports whether b, inside an article, is a section header
// that closes it: a known section name followed by a short block, or a
// section-like line followed by a headline.
func (b block) startsSection(next *block) bool {
	if next == nil {
		return false
	}
	switch b.sectionKind() {
	case 2:
		return next.isShort()
	case 1:
		return next.isHeadline()
	}
	return false
}

// fits reports whether s has at most n runes, without counting far past n.
func fits(s string, n int) bool {
	if len(s) <= n {
		return true
	}
	if len(s) > n*utf8.UTFMax {
		return false
	}
	return utf8.RuneCountInString(s) <= n
}

// splitBlocks splits normalised text into blocks of trimmed lines.
func splitBlocks(text string) []block {
	var bs []block
	var cur []string
	start, off := 0, 0
	for line := range strings.SplitSeq(text, "\n") {
		at := off + len(line) - len(strings.TrimLeftFunc(line, unicode.IsSpace))
		off += len(line) + 1
		line = strings.TrimSpace(line)
		if line == "" {
			if len(cur) > 0 {
				bs = append(bs, block{lines: cur, start: start})
				cur = nil
			}
			continue
		}
		if cur == nil {
			start = at
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 {
		bs = append(bs, block{lines: cur, start: start})
	}
	return bs
}

// lineBreaks turns every kind of line or page break into "\n".
var lineBreaks = strings.NewReplacer(
	"\r\n", "\n", "\r", "\n", "\f", "\n", "\v", "\n",
	"\u0085", "\n", "\u2028", "\n", "\u2029", "\n", "\uFEFF", "",
)

// normalizeText makes text valid UTF-8 with "\n" line breaks and no BOM.
func normalizeText(text string) string {
	if isNormal(text) {
		return text
	}
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	if strings.ContainsAny(text, "\r\f\v") || strings.Contains(text, "\u0085") ||
		strings.Contains(text, "\u2028") || strings.Contains(text, "\u2029") || strings.Contains(text, "\uFEFF") {
		text = lineBreaks.Replace(text)
	}
	return text
}

// isNormal reports whether normalizeText would leave text as it is, in
// one pass: the loaders call normalizeText on the same text several times.
func isNormal(text string) bool {
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if c == '\r' || c == '\f' || c == '\v' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch r {
		case utf8.RuneError, '\u0085', '\u2028', '\u2029', '\uFEFF':
			if r != utf8.RuneError || size == 1 {
				return false
			}
		}
		i += size
	}
	return true
}

// closers are closing quotes and brackets that may follow final punctuation.
const closers = "”’」』）)》】〉\"'］]"

// terminated reports whether s ends a sentence: its last rune, before any
// closing quotes or brackets, is final punctuation. "变“动态盲区”为“清晰版图”"
// is not terminated; "…“红色动能”。" and "…幸福感。”" are.
func terminated(s string) bool {
	s = strings.TrimRight(strings.TrimRightFunc(s, unicode.IsSpace), closers)
	r, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune("。！？；：…!?;:.", r)
}

// joinText joins pieces of running text: directly, or with one space
// between two ASCII letters or digits ("AI" + "助理" → "AI助理",
// "wrap" + "here" → "wrap here").
func joinText(pieces []string) string {
	var sb strings.Builder
	for _, s := range pieces {
		if sb.Len() > 0 {
			ra, _ := utf8.DecodeLastRuneInString(sb.String())
			rb, _ := utf8.DecodeRuneInString(s)
			if isASCIIWord(ra) && isASCIIWord(rb) {
				sb.WriteByte(' ')
			}
		}
		sb.WriteString(s)
	}
	return sb.String()
}

func isASCIIWord(r rune) bool {
	return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// joinTitle joins the lines of headline blocks: directly after a line
// ending in punctuation, with one space otherwise.
func joinTitle(bs []block) string {
	var sb strings.Builder
	for _, b := range bs {
		for _, l := range b.lines {
			if sb.Len() > 0 {
				r, _ := utf8.DecodeLastRuneInString(sb.String())
				if !unicode.IsPunct(r) {
					sb.WriteByte(' ')
				}
			}
			sb.WriteString(l)
		}
	}
	return sb.String()
}
