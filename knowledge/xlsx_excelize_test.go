package knowledge

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// excelizeXLSX is the .xlsx reader before the streaming one: excelize's
// row iterator, kept to check that the streaming reader shows the same
// text for the same cells.
func excelizeXLSX(data []byte) (x extracted, err error) {
	if _, err := openZip(data, ".xlsx"); err != nil {
		return extracted{}, err
	}
	defer func() {
		if r := recover(); r != nil {
			x, err = extracted{}, fmt.Errorf("表格文件已损坏，无法读取，请用 Excel 或 WPS 重新保存为 .xlsx 后再导入: %w", ErrCorrupt)
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: xlsxUnzipLimit, UnzipXMLSizeLimit: 16 << 20,
	})
	if err != nil {
		if strings.Contains(err.Error(), "size exceeds") {
			return extracted{}, fmt.Errorf("表格解压后超过 %d MB，请拆分后再导入: %w", xlsxUnzipLimit>>20, ErrTooLarge)
		}
		return extracted{}, fmt.Errorf("表格文件已损坏或不是 .xlsx 工作簿（%v），请用 Excel 或 WPS 重新保存为 .xlsx 后再导入: %w", err, ErrCorrupt)
	}
	defer f.Close()
	w := &textWriter{md: true}
	sheets := f.GetSheetList()
	total := 0
	for _, sheet := range sheets {
		rows, err := excelizeSheet(f, sheet, &total)
		if err != nil {
			return extracted{}, err
		}
		if len(rows) == 0 {
			continue
		}
		// A first row with a single cell is the sheet's title.
		title := ""
		if len(nonEmpty(rows[0])) == 1 && len(rows) > 1 && fits(nonEmpty(rows[0])[0], 80) {
			title, rows = nonEmpty(rows[0])[0], rows[1:]
		}
		if title == "" && (len(sheets) > 1 && !defaultSheetName.MatchString(sheet)) {
			title = sheet
		}
		if title != "" {
			w.heading(1, title)
		} else if len(sheets) > 1 {
			w.heading(1, sheet)
		}
		w.table(rows)
	}
	if w.err != nil {
		return extracted{}, w.err
	}
	if strings.TrimSpace(w.String()) == "" {
		return extracted{}, fmt.Errorf("表格中没有文字内容: %w", ErrEmpty)
	}
	return extracted{kind: "md", body: w.String()}, nil
}

// excelizeSheet reads the rows of a sheet as excelizeXLSX did.
func excelizeSheet(f *excelize.File, sheet string, total *int) ([][]string, error) {
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, fmt.Errorf("表格“%s”无法读取（%v），请用 Excel 或 WPS 重新保存为 .xlsx 后再导入: %w", sheet, err, ErrCorrupt)
	}
	defer it.Close()
	var rows [][]string
	size := 0
	for it.Next() {
		cols, err := it.Columns()
		if err != nil {
			return nil, fmt.Errorf("表格“%s”无法读取（%v），请用 Excel 或 WPS 重新保存为 .xlsx 后再导入: %w", sheet, err, ErrCorrupt)
		}
		if len(cols) > maxSheetCols {
			cols = cols[:maxSheetCols]
		}
		empty := true
		for i, c := range cols {
			cols[i] = cleanText(c)
			size += len(cols[i])
			empty = empty && cols[i] == ""
		}
		if empty {
			continue
		}
		if *total++; *total > maxSheetRows {
			return nil, fmt.Errorf("表格超过 %d 行，请拆分后再导入: %w", maxSheetRows, ErrTooLarge)
		}
		if size > maxTextBytes {
			return nil, fmt.Errorf("表格的文字超过 %d MB，请拆分后再导入: %w", maxTextBytes>>20, ErrTooLarge)
		}
		rows = append(rows, cols)
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("表格“%s”无法读取（%v），请用 Excel 或 WPS 重新保存为 .xlsx 后再导入: %w", sheet, err, ErrCorrupt)
	}
	return rows, nil
}

