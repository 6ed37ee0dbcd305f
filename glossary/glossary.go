// Package glossary is partybot's one glossary of Party-affairs terms: groups
// of equivalent expressions (a term as the documents write it and the words
// people use for it: "暖“新”驿站", "驿站", "歇脚点" …), their parser, the
// text normaliser they are compared under ([Normalize]) and the matcher
// that finds them ([Glossary.Find], [Matcher]). Retrieval expands queries
// with it and measures concept coverage, routing counts a term's variants
// for the departments of the term; both compare text under the one
// [Normalize], so they agree on whether a term occurs.
//
// The package is a leaf: it reads only what it is given. The shipped
// glossary is corpus/glossary.yaml, loaded with
// glossary.Load(corpus.FS, corpus.GlossaryFile).
package glossary

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"unicode"

	"partybot/strictyaml"
)

// ErrInvalid means a glossary is malformed. The errors of [Parse], [Load]
// and [New] wrap it.
var ErrInvalid = errors.New("glossary: invalid glossary")

// Group is a group of equivalent expressions: the term the documents use
// and other ways to say it. In YAML:
//
//	# the term as the documents write it, then other ways to say it
//	- term: 暖“新”驿站
//	  variants: [暖新驿站, 驿站, 歇脚点]
type Group struct {
	Term     string   `yaml:"term"`
	Variants []string `yaml:"variants"`
}

// Glossary is a validated list of groups, ready for matching. It is safe
// for concurrent use.
type Glossary struct {
	groups []Group     // as written, trimmed, without normalised duplicates
	norm   [][]string  // per group: its normalised expressions, term first
	words  *Matcher    // every distinct normalised expression
	refs   [][]exprRef // per word of words: where it is an expression
}

// exprRef is an expression of a group: indexes into Glossary.norm.
type exprRef struct{ group, expr int }

// Found is a group a text names, and the forms it names it by.
type Found struct {
	Group int      // index into [Glossary.Groups]
	Exprs []string // the group's normalised expressions in the text, in the group's order
}

// Load reads and parses the glossary file name in fsys (for the shipped
// one: corpus.FS, corpus.GlossaryFile). Returns the errors of [Parse], or
// one wrapping [ErrInvalid] when the file cannot be read.
func Load(fsys fs.FS, name string) (*Glossary, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("load glossary %s: 无法读取词汇表 %s: %w: %w", name, name, err, ErrInvalid)
	}
	return Parse(name, data)
}

// Parse parses a glossary in YAML, a list of groups (see [Group]); name is
// the file's name for the error messages. Expressions that are the same
// after [Normalize] are kept once per group; an expression written with
// punctuation inside is also found without it (see
// [Glossary.Expressions]).
//
// Returns an error wrapping [ErrInvalid], with a Chinese message naming the
// file and the line. A syntax error, an unknown key or a value of the wrong
// type also wraps the [*strictyaml.Error] with the line and key; so do the
// problems of [New] (an empty glossary, a group without term, an empty
// expression, a term used by two groups), every one of them listed.
func Parse(name string, data []byte) (*Glossary, error) {
	fail := func(err error) (*Glossary, error) {
		return nil, fmt.Errorf("parse glossary %s: 词汇表 %s %w: %w", name, name, err, ErrInvalid)
	}
	doc, err := strictyaml.Parse(data)
	if err != nil {
		return fail(err)
	}
	var groups []Group
	if err := doc.Decode(&groups); err != nil {
		return fail(err)
	}
	g, probs := build(groups)
	if len(probs) > 0 {
		for i, p := range probs {
			probs[i] = doc.Locate(p, "")
		}
		return fail(probs)
	}
	return g, nil
}

// New returns the glossary of groups, checked as [Parse] checks a file.
// Returns an error wrapping [ErrInvalid] and a [*strictyaml.Error] for
// each problem, whose Key is the group's path ("[2].variants[0]").
func New(groups []Group) (*Glossary, error) {
	g, probs := build(groups)
	if len(probs) > 0 {
		return nil, fmt.Errorf("new glossary: 词汇表%w: %w", probs, ErrInvalid)
	}
	return g, nil
}

