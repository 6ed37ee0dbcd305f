package knowledge_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestHTMLCharset: how a page's declared charset (read with
// golang.org/x/net/html/charset) and its bytes decide how it is read.
func TestHTMLCharset(t *testing.T) {
	encode := func(enc encoding.Encoding, s string) string {
		out, err := enc.NewEncoder().String(s)
		require.NoError(t, err)
		return out
	}
	const zh = "<title>通知</title><p>暖“新”驿站每天开放，提供饮水和充电服务。</p>"
	const zhText = "# 通知\n暖“新”驿站每天开放，提供饮水和充电服务。\n"
	tests := []struct {
		name, page, want string
	}{
		{"GBK declared by meta charset", `<meta charset="gbk">` + encode(simplifiedchinese.GBK, zh), zhText},
		{"GB2312 declared by http-equiv", `<meta http-equiv="content-type" content="text/html;charset = 'gb2312'">` + encode(simplifiedchinese.GBK, zh), zhText},
		{"GBK declared UTF-8 is sniffed", `<meta charset="utf-8">` + encode(simplifiedchinese.GBK, zh), zhText},
		{"GBK declared Latin-1 is sniffed", `<meta charset="iso-8859-1">` + encode(simplifiedchinese.GBK, zh), zhText},
		{"UTF-8 declared UTF-16", `<meta charset="utf-16">` + zh, zhText},
		{"UTF-8 declared GBK", `<meta charset="gbk">` + zh, zhText},
		{"Shift_JIS", `<meta charset="shift_jis">` + encode(japanese.ShiftJIS, "<title>お知らせ</title><p>駅は毎日開いています。</p>"), "# お知らせ\n駅は毎日開いています。\n"},
		{"windows-1252", `<meta charset="windows-1252"><title>Caf` + "\xe9" + `</title><p>Ouvert tous les jours, caf` + "\xe9" + ` compris.</p>`, "# Café\nOuvert tous les jours, café compris.\n"},
		{"meta without http-equiv is ignored", `<meta content="text/html; charset=shift_jis">` + encode(simplifiedchinese.GBK, zh), zhText},
		{"meta past the prescan: GBK is sniffed", "<!--" + strings.Repeat(" ", 1100) + `--><meta charset="gbk">` + encode(simplifiedchinese.GBK, zh), zhText},
		{"Latin-1 undeclared", `<title>Caf` + "\xe9" + `</title><p>Ouvert tous les jours.</p>`, "# Café\nOuvert tous les jours.\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustLoad(t, "页面.html", []byte(tc.page))
			assert.Equal(t, tc.want, allText(doc))
		})
	}
}
