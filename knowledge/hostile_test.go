package knowledge_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"partybot/knowledge"
)

// Package parts of a minimal workbook, for hostile .xlsx files.
const (
	xlsxContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`
	xlsxRootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	xlsxWorkbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	xlsxWorkbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`
	xlsxSheetStart = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	xlsxSheetEnd = `</sheetData></worksheet>`
)

// makeSheetXLSX builds a one-sheet workbook whose sheetData is written by
// rows.
func makeSheetXLSX(tb testing.TB, rows func(w io.Writer)) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		// The fastest level compresses these rows about as well as the
		// best, which takes 30 s under the race detector.
		return flate.NewWriter(w, flate.BestSpeed)
	})
	for _, p := range [][2]string{
		{"[Content_Types].xml", xlsxContentTypes}, {"_rels/.rels", xlsxRootRels},
		{"xl/workbook.xml", xlsxWorkbook}, {"xl/_rels/workbook.xml.rels", xlsxWorkbookRels},
	} {
		w, err := zw.Create(p[0])
		require.NoError(tb, err)
		_, err = io.WriteString(w, p[1])
		require.NoError(tb, err)
	}
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	require.NoError(tb, err)
	bw := bufio.NewWriterSize(w, 1<<16)
	_, err = io.WriteString(bw, xlsxSheetStart)
	require.NoError(tb, err)
	rows(bw)
	_, err = io.WriteString(bw, xlsxSheetEnd)
	require.NoError(tb, err)
	require.NoError(tb, bw.Flush())
	require.NoError(tb, zw.Close())
	return buf.Bytes()
}

// hostileXLSX builds the workbook of the security report: rows rows, each
// with a cell in column A and one in XFD, the last column.
func hostileXLSX(tb testing.TB, rows int) []byte {
	tb.Helper()
	return makeSheetXLSX(tb, numberedRows(rows, `<row r="#"><c r="A#"><v>1</v></c><c r="XFD#"><v>1</v></c></row>`))
}

// numberedRows writes n rows, each row with "#" replaced by its number
// (without fmt, which is slow under the race detector).
func numberedRows(n int, row string) func(w io.Writer) {
	parts := strings.Split(row, "#")
	return func(w io.Writer) {
		var b []byte
		for r := 1; r <= n; r++ {
			b = append(b[:0], parts[0]...)
			for _, p := range parts[1:] {
				b = strconv.AppendInt(b, int64(r), 10)
				b = append(b, p...)
			}
			_, _ = w.Write(b)
		}
	}
}

// deflated is a raw deflate stream and what it inflates to.
type deflated struct {
	raw  bytes.Buffer
	crc  uint32 // CRC-32 of the inflated data
	size uint64 // bytes of inflated data
}

// add appends text, times times over, deflating it once: the blocks of a
// flushed deflate stream refer to nothing before them, so they can be
// repeated. The stream ends with the last add with final set.
func (d *deflated) add(tb testing.TB, text string, times int, final bool) {
	tb.Helper()
	var b bytes.Buffer
	fw, err := flate.NewWriter(&b, flate.BestCompression)
	require.NoError(tb, err)
	_, err = io.WriteString(fw, text)
	require.NoError(tb, err)
	if final {
		require.NoError(tb, fw.Close())
	} else {
		require.NoError(tb, fw.Flush())
	}
	for range times {
		d.raw.Write(b.Bytes())
		d.crc = crc32.Update(d.crc, crc32.IEEETable, []byte(text))
		d.size += uint64(len(text))
	}
}

// repeated deflates head, then body n times, then tail, without holding
// more than a megabyte of it.
func repeated(tb testing.TB, head, body string, n int, tail string) *deflated {
	tb.Helper()
	per := max(1, (1<<20)/max(len(body), 1))
	d := &deflated{}
	d.add(tb, head, 1, false)
	d.add(tb, strings.Repeat(body, per), n/per, false)
	d.add(tb, strings.Repeat(body, n%per), 1, false)
	d.add(tb, tail, 1, true)
	return d
}

// hostileDOCX builds the .docx of the security report: a body of n empty
// paragraphs. Building 22 million of them takes a few megabytes and well
// under a second.
func hostileDOCX(tb testing.TB, n int) []byte {
	tb.Helper()
	return bodyDOCX(tb, "<w:p/>", n)
}

// Start and end of a .docx document part.
const (
	docxHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`
	docxTail = `</w:body></w:document>`
)

// bodyDOCX builds a .docx whose body is n times the WordprocessingML
// body, deflated as [repeated] does.
func bodyDOCX(tb testing.TB, body string, n int) []byte {
	tb.Helper()
	return zipWith(tb, map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels":         `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
	}, "word/document.xml", repeated(tb, docxHead, body, n, docxTail))
}

// zipWith builds a zip of the given small files and the part named name
// with the deflated content d.
func zipWith(tb testing.TB, files map[string]string, name string, d *deflated) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range sortedKeys(files) {
		w, err := zw.Create(n)
		require.NoError(tb, err)
		_, err = io.WriteString(w, files[n])
		require.NoError(tb, err)
	}
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: name, Method: zip.Deflate, CRC32: d.crc,
		CompressedSize64: uint64(d.raw.Len()), UncompressedSize64: d.size,
	})
	require.NoError(tb, err)
	_, err = w.Write(d.raw.Bytes())
	require.NoError(tb, err)
	require.NoError(tb, zw.Close())
	return buf.Bytes()
}

