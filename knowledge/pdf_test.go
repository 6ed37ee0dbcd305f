package knowledge_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/knowledge"
)

// notice is an official document as pages of lines: a masthead, the
// number, the title, paragraphs indented by two characters and wrapped,
// a heading, the signature and date, and page numbers.
var notice = [][]string{{
	"中共某某区委社会工作部文件",
	"",
	"社工发〔2025〕12号",
	"",
	"关于做好暖新驿站建设工作的通知",
	"",
	"各街道党工委、区直有关单位：",
	"  为进一步做好新就业群体服务工作，推动驿站规范化建设，现将",
	"有关事项通知如下。驿站每天开放，为快递员、外卖配送员提供饮水、",
	"休息、充电等服务。",
	"一、建设标准",
	"  驿站面积不少于二十平方米，配备饮水机和急救药箱，在醒目位置公",
	"示服务内容和投诉电话。",
	"",
	"— 1 —",
}, {
	"二、检查要求",
	"  各街道要在每年三月底前完成驿站的年度检查，检查结果报区委社会",
	"工作部备案。",
	"",
	"中共某某区委社会工作部",
	"2025年3月12日",
	"",
	"— 2 —",
}}

func TestLoadPDF(t *testing.T) {
	want := "# 关于做好暖新驿站建设工作的通知\n" +
		"各街道党工委、区直有关单位：\n" +
		"为进一步做好新就业群体服务工作，推动驿站规范化建设，现将有关事项通知如下。驿站每天开放，为快递员、外卖配送员提供饮水、休息、充电等服务。\n" +
		"## 一、建设标准\n" +
		"驿站面积不少于二十平方米，配备饮水机和急救药箱，在醒目位置公示服务内容和投诉电话。\n" +
		"## 二、检查要求\n" +
		"各街道要在每年三月底前完成驿站的年度检查，检查结果报区委社会工作部备案。\n" +
		"中共某某区委社会工作部 2025年3月12日\n"
	for _, tool := range []string{"pdftotext", "built-in"} {
		t.Run(tool, func(t *testing.T) {
			usePDFExtractor(t, tool)
			doc := mustLoad(t, "通知.pdf", makeCJKPDF(t, notice, true))
			assert.Equal(t, want, allText(doc), "text")
			assert.Equal(t, "关于做好暖新驿站建设工作的通知（社工发〔2025〕12号，2025年3月12日）", doc.Citation(), "Citation")
			assert.Equal(t, "中共某某区委社会工作部", doc.Issuer, "Issuer")
		})
	}
}

// usePDFExtractor makes the test use pdftotext (skipping the test when
// it is not installed) or the built-in extractor.
func usePDFExtractor(tb testing.TB, tool string) {
	tb.Helper()
	path := knowledge.PDFToTextPath()
	if tool == "pdftotext" {
		if path == "" {
			tb.Skip("pdftotext (poppler-utils) is not installed")
		}
	} else {
		path = ""
	}
	tb.Cleanup(knowledge.UsePDFToText(path))
}

func TestLoadPDFLatin(t *testing.T) {
	for _, tool := range []string{"pdftotext", "built-in"} {
		t.Run(tool, func(t *testing.T) {
			usePDFExtractor(t, tool)
			doc := mustLoad(t, "guide.pdf", makeLatinPDF(t))
			got := allText(doc)
			for _, s := range []string{"Courier Station Service Guide", "which answers within three working days.", "Rating the service closes the loop.", "Page two: contact the social work department."} {
				assert.Contains(t, got, s, "text")
			}
		})
	}
}

func TestLoadPDFErrors(t *testing.T) {
	lines := []string{"关于做好暖新驿站建设工作的通知", "各街道党工委：为做好新就业群体服务工作，现将有关事项通知如下。"}
	good := makeCJKPDF(t, [][]string{lines}, true)
	tests := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"fonts without a Unicode map", makeCJKPDF(t, [][]string{lines, lines}, false), knowledge.ErrGarbled, "转成 .docx 或 .txt"},
		{"no text layer (a scan)", makeCJKPDF(t, [][]string{{}, {}}, true), knowledge.ErrUnsupported, "OCR"},
		{"truncated", good[:len(good)/3], knowledge.ErrCorrupt, "已损坏"},
		{"not a PDF", []byte("<html>not a pdf</html>"), knowledge.ErrCorrupt, "不是 PDF"},
	}
	for _, tool := range []string{"pdftotext", "built-in"} {
		for _, tc := range tests {
			t.Run(tool+"/"+tc.name, func(t *testing.T) {
				usePDFExtractor(t, tool)
				_, err := knowledge.Load("坏.pdf", tc.data)
				require.ErrorIs(t, err, tc.want, "Load")
				assert.Contains(t, knowledge.Message(err), tc.msg, "Message")
			})
		}
	}
}

func TestLoadPDFGarbledPage(t *testing.T) {
	// One page of three cannot be decoded: it is skipped with a warning.
	for _, tool := range []string{"pdftotext", "built-in"} {
		t.Run(tool, func(t *testing.T) {
			usePDFExtractor(t, tool)
			good := notice[0]
			pages := [][]string{good, good, {"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12\x13"}}
			doc := mustLoad(t, "混合.pdf", makeCJKPDF(t, pages, true))
			if assert.Len(t, doc.Warnings, 1, "Warnings") {
				assert.Contains(t, doc.Warnings[0], "第 3 页", "the warning should be about page 3")
			}
		})
	}
}

func FuzzLoadPDF(f *testing.F) {
	f.Add(makeCJKPDF(f, notice, true))
	f.Add(makeLatinPDF(f))
	f.Add([]byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		defer knowledge.UsePDFToText("")() // the built-in extractor
		doc, err := knowledge.Load("f.pdf", data)
		checkLoadResult(t, doc, err)
	})
}
