package retrieval

import "strings"

// Expander widens a query with the other expressions of every glossary group
// the query mentions, so that "快递小哥歇脚" also matches "新就业群体 … 休息".
type Expander struct {
	groups [][]string // compacted expressions, per group
}

// NewExpander returns an Expander over groups of equivalent expressions
// (a glossary: the term first, then its variants). A group of one term
// expands nothing but still marks the term as a concept for coverage.
// Empty expressions are ignored; a nil or empty glossary expands nothing.
func NewExpander(groups [][]string) *Expander {
	e := &Expander{}
	for _, g := range groups {
		var exprs []string
		for _, x := range g {
			if c := compact(x); c != "" {
				exprs = append(exprs, c)
			}
		}
		if len(exprs) > 0 {
			e.groups = append(e.groups, exprs)
		}
	}
	return e
}

// match is a glossary group found in a query.
type match struct {
	group int
	found []string // the group's expressions that occur in the query
}

// matches returns the groups whose expressions occur in the compacted query.
func (e *Expander) matches(cq string) []match {
	if e == nil {
		return nil
	}
	var out []match
	for i, g := range e.groups {
		var found []string
		for _, x := range g {
			if strings.Contains(cq, x) {
				found = append(found, x)
			}
		}
		if len(found) > 0 {
			out = append(out, match{i, found})
		}
	}
	return out
}

// compact normalises text for glossary matching: Han characters, ASCII
// letters and digits only, lower case ("暖“新”驿站" → "暖新驿站").
func compact(s string) string {
	var b strings.Builder
	for _, r := range s {
		r = normalizeRune(r)
		if isHan(r) || isWordRune(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
