package main

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// docx builds a minimal Word document with one paragraph per line.
func docx(t *testing.T, lines ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	add := func(name, body string) {
		w, err := z.Create(name)
		require.NoError(t, err)
		w.Write([]byte(body))
	}
	add("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`)
	var body strings.Builder
	for _, l := range lines {
		body.WriteString(`<w:p><w:r><w:t>` + l + `</w:t></w:r></w:p>`)
	}
	add("word/document.xml", `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`+body.String()+`</w:body></w:document>`)
	require.NoError(t, z.Close())
	return buf.Bytes()
}

// TestIngestFormats ingests a .docx, a GBK .html page and an .xlsx made
// here, then asks about each: the answer cites the document, with its
// number and date where the document states them.
func TestIngestFormats(t *testing.T) {
	dir, docs := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(docs, "notice.docx"), docx(t,
		"区委社会工作部文件",
		"社工发〔2025〕12号",
		"关于加强暖“新”驿站运营管理的通知",
		"各街道：暖“新”驿站应当每日开放不少于十二小时，配备饮水机、微波炉和充电设备。",
		"2025年3月12日"), 0o644)
	page, err := simplifiedchinese.GBK.NewEncoder().String(`<html><head><meta charset="gbk"><title>快递员关爱行动 - 区总工会</title></head><body>
<nav>首页 | 新闻 | 联系我们</nav><script>var x = "广告";</script>
<article><h1>快递员关爱行动</h1><p>区总工会组织开展快递员冬季关爱行动，为每名快递员发放防寒手套和护膝。</p></article>
<footer>版权所有</footer></body></html>`)
	require.NoError(t, err)
	os.WriteFile(filepath.Join(docs, "care.html"), []byte(page), 0o644)
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"街道", "驿站名称", "开放时间"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"城关街道", "城关暖新驿站", "早八点至晚十点"})
	require.NoError(t, f.SaveAs(filepath.Join(docs, "stations.xlsx")))
	os.WriteFile(filepath.Join(docs, "old.doc"), []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), 0o644)

	out, stderr, err := run(t, dir, "", "ingest", docs)
	require.NoError(t, err, "stderr=%s", stderr)
	assert.Contains(t, out, "新增 3")
	assert.Contains(t, out, "不支持跳过 1")
	assert.Contains(t, stderr, "old.doc", "the skipped file is named")
	assert.Contains(t, stderr, ".docx", "the skipped file's advice")
	tests := []struct{ q, want string }{
		{"暖新驿站应当配备哪些设备？", "社工发〔2025〕12号，2025年3月12日"},
		{"给快递员发放什么防寒物品？", "快递员关爱行动"},
		{"城关暖新驿站的开放时间是什么？", "早八点至晚十点"},
	}
	for _, tc := range tests {
		out, _, err := run(t, dir, "", "ask", tc.q)
		require.NoError(t, err, tc.q)
		assert.Contains(t, out, tc.want, tc.q)
		assert.NotContains(t, out, "知识库中没有找到", tc.q)
	}
	out, _, _ = run(t, dir, "", "ask", "给快递员发放什么防寒物品？")
	assert.NotContains(t, out, "广告", "page furniture reached the answer")
	assert.NotContains(t, out, "首页", "page furniture reached the answer")
	// Named explicitly, an unsupported file is a failure with its advice.
	_, stderr, err = run(t, dir, "", "ingest", filepath.Join(docs, "old.doc"))
	assert.Error(t, err, "an unsupported file named explicitly")
	assert.Contains(t, stderr, ".docx", "the advice")
}
