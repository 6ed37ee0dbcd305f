package telegram_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot/telegram"
)

func TestSplit(t *testing.T) {
	para := func(n int, r string) string { return strings.Repeat(r, n) }
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{"short", "一段话。", 10, []string{"一段话。"}},
		{"blank", " \n\n ", 10, nil},
		{"paragraphs packed", "甲甲甲\n\n乙乙乙\n\n丙丙丙", 8, []string{"甲甲甲\n\n乙乙乙", "丙丙丙"}},
		{"lines when a paragraph is too long", "甲甲甲\n乙乙乙\n丙丙丙", 7, []string{"甲甲甲\n乙乙乙", "丙丙丙"}},
		{"sentences when a line is too long", "第一句话。第二句话！“第三句？”", 6, []string{"第一句话。", "第二句话！", "“第三句？”"}},
		{"characters at last", para(10, "党"), 4, []string{"党党党党", "党党党党", "党党"}},
		{"surrogate pairs stay whole", para(5, "🙂"), 3, []string{"🙂", "🙂", "🙂", "🙂", "🙂"}},
		{"invalid UTF-8 replaced", "a\xffb", 10, []string{"a\uFFFDb"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, telegram.Split(tc.text, tc.limit))
		})
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"甲\n\n乙\n丙。丁！", "🙂🙂🙂", "a\xffb", "\n\n\n", "【新工单】x\n\ny"} {
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, text string, limit int) {
		if limit < 2 || limit > 5000 {
			return
		}
		parts := telegram.Split(text, limit)
		var all strings.Builder
		for _, p := range parts {
			n := telegram.UTF16Len(p)
			require.Positive(t, n, "empty part")
			require.LessOrEqual(t, n, limit, "UTF-16 units of part %q", p)
			require.True(t, utf8.ValidString(p), "invalid UTF-8 in part %q", p)
			require.Equal(t, strings.TrimSpace(p), p, "part not trimmed")
			all.WriteString(p)
		}
		// Nothing is lost but space.
		squeeze := func(s string) string {
			return strings.Map(func(r rune) rune {
				if unicode.IsSpace(r) {
					return -1
				}
				return r
			}, strings.ToValidUTF8(s, "\uFFFD"))
		}
		assert.Equal(t, squeeze(text), squeeze(all.String()), "parts %q do not add up to %q", parts, text)
	})
}

func TestRenderHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a<b & c>d", "a&lt;b &amp; c&gt;d"},
		{"【新工单】2026-000001\n【督办】<x>", "<b>【新工单】</b>2026-000001\n<b>【督办】</b>&lt;x&gt;"},
		{"文中【不是标题】", "文中【不是标题】"},
		{"【<未闭合", "【&lt;未闭合"},
		{`"引号" 'single'`, `"引号" 'single'`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			assert.Equal(t, tc.want, telegram.RenderHTML(tc.in))
		})
	}
}
