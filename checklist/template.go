package checklist

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"partybot/strictyaml"
)

// ErrTemplate means a checklist template file is malformed.
// [ParseTemplate] wraps it with a Chinese message that names the file and
// the lines to fix.
var ErrTemplate = errors.New("checklist: invalid template")

// Template is a checklist for one piece of work, as data: what a user may
// call it, and the 台账 items with the passages they rest on.
//
// In YAML (one template per file; the file name without extension is the ID):
//
//	title: 社会组织换届事前审核
//	aliases: [社会组织换届, 换届前置审核]
//	description: 对社会组织换届、负责人更替等关键环节落实事前审核……
//	note: 可选的说明，随清单一并显示
//	items:
//	  - task: 换届提醒
//	    requirement: 及时提醒社会组织按期换届
//	    unit: 区民政局            # optional default 责任单位
//	    basis:
//	      title: 文章标题
//	      quote: 文章中的原话，一字不差
type Template struct {
	// ID is the file name without extension; a deployer's file with the
	// ID of a shipped template replaces it.
	ID string
	// File is where the template was read from.
	File string
	// Title names the work, e.g. "社会组织专项整顿闭环管理".
	Title string
	// Aliases are the ways users ask for it: "专项整顿台账", "八个一包联".
	Aliases []string
	// Description says in a sentence or two what the work is.
	Description string
	// Note, when set, is shown with every checklist drafted from the
	// template, e.g. what the knowledge base does not cover.
	Note  string
	Items []TemplateItem
}

// TemplateItem is one line of a template's 台账.
type TemplateItem struct {
	// Task is the 工作事项, Requirement the 具体要求.
	Task        string
	Requirement string
	// Unit is the default 责任单位, or "".
	Unit string
	// Basis is the passage the item rests on.
	Basis Basis
}

// Basis is where an item comes from: a document's title and an exact quote
// of its text.
type Basis struct {
	Title string
	Quote string
}

// Limits of a template file.
const (
	MaxTemplateBytes = 256 << 10
	MaxTemplateItems = 100
	maxAliases       = 50
	maxShortRunes    = 100 // title, task, alias, unit, basis title
	maxLongRunes     = 500 // description, note, requirement, quote
	maxProblems      = 20
)

// templateFile is a template file as written; strictyaml decodes it, so
// an unknown key or a value of the wrong kind fails with its line.
type templateFile struct {
	Title       scalar     `yaml:"title"`
	Aliases     []scalar   `yaml:"aliases"`
	Description scalar     `yaml:"description"`
	Note        scalar     `yaml:"note"`
	Items       []itemFile `yaml:"items"`
}

type itemFile struct {
	Task        scalar     `yaml:"task"`
	Requirement scalar     `yaml:"requirement"`
	Unit        scalar     `yaml:"unit"`
	Basis       *basisFile `yaml:"basis"`
}

type basisFile struct {
	Title scalar `yaml:"title"`
	Quote scalar `yaml:"quote"`
}

// scalar is a text value of a template file and its line; line is 0 when
// the key is missing or its value null.
type scalar struct {
	text string
	line int
}

// UnmarshalYAML decodes a text value, keeping its line. A list or mapping
// is a type error at that line.
func (s *scalar) UnmarshalYAML(n *yaml.Node) error {
	if err := n.Decode(&s.text); err != nil {
		return err
	}
	s.line = n.Line
	return nil
}

// ParseTemplate parses one template file; name is the file's name or path
// and gives the ID (its base name without extension).
//
// Returns an error wrapping [ErrTemplate], with a Chinese message naming
// the file: too large, not UTF-8, not YAML, an unknown key or a value of
// the wrong kind (then it also wraps the [*strictyaml.Error] naming its
// line and key), or the problems found, with their lines where known: a
// missing title or items, an item without task, requirement, basis title
// or quote, a text empty or too long, too many items or aliases.
func ParseTemplate(name string, data []byte) (Template, error) {
	fail := func(format string, args ...any) (Template, error) {
		return Template{}, fmt.Errorf("parse checklist template %s: 清单模板 %s %s: %w",
			name, name, fmt.Sprintf(format, args...), ErrTemplate)
	}
	if len(data) > MaxTemplateBytes {
		return fail("太大（超过 %d KB），请拆分", MaxTemplateBytes>>10)
	}
	if !utf8.Valid(data) {
		return fail("不是 UTF-8 编码的文本，请用 UTF-8 保存")
	}
	var f templateFile
	if err := strictyaml.Decode(data, &f); err != nil {
		return Template{}, fmt.Errorf("parse checklist template %s: 清单模板 %s %w: %w", name, name, err, ErrTemplate)
	}
	if f.Title.line == 0 && f.Items == nil && f.Aliases == nil && f.Description.line == 0 && f.Note.line == 0 {
		return fail("是空的，至少需要 title 和 items")
	}
	var c templateChecker
	t := c.template(f)
	t.ID, t.File = templateID(name), name
	if n := len(c.problems); n > 0 {
		msg := c.problems
		if n > maxProblems {
			msg = append(msg[:maxProblems:maxProblems], "……")
		}
		return fail("有 %d 处错误：%s", n, strings.Join(msg, "；"))
	}
	return t, nil
}

