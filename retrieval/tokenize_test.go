package retrieval

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"partybot/glossary"
)

// gramSet collects the grams of text.
func gramSet(text string) map[gram]int {
	m := map[gram]int{}
	eachGram(text, func(g gram) { m[g]++ })
	return m
}

func TestEachGram(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []gram
		not  []gram
	}{
		{"han", "党建", []gram{uniGram('党'), uniGram('建'), biGram('党', '建')}, nil},
		{"punctuation separates", "党，建", []gram{uniGram('党'), uniGram('建')}, []gram{biGram('党', '建')}},
		{"quotes separate", "“六同步”机制", []gram{biGram('六', '同'), biGram('机', '制')}, []gram{biGram('步', '机')}},
		{"words lower-cased", "AI助理", []gram{hashGram(kindWord, wordHash([]rune("ai")))}, nil},
		{"full width folded", "ＡＩ", []gram{hashGram(kindWord, wordHash([]rune("ai")))}, nil},
		{"number then han bridges", "1992年", []gram{hashGram(kindWord, wordHash([]rune("1992"))), hashGram(kindBi, fnvRune(wordHash([]rune("1992"))^0xc2b2ae3d27d4eb4f, '年'))}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := gramSet(tc.text)
			for _, g := range tc.want {
				assert.NotZero(t, got[g], "grams(%q) lack %x", tc.text, uint64(g))
			}
			for _, g := range tc.not {
				assert.Zero(t, got[g], "grams(%q) has %x, want none", tc.text, uint64(g))
			}
		})
	}
}

func TestEachGramBridgesBothWays(t *testing.T) {
	// "第3" (Han then number) and "3月" (number then Han) both bridge, and
	// a bridge never forms across punctuation.
	bridges := func(text string) int {
		n := 0
		for g, c := range gramSet(text) {
			if g.kind() == kindBi && g&(1<<61) != 0 {
				n += c
			}
		}
		return n
	}
	assert.Equal(t, 2, bridges("第3月"), "bridges(第3月)")
	assert.Equal(t, 0, bridges("第 3，月"), "bridges(第 3，月)")
}

func TestStripQuestionWords(t *testing.T) {
	assert.Equal(t, "落实六同步机制?", glossary.Normalize(stripQuestionWords("怎样落实“六同步”机制？")))
}
