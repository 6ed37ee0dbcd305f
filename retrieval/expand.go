package retrieval

import (
	"slices"
	"strings"

	"partybot/glossary"
)

// Expander widens a query with the other expressions of every glossary group
// the query mentions, so that "快递小哥歇脚" also matches "新就业群体 … 休息".
type Expander struct {
	g      *glossary.Glossary
	groups [][]string // normalised expressions, per group, term first
}

// NewExpander returns an Expander over a glossary. A group of one term
// expands nothing but still marks the term as a concept for coverage. A
// nil glossary expands nothing.
func NewExpander(g *glossary.Glossary) *Expander {
	e := &Expander{g: g}
	for i := range g.Len() {
		e.groups = append(e.groups, g.Expressions(i))
	}
	return e
}

// match is a glossary group found in a query.
type match struct {
	group int
	found []string // the group's normalised expressions that occur in the query
}

// matches returns the groups the query names, in glossary order.
func (e *Expander) matches(q string) []match {
	if e == nil {
		return nil
	}
	var out []match
	for _, f := range e.g.Find(q) {
		out = append(out, match{f.Group, f.Exprs})
	}
	return out
}

// names reports whether nt, normalised with [glossary.Normalize], names
// group in any of its forms. Coverage asks this of every passage and
// sentence it measures, for the one or two groups of a query: looking for
// their expressions costs less than finding every group with
// [glossary.Glossary.Find].
func (e *Expander) names(nt string, group int) bool {
	return slices.ContainsFunc(e.groups[group], func(x string) bool { return strings.Contains(nt, x) })
}
