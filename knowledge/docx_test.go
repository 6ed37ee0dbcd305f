package knowledge_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/knowledge"
)

func TestLoadDOCX(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantTitle string
		want      string // allText of the document
	}{
		{"title, headings and a table",
			wp("a3", "暖“新”驿站服务指南") +
				wp("", "本指南适用于全区驿站。") +
				wp("1", "一、开放时间") +
				`<w:p><w:r><w:t>每天</w:t></w:r><w:r><w:t xml:space="preserve"> 9:00</w:t></w:r><w:r><w:tab/><w:t>开放。</w:t></w:r></w:p>` +
				wp("MyHeading", "（一）节假日") +
				wp("", "节假日照常开放。") +
				wtable([]string{"服务", "费用"}, []string{"饮水", "免费"}, []string{"充电", ""}),
			"暖“新”驿站服务指南",
			"# 暖“新”驿站服务指南\n本指南适用于全区驿站。\n## 一、开放时间\n每天 9:00 开放。\n## 一、开放时间 （一）节假日\n节假日照常开放。\n服务：饮水；费用：免费\n服务：充电\n"},
		{"several heading-1 articles",
			wp("1", "第一篇") + wp("", "正文一。") + wp("1", "第二篇") + wp("", "正文二。"),
			"test",
			"# 第一篇\n正文一。\n# 第二篇\n正文二。\n"},
		{"plain official document",
			wp("", "中共某某区委社会工作部文件") + wp("", "社工发〔2025〕12号") +
				wp("", "关于做好暖“新”驿站建设工作的通知") + wp("", "各街道党工委：") +
				wp("", "为做好新就业群体服务工作，现将有关事项通知如下。") +
				wp("", "中共某某区委社会工作部") + wp("", "2025年3月12日"),
			"关于做好暖“新”驿站建设工作的通知",
			"# 关于做好暖“新”驿站建设工作的通知\n各街道党工委：\n为做好新就业群体服务工作，现将有关事项通知如下。\n中共某某区委社会工作部 2025年3月12日\n"},
		{"text box (before its paragraph) without its fallback copy, line breaks, deleted text",
			`<w:p><w:r><w:t>正文</w:t></w:r><w:r><w:delText>删掉的</w:delText></w:r><w:r><w:br/><w:t>第二行。</w:t></w:r>` +
				`<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>` + wp("", "文本框。") +
				`</w:txbxContent></wps:txbx></w:drawing></mc:Choice><mc:Fallback>` + wp("", "文本框。") + `</mc:Fallback></mc:AlternateContent></w:r></w:p>`,
			"test",
			"# test\n文本框。\n## 正文\n第二行。\n"},
		{"Markdown-like text kept as it is",
			wp("1", "标题") + wp("", "1. 第一条") + wp("", "# 不是标题") + wp("", "**加粗**与[链接](x)") + wp("", "---"),
			"标题",
			"# 标题\n1. 第一条\n# 不是标题\n**加粗**与[链接](x)\n---\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustLoad(t, "dir/test.docx", makeDOCX(t, tc.body))
			assert.Equal(t, tc.wantTitle, doc.Title, "Title")
			assert.Equal(t, tc.want, allText(doc), "text")
		})
	}
}

func TestLoadDOCXMetadata(t *testing.T) {
	body := wp("", "中共某某区委社会工作部文件") + wp("", "社工发〔2025〕12号") +
		wp("", "关于做好暖“新”驿站建设工作的通知") + wp("", "各街道党工委：") +
		wp("", "为做好新就业群体服务工作，现将有关事项通知如下。") +
		wp("", "中共某某区委社会工作部") + wp("", "2025年3月12日")
	doc := mustLoad(t, "通知.docx", makeDOCX(t, body))
	assert.Equal(t, "关于做好暖“新”驿站建设工作的通知（社工发〔2025〕12号，2025年3月12日）", doc.Citation(), "Citation")
	assert.Equal(t, "中共某某区委社会工作部", doc.Issuer, "Issuer")
}

