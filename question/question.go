// Package question works out what a question asks for — its focus (the
// thing asked about) and its expected answer type (a date, a place, a
// number, who is responsible, how it is done …) — and whether a passage's
// sentences hold an answer of that type, so that the assistant answers,
// answers in part ("the knowledge base speaks of X but not of its date") or
// refuses by what was asked, not by shared characters alone.
//
// The cue words are data (corpus/cues.yaml), decoded strictly; deployers
// extend them. The package does not log.
package question

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"partybot/corpus"
	"partybot/glossary"
	"partybot/strictyaml"
)

// Type is what a question asks for.
type Type string

// The answer types. General is a question no cue classifies.
const (
	General    Type = ""
	Contact    Type = "contact"    // 电话, 联系方式
	Place      Type = "place"      // 在哪, 地址
	Money      Type = "money"      // 多少钱, 补贴
	Time       Type = "time"       // 哪天, 什么时候, 多久一次
	Number     Type = "number"     // 多少个, 几场, 比例
	Who        Type = "who"        // 谁, 哪个部门, 牵头
	Why        Type = "why"        // 为什么, 目的
	Definition Type = "definition" // 是什么, 什么意思
	List       Type = "list"       // 哪些, 包括什么
	Name       Type = "name"       // 叫什么, 名字
	Rank       Type = "rank"       // 哪个更好, 排第几
	How        Type = "how"        // 怎么, 如何, 流程
)

// Specific reports whether an answer of type t is a detail a passage either
// states or does not (a date, an amount, a name …): a passage on the topic
// without it does not answer.
func (t Type) Specific() bool {
	switch t {
	case Contact, Place, Money, Time, Number, Who, Name, Rank:
		return true
	}
	return false
}

// Analysis is what a question asks.
type Analysis struct {
	Question string
	Type     Type
	// Cue is the words that set the type ("哪天"), "" for General.
	Cue string
	// Label names what is asked, for a message ("具体时间").
	Label string
	// Units are the measure words a Number question counts in ("家" of
	// "多少家"), with the words that count the same things; nil when any
	// count will do.
	Units []string
	// Focus is the question without its cue and frame words: what it is
	// about ("四季暖新友好泉港行动启动").
	Focus string
	// Needs are the particular things the question wants ("报名", "条件"),
	// with the words that stand for them: a passage that speaks of none
	// does not answer.
	Needs []string
	// Core is the question without the clauses that tell of the asker
	// ("我在德江跑外卖三年了，…"): the clauses that ask, or the whole
	// question when every clause asks or none does.
	Core string
	// CoreFocus is the focus of Core.
	CoreFocus string
	// AskFocus is the focus of the clauses that ask ("思想教育咋搞" of
	// "党员跑来跑去、学习零零碎碎，思想教育咋搞？"), the whole focus when
	// every clause asks or none does.
	AskFocus string
	// Years are the years the question names ("2027年"): a passage that
	// names none of them does not speak of it.
	Years []string
}

// Cues are the cue words of the answer types and the measure words.
type Cues struct {
	types    []typeCues
	list     int // index of the List type in types, -1 if none
	measures [][]string
	needs    [][]string // groups of words that stand for each other
}

type typeCues struct {
	typ   Type
	label string
	cues  [][]rune // normalised, longest first
}

// file is the layout of cues.yaml.
type file struct {
	Types []struct {
		Type  string   `yaml:"type"`
		Label string   `yaml:"label"`
		Cues  []string `yaml:"cues"`
	} `yaml:"types"`
	Neutral  []string   `yaml:"neutral"`
	Measures [][]string `yaml:"measures"`
	Needs    [][]string `yaml:"needs"`
}

// ErrInvalid is wrapped by the errors of [Parse] and [Load].
var ErrInvalid = errors.New("question: invalid cues")

// Load reads the cue file name of fsys.
func Load(fsys fs.FS, name string) (*Cues, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("问句线索 %s 无法读取：%w", name, err)
	}
	return Parse(name, data)
}

