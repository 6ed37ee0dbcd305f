// Package strictyaml decodes the YAML files partybot reads (its config,
// departments, glossary, checklist templates) strictly: a key the Go type
// does not declare, a value of the wrong type or a syntax error is an
// [*Error] naming the line and the key, in Simplified Chinese, with the
// nearest known key for a misspelt one ("第 1 行：未知的设置 acess，是否想写
// access？"). An ignored "acess:" would be an open bot.
//
// gopkg.in/yaml.v3 does the decoding; its KnownFields(true) refuses unknown
// keys too, but names the Go type instead of the key a deployer wrote and
// offers no suggestion, so the document's nodes are checked against the
// type first, here.
//
// Values are checked after decoding, by code that sees only the decoded
// values: it returns an [Errorf] error naming the setting's path, and the
// caller that parsed the [Document] places it on its line with
// [Document.Locate].
package strictyaml

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is a problem at a line of a YAML document.
type Error struct {
	Line int    // 1-based; 0 when unknown
	Key  string // the setting's dotted path, e.g. "telegram.workers"; "" when none
	Msg  string // what is wrong, in Chinese
}

// Error returns "第 N 行：" and the message.
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("第 %d 行：%s", e.Line, e.Msg)
	}
	return e.Msg
}

// Decode decodes the first YAML document of data into v, a non-nil
// pointer. Every mapping key must be a field of v's type (by its yaml
// tag; fields tagged "-" do not count), every value must fit its field.
// An empty document leaves v as it is. Returns an [*Error].
func Decode(data []byte, v any) error {
	if rv := reflect.ValueOf(v); rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New("strictyaml: Decode needs a non-nil pointer")
	}
	d, err := Parse(data)
	if err != nil {
		return err
	}
	return d.Decode(v)
}

// decode checks doc against v's type and decodes it into v.
func decode(doc *yaml.Node, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New("strictyaml: Decode needs a non-nil pointer")
	}
	if len(doc.Content) == 0 {
		return nil
	}
	c := &checker{keys: map[int]string{}}
	if err := c.check(doc, rv.Type().Elem(), ""); err != nil {
		return err
	}
	if err := doc.Decode(v); err != nil {
		return c.typeError(err)
	}
	return nil
}

// checker walks a document against a Go type.
type checker struct {
	keys  map[int]string // line → the key of the value on it, for type errors
	depth int
}

// maxDepth bounds the nesting checked (and YAML aliases followed).
const maxDepth = 100

var unmarshaler = reflect.TypeFor[yaml.Unmarshaler]()

func (c *checker) check(n *yaml.Node, t reflect.Type, path string) error {
	if c.depth++; c.depth > maxDepth {
		return &Error{Line: n.Line, Msg: "嵌套太深（或别名循环引用）"}
	}
	defer func() { c.depth-- }()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshaler) || t.Implements(unmarshaler) {
		return nil // the type checks itself
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, d := range n.Content {
			if err := c.check(d, t, path); err != nil {
				return err
			}
		}
	case yaml.AliasNode:
		return c.check(n.Alias, t, path)
	case yaml.MappingNode:
		return c.mapping(n, t, path)
	case yaml.SequenceNode:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for _, e := range n.Content {
				if err := c.check(e, t.Elem(), path); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// mapping checks the keys of a mapping against a struct's fields, or the
// values of a map.
func (c *checker) mapping(n *yaml.Node, t reflect.Type, path string) error {
	var fields map[string]reflect.Type
	switch t.Kind() {
	case reflect.Struct:
		fields = yamlFields(t)
	case reflect.Map:
	default:
		return nil // a type error, reported by the decoder
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := path + k.Value
		c.keys[v.Line] = key
		if k.Value == "<<" && k.Tag == "!!merge" {
			if err := c.check(v, t, path); err != nil {
				return err
			}
			continue
		}
		ft := t
		if fields != nil {
			var ok bool
			if ft, ok = fields[k.Value]; !ok {
				return unknownKey(k, key, fields)
			}
		} else {
			ft = t.Elem()
		}
		if err := c.check(v, ft, key+"."); err != nil {
			return err
		}
	}
	return nil
}

// unknownKey is the error of a key no field declares.
func unknownKey(k *yaml.Node, key string, fields map[string]reflect.Type) *Error {
	known := make([]string, 0, len(fields))
	for name := range fields {
		known = append(known, name)
	}
	slices.Sort(known)
	msg := fmt.Sprintf("未知的设置 %s", key)
	if near := Nearest(k.Value, known); near != "" {
		msg += fmt.Sprintf("，是否想写 %s？", near)
	} else {
		msg += fmt.Sprintf("（这里可用的设置：%s）", strings.Join(known, "、"))
	}
	return &Error{Line: k.Line, Key: key, Msg: msg}
}

// yamlFields maps the yaml keys of struct t's fields to their types,
// inline fields included.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if slices.Contains(strings.Split(opts, ","), "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range yamlFields(ft) {
					out[k] = v
				}
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name) // yaml.v3's default
		}
		out[name] = f.Type
	}
	return out
}

// Nearest returns the known key closest to key by edit distance, when it
// is close enough to be a slip (at most a third of its letters, or 2),
// or "": the suggestion of "是否想写 …？". Validators use it for values
// that name something, such as a department key.
func Nearest(key string, known []string) string {
	best, bestD := "", max(2, len([]rune(key))/3)+1
	for _, k := range known {
		if d := distance(strings.ToLower(key), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance of a and b, in runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

var (
	lineRE      = regexp.MustCompile(`line (\d+): (.*)`)
	unmarshalRE = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")
)

// syntaxError rewords a parse error of yaml.v3.
func syntaxError(err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{Msg: "YAML 格式错误（" + msg + "），请检查缩进、冒号和引号"}
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Msg = "YAML 格式错误（" + m[2] + "），请检查缩进、冒号和引号"
	}
	return e
}

// typeError rewords the first problem of a decoding error of yaml.v3.
func (c *checker) typeError(err error) *Error {
	var te *yaml.TypeError
	if !errors.As(err, &te) || len(te.Errors) == 0 {
		return &Error{Msg: "无法读取：" + err.Error()}
	}
	m := lineRE.FindStringSubmatch(te.Errors[0])
	if m == nil {
		return &Error{Msg: "无法读取：" + te.Errors[0]}
	}
	line, _ := strconv.Atoi(m[1])
	e := &Error{Line: line, Key: c.keys[line], Msg: m[2]}
	if u := unmarshalRE.FindStringSubmatch(m[2]); u != nil {
		what := cmp.Or(e.Key, "这一项")
		given := "“" + u[2] + "”"
		switch {
		case u[1] == "seq":
			given = "列表"
		case u[1] == "map":
			given = "一组设置"
		}
		e.Msg = fmt.Sprintf("%s 应为%s，而不是%s", what, kindName(u[3]), given)
	}
	return e
}

// kindName names a Go type of yaml.v3's message for a deployer.
func kindName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "列表"
	case strings.HasPrefix(goType, "map["), strings.Contains(goType, "."):
		return "一组设置"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "整数"
	case strings.HasPrefix(goType, "float"):
		return "数字"
	case goType == "bool":
		return " true 或 false"
	case goType == "string":
		return "文本"
	}
	return " " + goType
}
