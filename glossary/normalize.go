package glossary

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Normalize returns s as the glossary compares text: full-width and
// half-width forms folded to their canonical width (ＡＩ１２ → AI12, ｶ →
// カ), letters lower-cased, and white space, [Hidden] characters and
// quotation marks and title brackets dropped. Other punctuation stays, so
// that no expression is found across a comma or a full stop. Normalize is
// idempotent.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r, ok := normalRune(r); ok {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// normalizeRunes is Normalize as runes, for matching.
func normalizeRunes(s string) []rune {
	out := make([]rune, 0, utf8.RuneCountInString(s))
	for _, r := range s {
		if r, ok := normalRune(r); ok {
			out = append(out, r)
		}
	}
	return out
}

// normalRune returns r as Normalize keeps it, or false when Normalize
// drops it.
func normalRune(r rune) (rune, bool) {
	if r >= utf8.RuneSelf {
		if f := width.LookupRune(r).Folded(); f != 0 {
			r = f
		}
	}
	switch {
	case r >= 0x4E00 && r <= 0x9FFF: // common Han: nothing to fold
		return r, true
	case 'A' <= r && r <= 'Z':
		return r + 'a' - 'A', true
	case unicode.IsSpace(r), Hidden(r), isQuote(r):
		return 0, false
	}
	return unicode.ToLower(r), true
}

// isQuote reports whether r is one of the quotation marks and title
// brackets Normalize drops: the ASCII, typographic, CJK corner and
// double-prime quotes and the book-title and lenticular brackets, so that
// 暖“新”驿站, 暖"新"驿站, 暖「新」驿站 and 暖新驿站 are one expression, and
// 【求助】 or 《章程》 read as their words. Full-width ＂ and ＇ are folded
// to " and ' before.
func isQuote(r rune) bool {
	switch r {
	case '"', '\'', '`', '“', '”', '‘', '’', '‚', '„', '‛', '‟', '‹', '›', '«', '»',
		'「', '」', '『', '』', '﹁', '﹂', '﹃', '﹄', '〝', '〞', '〟',
		'《', '》', '〈', '〉', '【', '】', '〖', '〗':
		return true
	}
	return false
}

// Hidden reports whether r is a character that does not show but changes
// how text reads or matches: a zero-width character (U+200B–U+200D,
// U+2060–U+2064, U+FEFF, the soft hyphen U+00AD) or a bidirectional control
// (U+200E, U+200F, U+061C, U+202A–U+202E, U+2066–U+2069). [Normalize] drops
// them, and so does tickets.CleanText: this is the one list.
func Hidden(r rune) bool {
	switch {
	case r < 0xAD:
		return false
	case r == 0xAD, r == 0x061C, r == 0xFEFF:
		return true
	case r >= 0x200B && r <= 0x200F:
		return true
	case r >= 0x202A && r <= 0x202E:
		return true
	case r >= 0x2060 && r <= 0x2064:
		return true
	case r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}
