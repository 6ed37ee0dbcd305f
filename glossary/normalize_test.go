package glossary_test

import (
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"partybot/glossary"
)

// TestNormalize covers every fold the three normalisers it replaced relied
// on (knowledge's, tickets' and retrieval's), and what it keeps.
func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"typographic quotes", "暖“新”驿站、‘六同步’", "暖新驿站、六同步"},
		{"ASCII quotes and backtick", "暖\"新\"驿站 'x' `y`", "暖新驿站xy"},
		{"corner and double-prime quotes", "「新」『新』〝新〞", "新新新"},
		{"full-width quotes", "暖＂新＂驿站＇", "暖新驿站"},
		{"title brackets", "《章程》〈条例〉【求助】〖通知〗", "章程条例求助通知"},
		{"white space", " 暖 新\t驿\n站\u3000", "暖新驿站"},
		{"full-width letters and digits", "ＡＩ助理１２３", "ai助理123"},
		{"lower case", "AI and Ψ", "aiandψ"},
		{"half-width katakana and punctuation", "ｶﾀｶﾅ｡｢x｣", "カタカナ。x"},
		{"zero-width and bidi controls", "井盖\u200b丢\u202e了\ufeff\u00ad", "井盖丢了"},
		{"other punctuation kept", "登记、章程核准，年检年报。（试行）〔2025〕", "登记、章程核准,年检年报。(试行)〔2025〕"},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, glossary.Normalize(tc.in))
		})
	}
}

func TestHidden(t *testing.T) {
	for _, r := range []rune{0xAD, 0x061C, 0x200B, 0x200D, 0x200E, 0x200F, 0x202A, 0x202E, 0x2060, 0x2064, 0x2066, 0x2069, 0xFEFF} {
		assert.True(t, glossary.Hidden(r), "%U", r)
	}
	for _, r := range []rune{'a', ' ', 0xAC, 0x2010, 0x2029, 0x2065, 0x206A, '井'} {
		assert.False(t, glossary.Hidden(r), "%U", r)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "暖“新”驿站", "ＡＩ　助理", "\u200b\u202e", "\xff\xfe", "ｶﾞ", "İK"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := glossary.Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q, not UTF-8", s, n)
		}
		if again := glossary.Normalize(n); again != n {
			t.Fatalf("Normalize not idempotent: %q → %q → %q", s, n, again)
		}
		for _, r := range n {
			if unicode.IsSpace(r) || glossary.Hidden(r) || ('A' <= r && r <= 'Z') || (r >= 0xFF01 && r <= 0xFF5E) {
				t.Fatalf("Normalize(%q) = %q keeps %U", s, n, r)
			}
		}
	})
}

func BenchmarkNormalize(b *testing.B) {
	const q = "快递小哥在暖“新”驿站歇脚时反映孩子暑假没人看，想咨询托管班和法律援助"
	for b.Loop() {
		if glossary.Normalize(q) == "" {
			b.Fatal("empty")
		}
	}
}
