package prompts

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// checklistFS holds the shipped checklist templates.
//
//go:embed checklists/*.yaml
var checklistFS embed.FS

// ErrChecklistTemplate means a checklist template file is malformed.
// [ParseChecklistTemplate] wraps it with a Chinese message that names the
// file and the lines to fix.
var ErrChecklistTemplate = errors.New("prompts: invalid checklist template")

// ChecklistTemplate is a checklist for one piece of work, as data: what a
// user may call it, and the 台账 items with the passages they rest on.
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
type ChecklistTemplate struct {
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
	Items []ChecklistItem
}

// ChecklistItem is one line of the 台账.
type ChecklistItem struct {
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

// ChecklistTemplates returns the shipped templates, sorted by ID.
func ChecklistTemplates() ([]ChecklistTemplate, error) {
	names, err := fs.Glob(checklistFS, "checklists/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("shipped checklist templates: %w", err)
	}
	var out []ChecklistTemplate
	for _, name := range names {
		data, err := checklistFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("shipped checklist templates: %w", err)
		}
		t, err := ParseChecklistTemplate(name, data)
		if err != nil {
			return nil, fmt.Errorf("shipped checklist templates: %w", err)
		}
		out = append(out, t)
	}
	return out, nil
}

// LoadChecklistTemplates returns the shipped templates together with the
// deployer's templates in dir (its *.yaml and *.yml files, not its
// subfolders), sorted by ID. A deployer's template replaces the shipped
// one of the same ID. dir may be "" or missing: then only the shipped
// templates are returned.
//
// A malformed file is left out and reported: the error, which then
// accompanies the templates that did load, wraps [ErrChecklistTemplate]
// with a Chinese message per bad file, naming it. An unreadable dir is an
// error, with the shipped templates still returned.
func LoadChecklistTemplates(dir string) ([]ChecklistTemplate, error) {
	shipped, err := ChecklistTemplates()
	if err != nil {
		return nil, err
	}
	byID := make(map[string]ChecklistTemplate, len(shipped))
	for _, t := range shipped {
		byID[t.ID] = t
	}
	var errs []error
	if dir != "" {
		entries, err := os.ReadDir(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			errs = append(errs, fmt.Errorf("无法读取清单模板目录 %s：%w", dir, err))
		}
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if e.IsDir() || (ext != ".yaml" && ext != ".yml") || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			t, err := readTemplateFile(filepath.Join(dir, e.Name()))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			byID[t.ID] = t
		}
	}
	out := make([]ChecklistTemplate, 0, len(byID))
	for _, t := range byID {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, errors.Join(errs...)
}

// readTemplateFile reads and parses one deployer template file.
func readTemplateFile(name string) (ChecklistTemplate, error) {
	f, err := os.Open(name)
	if err != nil {
		return ChecklistTemplate{}, fmt.Errorf("无法读取清单模板 %s：%w", name, err)
	}
	defer f.Close()
	// Read one byte past the limit, so that ParseChecklistTemplate sees an
	// oversized file as such without reading all of it.
	data, err := io.ReadAll(io.LimitReader(f, MaxTemplateBytes+1))
	if err != nil {
		return ChecklistTemplate{}, fmt.Errorf("无法读取清单模板 %s：%w", name, err)
	}
	return ParseChecklistTemplate(name, data)
}

// ParseChecklistTemplate parses one template file; name is the file's name
// or path and gives the ID (its base name without extension).
//
// Returns an error wrapping [ErrChecklistTemplate], with a Chinese message
// naming the file and listing the problems found with their lines: not
// YAML, not UTF-8, too large, a missing title or items, an item without
// task, requirement, basis title or quote, an unknown field, a field of the
// wrong kind, a text too long, too many items.
func ParseChecklistTemplate(name string, data []byte) (ChecklistTemplate, error) {
	fail := func(format string, args ...any) (ChecklistTemplate, error) {
		return ChecklistTemplate{}, fmt.Errorf("parse checklist template %s: 清单模板 %s %s: %w",
			name, name, fmt.Sprintf(format, args...), ErrChecklistTemplate)
	}
	if len(data) > MaxTemplateBytes {
		return fail("太大（超过 %d KB），请拆分", MaxTemplateBytes>>10)
	}
	if !utf8.Valid(data) {
		return fail("不是 UTF-8 编码的文本，请用 UTF-8 保存")
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return fail("不是有效的 YAML（%s）", yamlProblem(err))
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return fail("是空的，至少需要 title 和 items")
	}
	doc := resolve(root.Content[0])
	if doc.Kind != yaml.MappingNode {
		return fail("第 %d 行：模板应当由“title: 名称”“items: 清单事项”等字段组成", doc.Line)
	}
	p := &templateParser{}
	t := ChecklistTemplate{ID: templateID(name), File: name}
	has := map[string]bool{}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key, val := doc.Content[i], resolve(doc.Content[i+1])
		has[key.Value] = true
		switch key.Value {
		case "title":
			t.Title = p.text(val, "title（名称）", maxShortRunes)
		case "description":
			t.Description = p.text(val, "description（说明）", maxLongRunes)
		case "note":
			t.Note = p.text(val, "note（备注）", maxLongRunes)
		case "aliases":
			t.Aliases = p.aliases(val)
		case "items":
			t.Items = p.items(val)
		default:
			p.bad(key.Line, "未知字段“%s”，只能写 title、aliases、description、note、items", clip(key.Value, 20))
		}
	}
	if !has["title"] {
		p.bad(doc.Line, "缺少 title（名称）")
	}
	if !has["items"] {
		p.bad(doc.Line, "缺少 items（清单事项）")
	}
	if len(p.problems) > 0 {
		msg := p.problems
		if len(msg) > maxProblems {
			msg = append(msg[:maxProblems:maxProblems], "……")
		}
		return fail("有 %d 处错误：%s", len(p.problems), strings.Join(msg, "；"))
	}
	return t, nil
}