// build checks groups and indexes their normalised expressions.
func build(groups []Group) (*Glossary, problems) {
	var probs problems
	if len(groups) == 0 {
		probs = append(probs, strictyaml.Errorf("", "是空的，至少需要一组“- term: 标准说法”"))
		return nil, probs
	}
	g := &Glossary{}
	termOf := map[string]int{} // normalised term → its group's number
	for i, grp := range groups {
		n := i + 1
		path := fmt.Sprintf("[%d]", i)
		if strings.TrimSpace(grp.Term) == "" {
			probs = append(probs, strictyaml.Errorf(path+".term", "第 %d 组缺少 term（标准说法）", n))
			continue
		}
		var kept Group
		var norm []string
		for j, e := range append([]string{grp.Term}, grp.Variants...) {
			e = strings.TrimSpace(e)
			ne := Normalize(e)
			switch {
			case ne == "" && j == 0:
				probs = append(probs, strictyaml.Errorf(path+".term", "第 %d 组的 term 是空的说法", n))
			case ne == "":
				probs = append(probs, strictyaml.Errorf(fmt.Sprintf("%s.variants[%d]", path, j-1), "第 %d 组有空的说法", n))
			case slices.Contains(norm, ne):
			case j == 0:
				kept.Term = e
				norm = append(norm, ne)
			default:
				kept.Variants = append(kept.Variants, e)
				norm = append(norm, ne)
			}
			// People type 双向进入、交叉任职 as 双向进入交叉任职 too.
			if jn := joined(ne); jn != ne && jn != "" && len(norm) > 0 && !slices.Contains(norm, jn) {
				norm = append(norm, jn)
			}
		}
		if kept.Term == "" {
			continue
		}
		if prev, ok := termOf[norm[0]]; ok {
			probs = append(probs, strictyaml.Errorf(path+".term", "第 %d 组的 term“%s”与第 %d 组的相同，请合并为一组", n, kept.Term, prev))
			continue
		}
		termOf[norm[0]] = n
		g.groups = append(g.groups, kept)
		g.norm = append(g.norm, norm)
	}
	if len(probs) > 0 {
		return nil, probs
	}
	g.index()
	return g, nil
}

// joined returns s without its punctuation and symbols: the form of an
// expression written with punctuation inside ("双向进入、交叉任职") that
// people also type ("双向进入交叉任职").
func joined(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return -1
		}
		return r
	}, s)
}

// index builds the matcher of every distinct expression.
func (g *Glossary) index() {
	ids := map[string]int{}
	var words []string
	for gi, exprs := range g.norm {
		for ei, e := range exprs {
			id, ok := ids[e]
			if !ok {
				id = len(words)
				ids[e] = id
				words = append(words, e)
				g.refs = append(g.refs, nil)
			}
			g.refs[id] = append(g.refs[id], exprRef{gi, ei})
		}
	}
	g.words = NewMatcher(words)
}

// Len returns the number of groups; 0 for a nil Glossary.
func (g *Glossary) Len() int {
	if g == nil {
		return 0
	}
	return len(g.groups)
}

// Groups returns a copy of the groups as written, without the expressions
// that repeat another of their group after [Normalize].
func (g *Glossary) Groups() []Group {
	if g == nil {
		return nil
	}
	out := make([]Group, len(g.groups))
	for i, grp := range g.groups {
		out[i] = Group{Term: grp.Term, Variants: slices.Clone(grp.Variants)}
	}
	return out
}

// Expressions returns the normalised expressions of group i, 0 ≤ i <
// [Glossary.Len]: its term first, and after an expression written with
// punctuation inside ("双向进入、交叉任职") the same without it
// ("双向进入交叉任职"), which people type too. The caller must not modify
// them.
func (g *Glossary) Expressions(i int) []string { return g.norm[i] }

// Find returns the groups that have an expression occurring in text, in
// increasing order, each with the expressions found. Text and expressions
// are compared after [Normalize], so "暖“新”驿站", "暖\"新\"驿站" and "暖 新
// 驿站" all name 暖“新”驿站. A nil Glossary finds nothing.
func (g *Glossary) Find(text string) []Found {
	if g == nil {
		return nil
	}
	var hits []exprRef
	for m := range g.words.All(normalizeRunes(text)) {
		hits = append(hits, g.refs[m.Word]...)
	}
	if len(hits) == 0 {
		return nil
	}
	slices.SortFunc(hits, func(a, b exprRef) int {
		return cmp.Or(cmp.Compare(a.group, b.group), cmp.Compare(a.expr, b.expr))
	})
	hits = slices.Compact(hits)
	var out []Found
	for _, h := range hits {
		if len(out) == 0 || out[len(out)-1].Group != h.group {
			out = append(out, Found{Group: h.group})
		}
		f := &out[len(out)-1]
		f.Exprs = append(f.Exprs, g.norm[h.group][h.expr])
	}
	return out
}

// maxProblems is how many problems an error lists.
const maxProblems = 10

// problems are the problems [build] found, each a [*strictyaml.Error].
type problems []error

// Error lists the problems, the count first when there are several.
func (p problems) Error() string {
	if len(p) == 1 {
		return p[0].Error()
	}
	msgs := make([]string, 0, min(len(p), maxProblems+1))
	for i, e := range p {
		if i == maxProblems {
			msgs = append(msgs, "……")
			break
		}
		msgs = append(msgs, e.Error())
	}
	return fmt.Sprintf("有 %d 处错误：%s", len(p), strings.Join(msgs, "；"))
}

// Unwrap returns the problems, for errors.As.
func (p problems) Unwrap() []error { return p }
