package knowledge

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"partybot/corpus"
	"partybot/strictyaml"
)

// ErrErratum means an erratum cannot be used: the errata file is
// malformed, or an erratum's anchor no longer matches its document
// exactly once. Loading the document fails rather than leaving the
// error in it; the message names the errata file, the entry, its line
// and its reason.
var ErrErratum = errors.New("knowledge: erratum does not apply")

// Erratum actions.
const (
	// ActionSplit ends an article at the seam between Before and After
	// and opens a new one there, titled Title, whose source is Source.
	ActionSplit = "split"
	// ActionCut keeps the text before and after the seam apart (a
	// paragraph break that is never healed), marked with EndMark and
	// StartMark.
	ActionCut = "cut"
	// ActionReplace replaces Text with With.
	ActionReplace = "replace"
)

var actions = []string{ActionSplit, ActionCut, ActionReplace}

// Erratum is one correction of a document, as written in an errata file
// (corpus/errata.yaml for the shipped corpus), a YAML list of entries:
//
//	# doc: the document, by its file name in the docs folder
//	# action: split, cut or replace; reason: why, in Chinese (always)
//	# split, cut: before and after are the text just before and after the
//	#   seam; end_mark is added at the end of the part before it,
//	#   start_mark at the start of the part after it
//	# split: title and source of the article that starts at the seam
//	- doc: 000_cd24362e620a5886.txt
//	  action: split
//	  before: 择优遴选业之峰装饰、同明眼科医院、宛城区
//	  after: 入社会组织管理全过程
//	  end_mark: （原文此处缺页）
//	  start_mark: （前文缺页）
//	  title: 浙江绍兴：市民政局会议部署局管社会组织党建工作（原文标题缺失）
//	  source: 转自绍兴市民政局官网
//	  reason: 原刊在“……宛城区”之后缺页……
//	# replace: text is replaced with with ("" deletes it)
//	- doc: 000_cd24362e620a5886.txt
//	  action: replace
//	  text: 始终把把新兴领域党建
//	  with: 始终把新兴领域党建
//	  reason: 原文“把”字重复
//
// Anchors (Before followed by After, or Text) are matched ignoring white
// space, so that a page break's blank line, a line break or an indent
// between or inside them does not matter, and each must occur exactly
// once in the document: an erratum that matches nowhere, or in several
// places, is an error, never skipped.
type Erratum struct {
	Doc       string  `yaml:"doc"`
	Action    string  `yaml:"action"`
	Before    string  `yaml:"before"`
	After     string  `yaml:"after"`
	EndMark   string  `yaml:"end_mark"`
	StartMark string  `yaml:"start_mark"`
	Title     string  `yaml:"title"`
	Source    string  `yaml:"source"`
	Text      string  `yaml:"text"`
	With      *string `yaml:"with"`
	Reason    string  `yaml:"reason"`
}

// Errata are the corrections an errata file makes to the documents of
// one folder.
type Errata struct {
	file    string // the errata file's name, for messages
	dir     string // the folder the entries' documents are in
	entries []Erratum
	lines   []int // the line of each entry in the file
}

// LoadErrata reads the errata file name in fsys, whose entries correct
// documents in the folder dir of fsys, and checks it as [ParseErrata]
// does; it also checks that every document it names is in dir. The
// loaders apply the errata of the shipped corpus (corpus/errata.yaml) to
// the documents named as [LoadFS] names those of corpus.FS
// ("docs/000_cd24362e620a5886.txt"). Returns an error wrapping
// [ErrErratum].
func LoadErrata(fsys fs.FS, name, dir string) (*Errata, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("load errata %s: 无法读取勘误文件 %s（%v）: %w", name, name, err, ErrErratum)
	}
	e, err := ParseErrata(name, dir, data)
	if err != nil {
		return nil, err
	}
	var probs problems
	for i, en := range e.entries {
		if _, err := fs.Stat(fsys, path.Join(dir, en.Doc)); err != nil {
			probs = append(probs, &strictyaml.Error{Line: e.lines[i], Key: fmt.Sprintf("[%d].doc", i),
				Msg: fmt.Sprintf("第 %d 条勘误所指的文档 %s 不在 %s 中", i+1, en.Doc, dir)})
		}
	}
	if len(probs) > 0 {
		return nil, fmt.Errorf("load errata %s: 勘误文件 %s %w: %w", name, name, probs, ErrErratum)
	}
	return e, nil
}

