package stations

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"

	"partybot/apperr"
)

// readCSV reads the rows of a CSV file, each with its line.
func readCSV(data []byte) (table, error) {
	text, err := decodeCSV(data)
	if err != nil {
		return table{}, err
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = sniffComma(text)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var t table
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			return table{}, apperr.Wrap(err, apperr.EInvalid, "CSV 文件格式有误（%v），已拒绝导入", err)
		}
		if len(t.rows) > maxRows+headerScan {
			return table{}, tooManyRows()
		}
		line, _ := r.FieldPos(0)
		t.rows, t.lines = append(t.rows, rec), append(t.lines, line)
	}
}

// decodeCSV returns data as UTF-8 without BOM: UTF-8 (what Excel's "CSV
// UTF-8" writes), UTF-16 with BOM ("Unicode 文本"), or GB18030, a superset
// of GBK (what Excel and WPS write as plain "CSV" on Chinese Windows).
func decodeCSV(data []byte) (string, error) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		out, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil || !utf8.Valid(out) {
			return "", apperr.Errorf(apperr.EInvalid, "文件标明是 UTF-16 编码，但内容已损坏；请另存为 UTF-8 CSV 后再导入")
		}
		return string(out), nil
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if utf8.Valid(data) {
		return string(data), nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil || !plausible(out) {
		return "", apperr.Errorf(apperr.EInvalid, "无法识别文件的文字编码（不是 UTF-8，也不像 GBK 中文）；请另存为 UTF-8 CSV 或 .xlsx 后再导入")
	}
	return string(out), nil
}

// plausible reports whether text decoded from GB18030 reads as text:
// nothing undecodable and no private-use characters, which bytes of
// another encoding become.
func plausible(text []byte) bool {
	for _, r := range string(text) {
		if r == utf8.RuneError || unicode.In(r, unicode.Co) || (r < 0x20 && !strings.ContainsRune("\t\r\n", r)) {
			return false
		}
	}
	return true
}

// sniffComma is the separator of the first lines: a tab when they have
// more tabs than commas.
func sniffComma(text string) rune {
	head := strings.SplitN(text, "\n", headerScan+1)
	first := strings.Join(head[:min(len(head), headerScan)], "\n")
	if strings.Count(first, "\t") > strings.Count(first, ",") {
		return '\t'
	}
	return ','
}
