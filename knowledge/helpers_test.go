package knowledge_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"partybot/knowledge"
)

// docxStyles declares the styles the test documents use, with the
// style IDs Chinese Word gives them ("1" for heading 1).
const docxStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:style w:type="paragraph" w:styleId="a"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="a3"><w:name w:val="Title"/><w:basedOn w:val="a"/></w:style>
<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:basedOn w:val="a"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/><w:basedOn w:val="a"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="MyHeading"><w:name w:val="My Heading"/><w:basedOn w:val="2"/></w:style>
</w:styles>`

// makeDOCX builds a .docx whose body is the given WordprocessingML.
func makeDOCX(tb testing.TB, body string) []byte {
	tb.Helper()
	return makeZip(tb, map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels":         `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/styles.xml":     docxStyles,
		"word/document.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><w:body>` + body + `</w:body></w:document>`,
	})
}

// makeZip builds a zip archive of the given files, in name order.
func makeZip(tb testing.TB, files map[string]string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range sortedKeys(files) {
		w, err := zw.Create(name)
		require.NoError(tb, err)
		_, err = w.Write([]byte(files[name]))
		require.NoError(tb, err)
	}
	require.NoError(tb, zw.Close())
	return buf.Bytes()
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return ks
}

// wp writes a .docx paragraph of one run, with a style when style != "".
func wp(style, text string) string {
	ppr := ""
	if style != "" {
		ppr = `<w:pPr><w:pStyle w:val="` + style + `"/></w:pPr>`
	}
	return `<w:p>` + ppr + `<w:r><w:t xml:space="preserve">` + text + `</w:t></w:r></w:p>`
}

// wtable writes a .docx table of the given rows.
func wtable(rows ...[]string) string {
	var sb strings.Builder
	sb.WriteString("<w:tbl>")
	for _, r := range rows {
		sb.WriteString("<w:tr>")
		for _, c := range r {
			sb.WriteString("<w:tc>" + wp("", c) + "</w:tc>")
		}
		sb.WriteString("</w:tr>")
	}
	sb.WriteString("</w:tbl>")
	return sb.String()
}

// makeXLSX builds a workbook with excelize: sheets in order, each a list
// of rows.
func makeXLSX(tb testing.TB, sheets []string, rows map[string][][]any) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, name := range sheets {
		if i == 0 {
			require.NoError(tb, f.SetSheetName("Sheet1", name))
		} else {
			_, err := f.NewSheet(name)
			require.NoError(tb, err)
		}
		for r, row := range rows[name] {
			cell, err := excelize.CoordinatesToCellName(1, r+1)
			require.NoError(tb, err)
			require.NoError(tb, f.SetSheetRow(name, cell, &row))
		}
	}
	buf, err := f.WriteToBuffer()
	require.NoError(tb, err)
	return buf.Bytes()
}

// fixedTime makes generated files reproducible.
var fixedTime = time.Date(2025, 3, 12, 0, 0, 0, 0, time.UTC)

// makeLatinPDF builds a two-page PDF of Latin text with fpdf.
func makeLatinPDF(tb testing.TB) []byte {
	tb.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCreationDate(fixedTime)
	p.SetCompression(true)
	p.AddPage()
	p.SetFont("Helvetica", "B", 16)
	p.CellFormat(0, 10, "Courier Station Service Guide", "", 1, "C", false, 0, "")
	p.SetFont("Helvetica", "", 11)
	p.MultiCell(0, 6, "The station is open every day from 9 am to 6 pm. Couriers can rest, drink water and charge their phones there. Problems are reported to the district office, which answers within three working days.", "", "L", false)
	p.Ln(4)
	p.MultiCell(0, 6, "Rating the service closes the loop.", "", "L", false)
	p.AddPage()
	p.MultiCell(0, 6, "Page two: contact the social work department.", "", "L", false)
	var buf bytes.Buffer
	require.NoError(tb, p.Output(&buf))
	return buf.Bytes()
}

