package feedback

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Gap is a topic the knowledge base did not answer: refused questions on
// one topic, so that a keeper sees which document is missing.
type Gap struct {
	Topic    string    // what the questions ask about
	Count    int       // how many times they were asked
	Examples []string  // up to [GapExamples] of them, the most asked first
	Last     time.Time // when one was last asked
}

// GapExamples is how many example questions a [Gap] holds.
const GapExamples = 3

// Thresholds of [Gaps]: two questions with different foci are on one
// topic when they share at least minSharedTerms key terms and those are at
// least minOverlap of the smaller question's terms. A higher overlap keeps
// "社会组织换届" and "社会组织年检" apart (3 of 5 shared).
const (
	minSharedTerms = 2
	minOverlap     = 0.7
	// proposers is the most questions a key term may be in to propose
	// that they are on one topic.
	proposers = 50
)

// Gaps groups refused questions by topic: by their focus (what a question
// is about without its question words, as focus returns it; the
// question itself when focus returns ""), and questions whose foci differ
// but share most key terms (two-character runs of Chinese, words of
// letters or digits) join one group. The topic is the focus asked most in
// its group. The most asked gaps come first, then the most recent.
func Gaps(asked []Asked, focus func(string) string) []Gap {
	items := make([]gapItem, len(asked))
	for i, a := range asked {
		f := strings.TrimSpace(focus(a.Question))
		if f == "" {
			f = strings.TrimSpace(a.Question)
		}
		items[i] = gapItem{Asked: a, focus: f, terms: keyTerms(f)}
	}
	groups := newUnionFind(len(items))
	joinSameFocus(items, groups)
	joinSharedTerms(items, groups)
	return collect(items, groups)
}

type gapItem struct {
	Asked
	focus string
	terms []string // sorted, distinct
}

// joinSameFocus groups the items whose foci are the same but for spaces.
func joinSameFocus(items []gapItem, g unionFind) {
	first := map[string]int{}
	for i, it := range items {
		key := strings.ReplaceAll(it.focus, " ", "")
		if j, ok := first[key]; ok {
			g.join(i, j)
		} else {
			first[key] = i
		}
	}
}

// joinSharedTerms groups the items whose key terms overlap enough. Only
// terms of at most proposers items propose candidates: a term most
// questions share says little, and skipping them keeps the work near
// linear.
func joinSharedTerms(items []gapItem, g unionFind) {
	df := map[string]int{}
	for _, it := range items {
		for _, t := range it.terms {
			df[t]++
		}
	}
	postings := map[string][]int{}
	for i, it := range items {
		tried := map[int]bool{}
		for _, t := range it.terms {
			if df[t] > proposers {
				continue
			}
			for _, j := range postings[t] {
				if !tried[j] && g.find(i) != g.find(j) {
					tried[j] = true
					if related(it.terms, items[j].terms) {
						g.join(i, j)
					}
				}
			}
			postings[t] = append(postings[t], i)
		}
	}
}

// related reports whether two sorted term sets share enough terms.
func related(a, b []string) bool {
	shared := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch strings.Compare(a[i], b[j]) {
		case 0:
			shared++
			i++
			j++
		case -1:
			i++
		default:
			j++
		}
	}
	return shared >= minSharedTerms && float64(shared) >= minOverlap*float64(min(len(a), len(b)))
}

// collect turns the groups into gaps, biggest first.
func collect(items []gapItem, g unionFind) []Gap {
	byRoot := map[int][]gapItem{}
	var roots []int
	for i, it := range items {
		r := g.find(i)
		if _, ok := byRoot[r]; !ok {
			roots = append(roots, r)
		}
		byRoot[r] = append(byRoot[r], it)
	}
	gaps := make([]Gap, 0, len(roots))
	for _, r := range roots {
		gaps = append(gaps, gapOf(byRoot[r]))
	}
	slices.SortStableFunc(gaps, func(a, b Gap) int {
		return cmp.Or(b.Count-a.Count, b.Last.Compare(a.Last), strings.Compare(a.Topic, b.Topic))
	})
	return gaps
}

// gapOf is the gap of one group's items.
func gapOf(items []gapItem) Gap {
	slices.SortStableFunc(items, func(a, b gapItem) int {
		return cmp.Or(b.Count-a.Count, b.Last.Compare(a.Last))
	})
	var gap Gap
	asked := map[string]int{}
	for _, it := range items {
		gap.Count += it.Count
		if it.Last.After(gap.Last) {
			gap.Last = it.Last
		}
		asked[it.focus] += it.Count
		if len(gap.Examples) < GapExamples {
			gap.Examples = append(gap.Examples, it.Question)
		}
	}
	for _, it := range items { // the most asked focus; among equals, the first
		if gap.Topic == "" || asked[it.focus] > asked[gap.Topic] {
			gap.Topic = it.focus
		}
	}
	return gap
}

// keyTerms returns the key terms of text, sorted and distinct: each pair
// of neighbouring Chinese characters (a lone one by itself), and each
// word of other letters or digits.
func keyTerms(text string) []string {
	var terms []string
	var han, word []rune
	flush := func() {
		switch {
		case len(han) == 1:
			terms = append(terms, string(han))
		case len(han) > 1:
			for i := 0; i+1 < len(han); i++ {
				terms = append(terms, string(han[i:i+2]))
			}
		}
		if len(word) > 0 {
			terms = append(terms, strings.ToLower(string(word)))
		}
		han, word = han[:0], word[:0]
	}
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			if len(word) > 0 {
				flush()
			}
			han = append(han, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if len(han) > 0 {
				flush()
			}
			word = append(word, r)
		default:
			flush()
		}
	}
	flush()
	slices.Sort(terms)
	return slices.Compact(terms)
}

// unionFind is a disjoint-set forest over 0..n-1.
type unionFind []int

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = i
	}
	return u
}

func (u unionFind) find(i int) int {
	for u[i] != i {
		u[i] = u[u[i]]
		i = u[i]
	}
	return i
}

// join puts i and j in one set, rooted at the smaller root (the earlier,
// more recent question).
func (u unionFind) join(i, j int) {
	a, b := u.find(i), u.find(j)
	if a > b {
		a, b = b, a
	}
	u[b] = a
}
