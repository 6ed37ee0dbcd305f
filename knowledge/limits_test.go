package knowledge_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/knowledge"
)

// maxPeakMB is the most memory loading one crafted file may take.
const maxPeakMB = 300

// peakCapMB is where the helper process gives up: well above maxPeakMB,
// well below what would trouble the machine.
const peakCapMB = 2048

// checkHostile loads a crafted file in a helper process and checks that
// it fails with ErrTooLarge naming the limit, within maxPeakMB.
func checkHostile(t *testing.T, name string, data []byte, limit string) {
	t.Helper()
	r := loadPeak(t, name, data, peakCapMB)
	require.False(t, r.Exhausted, "loading %s passed %d MB of memory", name, peakCapMB)
	assert.LessOrEqual(t, r.PeakMB, float64(maxPeakMB), "peak memory, MB")
	assert.True(t, r.TooLarge, "error %q should wrap ErrTooLarge", r.Err)
	assert.Contains(t, r.Message, limit)
}

// TestXLSXLastColumnCellsFailWithinMemory protects against the workbooks
// of the security report: each row has a cell in A and one in XFD, which
// made excelize's row iterator hold 16,384 strings a row: 2.5 GB for the
// 43 KB file, out of memory for the 1.6 MB one.
func TestXLSXLastColumnCellsFailWithinMemory(t *testing.T) {
	for _, tc := range []struct {
		name string
		rows int
		size int // about, in KB
	}{
		{"43 KB", 5_000, 43},
		{"1.6 MB", 210_000, 1_600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := hostileXLSX(t, tc.rows)
			require.InDelta(t, tc.size, len(data)>>10, float64(tc.size)/5, "size of the crafted file, KB")
			checkHostile(t, "台账.xlsx", data, "超出了 256 列（IV 列）的上限")
		})
	}
}

// TestDOCXEmptyParagraphsFailWithinMemory protects against the .docx of
// the security report: 22 million empty paragraphs in 200 KB, which took
// 4.4 GB and 23 s to load.
func TestDOCXEmptyParagraphsFailWithinMemory(t *testing.T) {
	data := hostileDOCX(t, 22_000_000)
	require.Less(t, len(data), 256<<10, "size of the crafted file")
	checkHostile(t, "通知.docx", data, "超过 200000 个段落")
}

// TestCraftedDocumentsFailWithinMemory protects every other loader
// against files whose count of small units, not their size, multiplies
// memory: rows, headings, paragraphs, nested elements, table cells, line
// breaks and compressed page contents.
func TestCraftedDocumentsFailWithinMemory(t *testing.T) {
	tests := []struct {
		name  string
		data  func(t *testing.T) []byte
		limit string
	}{
		{"workbook.xlsx", func(t *testing.T) []byte { // 210,000 rows of two cells
			return makeSheetXLSX(t, numberedRows(210_000, `<row r="#"><c r="A#"><v>1</v></c><c r="B#"><v>2</v></c></row>`))
		}, "表格超过 200000 行"},
		{"headings.md", func(*testing.T) []byte { return []byte(strings.Repeat("# a\n", 999_999)) }, "超过 200000 个段落"},
		{"paragraphs.txt", func(*testing.T) []byte { return []byte(strings.Repeat("a\n\n", 16_000_000)) }, "超过 1000000 行"},
		{"nested.html", func(*testing.T) []byte {
			return []byte(strings.Repeat(strings.Repeat("<div>", 250)+"字"+strings.Repeat("</div>", 250), 18_000))
		}, "个区块元素"},
		{"cells.docx", func(t *testing.T) []byte {
			return bodyDOCX(t, "<w:tbl><w:tr>"+strings.Repeat("<w:tc/>", 1000)+"</w:tr></w:tbl>", 15_000)
		}, "超过 200000 个单元格"},
		{"breaks.docx", func(t *testing.T) []byte {
			return bodyDOCX(t, "<w:p><w:r><w:t>a</w:t>"+strings.Repeat("<w:br/><w:t>a</w:t>", 1000)+"</w:r></w:p>", 4_000)
		}, "超过 200000 个段落"},
		{"bomb.pdf", func(t *testing.T) []byte { return bombPDF(t, 1<<27) }, "页面内容解压后超过 256 MB"}, // 900 MB of content
		{"cell.xlsx", func(t *testing.T) []byte { // one inline string of 120 MB
			return partXLSX(t, "xl/worksheets/sheet1.xml", repeated(t, xlsxSheetStart+`<row r="1"><c r="A1" t="inlineStr"><is><t>`, "字", 40_000_000, `</t></is></c></row>`+xlsxSheetEnd), "")
		}, "超过 8 MB 的单段内容"},
		{"strings.xlsx", func(t *testing.T) []byte { // one shared string of 120 MB
			return partXLSX(t, "xl/sharedStrings.xml", repeated(t, `<sst><si><t>`, "字", 40_000_000, `</t></si></sst>`),
				xlsxSheetStart+`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`+xlsxSheetEnd)
		}, "超过 8 MB 的单段内容"},
		{"runs.xlsx", func(t *testing.T) []byte { // a shared string of 36 MB in runs of 300 bytes
			return partXLSX(t, "xl/sharedStrings.xml", repeated(t, `<sst><si>`, "<r><t>"+strings.Repeat("字", 100)+"</t></r>", 120_000, `</si></sst>`),
				xlsxSheetStart+`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`+xlsxSheetEnd)
		}, "表格的文字超过 32 MB"},
		{"comment.xlsx", func(t *testing.T) []byte { // a comment of 120 MB
			return partXLSX(t, "xl/worksheets/sheet1.xml", repeated(t, xlsxSheetStart+`<!--`, "字", 40_000_000, `--><row r="1"><c r="A1"><v>1</v></c></row>`+xlsxSheetEnd), "")
		}, "超过 8 MB 的单段内容"},
		{"text.docx", func(t *testing.T) []byte { // one run of 120 MB
			return zipWith(t, map[string]string{}, "word/document.xml", repeated(t, docxHead+"<w:p><w:r><w:t>", "字", 40_000_000, "</w:t></w:r></w:p>"+docxTail))
		}, "超过 8 MB 的单段内容"},
		{"runs.docx", func(t *testing.T) []byte { // paragraphs of 36 MB in runs of 300 bytes
			return bodyDOCX(t, "<w:p>"+strings.Repeat("<w:r><w:t>"+strings.Repeat("字", 100)+"</w:t></w:r>", 1000)+"</w:p>", 120)
		}, "文档的文字超过 32 MB"},
	}
	if raceEnabled {
		t.Skip("the race detector multiplies memory and time; these run without -race")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkHostile(t, tc.name, tc.data(t), tc.limit)
		})
	}
}

