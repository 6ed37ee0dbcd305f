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
	"slices"
	"strings"
	"unicode"

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
	How        Type = "how"        // 怎么, 如何, 流程
)

// Specific reports whether an answer of type t is a detail a passage either
// states or does not (a date, an amount, a name …): a passage on the topic
// without it does not answer.
func (t Type) Specific() bool {
	switch t {
	case Contact, Place, Money, Time, Number, Who, Name:
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
}

// Cues are the cue words of the answer types and the measure words.
type Cues struct {
	types    []typeCues
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
	c := &Cues{}
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
		slices.SortStableFunc(tc.cues, func(a, b []rune) int { return len(b) - len(a) })
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

var allTypes = []Type{Contact, Place, Money, Time, Number, Who, Name, Why, Definition, List, How}

func typeNames() string {
	names := make([]string, len(allTypes))
	for i, t := range allTypes {
		names[i] = string(t)
	}
	return strings.Join(names, "、")
}

// Analyze works out what q asks: the type of its longest cue (the most
// particular: "多少钱" over "多少", "哪几个部门" over "几个"; between cues
// of one length, the type listed first), the measure word a count asks
// for, and the focus.
func (c *Cues) Analyze(q string) Analysis {
	a := Analysis{Question: q}
	norm := []rune(glossary.Normalize(q))
	cut := make([]bool, len(norm))
	best, bestAt := -1, 0
	for _, tc := range c.types {
		for _, cue := range tc.cues {
			for i := index(norm, cue, 0); i >= 0; i = index(norm, cue, i+1) {
				for j := range cue {
					cut[i+j] = true
				}
				if len(cue) > best {
					best, bestAt = len(cue), i
					a.Type, a.Cue, a.Label = tc.typ, string(cue), tc.label
				}
			}
		}
	}
	if a.Type == Number {
		a.Units = c.unitsAfter(norm, bestAt+len([]rune(a.Cue)))
	}
	a.Focus = focusOf(norm, cut)
	for _, g := range c.needs {
		if slices.ContainsFunc(g, func(n string) bool { return strings.Contains(string(norm), n) }) {
			a.Needs = append(a.Needs, g...)
		}
	}
	return a
}

// unitsAfter returns the measure-word group of the word at rs[i:] ("家…"
// after "多少"), or that of the cue's own last character ("几家").
func (c *Cues) unitsAfter(rs []rune, i int) []string {
	for _, start := range []int{i, i - 1} {
		if start < 0 || start >= len(rs) {
			continue
		}
		for _, g := range c.measures {
			for _, m := range g {
				if strings.HasPrefix(string(rs[start:]), m) {
					return g
				}
			}
		}
	}
	return nil
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
