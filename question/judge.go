package question

import (
	"strings"
	"unicode/utf8"
)

// shortSentence is the length, in runes, of a sentence too short to name
// its own subject: a table's cell, a list's item.
const shortSentence = 24

// detailLag is how much less of the focus than the best passage a passage
// may cover and still give the detail asked for. Measured on the dev sets:
// 0.25–0.4 keep one more near miss out (set 5b) and refuse nothing more.
const detailLag = 0.3

// Outcome is how a question is answered.
type Outcome string

// The outcomes. A partial answer counts as not answered.
const (
	// Answered: passages hold the answer, of the type asked.
	Answered Outcome = "answered"
	// Partial: the knowledge base speaks of the focus but not of what is
	// asked (the date, the amount, the address …).
	Partial Outcome = "partial"
	// Refused: nothing speaks of the focus.
	Refused Outcome = "refused"
)

// Passage is a retrieved passage as the judge reads it.
type Passage struct {
	// Sentences are the passage's sentences, in order.
	Sentences []string
	// Coverage is the share of the whole question the passage covers.
	Coverage float64
	// Focus is the share of the question's focus it covers (its title
	// included).
	Focus float64
	// Concepts is set when the passage names a concept (a glossary term)
	// the focus names, in any of its forms, or the focus names none.
	Concepts bool
	// Needs is set when the passage speaks of one of the question's needs
	// (its rules, conditions, how to apply …), or the question has none.
	Needs bool
	// Elsewhere is set when the passage is about another place than the
	// one the question names (德江's passage for a question on 泉港).
	Elsewhere bool
}

// Thresholds are the judge's calibrated limits.
type Thresholds struct {
	// Coverage is the least share of the whole question a passage covers
	// to speak of it at all.
	Coverage float64
	// Focus is the least share of the focus a passage covers to speak of
	// the thing asked about.
	Focus float64
	// Near is the least share of the focus a sentence covers for its
	// evidence to be about the focus, not about something else the
	// passage also says.
	Near float64
}

// Verdict is the judge's decision on a question.
type Verdict struct {
	Outcome Outcome
	// Missing names what was asked and not found, for Partial.
	Missing string
	// Speaking are the indexes of the passages that speak of the focus,
	// in their order; for Answered, those with the answer come first.
	Speaking []int
	// Answering is how many of Speaking, from the first, answer.
	Answering int
	// Evidence are, per passage index, the indexes of its sentences that
	// hold an answer of the type asked, near the focus.
	Evidence map[int][]int
}

// Judge decides whether passages answer a. A passage speaks of the
// question when it covers enough of it and of its focus and names one of
// the focus's concepts; it answers when it also speaks of the question's
// particular need (its rules, conditions, how to apply …) and, for a
// question asking for a detail (a date, a place, an amount, a count, a
// contact, who, a name), states such a detail near the focus. Refused when
// no passage speaks of the question, Partial when some speak of it but
// none answers, Answered otherwise. sentenceFocus measures how much of a's
// focus one sentence covers.
func (c *Cues) Judge(a Analysis, ps []Passage, t Thresholds, sentenceFocus func(string) float64) Verdict {
	v := Verdict{Evidence: map[int][]int{}}
	var answering, other []int
	needsMet := false
	speaks := func(p Passage) bool {
		return p.Coverage >= t.Coverage && p.Focus >= t.Focus && p.Concepts && !p.Elsewhere && namesYears(p, a.Years)
	}
	best := 0.0
	for _, p := range ps {
		if speaks(p) {
			best = max(best, p.Focus)
		}
	}
	for i, p := range ps {
		if !speaks(p) {
			continue
		}
		for j, s := range p.Sentences {
			// Near the focus: the sentence speaks of it, or a short one (a
			// table's cell) follows one that does ("驿站名称：城关驿站；开放
			// 时间：早八点至晚十点").
			near := sentenceFocus(s) >= t.Near ||
				(j > 0 && utf8.RuneCountInString(s) <= shortSentence && sentenceFocus(p.Sentences[j-1]) >= t.Near)
			if c.Evidence(a, s) && (!a.Detail() || near) {
				v.Evidence[i] = append(v.Evidence[i], j)
			}
		}
		needsMet = needsMet || p.Needs
		if a.Detail() && p.Focus < best-detailLag {
			// A detail in a passage that speaks much less of the focus than
			// the best one does is about something else: the 9 飞地支部
			// are not "在永嘉商圈".
			delete(v.Evidence, i)
		}
		if p.Needs && (!a.Detail() || len(v.Evidence[i]) > 0) {
			answering = append(answering, i)
		} else {
			other = append(other, i)
		}
	}
	v.Speaking, v.Answering = append(answering, other...), len(answering)
	switch {
	case len(v.Speaking) == 0:
		v.Outcome = Refused
	case len(answering) == 0 && !needsMet:
		v.Outcome, v.Missing = Partial, "“"+a.Needs[0]+"”的具体内容"
	case len(answering) == 0:
		v.Outcome, v.Missing = Partial, a.Label
	default:
		v.Outcome = Answered
	}
	return v
}

// namesYears reports whether passage p names one of years, or years is
// empty: a passage of 2025 does not speak of "到2027年…".
func namesYears(p Passage, years []string) bool {
	if len(years) == 0 {
		return true
	}
	for _, s := range p.Sentences {
		for _, y := range years {
			if strings.Contains(s, y) {
				return true
			}
		}
	}
	return false
}