// templateID is a file's base name without extension.
func templateID(name string) string {
	base := path.Base(filepath.ToSlash(name))
	return strings.TrimSuffix(base, path.Ext(base))
}

// templateChecker checks the values of a decoded template file and
// collects its problems.
type templateChecker struct {
	problems []string
}

// bad records a problem at a line (0: unknown).
func (c *templateChecker) bad(line int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if line > 0 {
		msg = fmt.Sprintf("第 %d 行：", line) + msg
	}
	c.problems = append(c.problems, msg)
}

// template checks the whole file.
func (c *templateChecker) template(f templateFile) Template {
	t := Template{
		Title:       c.required(f.Title, 0, "", "title（名称）", maxShortRunes),
		Description: c.optional(f.Description, "", "description（说明）", maxLongRunes),
		Note:        c.optional(f.Note, "", "note（备注）", maxLongRunes),
	}
	if len(f.Aliases) > maxAliases {
		c.bad(f.Aliases[0].line, "aliases 太多（%d 个），最多 %d 个", len(f.Aliases), maxAliases)
	} else {
		for _, a := range f.Aliases {
			if s := c.text(a, "aliases 中的说法", maxShortRunes); s != "" && !slices.Contains(t.Aliases, s) {
				t.Aliases = append(t.Aliases, s)
			}
		}
	}
	switch {
	case f.Items == nil:
		c.bad(0, "缺少 items（清单事项）")
	case len(f.Items) == 0:
		c.bad(0, "items 是空的，至少需要一项")
	case len(f.Items) > MaxTemplateItems:
		c.bad(0, "items 太多（%d 项），最多 %d 项", len(f.Items), MaxTemplateItems)
	default:
		for k, it := range f.Items {
			if item, ok := c.item(k+1, it); ok {
				t.Items = append(t.Items, item)
			}
		}
	}
	return t
}

// item checks the k-th item (1-based).
func (c *templateChecker) item(k int, f itemFile) (TemplateItem, bool) {
	before := len(c.problems)
	given := []scalar{f.Task, f.Requirement, f.Unit}
	if f.Basis != nil {
		given = append(given, f.Basis.Title, f.Basis.Quote)
	}
	line := firstLine(given...) // where the item is, for what it lacks
	who := fmt.Sprintf("第 %d 项", k)
	it := TemplateItem{
		Task:        c.required(f.Task, line, who, "task（工作事项）", maxShortRunes),
		Requirement: c.required(f.Requirement, line, who, "requirement（具体要求）", maxLongRunes),
		Unit:        c.optional(f.Unit, who, "unit（责任单位）", maxShortRunes),
	}
	if f.Basis == nil {
		c.bad(line, "%s缺少 basis（依据：title 和 quote）", who)
	} else {
		it.Basis = Basis{
			Title: c.required(f.Basis.Title, line, who+"依据", "title（文章标题）", maxShortRunes),
			Quote: c.required(f.Basis.Quote, line, who+"依据", "quote（原文）", maxLongRunes),
		}
	}
	return it, len(c.problems) == before
}

// firstLine is the first line of the values given, or 0.
func firstLine(values ...scalar) int {
	line := 0
	for _, v := range values {
		if v.line > 0 && (line == 0 || v.line < line) {
			line = v.line
		}
	}
	return line
}

// required checks a value that must be given: the field called name of
// who ("第 1 项", or "" for the template); near is the line to report when
// it is missing.
func (c *templateChecker) required(s scalar, near int, who, name string, limit int) string {
	if s.line == 0 {
		c.bad(near, "%s缺少 %s", who, name)
		return ""
	}
	return c.text(s, label(who, name), limit)
}

// optional checks a value that may be left out.
func (c *templateChecker) optional(s scalar, who, name string, limit int) string {
	if s.line == 0 {
		return ""
	}
	return c.text(s, label(who, name), limit)
}

// label names the field called name of who.
func label(who, name string) string {
	if who == "" {
		return name
	}
	return who + "的 " + name
}

// text checks a given value: trimmed, non-empty, no control characters,
// at most limit runes. A null value (line 0) is empty.
func (c *templateChecker) text(s scalar, field string, limit int) string {
	v := strings.TrimSpace(s.text)
	if v == "" {
		c.bad(s.line, "%s 是空的", field)
		return ""
	}
	if strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
		c.bad(s.line, "%s 含有控制字符", field)
		return ""
	}
	if k := utf8.RuneCountInString(v); k > limit {
		c.bad(s.line, "%s 太长（%d 字），最多 %d 字", field, k, limit)
		return ""
	}
	return v
}
