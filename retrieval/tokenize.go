package retrieval

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// normalizeRune folds full-width ASCII to half-width and upper case to lower
// case, so "ＡＩ" and "ai" index alike.
func normalizeRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		r = ' '
	}
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(r)
}

func isHan(r rune) bool {
	if r < 0x2E80 {
		return false
	}
	return unicode.Is(unicode.Han, r)
}

func isWordRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
}

// Gram kinds. The lexical index weights them differently: a shared bigram
// says more than a shared character.
const (
	kindUni  uint8 = iota // one Han character
	kindBi                // two adjacent Han characters, or a word touching a Han character
	kindWord              // an ASCII word or number
)

// A gram is packed in a uint64: the kind in the top two bits, then the
// runes (a Han unigram or bigram) or a hash (words and bridge grams).
type gram uint64

func (g gram) kind() uint8 { return uint8(g >> 62) }

func uniGram(r rune) gram   { return gram(uint64(kindUni)<<62 | uint64(r)) }
func biGram(a, b rune) gram { return gram(uint64(kindBi)<<62 | uint64(a)<<21 | uint64(b)) }

// hashGram packs a hashed gram; bit 61 keeps hashes apart from rune grams,
// which never reach it.
func hashGram(k uint8, h uint64) gram { return gram(uint64(k)<<62 | h&(1<<61-1) | 1<<61) }

// countGram stands for "a number, then the classifier r" ("15个", "四类",
// "750余家"), whatever the number: it lets "建了几个" meet "建立…15个".
// Bit 60 keeps it apart from rune grams (below bit 42) and hashes (bit 61).
func countGram(r rune) gram { return gram(uint64(kindBi)<<62 | 1<<60 | uint64(r)) }

// classifiers are the measure words that follow a count.
const classifiers = "个家名人次轮场期批张份种类项条件所座处支届年月天位级户间辆台部篇元岁倍层组队站遍趟回步套样"

// numerals are the Chinese digits a count may be written with.
const numerals = "一二三四五六七八九十两百千万"

// FNV-1a, used for words and bridge grams.
const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)

func fnvRune(h uint64, r rune) uint64 {
	for r > 0 {
		h ^= uint64(r & 0xff)
		h *= fnvPrime
		r >>= 8
	}
	return h
}

// eachGram calls fn for every gram of text in order of appearance, repeats
// included: Han unigrams and bigrams, ASCII words, and a bridge gram where a
// word touches Han text ("1992年", "第3"). Punctuation, spaces and other
// symbols separate runs; no gram spans them.
func eachGram(text string, fn func(gram)) {
	const before, after = 0x9e3779b97f4a7c15, 0xc2b2ae3d27d4eb4f
	var (
		prevHan   rune   // the Han rune just before, or 0
		inWord    bool   // inside an ASCII word
		word      uint64 // hash of the current word
		wordAfter rune   // the Han rune the current word directly follows, or 0
		ended     bool   // a word ended at the previous rune
		counted   bool   // a number just ended (digits, Chinese numerals, then 余/多)
		digits    bool   // the current word is all digits
	)
	endWord := func() {
		if !inWord {
			return
		}
		fn(hashGram(kindWord, word))
		if wordAfter != 0 {
			fn(hashGram(kindBi, fnvRune(word^before, wordAfter)))
		}
		inWord, ended, counted = false, true, digits
	}
	for _, r := range text {
		r = normalizeRune(r)
		switch {
		case isWordRune(r):
			if !inWord {
				inWord, word, wordAfter, digits = true, fnvOffset, prevHan, true
				prevHan = 0
			}
			word = fnvRune(word, r)
			digits = digits && r <= '9'
		case isHan(r):
			endWord()
			if ended {
				fn(hashGram(kindBi, fnvRune(word^after, r)))
			}
			ended = false
			fn(uniGram(r))
			if prevHan != 0 {
				fn(biGram(prevHan, r))
			}
			switch {
			case counted && strings.ContainsRune(classifiers, r):
				fn(countGram(r))
				counted = false
			case strings.ContainsRune(numerals, r), counted && (r == '余' || r == '多'):
				counted = true
			default:
				counted = false
			}
			prevHan = r
		default:
			endWord()
			ended, counted = false, false
			prevHan = 0
		}
	}
	endWord()
}