// TestLoadLimits checks each limit on what a document turns into, just
// past it, and that ordinary documents just within it still load.
func TestLoadLimits(t *testing.T) {
	rows := func(n int, row string) func(w io.Writer) {
		return func(w io.Writer) {
			for r := 1; r <= n; r++ {
				fmt.Fprintf(w, row, r)
			}
		}
	}
	tests := []struct {
		name  string
		file  string
		data  func(t *testing.T) []byte
		limit string // "" for a file that loads
		heavy bool   // takes more than a few seconds under the race detector
	}{
		{"text in column IV", "a.xlsx", func(t *testing.T) []byte {
			return makeSheetXLSX(t, rows(2, `<row r="%[1]d"><c r="A%[1]d" t="inlineStr"><is><t>名称</t></is></c><c r="IV%[1]d" t="inlineStr"><is><t>末列</t></is></c></row>`))
		}, "", false},
		{"text in column IW", "a.xlsx", func(t *testing.T) []byte {
			return makeSheetXLSX(t, rows(2, `<row r="%[1]d"><c r="A%[1]d"><v>1</v></c><c r="IW%[1]d" t="inlineStr"><is><t>多余</t></is></c></row>`))
		}, "表格“Sheet1”第 1 行的 IW 列有内容，超出了 256 列（IV 列）的上限", false},
		{"blank cell in column XFD", "a.xlsx", func(t *testing.T) []byte {
			return makeSheetXLSX(t, rows(2, `<row r="%[1]d"><c r="A%[1]d"><v>1</v></c><c r="XFD%[1]d" t="inlineStr"><is><t> </t></is></c></row>`))
		}, "", false},
		{"rows", "a.xlsx", func(t *testing.T) []byte {
			return makeSheetXLSX(t, numberedRows(200_001, `<row r="#"><c><v>1</v></c></row>`))
		}, "表格超过 200000 行", true},
		{"cells", "a.xlsx", func(t *testing.T) []byte {
			return makeSheetXLSX(t, func(w io.Writer) {
				io.WriteString(w, `<row r="1"><c><v>1</v></c>`+strings.Repeat("<c/>", 2_000_000)+`</row>`)
			})
		}, "表格超过 2000000 个单元格", true},
		{"shared strings", "a.xlsx", func(t *testing.T) []byte {
			return sharedStringsXLSX(t, strings.Repeat("<si/>", 1_000_001))
		}, "不同的文字超过 1000000 条", true},
		{"sheets", "a.xlsx", func(t *testing.T) []byte { return sheetsXLSX(t, 1001) }, "工作簿超过 1000 个工作表", false},
		{"empty paragraphs", "a.docx", func(t *testing.T) []byte { return bodyDOCX(t, "<w:p/>", 200_001) }, "超过 200000 个段落（含空段落）", false},
		{"lines", "a.docx", func(t *testing.T) []byte {
			return bodyDOCX(t, `<w:p><w:r><w:t>a</w:t><w:br/><w:t>b</w:t></w:r></w:p>`, 100_001)
		}, "文档超过 200000 个段落", false},
		{"table cells", "a.docx", func(t *testing.T) []byte {
			return bodyDOCX(t, "<w:tbl><w:tr><w:tc/><w:tc/></w:tr></w:tbl>", 100_001)
		}, "文档中的表格超过 200000 个单元格", false},
		{"html table cells", "a.html", func(*testing.T) []byte {
			return []byte("<table><tr>" + strings.Repeat("<td>a", 200_001) + "</table>")
		}, "网页中的表格超过 200000 个单元格", true},
		{"html tables", "a.html", func(*testing.T) []byte {
			return []byte(strings.Repeat("<table>", 100_000) + "<p>正文。</p>")
		}, "", false},
		{"text lines", "a.txt", func(*testing.T) []byte { return []byte("正文。" + strings.Repeat("\r", 1_000_000)) }, "文档超过 1000000 行", false},
		{"text paragraphs", "a.txt", func(*testing.T) []byte { return []byte(strings.Repeat("正文。\n\n", 200_001)) }, "文档超过 200000 个段落", true},
		{"markdown paragraphs", "a.md", func(*testing.T) []byte { return []byte(strings.Repeat("- 条目\n", 200_001)) }, "文档超过 200000 个段落", true},
		{"markdown within", "a.md", func(*testing.T) []byte { return []byte(strings.Repeat("- 条目\n", 200_000)) }, "", true},
		{"zip entries", "a.docx", func(t *testing.T) []byte {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			for i := range 10_000 {
				_, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("media/%d", i), Method: zip.Store})
				require.NoError(t, err)
			}
			w, err := zw.Create("word/document.xml")
			require.NoError(t, err)
			_, err = io.WriteString(w, docxHead+wp("", "正文。")+docxTail)
			require.NoError(t, err)
			require.NoError(t, zw.Close())
			return buf.Bytes()
		}, "超过 10000 个部件", false},
		{"pdf contents", "a.pdf", func(t *testing.T) []byte { return bombPDF(t, 40<<20) }, "页面内容解压后超过 256 MB", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.heavy && raceEnabled {
				t.Skip("heavy under the race detector; runs without -race")
			}
			if strings.HasSuffix(tc.file, ".pdf") {
				t.Cleanup(knowledge.UsePDFToText("")) // the built-in extractor
			}
			_, err := knowledge.Load(tc.file, tc.data(t))
			if tc.limit == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, knowledge.ErrTooLarge)
			assert.Contains(t, knowledge.Message(err), tc.limit)
		})
	}
}