// sameAsExcelize checks that the streaming reader reads data as the
// excelize reader did: the same text, or an error wrapping the same
// sentinel.
func sameAsExcelize(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := excelizeXLSX(data)
	got, err := extractXLSX(data)
	if wantErr != nil {
		for _, sentinel := range []error{ErrCorrupt, ErrEmpty, ErrTooLarge, ErrUnsupported} {
			if errors.Is(wantErr, sentinel) {
				assert.ErrorIs(t, err, sentinel, "excelize: %v", wantErr)
				return
			}
		}
		t.Fatalf("excelize reader: %v", wantErr)
	}
	require.NoError(t, err)
	assert.Equal(t, want.body, got.body)
	assert.Equal(t, want.kind, got.kind)
}

// formatValues are cell values every number format of the tests is
// tried on.
var formatValues = []any{
	0, 1, -1, 0.5, -2.25, 45728, 45728.75, 1.0 / 3, 13800000000, 1e-7, 1e20, 123456789012,
	"文本", "123", "  两端空格  ", "_x0041_", "", true, false,
}

// formatCodes are custom number formats of Chinese spreadsheets and
// some odd ones.
var formatCodes = []string{
	`yyyy-mm-dd`, `yyyy"年"m"月"d"日"`, `yyyy/m/d h:mm`, `0.00_ `, `#,##0.00;[Red]-#,##0.00`, `@`, `"前缀"@`,
	`;;;`, `0;-0;0;"文字："@`, `[$-804]aaaa`, `hh:mm:ss`, `0%`, `# ?/?`, `0.00E+00`, `[DBNum1][$-804]General`,
	`_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ `, `"¥"#,##0.00`, `000000`, `[h]:mm`, `m月d日`, `General`,
}

// builtInFormats are the built-in number formats tried, with some of the
// locale ones (27–36, 50–81) excelize leaves unformatted.
var builtInFormats = []int{0, 1, 2, 3, 4, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
	27, 31, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 57, 58}

// formatsWorkbook builds a workbook with one row per number format, each
// cell one of formatValues in that format.
func formatsWorkbook(t *testing.T, date1904 bool) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if date1904 {
		require.NoError(t, f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}))
	}
	var styles []int
	for _, id := range builtInFormats {
		s, err := f.NewStyle(&excelize.Style{NumFmt: id, Font: &excelize.Font{Bold: true}})
		require.NoError(t, err)
		styles = append(styles, s)
	}
	for _, code := range formatCodes {
		s, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		require.NoError(t, err)
		styles = append(styles, s)
	}
	header := []any{"格式"}
	for i := range formatValues {
		header = append(header, fmt.Sprintf("值%d", i))
	}
	require.NoError(t, f.SetSheetRow("Sheet1", "A1", &header))
	for r, s := range append([]int{0}, styles...) {
		row := append([]any{fmt.Sprintf("样式%d", s)}, formatValues...)
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		require.NoError(t, f.SetSheetRow("Sheet1", cell, &row))
		end, _ := excelize.CoordinatesToCellName(len(row), r+2)
		require.NoError(t, f.SetCellStyle("Sheet1", cell, end, s))
	}
	require.NoError(t, f.SetCellFormula("Sheet1", "Z3", "SUM(B3:C3)"))
	buf, err := f.WriteToBuffer()
	require.NoError(t, err)
	return buf.Bytes()
}