// templateID is a file's base name without extension.
func templateID(name string) string {
	base := path.Base(filepath.ToSlash(name))
	return strings.TrimSuffix(base, path.Ext(base))
}

// templateParser collects the problems of one template file.
type templateParser struct {
	problems []string
}

func (p *templateParser) bad(line int, format string, args ...any) {
	p.problems = append(p.problems, fmt.Sprintf("第 %d 行：", line)+fmt.Sprintf(format, args...))
}

// text reads a scalar field: trimmed, non-empty, at most limit runes.
func (p *templateParser) text(n *yaml.Node, field string, limit int) string {
	if n.Kind != yaml.ScalarNode {
		p.bad(n.Line, "%s 应当是一段文字", field)
		return ""
	}
	s := strings.TrimSpace(n.Value)
	if n.Tag == "!!null" || s == "" {
		p.bad(n.Line, "%s 是空的", field)
		return ""
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
		p.bad(n.Line, "%s 含有控制字符", field)
		return ""
	}
	if k := utf8.RuneCountInString(s); k > limit {
		p.bad(n.Line, "%s 太长（%d 字），最多 %d 字", field, k, limit)
		return ""
	}
	return s
}

// aliases reads the aliases list, dropping duplicates.
func (p *templateParser) aliases(n *yaml.Node) []string {
	if n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.bad(n.Line, "aliases 应当是列表，例如 aliases: [说法一, 说法二]")
		return nil
	}
	if len(n.Content) > maxAliases {
		p.bad(n.Line, "aliases 太多（%d 个），最多 %d 个", len(n.Content), maxAliases)
		return nil
	}
	var out []string
	for _, a := range n.Content {
		s := p.text(resolve(a), "aliases 中的说法", maxShortRunes)
		if s != "" && !containsString(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// items reads the items list.
func (p *templateParser) items(n *yaml.Node) []ChecklistItem {
	if n.Kind != yaml.SequenceNode {
		p.bad(n.Line, "items 应当是列表，每项以“- task: 工作事项”开头")
		return nil
	}
	if len(n.Content) == 0 {
		p.bad(n.Line, "items 是空的，至少需要一项")
		return nil
	}
	if len(n.Content) > MaxTemplateItems {
		p.bad(n.Line, "items 太多（%d 项），最多 %d 项", len(n.Content), MaxTemplateItems)
		return nil
	}
	var out []ChecklistItem
	for k, raw := range n.Content {
		if it, ok := p.item(k+1, resolve(raw)); ok {
			out = append(out, it)
		}
	}
	return out
}

// item reads the k-th item (1-based).
func (p *templateParser) item(k int, n *yaml.Node) (ChecklistItem, bool) {
	if n.Kind != yaml.MappingNode {
		p.bad(n.Line, "第 %d 项应当写成 task、requirement、basis 等字段", k)
		return ChecklistItem{}, false
	}
	before := len(p.problems)
	var it ChecklistItem
	has := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], resolve(n.Content[i+1])
		has[key.Value] = true
		switch key.Value {
		case "task":
			it.Task = p.text(val, fmt.Sprintf("第 %d 项的 task（工作事项）", k), maxShortRunes)
		case "requirement":
			it.Requirement = p.text(val, fmt.Sprintf("第 %d 项的 requirement（具体要求）", k), maxLongRunes)
		case "unit":
			if val.Tag != "!!null" {
				it.Unit = p.text(val, fmt.Sprintf("第 %d 项的 unit（责任单位）", k), maxShortRunes)
			}
		case "basis":
			it.Basis = p.basis(k, val)
		default:
			p.bad(key.Line, "第 %d 项有未知字段“%s”，只能写 task、requirement、unit、basis", k, clip(key.Value, 20))
		}
	}
	for _, f := range []struct{ key, label string }{
		{"task", "task（工作事项）"}, {"requirement", "requirement（具体要求）"}, {"basis", "basis（依据：title 和 quote）"},
	} {
		if !has[f.key] {
			p.bad(n.Line, "第 %d 项缺少 %s", k, f.label)
		}
	}
	return it, len(p.problems) == before
}

// basis reads an item's basis: a document title and an exact quote.
func (p *templateParser) basis(k int, n *yaml.Node) Basis {
	if n.Kind != yaml.MappingNode {
		p.bad(n.Line, "第 %d 项的 basis 应当写成“title: 文章标题”和“quote: 原文”", k)
		return Basis{}
	}
	var b Basis
	has := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], resolve(n.Content[i+1])
		has[key.Value] = true
		switch key.Value {
		case "title":
			b.Title = p.text(val, fmt.Sprintf("第 %d 项依据的 title（文章标题）", k), maxShortRunes)
		case "quote":
			b.Quote = p.text(val, fmt.Sprintf("第 %d 项依据的 quote（原文）", k), maxLongRunes)
		default:
			p.bad(key.Line, "第 %d 项的 basis 有未知字段“%s”，只能写 title 和 quote", k, clip(key.Value, 20))
		}
	}
	if !has["title"] {
		p.bad(n.Line, "第 %d 项的 basis 缺少 title（文章标题）", k)
	}
	if !has["quote"] {
		p.bad(n.Line, "第 %d 项的 basis 缺少 quote（原文）", k)
	}
	return b
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
		return "第 " + m[1] + " 行附近：" + m[2] + "；请检查缩进、冒号和引号"
	}
	return strings.TrimPrefix(msg, "yaml: ")
}

// clip shortens s to at most n runes, marking the cut with "……".
func clip(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "……"
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
