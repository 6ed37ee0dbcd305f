package knowledge_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"

	"partybot/knowledge"
)

func TestLoadTextEncodings(t *testing.T) {
	const text = "党建动态\n\n暖“新”驿站每天开放，提供饮水、充电服务。𠀀"
	gbk, err := simplifiedchinese.GB18030.NewEncoder().String(text)
	require.NoError(t, err)
	gbkOnly, err := simplifiedchinese.GBK.NewEncoder().String("党建动态\n\n暖“新”驿站每天开放。")
	require.NoError(t, err)
	u16le, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(text)
	u16be, _ := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().String(text)
	u32, _ := utf32.UTF32(utf32.LittleEndian, utf32.UseBOM).NewEncoder().String(text)
	tests := []struct {
		name, data, want string
	}{
		{"UTF-8", text, text},
		{"UTF-8 with BOM", "\uFEFF" + text, text},
		{"GB18030 with a four-byte character", gbk, text},
		{"GBK", gbkOnly, "党建动态\n\n暖“新”驿站每天开放。"},
		{"UTF-16LE", u16le, text},
		{"UTF-16BE", u16be, text},
		{"UTF-32LE", u32, text},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := knowledge.LoadText("a.txt", []byte(tc.data))
			require.NoError(t, err)
			assert.Equal(t, tc.want, doc.Text, "Text")
			assert.Equal(t, "党建动态", doc.Title, "Title")
			checkDocument(t, doc)
		})
	}
}

func FuzzDecodeText(f *testing.F) {
	data, err := os.ReadFile("testdata/notice.txt.input")
	require.NoError(f, err)
	f.Add(data)
	gbk, _ := simplifiedchinese.GBK.NewEncoder().Bytes(data)
	f.Add(gbk)
	u16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes(data)
	f.Add(u16)
	f.Add([]byte("党建\xe5\x8a"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := knowledge.LoadText("f.txt", data)
		if err != nil {
			require.True(t, wrapsAny(err, knowledge.ErrBinary, knowledge.ErrEncoding, knowledge.ErrEmpty),
				"error %v wraps none of the sentinel errors", err)
			return
		}
		checkDocument(t, doc)
	})
}

func mustGBK(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	require.NoError(tb, err)
	return b
}
