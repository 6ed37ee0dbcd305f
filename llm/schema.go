package llm

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// validate checks v (decoded with UseNumber) against the JSON Schema s. It
// covers what structured-output schemas use: type (one or a list), enum,
// const, properties, required, items, anyOf/oneOf/allOf, $ref into $defs or
// definitions, nullable, minimum/maximum, minLength/maxLength and
// minItems/maxItems. Other keywords are ignored, and so are properties the
// schema does not list. root resolves $ref.
func validate(s map[string]any, v any, path string, root map[string]any) error {
	return validateDepth(s, v, path, root, 0)
}

const maxSchemaDepth = 64

func validateDepth(s map[string]any, v any, path string, root map[string]any, depth int) error {
	if depth > maxSchemaDepth {
		return fmt.Errorf("%s: schema nested too deeply", path)
	}
	if ref, ok := s["$ref"].(string); ok {
		target, err := resolveRef(root, ref)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return validateDepth(target, v, path, root, depth+1)
	}
	if v == nil && allowsNull(s) {
		return nil
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			if m, ok := sub.(map[string]any); ok {
				if err := validateDepth(m, v, path, root, depth+1); err != nil {
					return err
				}
			}
		}
	}
	for _, key := range []string{"anyOf", "oneOf"} {
		alts, ok := s[key].([]any)
		if !ok || len(alts) == 0 {
			continue
		}
		var first error
		matched := false
		for _, sub := range alts {
			m, ok := sub.(map[string]any)
			if !ok {
				continue
			}
			err := validateDepth(m, v, path, root, depth+1)
			if err == nil {
				matched = true
				break
			}
			if first == nil {
				first = err
			}
		}
		if !matched {
			return fmt.Errorf("%s: matches none of %s: %v", path, key, first)
		}
	}
	if err := checkType(s, v, path); err != nil {
		return err
	}
	if enum, ok := s["enum"].([]any); ok && !containsJSON(enum, v) {
		return fmt.Errorf("%s: %s is not one of the allowed values", path, short(v))
	}
	if c, ok := s["const"]; ok && !equalJSON(c, v) {
		return fmt.Errorf("%s: %s is not the required value", path, short(v))
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				name, _ := r.(string)
				val, present := x[name]
				if !present {
					return fmt.Errorf("%s: missing required property %q", path, name)
				}
				if val == nil {
					if ps, ok := props[name].(map[string]any); ok && !allowsNullResolved(ps, root) {
						return fmt.Errorf("%s.%s: required property is null", path, name)
					}
				}
			}
		}
		for name, sub := range props {
			val, present := x[name]
			ps, ok := sub.(map[string]any)
			if !present || !ok {
				continue
			}
			if val == nil && !isRequired(s, name) {
				continue // null for an optional property means "absent"
			}
			if err := validateDepth(ps, val, path+"."+name, root, depth+1); err != nil {
				return err
			}
		}
	case []any:
		if n, ok := number(s["minItems"]); ok && float64(len(x)) < n {
			return fmt.Errorf("%s: %d items, want at least %v", path, len(x), n)
		}
		if n, ok := number(s["maxItems"]); ok && float64(len(x)) > n {
			return fmt.Errorf("%s: %d items, want at most %v", path, len(x), n)
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, item := range x {
				if err := validateDepth(items, item, fmt.Sprintf("%s[%d]", path, i), root, depth+1); err != nil {
					return err
				}
			}
		}
	case string:
		n := float64(utf8.RuneCountInString(x))
		if m, ok := number(s["minLength"]); ok && n < m {
			return fmt.Errorf("%s: string shorter than %v", path, m)
		}
		if m, ok := number(s["maxLength"]); ok && n > m {
			return fmt.Errorf("%s: string longer than %v", path, m)
		}
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return fmt.Errorf("%s: bad number", path)
		}
		if m, ok := number(s["minimum"]); ok && f < m {
			return fmt.Errorf("%s: %v is below %v", path, f, m)
		}
		if m, ok := number(s["maximum"]); ok && f > m {
			return fmt.Errorf("%s: %v is above %v", path, f, m)
		}
	}
	return nil
}

func isRequired(s map[string]any, name string) bool {
	req, _ := s["required"].([]any)
	for _, r := range req {
		if r == name {
			return true
		}
	}
	return false
}

// types returns the schema's "type" as a list (empty: any type).
func types(s map[string]any) []string {
	switch t := s["type"].(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			if str, ok := x.(string); ok {
				out = append(out, str)
			}
		}
		return out
	}
	return nil
}

func allowsNull(s map[string]any) bool {
	if n, _ := s["nullable"].(bool); n {
		return true
	}
	for _, t := range types(s) {
		if t == "null" {
			return true
		}
	}
	for _, key := range []string{"anyOf", "oneOf"} {
		alts, _ := s[key].([]any)
		for _, sub := range alts {
			if m, ok := sub.(map[string]any); ok && allowsNull(m) {
				return true
			}
		}
	}
	return false
}

func allowsNullResolved(s, root map[string]any) bool {
	for range maxSchemaDepth {
		ref, ok := s["$ref"].(string)
		if !ok {
			break
		}
		t, err := resolveRef(root, ref)
		if err != nil {
			return false
		}
		s = t
	}
	return allowsNull(s)
}

func checkType(s map[string]any, v any, path string) error {
	ts := types(s)
	if len(ts) == 0 {
		return nil
	}
	for _, t := range ts {
		if hasType(t, v) {
			return nil
		}
	}
	return fmt.Errorf("%s: %s is not of type %s", path, short(v), strings.Join(ts, "|"))
}

func hasType(t string, v any) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		if _, err := n.Int64(); err == nil {
			return true
		}
		f, err := n.Float64()
		return err == nil && f == math.Trunc(f) && !math.IsInf(f, 0)
	}
	return true // unknown type names are not checked
}

func resolveRef(root map[string]any, ref string) (map[string]any, error) {
	for _, prefix := range []string{"#/$defs/", "#/definitions/"} {
		if name, ok := strings.CutPrefix(ref, prefix); ok {
			defs, _ := root[strings.Trim(prefix[1:], "/")].(map[string]any)
			if d, ok := defs[name].(map[string]any); ok {
				return d, nil
			}
		}
	}
	if ref == "#" {
		return root, nil
	}
	return nil, fmt.Errorf("unresolvable $ref %q", ref)
}

// number reads a numeric schema keyword (decoded without UseNumber).
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func containsJSON(list []any, v any) bool {
	for _, x := range list {
		if equalJSON(x, v) {
			return true
		}
	}
	return false
}

// equalJSON compares a schema value (float64 numbers) with a decoded value
// (json.Number numbers).
func equalJSON(a, b any) bool {
	if na, ok := number(a); ok {
		nb, ok := number(b)
		return ok && na == nb
	}
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// short renders a value for an error message without echoing long model
// output (which may hold personal data).
func short(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if utf8.RuneCountInString(x) > 20 {
			return fmt.Sprintf("a string of %d characters", utf8.RuneCountInString(x))
		}
		return fmt.Sprintf("%q", x)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	default:
		return fmt.Sprint(x)
	}
}
