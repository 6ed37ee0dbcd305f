package checklist

import (
	"strings"
	"unicode"
)

// clip shortens s to at most n runes, marking the cut with "……".
func clip(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "……"
}

// noSpace drops white space, so that a quote matches across line breaks.
func noSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
