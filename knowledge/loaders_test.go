package knowledge_test

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/knowledge"
)

func TestLoadUnsupported(t *testing.T) {
	tests := []struct {
		file, msg string
	}{
		{"通知.doc", "另存为 .docx 或 .txt"},
		{"通知.WPS", "另存为 .docx 或 .txt"},
		{"台账.xls", "另存为 .xlsx"},
		{"扫描件.jpg", "文字识别（OCR）"},
		{"扫描件.png", "文字识别（OCR）"},
		{"扫描件.tif", "文字识别（OCR）"},
		{"扫描件.bmp", "文字识别（OCR）"},
		{"公文.ofd", "另存为 PDF"},
		{"资料.zip", "先解压"},
		{"程序.exe", "不支持文件类型“.exe”"},
		{"README", "不支持没有扩展名的文件"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			assert.False(t, knowledge.Supported(tc.file), "Supported(%q)", tc.file)
			_, err := knowledge.Load(tc.file, []byte("data"))
			require.ErrorIs(t, err, knowledge.ErrUnsupported, "Load")
			assert.Contains(t, knowledge.Message(err), tc.msg, "message")
			assert.ErrorContains(t, err, tc.file, "the error should name the file")
		})
	}
	for _, file := range []string{"a.txt", "b.MD", "c.markdown", "d.docx", "e.html", "f.HTM", "g.pdf", "h.xlsx"} {
		assert.True(t, knowledge.Supported(file), "Supported(%q)", file)
	}
}

// endless yields n bytes of text without holding them, counting what is
// read.
type endless struct{ n, read int64 }

func (e *endless) Read(p []byte) (int, error) {
	if e.read >= e.n {
		return 0, io.EOF
	}
	n := min(int64(len(p)), e.n-e.read)
	for i := range p[:n] {
		p[i] = "党建\n"[(e.read+int64(i))%7]
	}
	e.read += n
	return int(n), nil
}

func TestLoadTooLarge(t *testing.T) {
	const size = 200 << 20
	err := knowledge.CheckSize("大.pdf", size)
	assert.ErrorIs(t, err, knowledge.ErrTooLarge, "CheckSize(200 MB)")
	assert.ErrorContains(t, err, "200.0 MB", "CheckSize(200 MB) should name the size")
	assert.NoError(t, knowledge.CheckSize("小.pdf", knowledge.MaxFileSize), "CheckSize(MaxFileSize)")
	r := &endless{n: size}
	_, err = knowledge.LoadReader("大.txt", r)
	require.ErrorIs(t, err, knowledge.ErrTooLarge, "LoadReader(200 MB)")
	assert.LessOrEqual(t, r.read, int64(knowledge.MaxFileSize+1), "bytes LoadReader read of a 200 MB input")
	doc, err := knowledge.LoadReader("小.txt", &endless{n: 1000})
	assert.NoError(t, err, "LoadReader(1000 bytes)")
	assert.Contains(t, doc.Text, "党建", "LoadReader(1000 bytes)")
}

func TestReloadUnsupported(t *testing.T) {
	_, err := knowledge.Reload("a.doc", "text")
	assert.ErrorIs(t, err, knowledge.ErrUnsupported, "Reload(.doc)")
	_, err = knowledge.Reload("a.pdf", "---\nformat: txt\n---\n\n")
	assert.ErrorIs(t, err, knowledge.ErrEmpty, "Reload(empty)")
}

// BenchmarkLoad measures loading throughput per format, in bytes of
// file per second.
func BenchmarkLoad(b *testing.B) {
	para := "为进一步做好新就业群体服务工作，推动暖“新”驿站规范化建设，驿站每天开放，为快递员、外卖配送员提供饮水、休息、充电等服务，并建立“点单、派单、接单、评单”快速响应机制。"
	var body, html strings.Builder
	var rows [][]any
	var pages [][]string
	for i := range 400 {
		body.WriteString(wp("", para))
		html.WriteString("<p>" + para + "</p>\n")
		rows = append(rows, []any{"某某商会", "张三", i, para})
		if i%20 == 0 {
			pages = append(pages, nil)
		}
		pages[len(pages)-1] = append(pages[len(pages)-1], para[:60], para[60:])
	}
	text := strings.Repeat(para+"\n\n", 400)
	gbk := mustGBK(b, text)
	rows = append([][]any{{"名称", "负责人", "序号", "情况"}}, rows...)
	files := []struct {
		name string
		data []byte
	}{
		{"a.txt", []byte(text)},
		{"gbk.txt", gbk},
		{"a.docx", makeDOCX(b, body.String())},
		{"a.html", []byte("<title>t</title><div>" + html.String() + "</div>")},
		{"a.xlsx", makeXLSX(b, []string{"Sheet1"}, map[string][][]any{"Sheet1": rows})},
		{"a.pdf", makeCJKPDF(b, pages, true)},
	}
	for _, f := range files {
		b.Run(f.name, func(b *testing.B) {
			if strings.HasSuffix(f.name, ".pdf") {
				b.Cleanup(knowledge.UsePDFToText("")) // the built-in extractor
			}
			b.SetBytes(int64(len(f.data)))
			for b.Loop() {
				_, err := knowledge.Load(f.name, f.data)
				require.NoError(b, err)
			}
		})
	}
}