// Parse decodes a cue file: unknown keys, wrong types, unknown answer
// types and empty lists are errors naming the line.
func Parse(name string, data []byte) (*Cues, error) {
	var f file
	if err := strictyaml.Decode(data, &f); err != nil {
		return nil, fmt.Errorf("问句线索 %s %w: %w", name, err, ErrInvalid)
	}
	c := &Cues{list: -1}
	seen := map[Type]bool{}
	for i, t := range f.Types {
		typ := Type(t.Type)
		if !slices.Contains(allTypes, typ) || typ == General {
			return nil, fmt.Errorf("问句线索 %s：第 %d 个类型 %q 不是已知的类型（%s）: %w", name, i+1, t.Type, typeNames(), ErrInvalid)
		}
		if seen[typ] || len(t.Cues) == 0 || strings.TrimSpace(t.Label) == "" {
			return nil, fmt.Errorf("问句线索 %s：类型 %s 重复，或缺少 cues、label: %w", name, t.Type, ErrInvalid)
		}
		seen[typ] = true
		tc := typeCues{typ: typ, label: t.Label}
		for _, w := range t.Cues {
			if n := glossary.Normalize(w); n != "" {
				tc.cues = append(tc.cues, []rune(n))
			}
		}
		sortLongestFirst(tc.cues)
		if typ == List {
			c.list = len(c.types)
		}
		c.types = append(c.types, tc)
	}
	if len(f.Neutral) > 0 {
		// Phrases that hold a cue but ask for nothing particular ("难在哪"
		// holds "在哪"): a General cue that outranks the one inside it.
		tc := typeCues{typ: General}
		for _, w := range f.Neutral {
			if n := glossary.Normalize(w); n != "" {
				tc.cues = append(tc.cues, []rune(n))
			}
		}
		sortLongestFirst(tc.cues)
		c.types = append(c.types, tc)
	}
	for _, g := range f.Needs {
		var group []string
		for _, n := range g {
			if n = glossary.Normalize(n); n != "" {
				group = append(group, n)
			}
		}
		if len(group) == 0 {
			return nil, fmt.Errorf("问句线索 %s：needs 中有空的一组: %w", name, ErrInvalid)
		}
		c.needs = append(c.needs, group)
	}
	for _, g := range f.Measures {
		if len(g) == 0 {
			return nil, fmt.Errorf("问句线索 %s：measures 中有空的一组: %w", name, ErrInvalid)
		}
		c.measures = append(c.measures, g)
	}
	return c, nil
}

// sortLongestFirst orders cues longest first, so the longest cue at a
// position claims it.
func sortLongestFirst(cues [][]rune) {
	slices.SortStableFunc(cues, func(a, b []rune) int { return len(b) - len(a) })
}

var allTypes = []Type{Contact, Place, Money, Time, Number, Who, Name, Rank, Why, Definition, List, How}

func typeNames() string {
	names := make([]string, len(allTypes))
	for i, t := range allTypes {
		names[i] = string(t)
	}
	return strings.Join(names, "、")
}

// Analyze works out what q asks: its type, the measure word a count asks
// for, the focus and the needs. The type is that of the question's most
// particular cue (see [Cues.pick]).
func (c *Cues) Analyze(q string) Analysis {
	a := Analysis{Question: q}
	norm, quoted := normalizeQuoted(q)
	found, cut := c.cues(norm, quoted)
	if best, ok := c.pick(found); ok {
		tc := c.types[best.typ]
		a.Type, a.Cue, a.Label = tc.typ, string(best.cue), tc.label
		if a.Type == Number {
			a.Units = c.unitsAfter(norm, best.at+len(best.cue))
			if a.Units == nil && asksRatio(string(norm)) {
				a.Units = c.measureGroup("%")
			}
		}
	}
	a.Focus = focusOf(norm, cut)
	a.Core = coreOf(q, c)
	a.CoreFocus = a.Focus
	if a.Core != q {
		a.CoreFocus = c.focus(a.Core)
	}
	a.AskFocus = a.Focus
	if ask := askOf(q, c); ask != q {
		a.AskFocus = c.focus(ask)
	}
	a.Needs = c.needsOf(norm, a.Cue)
	a.Years = yearRE.FindAllString(string(norm), -1)
	return a
}

// needsOf returns the needs q names outside the cue that set its type:
// "流程" of "流程是怎么走" asks for a procedure, which the type says, not
// for a text that names a 流程.
func (c *Cues) needsOf(q []rune, cue string) []string {
	rest := string(q)
	if cue != "" {
		rest = strings.Replace(rest, cue, "|", 1)
	}
	var needs []string
	for _, g := range c.needs {
		if slices.ContainsFunc(g, func(n string) bool { return strings.Contains(rest, n) }) {
			needs = append(needs, g...)
		}
	}
	return needs
}

// normalizeQuoted is glossary.Normalize(q) as runes, and which of them
// stood inside quotation marks.
func normalizeQuoted(q string) (norm []rune, quoted []bool) {
	in := false
	for _, r := range q {
		switch r {
		case '“', '「', '『':
			in = true
		case '”', '」', '』':
			in = false
		case '"':
			in = !in
		}
		for _, n := range glossary.Normalize(string(r)) {
			norm = append(norm, n)
			quoted = append(quoted, in)
		}
	}
	return norm, quoted
}

