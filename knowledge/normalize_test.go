package knowledge

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// FuzzNormalizeText checks the one-pass test of normalizeText against
// the passes it replaced, and blank against cleanText.
func FuzzNormalizeText(f *testing.F) {
	for _, s := range []string{"", "正文。\n\n第二段", "a\r\nb", "\uFEFFx", "x\u2028y\u2029z\u0085", "\xff\xfe", "“引号”…—", "\t\v\f", "\u200B\u00AD "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := s
		if !utf8.ValidString(want) {
			want = strings.ToValidUTF8(want, "\uFFFD")
		}
		if strings.ContainsAny(want, "\r\f\v") || strings.Contains(want, "\u0085") ||
			strings.Contains(want, "\u2028") || strings.Contains(want, "\u2029") || strings.Contains(want, "\uFEFF") {
			want = lineBreaks.Replace(want)
		}
		assert.Equal(t, want, normalizeText(s))
		assert.Equal(t, cleanText(s) == "", blank(s), "blank(%q)", s)
	})
}
