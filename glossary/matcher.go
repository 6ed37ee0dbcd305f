package glossary

import (
	"cmp"
	"iter"
	"slices"
)

// Matcher finds every occurrence of a fixed set of words in a text. Words
// and text are compared rune for rune: normalise both with [Normalize]
// first. It is safe for concurrent use.
//
// We index the words by their first rune rather than build an
// Aho–Corasick automaton (no library for one is in go.mod): the words are
// short and few share a first rune, so a text costs about one map lookup
// per rune (see BenchmarkFind).
type Matcher struct {
	words [][]rune
	first map[rune][]int32 // indexes into words by first rune, longest first
}

// Match is one occurrence of a word in a text: the word's index and the
// runes of the text it spans, text[Start:End].
type Match struct {
	Word       int
	Start, End int
}

// NewMatcher returns a matcher of words. Empty words never match; a word
// given twice is reported under each of its indexes.
func NewMatcher(words []string) *Matcher {
	m := &Matcher{words: make([][]rune, len(words)), first: make(map[rune][]int32)}
	for i, w := range words {
		rs := []rune(w)
		m.words[i] = rs
		if len(rs) > 0 {
			m.first[rs[0]] = append(m.first[rs[0]], int32(i))
		}
	}
	for _, ids := range m.first {
		slices.SortStableFunc(ids, func(a, b int32) int { return cmp.Compare(len(m.words[b]), len(m.words[a])) })
	}
	return m
}

// All returns every occurrence of the words in text, overlapping ones
// included, by start and, at one start, longest first (then by index). A
// nil Matcher finds nothing.
func (m *Matcher) All(text []rune) iter.Seq[Match] {
	return func(yield func(Match) bool) {
		if m == nil {
			return
		}
		for i, r := range text {
			for _, w := range m.first[r] {
				word := m.words[w]
				if len(word) <= len(text)-i && slices.Equal(text[i:i+len(word)], word) {
					if !yield(Match{Word: int(w), Start: i, End: i + len(word)}) {
						return
					}
				}
			}
		}
	}
}