// approximate reports whether the cue at rs[i:] is part of a rough number
// ("十几个人", "几十家"), which tells and does not ask.
func approximate(rs []rune, i int, cue []rune) bool {
	if len(cue) == 0 || cue[0] != '几' {
		return false
	}
	if i > 0 && (rs[i-1] == '那' || rs[i-1] == '这') {
		return true // "那几场研讨" points back to a count; it asks none
	}
	tens := func(r rune) bool { return strings.ContainsRune("十百千万", r) }
	return (i > 0 && tens(rs[i-1])) || (len(cue) > 1 && tens(cue[1])) || (i+1 < len(rs) && tens(rs[i+1]))
}

// whichOfRE asks which items of a counted list: "哪十五件", "哪三个".
var whichOfRE = regexp.MustCompile(`哪[一二两三四五六七八九十百0-9]+(?:个|项|件|条|类|种|家|方面|点|大)`)

// cueAt is a cue found in a question: its type (index into Cues.types) and
// where it starts.
type cueAt struct {
	typ int
	cue []rune
	at  int
}

// overlaps reports whether x and y share a position.
func (x cueAt) overlaps(y cueAt) bool {
	return x.at < y.at+len(y.cue) && y.at < x.at+len(x.cue)
}

// pick chooses the cue that sets a question's type: a cue asking for a
// detail (a date, an amount, a count …), the longest of them ("多少钱" over
// "多少"; between cues of one length, the type listed first), when it
// follows the general cues ("…分别是几月几号" asks for dates, not a list) —
// unless a general cue at least as long overlaps it ("哪几个方面" holds
// "几个", "难在哪儿" holds "在哪儿") or comes after it ("补贴有哪些" asks
// for a list). Otherwise the longest general cue.
func (c *Cues) pick(found []cueAt) (cueAt, bool) {
	var best cueAt
	ok := false
	for _, specific := range []bool{true, false} {
		for _, f := range found {
			if c.types[f.typ].typ.Specific() == specific && (!ok || len(f.cue) > len(best.cue)) {
				best, ok = f, true
			}
		}
		if ok {
			break
		}
	}
	if !ok || !c.types[best.typ].typ.Specific() {
		return best, ok
	}
	for _, f := range found {
		if c.types[f.typ].typ == Rank {
			// A comparison outranks the other details: "哪个地方……做得更
			// 好" asks which is better, not where.
			best = f
			break
		}
	}
	for _, f := range found {
		if !c.types[f.typ].typ.Specific() && len(f.cue) >= len(best.cue) && (f.overlaps(best) || f.at > best.at) {
			return f, true
		}
	}
	return best, true
}

// asksRatio reports whether a question asks for a rate or a share
// ("办结率是多少", "占比多少").
func asksRatio(q string) bool {
	for _, w := range []string{"率", "比例", "占比", "比重", "百分之", "百分比"} {
		if strings.Contains(q, w) {
			return true
		}
	}
	return false
}

// measureGroup returns the group of measure words holding m, nil if none.
func (c *Cues) measureGroup(m string) []string {
	for _, g := range c.measures {
		if slices.Contains(g, m) {
			return g
		}
	}
	return nil
}

// personNounRE is a noun naming people ("党建指导员", "快递小哥") at the
// start of the text.
var personNounRE = regexp.MustCompile(`^\p{Han}{0,6}?(?:员|人|者|手|哥|师|党员|书记|干部|骨干)`)

// unitsAfter returns the measure-word group of the word at rs[i:] ("家…"
// after "多少"), or that of the cue's own last character ("几家"); "个"
// before a noun naming people counts people too.
func (c *Cues) unitsAfter(rs []rune, i int) []string {
	starts := []int{i, i - 1}
	if i > 0 && rs[i-1] != '个' && c.measureGroup(string(rs[i-1])) != nil {
		// The cue ends in its own measure word ("几类"): what follows is
		// the thing counted ("几类场景"), whatever its first character. Only
		// the bare classifier "个" yields to the word after it ("几个人").
		starts = []int{i - 1}
	}
	for _, start := range starts {
		if start < 0 || start >= len(rs) {
			continue
		}
		for _, g := range c.measures {
			for _, m := range g {
				if !strings.HasPrefix(string(rs[start:]), m) {
					continue
				}
				if m == "个" && personNounRE.MatchString(string(rs[start+1:])) {
					// The bare classifier also counts people: one asks
					// "多少个指导员" of what the text counts in 名.
					return slices.Concat(g, c.measureGroup("名"))
				}
				return g
			}
		}
	}
	return nil
}

