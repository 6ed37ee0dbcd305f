package knowledge

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"partybot/corpus"
)

// ErrGlossary means a glossary file is malformed. [ParseGlossary] wraps it
// with a message in Chinese that names the lines to fix.
var ErrGlossary = errors.New("knowledge: invalid glossary")

// Glossary holds groups of equivalent expressions: a Party-affairs term as
// the documents write it and the words people use for it ("暖“新”驿站",
// "驿站", "歇脚点" …). It is safe for concurrent use.
type Glossary struct {
	groups [][]string // as written, term first
	norm   [][]string // normalised, without duplicates
}

// DefaultGlossary returns the glossary shipped in the corpus
// (corpus/glossary.yaml).
func DefaultGlossary() (*Glossary, error) {
	data, err := corpus.FS.ReadFile(corpus.GlossaryFile)
	if err != nil {
		return nil, fmt.Errorf("default glossary: %w", err)
	}
	g, err := ParseGlossary(data)
	if err != nil {
		return nil, fmt.Errorf("default glossary: %w", err)
	}
	return g, nil
}

// ParseGlossary parses a glossary in YAML: a list of groups, each a term
// and its variants.
//
//	# one group: the term as the documents write it, then other ways to say it
//	- term: 暖“新”驿站
//	  variants: [暖新驿站, 驿站, 歇脚点]
//
// Expressions that are the same after normalisation (see [Glossary.Matches])
// are kept once per group. Returns an error wrapping [ErrGlossary] that
// lists every problem found with its line (not YAML, not a list, a group
// without term, an unknown field, an empty expression, a term used by two
// groups).
func ParseGlossary(data []byte) (*Glossary, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("parse glossary: 词汇表不是有效的 YAML（%s）: %w", yamlProblem(err), ErrGlossary)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, fmt.Errorf("parse glossary: 词汇表是空的，至少需要一组“- term: 标准说法”: %w", ErrGlossary)
	}
	list := resolve(root.Content[0])
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("parse glossary: 第 %d 行：词汇表应当是一个列表，每组以“- term: 标准说法”开头: %w", list.Line, ErrGlossary)
	}
	if len(list.Content) == 0 {
		return nil, fmt.Errorf("parse glossary: 词汇表是空的，至少需要一组“- term: 标准说法”: %w", ErrGlossary)
	}
	g := &Glossary{}
	var problems []string
	bad := func(line int, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("第 %d 行：", line)+fmt.Sprintf(format, args...))
	}
	termLine := map[string]int{} // normalised term → line
	for k, item := range list.Content {
		item = resolve(item)
		n := k + 1
		if item.Kind != yaml.MappingNode {
			bad(item.Line, "第 %d 组应当写成“term: 标准说法”和“variants: [其他说法, …]”", n)
			continue
		}
		var exprs []string
		var lines []int
		hasTerm := false
		for i := 0; i+1 < len(item.Content); i += 2 {
			key, val := item.Content[i], resolve(item.Content[i+1])
			switch key.Value {
			case "term":
				if val.Kind != yaml.ScalarNode || val.Tag == "!!null" {
					bad(val.Line, "第 %d 组的 term 应当是一个词语", n)
					continue
				}
				hasTerm = true
				exprs = append([]string{val.Value}, exprs...)
				lines = append([]int{val.Line}, lines...)
			case "variants":
				if val.Tag == "!!null" {
					continue
				}
				if val.Kind != yaml.SequenceNode {
					bad(val.Line, "第 %d 组的 variants 应当是列表，例如 variants: [说法一, 说法二]", n)
					continue
				}
				for _, v := range val.Content {
					v = resolve(v)
					if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
						bad(v.Line, "第 %d 组的 variants 中每一项应当是一个词语", n)
						continue
					}
					exprs = append(exprs, v.Value)
					lines = append(lines, v.Line)
				}
			default:
				bad(key.Line, "第 %d 组有未知字段“%s”，只能写 term 和 variants", n, key.Value)
			}
		}
		if !hasTerm {
			bad(item.Line, "第 %d 组缺少 term（标准说法）", n)
			continue
		}
		var group, norm []string
		seen := map[string]bool{}
		for i, e := range exprs {
			e = strings.TrimSpace(e)
			ne := normalizeTerm(e)
			if ne == "" {
				bad(lines[i], "第 %d 组有空的说法", n)
				continue
			}
			if seen[ne] {
				continue
			}
			seen[ne] = true
			group = append(group, e)
			norm = append(norm, ne)
		}
		if len(group) == 0 {
			continue
		}
		if prev, ok := termLine[norm[0]]; ok {
			bad(lines[0], "term“%s”与第 %d 行的一组重复，请合并为一组", group[0], prev)
			continue
		}
		termLine[norm[0]] = lines[0]
		g.groups = append(g.groups, group)
		g.norm = append(g.norm, norm)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("parse glossary: 词汇表有 %d 处错误：%s: %w", len(problems), strings.Join(problems, "；"), ErrGlossary)
	}
	return g, nil
}

// resolve follows a YAML alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlProblem rewords a YAML syntax error for a deployer.
func yamlProblem(err error) string {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		return "第 " + m[1] + " 行附近：" + m[2] + "；请检查缩进、冒号和括号"
	}
	return strings.TrimPrefix(msg, "yaml: ")
}

// Groups returns a copy of the groups, each with its term first and then
// its variants, as written in the file.
func (g *Glossary) Groups() [][]string {
	out := make([][]string, len(g.groups))
	for i, grp := range g.groups {
		out[i] = append([]string(nil), grp...)
	}
	return out
}

// Matches returns the indexes into [Glossary.Groups], in increasing order,
// of the groups that have an expression occurring in text. Text and
// expressions are compared after normalisation: quotes and white space are
// dropped, full-width ASCII forms are folded to ASCII and letters to lower
// case, so "暖“新”驿站", "暖\"新\"驿站" and "暖新驿站" match each other.
func (g *Glossary) Matches(text string) []int {
	nt := normalizeTerm(text)
	var out []int
	for i, exprs := range g.norm {
		for _, e := range exprs {
			if strings.Contains(nt, e) {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// quoteRunes are dropped by normalizeTerm.
const quoteRunes = "“”‘’\"'「」『』〝〞＂＇`"

// normalizeTerm normalises s for glossary matching (see [Glossary.Matches]).
func normalizeTerm(s string) string {
	var sb strings.Builder
	sb.Grow(len(s))
	for _, r := range s {
		if unicode.IsSpace(r) || strings.ContainsRune(quoteRunes, r) {
			continue
		}
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		sb.WriteRune(unicode.ToLower(r))
	}
	return sb.String()
}