// ParseErrata parses an errata file: a YAML list of [Erratum], whose
// documents are in the folder dir; name is the file's name for messages.
// A key that is not a field of Erratum, a value of the wrong type, an
// unknown action, a missing field the action needs or a field it does not
// take is an error naming its line, wrapping [ErrErratum] and a
// [*strictyaml.Error].
func ParseErrata(name, dir string, data []byte) (*Errata, error) {
	fail := func(err error) (*Errata, error) {
		return nil, fmt.Errorf("parse errata %s: 勘误文件 %s %w: %w", name, name, err, ErrErratum)
	}
	doc, err := strictyaml.Parse(data)
	if err != nil {
		return fail(err)
	}
	var entries []Erratum
	if err := doc.Decode(&entries); err != nil {
		return fail(err)
	}
	e := &Errata{file: path.Base(name), dir: dir, entries: entries}
	var probs problems
	for i, en := range entries {
		e.lines = append(e.lines, doc.Line(fmt.Sprintf("[%d]", i)))
		for _, p := range en.check(i) {
			probs = append(probs, doc.Locate(p, ""))
		}
	}
	if len(probs) > 0 {
		return fail(probs)
	}
	return e, nil
}

// check returns the problems of the i-th entry.
func (en Erratum) check(i int) []error {
	at := fmt.Sprintf("[%d]", i)
	n := i + 1
	var probs []error
	missing := func(key, what string) {
		probs = append(probs, strictyaml.Errorf(at+"."+key, "第 %d 条勘误缺少 %s（%s）", n, key, what))
	}
	if strings.TrimSpace(en.Doc) == "" || strings.ContainsAny(en.Doc, `/\`) {
		probs = append(probs, strictyaml.Errorf(at+".doc", "第 %d 条勘误的 doc 应为文档的文件名（不含文件夹）", n))
	}
	if strings.TrimSpace(en.Reason) == "" {
		missing("reason", "勘误的原因")
	}
	set := map[string]bool{
		"before": en.Before != "", "after": en.After != "", "end_mark": en.EndMark != "",
		"start_mark": en.StartMark != "", "title": en.Title != "", "source": en.Source != "",
		"text": en.Text != "", "with": en.With != nil,
	}
	var need, allowed []string
	switch en.Action {
	case ActionSplit:
		need, allowed = []string{"before", "after", "title"}, []string{"end_mark", "start_mark", "source"}
	case ActionCut:
		need, allowed = []string{"before", "after"}, []string{"end_mark", "start_mark"}
	case ActionReplace:
		need = []string{"text", "with"}
	case "":
		missing("action", strings.Join(actions, "、")+" 之一")
		return probs
	default:
		msg := fmt.Sprintf("第 %d 条勘误的 action “%s”无效，可用 %s", n, en.Action, strings.Join(actions, "、"))
		if near := strictyaml.Nearest(en.Action, actions); near != "" {
			msg += fmt.Sprintf("，是否想写 %s？", near)
		}
		return append(probs, strictyaml.Errorf(at+".action", "%s", msg))
	}
	whats := map[string]string{"before": "断处之前的原文", "after": "断处之后的原文", "title": "拆出的文章的标题",
		"text": "要替换的原文", "with": "替换成的文字"}
	for _, k := range need {
		if !set[k] || (k != "with" && strings.TrimSpace(fieldOf(en, k)) == "") {
			missing(k, whats[k])
		}
	}
	for _, k := range []string{"before", "after", "end_mark", "start_mark", "title", "source", "text", "with"} {
		if set[k] && !slices.Contains(need, k) && !slices.Contains(allowed, k) {
			probs = append(probs, strictyaml.Errorf(at+"."+k, "第 %d 条勘误是 %s，不能设 %s", n, en.Action, k))
		}
	}
	for _, k := range []string{"end_mark", "start_mark", "title", "source"} {
		if strings.ContainsAny(fieldOf(en, k), "\r\n") {
			probs = append(probs, strictyaml.Errorf(at+"."+k, "第 %d 条勘误的 %s 应为一行文字", n, k))
		}
	}
	return probs
}

// fieldOf returns the text field of en under its YAML key.
func fieldOf(en Erratum, key string) string {
	switch key {
	case "before":
		return en.Before
	case "after":
		return en.After
	case "end_mark":
		return en.EndMark
	case "start_mark":
		return en.StartMark
	case "title":
		return en.Title
	case "source":
		return en.Source
	case "text":
		return en.Text
	}
	return ""
}

// problems are several errors, listed in one message.
type problems []error

// Error lists the problems, the count first when there are several.
func (p problems) Error() string {
	if len(p) == 1 {
		return p[0].Error()
	}
	msgs := make([]string, len(p))
	for i, e := range p {
		msgs[i] = e.Error()
	}
	return fmt.Sprintf("有 %d 处错误：%s", len(p), strings.Join(msgs, "；"))
}

// Unwrap returns the problems, for errors.As.
func (p problems) Unwrap() []error { return p }

// shippedErrata returns the errata of the shipped corpus.
var shippedErrata = sync.OnceValues(func() (*Errata, error) {
	return LoadErrata(corpus.FS, corpus.ErrataFile, corpus.DocsDir)
})

// errataFor returns the errata that apply to the document named name:
// those of the shipped corpus when name is a shipped document's path
// (corpus.DocsDir/FILE), none otherwise.
func errataFor(name string) (*Errata, error) {
	if !strings.HasPrefix(name, corpus.DocsDir+"/") {
		return nil, nil
	}
	return shippedErrata()
}

// fix is what an erratum does at the start of a block of the corrected
// text: end the open paragraph there (cut), or the article (split).
type fix struct {
	split         bool
	title, source string
	entry         int // the erratum's index, for messages
}

// apply applies the errata of the document named name (of kind "txt" or
// "md") to its normalised text: it returns the corrected text and, by
// byte offset in it, the fixes that start a block there. Replacements are
// made first, in the order written; cuts and splits are then placed in
// the replaced text. Returns an error wrapping [ErrErratum] naming the
// erratum when its anchor does not occur exactly once, when two errata
// fall on one seam, or when a cut or split is asked of a Markdown text.
func (e *Errata) apply(name, kind, text string) (string, map[int]fix, error) {
	if e == nil {
		return text, nil, nil
	}
	var mine []int
	for i, en := range e.entries {
		if path.Join(e.dir, en.Doc) == name {
			mine = append(mine, i)
		}
	}
	if len(mine) == 0 {
		return text, nil, nil
	}
	for _, i := range mine {
		en := e.entries[i]
		if en.Action != ActionReplace {
			continue
		}
		spans := looseFind(text, en.Text)
		if len(spans) != 1 {
			return "", nil, e.notFound(i, name, len(spans), "“"+brief(en.Text)+"”")
		}
		text = text[:spans[0][0]] + *en.With + text[spans[0][1]:]
	}
	type place struct{ end, start, entry int } // the text before ends at end, the rest starts at start
	var places []place
	for _, i := range mine {
		en := e.entries[i]
		if en.Action == ActionReplace {
			continue
		}
		if kind == "md" {
			return "", nil, e.failf(i, name, "拆分和断页标记只适用于纯文本（.txt）文档")
		}
		b := compactSpace(en.Before)
		spans := looseFind(text, en.Before+en.After)
		if len(spans) != 1 {
			return "", nil, e.notFound(i, name, len(spans), "“"+briefEnd(en.Before)+"”紧接“"+brief(en.After)+"”")
		}
		end, start := looseSeam(text, spans[0][0], len(b))
		for _, pl := range places {
			if pl.end == end {
				return "", nil, e.failf(i, name, "与第 %d 条勘误落在同一处，请合并为一条", pl.entry+1)
			}
		}
		places = append(places, place{end, start, i})
	}
	slices.SortFunc(places, func(a, b place) int { return a.end - b.end })
	var sb strings.Builder
	fixes := map[int]fix{}
	prev := 0
	for _, pl := range places {
		en := e.entries[pl.entry]
		sb.WriteString(text[prev:pl.end])
		sb.WriteString(strings.TrimSpace(en.EndMark))
		sb.WriteString("\n\n")
		fixes[sb.Len()] = fix{split: en.Action == ActionSplit, title: strings.TrimSpace(en.Title),
			source: strings.TrimSpace(en.Source), entry: pl.entry}
		sb.WriteString(strings.TrimSpace(en.StartMark))
		prev = pl.start
	}
	sb.WriteString(text[prev:])
	return sb.String(), fixes, nil
}

// shiftFixes returns the fixes of a text whose first n bytes are dropped,
// or the error of the first fix among them.
func (e *Errata) shiftFixes(name string, fixes map[int]fix, n int) (map[int]fix, error) {
	if len(fixes) == 0 || n == 0 {
		return fixes, nil
	}
	out := make(map[int]fix, len(fixes))
	for off, f := range fixes {
		if off < n {
			return nil, e.failf(f.entry, name, "断处在公文的版头（发文机关、文号）中，那里不是正文")
		}
		out[off-n] = f
	}
	return out, nil
}

// checkFixes checks that every fix of the text was made, and that each
// article a split opened closes with the source the erratum gives (when
// it closes with a source line at all; otherwise it takes that source).
func (e *Errata) checkFixes(name string, fixes map[int]fix, b bulletin) error {
	for _, f := range fixes {
		k, ok := b.fixed[f.entry]
		switch {
		case !ok || k >= len(b.arts):
			return e.failf(f.entry, name, "断处之后没有正文")
		case f.split && f.source != "" && b.arts[k].Source != f.source:
			return e.failf(f.entry, name, "拆出的文章以来源行“%s”结尾，与勘误所写的来源“%s”不同", b.arts[k].Source, f.source)
		}
	}
	return nil
}

// notFound is the error of erratum i whose anchor occurs n times in the
// document named name instead of once.
func (e *Errata) notFound(i int, name string, n int, anchor string) error {
	if n == 0 {
		return e.failf(i, name, "文档中找不到%s", anchor)
	}
	return e.failf(i, name, "%s在文档中出现了 %d 次，请把前后文写长一些，使它只出现一次", anchor, n)
}

// failf is the error of erratum i on the document named name.
func (e *Errata) failf(i int, name, format string, args ...any) error {
	en := e.entries[i]
	return fmt.Errorf("勘误文件 %s 第 %d 条勘误（第 %d 行，%s）不能用于 %s：%s。这条勘误的原因是“%s”。文档可能已经改动，请核对原文后修改或删除这条勘误: %w",
		e.file, i+1, e.lines[i], en.Action, name, fmt.Sprintf(format, args...), strings.TrimSpace(en.Reason), ErrErratum)
}

// brief returns the first runes of s for a message, and briefEnd the last.
func brief(s string) string {
	s = compactSpace(s)
	if utf8.RuneCountInString(s) <= 16 {
		return s
	}
	return string([]rune(s)[:16]) + "…"
}

func briefEnd(s string) string {
	s = compactSpace(s)
	rs := []rune(s)
	if len(rs) <= 16 {
		return s
	}
	return "…" + string(rs[len(rs)-16:])
}

// compactSpace returns s without white space.
func compactSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// looseFind returns the byte spans of text where pattern occurs, white
// space in either ignored: each span runs from the first to the last
// rune of the match in text. A pattern of only white space matches
// nowhere.
func looseFind(text, pattern string) [][2]int {
	p := compactSpace(pattern)
	if p == "" {
		return nil
	}
	c := compactSpace(text)
	var spans [][2]int
	for from := 0; ; {
		i := strings.Index(c[from:], p)
		if i < 0 {
			return spans
		}
		i += from
		start, _ := textOffset(text, i)
		_, end := textOffset(text, i+len(p)-1)
		spans = append(spans, [2]int{start, end})
		_, size := utf8.DecodeRuneInString(c[i:])
		from = i + size
	}
}

// looseSeam returns, for a loose match starting at byte start of text
// whose first n compact bytes are the text before the seam, where that
// text ends and where the rest starts (the white space between them
// dropped).
func looseSeam(text string, start, n int) (end, next int) {
	c := compactOffset(text, start)
	_, end = textOffset(text, c+n-1)
	next, _ = textOffset(text, c+n)
	return end, next
}

// textOffset returns the span in text of the rune that holds byte c of
// text without its white space.
func textOffset(text string, c int) (start, end int) {
	n := 0
	for i, r := range text {
		if unicode.IsSpace(r) {
			continue
		}
		size := utf8.RuneLen(r)
		if size < 0 {
			size = 1
		}
		if c < n+size {
			return i, i + size
		}
		n += size
	}
	return len(text), len(text)
}

// compactOffset returns the byte offset in text without white space of
// byte i of text.
func compactOffset(text string, i int) int {
	return len(compactSpace(text[:i]))
}