// cues finds the cues of normalised question norm (quoted marks which of
// its runes stood inside quotation marks) and which runes they cover.
func (c *Cues) cues(norm []rune, quoted []bool) (found []cueAt, cut []bool) {
	cut = make([]bool, len(norm))
	for ti, tc := range c.types {
		for _, cue := range tc.cues {
			for i := index(norm, cue, 0); i >= 0; i = index(norm, cue, i+1) {
				if slices.Contains(quoted[i:i+len(cue)], true) || approximate(norm, i, cue) {
					continue // a name ("打一通问询电话") or a rough number ("十几个人") asks nothing
				}
				for j := range cue {
					cut[i+j] = true
				}
				found = append(found, cueAt{typ: ti, cue: cue, at: i})
			}
		}
	}
	for _, m := range whichOfRE.FindAllStringIndex(string(norm), -1) {
		// "哪十五件" asks for the items of a counted list, whatever the
		// number and the measure word.
		at := utf8.RuneCountInString(string(norm)[:m[0]])
		cue := []rune(string(norm)[m[0]:m[1]])
		if c.list >= 0 && !slices.Contains(quoted[at:at+len(cue)], true) {
			found = append(found, cueAt{typ: c.list, cue: cue, at: at})
			for j := range cue {
				cut[at+j] = true
			}
		}
	}
	return found, cut
}

// focus is [Analysis.Focus] of q, for the parts of a question.
func (c *Cues) focus(q string) string {
	norm, quoted := normalizeQuoted(q)
	_, cut := c.cues(norm, quoted)
	return focusOf(norm, cut)
}

// focusOf is the question's runes not cut as cue words, without frame
// words and grammar, runs joined by spaces.
func focusOf(rs []rune, cut []bool) string {
	var b strings.Builder
	for i, r := range rs {
		keep := !cut[i] && (unicode.Is(unicode.Han, r) || unicode.IsLetter(r) || unicode.IsDigit(r))
		switch {
		case keep:
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), " "):
			b.WriteByte(' ')
		}
	}
	return strings.TrimSpace(b.String())
}

// index is the position of sub in rs at or after from, -1 if none.
func index(rs, sub []rune, from int) int {
	for i := from; len(sub) > 0 && i+len(sub) <= len(rs); i++ {
		if rs[i] == sub[0] && slices.Equal(rs[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// Shipped returns the cue words shipped in the corpus (cues.yaml).
func Shipped() (*Cues, error) { return Load(corpus.FS, corpus.CuesFile) }

// clauseRE ends a clause of a question.
var clauseRE = regexp.MustCompile(`[，,。；;！!？?\s]+`)

// firstPerson open a clause that tells of the asker ("我在乌达跑外卖的").
var firstPerson = []string{"我们", "咱们", "我", "咱", "本人"}

// coreOf returns q without the clauses that tell of the asker: those that
// open with "我", "我们" … and ask nothing. q itself when none does, or
// nothing else would be left.
func coreOf(q string, c *Cues) string {
	var kept []string
	dropped := false
	for _, cl := range clauses(q) {
		t := strings.TrimSpace(cl)
		if slices.ContainsFunc(firstPerson, func(p string) bool { return strings.HasPrefix(t, p) }) && !c.asks(t) {
			dropped = true
			continue
		}
		kept = append(kept, cl)
	}
	if !dropped || len(kept) == 0 {
		return q
	}
	return strings.Join(kept, "")
}

// askOf returns the clauses of q that ask, q itself when every clause asks
// or none does.
func askOf(q string, c *Cues) string {
	var kept []string
	for _, cl := range clauses(q) {
		if strings.TrimSpace(cl) != "" && c.asks(cl) {
			kept = append(kept, cl)
		}
	}
	if len(kept) == 0 {
		return q
	}
	return strings.Join(kept, "")
}

// clauses returns the clauses of q, each with the marks that end it:
// joined, they are q.
func clauses(q string) []string {
	var out []string
	start := 0
	for _, m := range append(clauseRE.FindAllStringIndex(q, -1), []int{len(q), len(q)}) {
		if cl := q[start:m[1]]; cl != "" {
			out = append(out, cl)
		}
		start = m[1]
	}
	return out
}

// asks reports whether a clause asks: it holds a cue word, or ends as a
// question does.
func (c *Cues) asks(clause string) bool {
	t := strings.TrimRight(clause, "，,。；;！! \t\n")
	if strings.HasSuffix(t, "？") || strings.HasSuffix(t, "?") || strings.HasSuffix(t, "吗") || strings.HasSuffix(t, "呢") {
		return true
	}
	n := []rune(glossary.Normalize(t))
	for _, tc := range c.types {
		for _, cue := range tc.cues {
			for i := index(n, cue, 0); i >= 0; i = index(n, cue, i+1) {
				if !approximate(n, i, cue) {
					return true
				}
			}
		}
	}
	return whichOfRE.MatchString(string(n))
}