// layoutWorkbook builds a workbook of several sheets, a hidden one,
// sparse and title rows, rich text and formulas.
func layoutWorkbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	require.NoError(t, f.SetSheetName("Sheet1", "驿站台账"))
	for _, name := range []string{"Sheet2", "隐藏", "空表", "工作表3"} {
		_, err := f.NewSheet(name)
		require.NoError(t, err)
	}
	require.NoError(t, f.SetSheetVisible("隐藏", false))
	set := func(sheet, cell string, v any) {
		require.NoError(t, f.SetCellValue(sheet, cell, v))
	}
	set("驿站台账", "A1", "2025年暖“新”驿站台账")
	for i, h := range []string{"名称", "地址", "开放时间", "负责人"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 2)
		set("驿站台账", cell, h)
	}
	set("驿站台账", "A3", "一号驿站")
	set("驿站台账", "C3", "9:00-18:00")
	set("驿站台账", "D3", "张三")
	set("驿站台账", "B5", "某某路1号")
	set("驿站台账", "IV6", "最后一列")
	set("驿站台账", "A7", " \t\n ")
	require.NoError(t, f.SetCellRichText("驿站台账", "A8", []excelize.RichTextRun{
		{Text: "粗体"}, {Text: "与常规", Font: &excelize.Font{Bold: true}},
	}))
	require.NoError(t, f.SetCellFormula("驿站台账", "B8", "A8"))
	set("Sheet2", "B2", 1)
	set("Sheet2", "C2", 2)
	set("隐藏", "A1", "隐藏表的内容")
	set("隐藏", "A2", "第二行")
	set("工作表3", "A1", "只有一行")
	buf, err := f.WriteToBuffer()
	require.NoError(t, err)
	return buf.Bytes()
}