// makeCJKPDF builds a PDF whose pages hold the given lines in a Type0
// font with Identity-H encoding, as Chinese PDFs do; with toUnicode the
// font maps its glyphs back to Unicode (a ToUnicode CMap), without it
// the text cannot be extracted. Lines starting with "  " are indented by
// two characters; no font program is embedded.
func makeCJKPDF(tb testing.TB, pages [][]string, toUnicode bool) []byte {
	tb.Helper()
	gid := map[rune]int{}
	var table []rune
	for _, page := range pages {
		for _, l := range page {
			for _, r := range l {
				if _, ok := gid[r]; !ok && r != ' ' {
					table = append(table, r)
					gid[r] = len(table)
				}
			}
		}
	}
	var objs []string
	add := func(s string) int { objs = append(objs, s); return len(objs) }
	catalog, pagesObj := add(""), add("")
	var cmap strings.Builder
	cmap.WriteString("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def\n1 begincodespacerange <0000> <FFFF> endcodespacerange\n")
	for start := 0; start < len(table); start += 100 {
		end := min(start+100, len(table))
		fmt.Fprintf(&cmap, "%d beginbfchar\n", end-start)
		for i := start; i < end; i++ {
			var h strings.Builder
			for _, u := range utf16.Encode([]rune{table[i]}) {
				fmt.Fprintf(&h, "%04X", u)
			}
			fmt.Fprintf(&cmap, "<%04X> <%s>\n", i+1, h.String())
		}
		cmap.WriteString("endbfchar\n")
	}
	cmap.WriteString("endcmap CMapName currentdict /CMap defineresource pop end end")
	tu := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", cmap.Len(), cmap.String()))
	desc := add("<< /Type /FontDescriptor /FontName /SimSun /Flags 4 /FontBBox [0 -140 1000 860] /ItalicAngle 0 /Ascent 860 /Descent -140 /CapHeight 700 /StemV 80 >>")
	cid := add(fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 >>", desc))
	tuRef := ""
	if toUnicode {
		tuRef = fmt.Sprintf(" /ToUnicode %d 0 R", tu)
	}
	font := add(fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [%d 0 R]%s >>", cid, tuRef))
	var kids []string
	for _, page := range pages {
		var c strings.Builder
		y := 780
		for _, l := range page {
			x := 72
			if strings.HasPrefix(l, "  ") {
				x += 24
			}
			l = strings.TrimSpace(l)
			if l != "" {
				fmt.Fprintf(&c, "BT /F1 12 Tf %d %d Td <", x, y)
				for _, r := range l {
					if r != ' ' {
						fmt.Fprintf(&c, "%04X", gid[r])
					}
				}
				c.WriteString("> Tj ET\n")
			}
			y -= 18
		}
		content := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", c.Len(), c.String()))
		pg := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", pagesObj, font, content))
		kids = append(kids, fmt.Sprintf("%d 0 R", pg))
	}
	objs[catalog-1] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj)
	objs[pagesObj-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, catalog, xref)
	return b.Bytes()
}

// mustLoad loads a document and fails the test on error.
func mustLoad(tb testing.TB, name string, data []byte) knowledge.Document {
	tb.Helper()
	doc, err := knowledge.Load(name, data)
	require.NoError(tb, err, "Load(%q)", name)
	checkDocument(tb, doc)
	return doc
}

// allText returns the titles, headings and paragraphs of a document.
func allText(doc knowledge.Document) string {
	var sb strings.Builder
	for _, a := range doc.Articles {
		sb.WriteString("# " + a.Title + "\n")
		heading := ""
		for _, p := range a.Paragraphs {
			if p.Heading != heading {
				heading = p.Heading
				sb.WriteString("## " + heading + "\n")
			}
			sb.WriteString(p.Text + "\n")
		}
	}
	return sb.String()
}

// checkDocument checks what every loaded document promises: a title,
// articles with titles and non-empty valid paragraphs, and a Text that
// Reload turns back into the same document.
func checkDocument(tb testing.TB, doc knowledge.Document) {
	tb.Helper()
	require.NotEmpty(tb, doc.Title, "document without title: %+v", doc)
	require.NotEmpty(tb, doc.Articles, "document without articles: %+v", doc)
	for i, a := range doc.Articles {
		require.NotEmpty(tb, a.Title, "article %d without title: %+v", i, a)
		require.NotEmpty(tb, a.Paragraphs, "article %d without paragraphs: %+v", i, a)
		for _, p := range a.Paragraphs {
			require.True(tb, utf8.ValidString(p.Text) && utf8.ValidString(p.Heading), "article %d: invalid UTF-8 in paragraph %+v", i, p)
			require.NotEmpty(tb, strings.TrimSpace(p.Text), "article %d: blank paragraph %+v", i, p)
		}
	}
	again, err := knowledge.Reload(doc.Name, doc.Text)
	require.NoError(tb, err, "Reload")
	again.Warnings = doc.Warnings
	// compared as Go syntax (equalDocs), not with require.Equal's reflect.DeepEqual
	require.True(tb, equalDocs(doc, again), "Reload changed the document\n got %+v\nwant %+v", again, doc)
}

func equalDocs(a, b knowledge.Document) bool {
	return fmt.Sprintf("%#v", a) == fmt.Sprintf("%#v", b)
}