func TestLoadDOCXErrors(t *testing.T) {
	good := makeDOCX(t, wp("", "正文。"))
	// Zip bombs: a document.xml that says it expands to a terabyte, and
	// one that expands beyond the size its header states.
	bomb := func(declared uint64) []byte {
		var raw, buf bytes.Buffer
		fw, err := flate.NewWriter(&raw, flate.BestSpeed)
		require.NoError(t, err)
		fw.Write([]byte(`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`))
		fw.Write(bytes.Repeat([]byte(`<w:p><w:r><w:t>党建引领</w:t></w:r></w:p>`), 1<<16))
		fw.Close()
		zw := zip.NewWriter(&buf)
		w, err := zw.CreateRaw(&zip.FileHeader{Name: "word/document.xml", Method: zip.Deflate,
			CompressedSize64: uint64(raw.Len()), UncompressedSize64: declared})
		require.NoError(t, err)
		w.Write(raw.Bytes())
		zw.Close()
		return buf.Bytes()
	}
	tests := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"truncated zip", good[:len(good)/2], knowledge.ErrCorrupt, "已损坏"},
		{"not a zip", []byte("just text, not a document"), knowledge.ErrCorrupt, "已损坏"},
		{"empty file", nil, knowledge.ErrCorrupt, "已损坏"},
		{"old binary .doc", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...), knowledge.ErrUnsupported, "另存为 .docx"},
		{"no document part", makeZip(t, map[string]string{"a.txt": "x"}), knowledge.ErrCorrupt, "不是 Word 文档"},
		{"broken XML", makeZip(t, map[string]string{"word/document.xml": "<w:document><w:body><w:p>"}), knowledge.ErrCorrupt, "内容不完整"},
		{"no text", makeDOCX(t, `<w:p/>`), knowledge.ErrEmpty, "没有文字"},
		{"deep nesting", makeDOCX(t, strings.Repeat("<w:sdt>", 5000)+strings.Repeat("</w:sdt>", 5000)), knowledge.ErrCorrupt, "嵌套过深"},
		{"zip bomb", bomb(1 << 40), knowledge.ErrTooLarge, "压缩炸弹"},
		{"zip bomb understating its size", bomb(1000), knowledge.ErrCorrupt, "内容不完整"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := knowledge.Load("坏.docx", tc.data)
			require.ErrorIs(t, err, tc.want, "Load")
			assert.Contains(t, knowledge.Message(err), tc.msg, "Message")
		})
	}
}

func FuzzLoadDOCX(f *testing.F) {
	f.Add(makeDOCX(f, wp("a3", "标题")+wp("1", "一、要求")+wp("", "正文。")+wtable([]string{"姓名", "电话"}, []string{"张三", "123"})))
	f.Add(makeDOCX(f, wp("", "中共某某区委社会工作部文件")+wp("", "社工发〔2025〕12号")+wp("", "关于开展工作的通知")+wp("", "正文。")))
	f.Add(makeZip(f, map[string]string{"word/document.xml": "<w:document><w:body><w:p><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := knowledge.Load("f.docx", data)
		checkLoadResult(t, doc, err)
	})
}

// checkLoadResult checks the outcome of loading any input: an error
// wraps a sentinel, a document keeps the promises of checkDocument.
func checkLoadResult(t *testing.T, doc knowledge.Document, err error) {
	t.Helper()
	if err != nil {
		require.True(t, wrapsAny(err, knowledge.ErrUnsupported, knowledge.ErrBinary, knowledge.ErrEncoding,
			knowledge.ErrEmpty, knowledge.ErrTooLarge, knowledge.ErrCorrupt, knowledge.ErrGarbled),
			"error %v wraps none of the sentinel errors", err)
		return
	}
	checkDocument(t, doc)
}

// wrapsAny reports whether err wraps one of the sentinels.
func wrapsAny(err error, sentinels ...error) bool {
	for _, sentinel := range sentinels {
		if errors.Is(err, sentinel) {
			return true
		}
	}
	return false
}