// rawWorkbook builds a one-sheet workbook from the XML of its sheet data,
// shared strings and cell formats, for cells excelize does not write.
func rawWorkbook(t testing.TB, sheetData, sst, styles string, date1904 bool) []byte {
	t.Helper()
	wb := xlsxWorkbookXML
	if date1904 {
		wb = strings.Replace(wb, "<sheets>", `<workbookPr date1904="1"/><sheets>`, 1)
	}
	files := map[string]string{
		"[Content_Types].xml":        xlsxContentTypesXML,
		"_rels/.rels":                xlsxRootRelsXML,
		"xl/workbook.xml":            wb,
		"xl/_rels/workbook.xml.rels": xlsxWorkbookRelsXML,
		"xl/worksheets/sheet1.xml":   `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + sheetData + `</sheetData></worksheet>`,
	}
	if sst != "" {
		files["xl/sharedStrings.xml"] = `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` + sst + `</sst>`
	}
	if styles != "" {
		files["xl/styles.xml"] = `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` + styles + `</styleSheet>`
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = w.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

const (
	xlsxContentTypesXML = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`
	xlsxRootRelsXML     = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	xlsxWorkbookXML     = `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	xlsxWorkbookRelsXML = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`
	// rawStyles has cell formats 0 (none), 1 (General), 2 (a date), 3 (a
	// custom format with a text section) and 4 (a locale date, left
	// unformatted), and a differential format whose numFmt is not one of
	// the workbook's.
	rawStyles = `<numFmts count="2"><numFmt numFmtId="176" formatCode="&quot;文字：&quot;@;@"/><numFmt numFmtId="14" formatCode="yyyy/m/d"/></numFmts>` +
		`<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>` +
		`<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="0" fontId="1"/><xf numFmtId="14"/><xf numFmtId="176"/><xf numFmtId="31"/></cellXfs>` +
		`<dxfs count="1"><dxf><numFmt numFmtId="14" formatCode="0.000"/></dxf></dxfs>`
)

func TestXLSXMatchesExcelize(t *testing.T) {
	sst := `<si><t>甲</t></si><si><r><t>富</t></r><r><rPr><b/></rPr><t xml:space="preserve">文本 </t></r><rPh><t>fu</t></rPh></si>` +
		`<si><t>_x000D_回车_x005F_x0041_</t></si><si><t>123</t></si><si/><si><t>a</t><t>b</t></si>`
	tests := []struct {
		name string
		data []byte
	}{
		{"number formats", formatsWorkbook(t, false)},
		{"number formats, 1904 dates", formatsWorkbook(t, true)},
		{"sheets and layout", layoutWorkbook(t)},
		{"cell types", rawWorkbook(t, `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v> 2 </v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c></row>`+
			`<row r="2"><c r="A2" t="d"><v>2025-03-12T00:00:00Z</v></c><c r="B2" t="d" s="2"><v>2025-03-12T10:30:00Z</v></c><c r="C2" t="d"><v>20250312T103000</v></c><c r="D2" t="d"><v>昨天</v></c></row>`+
			`<row r="3"><c r="A3" t="e"><v>#N/A</v></c><c r="B3" t="str"><v> 公式 </v></c><c r="C3" t="n"><v>1.50</v></c><c r="D3" t="zz"><v>7</v></c><c r="E3" t="b"><v>1</v></c><c r="F3" t="b"><v>2</v></c></row>`+
			`<row r="4"><c r="A4" t="inlineStr"><is><t>内联</t><r><t>文字</t></r></is></c><c r="B4" t="inlineStr" s="3"><is><t>带格式</t></is></c><c r="C4" t="inlineStr"><v>无is</v></c></row>`+
			`<row r="5"><c r="A5"><v>123456789012345678</v></c><c r="B5"><v>1.234567890123456789</v></c><c r="C5"><v>1E+20</v></c><c r="D5"><v>0001</v></c><c r="E5"><v>+5</v></c><c r="F5"><v>NaN</v></c><c r="G5"><v>1_000</v></c><c r="H5"><v>0x10</v></c></row>`+
			`<row r="6"><c r="A6" s="1"><v>123456789012345678</v></c><c r="B6" s="1"><v>13800000000</v></c><c r="C6" s="2"><v>45728</v></c><c r="D6" s="3"><v>45728</v></c><c r="E6" s="4"><v>45728</v></c><c r="F6" s="3" t="s"><v>0</v></c><c r="G6" s="2" t="s"><v>3</v></c><c r="H6" s="9"><v>5</v></c><c r="I6" s="3"/></row>`,
			sst, rawStyles, false)},
		{"positions", rawWorkbook(t, `<row><c><v>1</v></c><c><v>2</v></c><c r="E1"><v>5</v></c><c><v>6</v></c></row>`+
			`<row r="3"><c r="C3"><v>3</v></c><c r="A3"><v>1</v></c><c r="B3"><f>A3</f></c><c><v>x</v></c></row>`+
			`<row><c r="B4"/><c r="D4" s="1"/><c><v>after</v></c></row><row r="9"><c r="A9" t="s"><v>4</v></c></row>`,
			sst, rawStyles, false)},
		{"1904 dates", rawWorkbook(t, `<row r="1"><c r="A1" s="2"><v>45728</v></c><c r="B1" t="d" s="2"><v>2025-03-12T00:00:00Z</v></c></row>`, "", rawStyles, true)},
		{"shared string out of range", rawWorkbook(t, `<row r="1"><c r="A1" t="s"><v>99</v></c></row>`, sst, "", false)},
		{"bad cell reference", rawWorkbook(t, `<row r="1"><c r="1A"><v>1</v></c></row>`, "", "", false)},
		{"no styles part", rawWorkbook(t, `<row r="1"><c r="A1" s="2"><v>45728</v></c><c r="B1" s="1"><v>123456789012345678</v></c></row>`, "", "", false)},
		{"empty", rawWorkbook(t, `<row r="1"><c r="A1" t="s"><v>4</v></c></row>`, sst, "", false)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sameAsExcelize(t, tc.data)
		})
	}
}