// TestPDFToTextLineLimit checks that the lines pdftotext writes are
// bounded before they are split into paragraphs.
func TestPDFToTextLineLimit(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh for the stand-in pdftotext")
	}
	tool := filepath.Join(t.TempDir(), "pdftotext")
	require.NoError(t, os.WriteFile(tool, []byte("#!/bin/sh\ncat >/dev/null\nyes 正文。 | head -n 1000001\n"), 0o755))
	t.Cleanup(knowledge.UsePDFToText(tool))
	_, err := knowledge.Load("a.pdf", makeLatinPDF(t))
	assert.ErrorIs(t, err, knowledge.ErrTooLarge)
	assert.Contains(t, knowledge.Message(err), "文档超过 1000000 行")
}

// sharedStringsXLSX builds a workbook of one cell whose shared strings
// table holds sst.
func sharedStringsXLSX(tb testing.TB, sst string) []byte {
	tb.Helper()
	return makeZip(tb, map[string]string{
		"[Content_Types].xml":        xlsxContentTypes,
		"_rels/.rels":                xlsxRootRels,
		"xl/workbook.xml":            xlsxWorkbook,
		"xl/_rels/workbook.xml.rels": xlsxWorkbookRels,
		"xl/worksheets/sheet1.xml":   xlsxSheetStart + `<row r="1"><c r="A1" t="s"><v>0</v></c></row>` + xlsxSheetEnd,
		"xl/sharedStrings.xml":       `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` + sst + `</sst>`,
	})
}

// sheetsXLSX builds a workbook of n sheets, all the same part.
func sheetsXLSX(tb testing.TB, n int) []byte {
	tb.Helper()
	var sheets strings.Builder
	for i := range n {
		fmt.Fprintf(&sheets, `<sheet name="表%d" sheetId="%d" r:id="rId1"/>`, i+1, i+1)
	}
	return makeZip(tb, map[string]string{
		"[Content_Types].xml":        xlsxContentTypes,
		"_rels/.rels":                xlsxRootRels,
		"xl/workbook.xml":            strings.Replace(xlsxWorkbook, `<sheet name="Sheet1" sheetId="1" r:id="rId1"/>`, sheets.String(), 1),
		"xl/_rels/workbook.xml.rels": xlsxWorkbookRels,
		"xl/worksheets/sheet1.xml":   xlsxSheetStart + `<row r="1"><c r="A1"><v>1</v></c></row>` + xlsxSheetEnd,
	})
}
