package push

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"partybot/glossary"
	"partybot/retrieval"
)

// extractSentences is how many sentences an extract has.
const extractSentences = 2

// purposeRE matches a document's statement of purpose: "为了…，制定本办法",
// "为…，现就有关事项通知如下", "根据…，制定本细则".
var purposeRE = regexp.MustCompile(`^(为了?|根据|依据|按照).{0,150}?(制定本|特制定|现就|现将|制定如下|提出如下|通知如下|意见如下)`)

// sentence is a sentence of a passage.
type sentence struct {
	passage int // index into the document's passages
	pos     int // in reading order
	text    string
}

// Extract returns an extract of doc saying what it is about: two
// sentences, verbatim from its passages in reading order, each followed
// by the marker of its passage ("…[1]…[2]"), and the IDs of the passages
// cited, [1] first. It chooses, in turn: the statement of purpose
// ("为了…，制定本…"); the first sentence naming an audience the document
// addresses; the first naming a glossary group its title (as the text
// states it) names; the first sentences. "" and nil for a document without sentences.
func (r *Rules) Extract(doc Document) (text string, cites []string) {
	c := r.Concerns(doc)
	return r.extract(doc, &c)
}

// extract is Extract given what doc concerns.
func (r *Rules) extract(doc Document, c *Concern) (string, []string) {
	ps := doc.Passages
	if len(ps) == 0 {
		ps = []Passage{{Text: doc.Text}} // cited by nothing
	}
	cands := candidates(ps)
	titled := map[int]bool{}
	if doc.statesTitle() {
		for _, f := range r.gloss.Find(doc.Title) {
			titled[f.Group] = true
		}
	}
	var chosen []sentence
	take := func(pick func(sentence) bool) {
		for _, s := range cands {
			if len(chosen) < extractSentences && pick(s) && !slices.ContainsFunc(chosen, func(o sentence) bool { return o.pos == s.pos }) {
				chosen = append(chosen, s)
				return
			}
		}
	}
	take(func(s sentence) bool { return purposeRE.MatchString(s.text) })
	take(func(s sentence) bool { return anyKey(r.vocab.named(s.text), c.aud) })
	take(func(s sentence) bool {
		return slices.ContainsFunc(r.gloss.Find(s.text), func(f glossary.Found) bool { return titled[f.Group] })
	})
	for range extractSentences {
		take(func(sentence) bool { return true })
	}
	slices.SortFunc(chosen, func(a, b sentence) int { return a.pos - b.pos })
	return cite(chosen, ps)
}

// candidates returns the sentences of ps an extract may use: whole
// sentences of some length, not headings or salutations ("各有关单位：").
func candidates(ps []Passage) []sentence {
	var out []sentence
	for i, p := range ps {
		for _, s := range retrieval.Sentences(p.Text) {
			n := utf8.RuneCountInString(s)
			last, _ := utf8.DecodeLastRuneInString(s)
			ends := strings.ContainsRune("。！？；!?”』」）)", last)
			whole := strings.Contains(p.Text, s) // not so for invalid UTF-8
			if whole && n >= 12 && last != '：' && last != ':' && (ends || n >= 30) {
				out = append(out, sentence{passage: i, pos: len(out), text: s})
			}
		}
	}
	return out
}

// cite writes the chosen sentences with their markers.
func cite(chosen []sentence, ps []Passage) (string, []string) {
	var b strings.Builder
	var cites []string
	for _, s := range chosen {
		b.WriteString(s.text)
		id := ps[s.passage].ID
		if id == "" {
			continue
		}
		n := slices.Index(cites, id)
		if n < 0 {
			cites = append(cites, id)
			n = len(cites) - 1
		}
		fmt.Fprintf(&b, "[%d]", n+1)
	}
	return b.String(), cites
}

// anyKey reports whether a and b share a key.
func anyKey(a, b map[int]bool) bool {
	for k := range a {
		if b[k] {
			return true
		}
	}
	return false
}
