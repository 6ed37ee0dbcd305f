package strictyaml

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Document is a parsed YAML document: decode it strictly with
// [Document.Decode], and place the errors of a later validation on their
// lines with [Document.Locate].
type Document struct {
	doc yaml.Node
}

// Parse parses the first YAML document of data. Returns an [*Error] for a
// syntax error.
func Parse(data []byte) (*Document, error) {
	d := &Document{}
	if err := yaml.Unmarshal(data, &d.doc); err != nil {
		return nil, syntaxError(err)
	}
	return d, nil
}

// Decode decodes the document into v, a non-nil pointer, as [Decode]
// does. Returns an [*Error].
func (d *Document) Decode(v any) error {
	return decode(&d.doc, v)
}

// Errorf returns an [*Error] about the setting at path, whose line is
// not known yet: a validator that has only the decoded values returns it,
// and the caller that holds the document places it with
// [Document.Locate]. path is dotted, with list items as [i]:
// "access.mode", "[2].response_hours".
func Errorf(path, format string, args ...any) *Error {
	return &Error{Key: path, Msg: fmt.Sprintf(format, args...)}
}

// Locate returns err placed in d: when err is or wraps an [*Error] with a
// Key and no Line, a copy of that *Error (alone, without what wrapped it)
// whose Key is its path under the setting at path under ("" for the top)
// and whose Line is where that setting, or the nearest enclosing one that
// is written, starts. Any other err is returned as it is.
func (d *Document) Locate(err error, under string) error {
	var e *Error
	if !errors.As(err, &e) || e.Key == "" || e.Line > 0 {
		return err
	}
	key := e.Key
	switch {
	case under == "":
	case strings.HasPrefix(key, "["):
		key = under + key
	default:
		key = under + "." + key
	}
	return &Error{Line: d.Line(key), Key: key, Msg: e.Msg}
}

// Line returns the 1-based line of the setting at path (dotted, list
// items as [i]: "departments[2].key"); when it is not written, the line
// of the nearest enclosing setting that is; 0 when none is.
func (d *Document) Line(path string) int {
	line, _ := d.find(path)
	return line
}

// Has reports whether the setting at path is written.
func (d *Document) Has(path string) bool {
	_, ok := d.find(path)
	return ok
}

// find returns the line of the setting at path, or of the nearest
// enclosing one that is written, and whether path itself is.
func (d *Document) find(path string) (line int, ok bool) {
	if len(d.doc.Content) == 0 {
		return 0, false
	}
	n := d.doc.Content[0]
	for _, seg := range segments(path) {
		k, v := child(n, seg)
		if v == nil {
			return line, false
		}
		n, line = v, k.Line
	}
	return line, line > 0
}

// segments splits a path into keys and [i] indexes: "a[1].b" is "a",
// "[1]", "b".
func segments(path string) []string {
	var out []string
	for part := range strings.SplitSeq(path, ".") {
		for part != "" {
			i := strings.Index(part[1:], "[") + 1
			if i == 0 {
				i = len(part)
			}
			out = append(out, part[:i])
			part = part[i:]
		}
	}
	return out
}

// child returns the node that starts the entry seg of n (a key, or a list
// item) and its value; nil, nil when n has no such entry.
func child(n *yaml.Node, seg string) (start, value *yaml.Node) {
	for i := 0; n.Kind == yaml.AliasNode && i < maxDepth; i++ {
		n = n.Alias
	}
	if idx, ok := strings.CutPrefix(seg, "["); ok {
		i, err := strconv.Atoi(strings.TrimSuffix(idx, "]"))
		if n.Kind != yaml.SequenceNode || err != nil || i < 0 || i >= len(n.Content) {
			return nil, nil
		}
		return n.Content[i], n.Content[i]
	}
	if n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == seg {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}
