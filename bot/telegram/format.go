package telegram

import (
	"strings"
	"unicode/utf8"
)

// MaxMessageUTF16 is Telegram's limit on a message's text, in UTF-16 code
// units after entity parsing: what HTML tags and escapes add does not count.
const MaxMessageUTF16 = 4096

// maxAlertUTF16 is Telegram's limit on a callback answer's text.
const maxAlertUTF16 = 200

// utf16Len is the length of s in UTF-16 code units, as Telegram counts.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// Split cuts text into messages of at most limit UTF-16 code units each,
// at paragraph boundaries when it can, else at line breaks, else after
// sentences, else between characters (never inside a surrogate pair).
// Parts are trimmed of surrounding blank space; blank text gives none.
// Invalid UTF-8 is replaced by U+FFFD first: Telegram rejects it.
func Split(text string, limit int) []string {
	if limit < 2 {
		limit = 2 // room for one character outside the Basic Multilingual Plane
	}
	text = strings.TrimSpace(strings.ToValidUTF8(text, "\uFFFD"))
	if text == "" {
		return nil
	}
	if utf16Len(text) <= limit {
		return []string{text}
	}
	var out []string
	for _, p := range splitLevel(text, 0, limit) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// splitLevels are the ways text is cut, coarsest first, with the string
// that joins pieces back.
var splitLevels = []struct {
	cut  func(string) []string
	join string
}{
	{func(s string) []string { return strings.Split(s, "\n\n") }, "\n\n"},
	{func(s string) []string { return strings.Split(s, "\n") }, "\n"},
	{sentences, ""},
}

// splitLevel cuts text at level and packs the pieces greedily into parts
// of at most limit; a piece too long for a part is cut at the next level.
func splitLevel(text string, level, limit int) []string {
	if utf16Len(text) <= limit {
		return []string{text}
	}
	if level == len(splitLevels) {
		return hardCut(text, limit)
	}
	l := splitLevels[level]
	joinLen := utf16Len(l.join)
	var out []string
	var cur strings.Builder
	curLen := 0
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
			curLen = 0
		}
	}
	for _, p := range l.cut(text) {
		n := utf16Len(p)
		if n > limit {
			flush()
			out = append(out, splitLevel(p, level+1, limit)...)
			continue
		}
		if cur.Len() > 0 && curLen+joinLen+n > limit {
			flush()
		}
		if cur.Len() > 0 {
			cur.WriteString(l.join)
			curLen += joinLen
		}
		cur.WriteString(p)
		curLen += n
	}
	flush()
	return out
}

// sentences cuts s after each sentence-ending mark, keeping closing quotes
// and brackets with their sentence.
func sentences(s string) []string {
	var out []string
	start := 0
	rs := s
	for i := 0; i < len(rs); {
		r, size := utf8.DecodeRuneInString(rs[i:])
		i += size
		if !strings.ContainsRune("。！？；!?;…", r) {
			continue
		}
		for i < len(rs) {
			c, n := utf8.DecodeRuneInString(rs[i:])
			if !strings.ContainsRune("”’」』）)》】\"'…", c) {
				break
			}
			i += n
		}
		out = append(out, rs[start:i])
		start = i
	}
	if start < len(rs) {
		out = append(out, rs[start:])
	}
	return out
}

// hardCut cuts s between characters into parts of at most limit units.
func hardCut(s string, limit int) []string {
	var out []string
	start, n := 0, 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if n+w > limit {
			out = append(out, s[start:i])
			start, n = i, 0
		}
		n += w
	}
	return append(out, s[start:])
}

// clipUTF16 shortens s to at most limit UTF-16 units, marking a cut with "…".
func clipUTF16(s string, limit int) string {
	if utf16Len(s) <= limit {
		return s
	}
	n := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if n+w > limit-1 {
			return s[:i] + "…"
		}
		n += w
	}
	return s
}

// escapeHTML escapes what Telegram's HTML parse mode requires: <, > and &.
var escapeHTML = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

// renderHTML turns a part of a plain-text reply into Telegram HTML: every
// character escaped, and a heading in 【】 at the start of a line in bold.
func renderHTML(part string) string {
	var b strings.Builder
	b.Grow(len(part) + 16)
	for i, line := range strings.Split(part, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		if strings.HasPrefix(line, "【") {
			if end := strings.Index(line, "】"); end > 0 {
				end += len("】")
				b.WriteString("<b>" + escapeHTML(line[:end]) + "</b>")
				line = line[end:]
			}
		}
		b.WriteString(escapeHTML(line))
	}
	return b.String()
}