// partXLSX builds a one-sheet workbook with the deflated part name, and
// the sheet part sheet unless name is the sheet part.
func partXLSX(tb testing.TB, name string, d *deflated, sheet string) []byte {
	tb.Helper()
	files := map[string]string{
		"[Content_Types].xml": xlsxContentTypes, "_rels/.rels": xlsxRootRels,
		"xl/workbook.xml": xlsxWorkbook, "xl/_rels/workbook.xml.rels": xlsxWorkbookRels,
	}
	if name != "xl/worksheets/sheet1.xml" {
		files["xl/worksheets/sheet1.xml"] = sheet
	}
	return zipWith(tb, files, name, d)
}

// bombPDF builds a one-page PDF whose content stream inflates to n
// times "(a) Tj ", showing the text "a" n times. The zlib checksum is
// left zero: no reader gets that far.
func bombPDF(tb testing.TB, n int) []byte {
	tb.Helper()
	d := repeated(tb, "BT ", "(a) Tj ", n, " ET")
	stream := append([]byte{0x78, 0xda}, d.raw.Bytes()...)
	stream = append(stream, 0, 0, 0, 0)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", len(stream), stream),
	}
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
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// Environment of the peak-memory helper process.
const (
	peakFileEnv = "KNOWLEDGE_PEAK_FILE" // the file to load
	peakNameEnv = "KNOWLEDGE_PEAK_NAME" // the name to load it under
	peakCapEnv  = "KNOWLEDGE_PEAK_CAP"  // MB of RSS at which the helper gives up
)

// peakResult is what the helper process reports.
type peakResult struct {
	PeakMB    float64 // VmHWM: the most resident memory the process had
	Err       string  // the loader's error, "" on success
	Message   string  // knowledge.Message of the error
	TooLarge  bool    // the error wraps ErrTooLarge
	Exhausted bool    // RSS passed the cap and the helper stopped
	Seconds   float64
}

// TestPeakMemoryHelper is the helper process of loadPeak: it loads one
// file and prints the peak memory. It gives up as soon as its resident
// memory passes the cap, so that a regression fails the test instead of
// the machine.
func TestPeakMemoryHelper(t *testing.T) {
	file := os.Getenv(peakFileEnv)
	if file == "" {
		t.Skip("helper process of the peak-memory tests")
	}
	capMB, err := strconv.Atoi(os.Getenv(peakCapEnv))
	require.NoError(t, err)
	report := func(r peakResult) {
		r.PeakMB = float64(procStatusKB(t, "VmHWM")) / 1024
		out, _ := json.Marshal(r)
		fmt.Printf("\nPEAK %s\n", out)
		os.Exit(0)
	}
	start := time.Now()
	go func() {
		for {
			if procStatusKB(t, "VmRSS") > int64(capMB)<<10 {
				report(peakResult{Exhausted: true, Seconds: time.Since(start).Seconds()})
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	name := os.Getenv(peakNameEnv)
	if strings.HasSuffix(name, ".pdf") {
		// The memory measured is this process's: the built-in reader's.
		// pdftotext, when installed, runs apart, bounded by its timeout.
		knowledge.UsePDFToText("")
	}
	_, err = knowledge.Load(name, data)
	r := peakResult{Seconds: time.Since(start).Seconds()}
	if err != nil {
		r.Err, r.Message, r.TooLarge = err.Error(), knowledge.Message(err), errors.Is(err, knowledge.ErrTooLarge)
	}
	report(r)
}

// procStatusKB returns a field of /proc/self/status, in kB.
func procStatusKB(tb testing.TB, field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	require.NoError(tb, err)
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			require.NoError(tb, err)
			return n
		}
	}
	tb.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// loadPeak loads data as name in a new process (this test binary running
// TestPeakMemoryHelper) and returns what it reports. The process stops
// when its resident memory passes capMB. Skips where /proc is missing.
func loadPeak(t *testing.T, name string, data []byte, capMB int) peakResult {
	t.Helper()
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("peak memory is read from /proc/self/status, which this system lacks")
	}
	file := filepath.Join(t.TempDir(), "input")
	require.NoError(t, os.WriteFile(file, data, 0o600))
	cmd := exec.Command(os.Args[0], "-test.run=^TestPeakMemoryHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), peakFileEnv+"="+file, peakNameEnv+"="+name, peakCapEnv+"="+strconv.Itoa(capMB))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "helper process: %s", out)
	_, js, ok := bytes.Cut(out, []byte("\nPEAK "))
	require.True(t, ok, "helper process printed no result: %s", out)
	var r peakResult
	require.NoError(t, json.Unmarshal(bytes.TrimSpace(js), &r), "helper output: %s", out)
	t.Logf("%s (%d KB): peak %.0f MB in %.2fs: %s", name, len(data)>>10, r.PeakMB, r.Seconds, r.Message)
	return r
}