// FuzzXLSXMatchesExcelize checks that the streaming reader shows any
// cell value, of any type, in any number format, as excelize does.
func FuzzXLSXMatchesExcelize(f *testing.F) {
	f.Add("45728.5", "", "yyyy-mm-dd", 0)
	f.Add("文本", "inlineStr", `"前缀"@`, 1)
	f.Add("123456789012", "", "General", 1)
	f.Add("-1.5", "n", `#,##0.00;[Red]-#,##0.00`, 0)
	f.Add("1", "b", "0;-0;0;@", 0)
	f.Add("2025-03-12T10:30:00Z", "d", "yyyy/m/d h:mm", 0)
	f.Add("_x0041_", "str", "@", 2)
	f.Fuzz(func(t *testing.T, v, typ, code string, builtIn int) {
		if !utf8.ValidString(v+typ+code) || strings.ContainsAny(v+typ+code, "\x00\r") || len(code) > 200 {
			return
		}
		if typ == "d" && isoDateSerial(v) == v && plainNumber(v) != v {
			// A date cell holding a number not in its shortest form ("00"):
			// the streaming reader formats "0". Spreadsheets write ISO
			// dates in date cells.
			return
		}
		esc := func(s string) string {
			var b strings.Builder
			_ = xml.EscapeText(&b, []byte(s))
			return b.String()
		}
		cell := `<c r="A1" s="1" t="` + esc(typ) + `"><v>` + esc(v) + `</v></c>`
		if typ == "inlineStr" {
			cell = `<c r="A1" s="1" t="inlineStr"><is><t>` + esc(v) + `</t></is></c>`
		}
		styles := `<numFmts count="1"><numFmt numFmtId="200" formatCode="` + esc(code) + `"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="200"/></cellXfs>`
		if builtIn%2 == 1 {
			styles = fmt.Sprintf(`<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="%d"/></cellXfs>`, builtInFormats[(builtIn/2%len(builtInFormats)+len(builtInFormats))%len(builtInFormats)])
		}
		data := rawWorkbook(t, `<row r="1">`+cell+`<c r="B1" t="inlineStr"><is><t>x</t></is></c></row>`, "", styles, builtIn%4 == 2)
		sameAsExcelize(t, data)
	})
}

// ledgerWorkbook builds a ledger of rows rows as Excel or WPS save one:
// a title, a header, and cells with styles, dates, amounts and numbers.
func ledgerWorkbook(tb testing.TB, rows int) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	style := func(s *excelize.Style) int {
		id, err := f.NewStyle(s)
		require.NoError(tb, err)
		return id
	}
	border := []excelize.Border{{Type: "left", Style: 1}, {Type: "right", Style: 1}}
	text := style(&excelize.Style{Border: border})
	date := style(&excelize.Style{Border: border, NumFmt: 14})
	money := style(&excelize.Style{Border: border, NumFmt: 4})
	custom := `yyyy"年"m"月"d"日"`
	cnDate := style(&excelize.Style{Border: border, CustomNumFmt: &custom})
	sw, err := f.NewStreamWriter("Sheet1")
	require.NoError(tb, err)
	require.NoError(tb, sw.SetRow("A1", []any{"2025年社会组织换届台账"}))
	require.NoError(tb, sw.SetRow("A2", []any{"序号", "名称", "负责人", "电话", "成立日期", "换届日期", "经费（元）", "备注"}))
	for r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, r+3)
		require.NoError(tb, sw.SetRow(cell, []any{
			excelize.Cell{StyleID: text, Value: r + 1},
			excelize.Cell{StyleID: text, Value: fmt.Sprintf("某某社会组织%d", r%700)},
			excelize.Cell{StyleID: text, Value: []string{"张三", "李四", "王五"}[r%3]},
			excelize.Cell{StyleID: text, Value: 13800000000 + r},
			excelize.Cell{StyleID: date, Value: 40000 + r%3000},
			excelize.Cell{StyleID: cnDate, Value: 45000 + r%900},
			excelize.Cell{StyleID: money, Value: float64(r%100000) * 1.25},
			excelize.Cell{StyleID: text, Value: []string{"按期换届", "延期换届，已报备", ""}[r%3]},
		}))
	}
	require.NoError(tb, sw.Flush())
	buf, err := f.WriteToBuffer()
	require.NoError(tb, err)
	return buf.Bytes()
}

func TestLedgerMatchesExcelize(t *testing.T) {
	sameAsExcelize(t, ledgerWorkbook(t, 500))
}

// BenchmarkExtractXLSX compares the streaming reader with the excelize
// one it replaced, in bytes of workbook per second.
func BenchmarkExtractXLSX(b *testing.B) {
	for _, n := range []int{400, 5000} {
		data := ledgerWorkbook(b, n)
		for _, r := range []struct {
			name string
			read func([]byte) (extracted, error)
		}{{"streaming", extractXLSX}, {"excelize", excelizeXLSX}} {
			b.Run(fmt.Sprintf("%s/%drows", r.name, n), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := r.read(data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
