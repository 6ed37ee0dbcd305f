package push

import (
	"fmt"
	"slices"
	"strings"

	"partybot/corpus"
	"partybot/glossary"
	"partybot/retrieval"
)

// Rules decide what a document concerns — the audiences it addresses and
// the glossary's groups it names — judged on its text alone. They are safe
// for concurrent use.
//
// A document addresses an audience when
//
//  1. its title, as the text states it, names the audience; or
//  2. at least 2 of its sentences, and at least one in 10 of them, name
//     the audience (by its name or a synonym); or
//  3. it addresses a group the audience is a member of (新就业群体) by 1
//     or 2, and names the audience at least once.
//
// So a notice on riders' rights reaches riders, and a long bulletin that
// lists 外卖骑手 once among other groups, or a file named 外卖骑手.txt about
// 党费, does not.
type Rules struct {
	vocab *Vocabulary
	gloss *glossary.Glossary
	terms []string // the glossary groups' terms
}

// Thresholds of rule 2.
const (
	minSentences = 2
	shareOf      = 10
)

// NewRules returns the rules over the audiences of v and the groups of g.
func NewRules(v *Vocabulary, g *glossary.Glossary) *Rules {
	r := &Rules{vocab: v, gloss: g}
	for _, grp := range g.Groups() {
		r.terms = append(r.terms, grp.Term)
	}
	return r
}

// DefaultRules returns the rules over the shipped audiences and glossary.
// Returns the glossary's error when corpus/glossary.yaml is invalid.
func DefaultRules() (*Rules, error) {
	g, err := glossary.Load(corpus.FS, corpus.GlossaryFile)
	if err != nil {
		return nil, err
	}
	return NewRules(DefaultVocabulary(), g), nil
}

// Vocabulary returns the audiences the rules know.
func (r *Rules) Vocabulary() *Vocabulary { return r.vocab }

// Concern is what a document concerns.
type Concern struct {
	// Audiences are the audiences the document addresses, in the
	// vocabulary's order, each with the rule that decided it.
	Audiences []Reason
	// Topics are the terms of the glossary groups the text names, in the
	// glossary's order.
	Topics []string

	aud    map[int]bool // audiences addressed
	groups map[int]bool // glossary groups named
	norm   string       // the normalised text, for topics outside the glossary
}

// Reason is an audience a document addresses and why, in Chinese
// ("标题点名", "正文 6/24 句提到", "面向新就业群体并点名").
type Reason struct {
	Audience, Why string
}

// Concerns returns what doc concerns.
func (r *Rules) Concerns(doc Document) Concern {
	c := Concern{aud: map[int]bool{}, groups: map[int]bool{}, norm: glossary.Normalize(doc.Text)}
	r.audiences(doc, &c)
	for _, f := range r.gloss.Find(doc.Text) {
		c.groups[f.Group] = true
		c.Topics = append(c.Topics, r.terms[f.Group])
	}
	return c
}

// audiences applies rules 1 to 3 to doc.
func (r *Rules) audiences(doc Document, c *Concern) {
	sents := retrieval.Sentences(doc.Text)
	count := make([]int, len(r.vocab.audiences))
	for _, s := range sents {
		for a := range r.vocab.named(s) {
			count[a]++
		}
	}
	var title map[int]bool
	if doc.statesTitle() {
		title = r.vocab.named(doc.Title)
	}
	why := make([]string, len(count))
	for a, n := range count {
		switch {
		case title[a]:
			why[a] = "标题点名"
		case n >= minSentences && n*shareOf >= len(sents):
			why[a] = fmt.Sprintf("正文 %d/%d 句提到", n, len(sents))
		}
	}
	for g, ms := range r.vocab.members {
		for _, m := range ms {
			if why[g] != "" && why[m] == "" && count[m] > 0 {
				why[m] = "面向" + r.vocab.audiences[g].Name + "并点名"
			}
		}
	}
	for a, w := range why {
		if w != "" {
			c.aud[a] = true
			c.Audiences = append(c.Audiences, Reason{Audience: r.vocab.audiences[a].Name, Why: w})
		}
	}
}

// named returns the audiences text names by a name or synonym.
func (v *Vocabulary) named(text string) map[int]bool {
	out := map[int]bool{}
	for m := range v.text.All([]rune(glossary.Normalize(text))) {
		out[v.textRefs[m.Word]] = true
	}
	return out
}

// topic is what a subscriber's topic word stands for: glossary groups,
// all of which a document must name, or, for a word that names none, the
// word itself.
type topic struct {
	groups  []int
	literal string // normalised
}

// topic resolves a topic word: the glossary groups it names, less those
// it names only inside a longer expression of another (歇脚的地方 is 暖“新”
// 驿站, not also 休息); or the word itself when it names no group.
func (r *Rules) topic(word string) topic {
	found := r.gloss.Find(word)
	var t topic
	for _, f := range found {
		if !slices.ContainsFunc(found, func(o glossary.Found) bool { return o.Group != f.Group && within(f.Exprs, o.Exprs) }) {
			t.groups = append(t.groups, f.Group)
		}
	}
	if len(t.groups) == 0 {
		t.literal = glossary.Normalize(word)
	}
	return t
}

// within reports whether every expression of a lies inside a longer one
// of b.
func within(a, b []string) bool {
	for _, x := range a {
		if !slices.ContainsFunc(b, func(y string) bool { return len(y) > len(x) && strings.Contains(y, x) }) {
			return false
		}
	}
	return true
}

// matches reports whether the document of c names topic t.
func (c *Concern) matches(t topic) bool {
	if t.literal != "" {
		return strings.Contains(c.norm, t.literal)
	}
	for _, g := range t.groups {
		if !c.groups[g] {
			return false
		}
	}
	return len(t.groups) > 0
}
