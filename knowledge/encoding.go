package knowledge

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// maxControlShare is the largest share of control bytes (other than tab,
// line and page breaks) in a text file, in percent.
const maxControlShare = 5

// Byte-order marks.
var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
	bomUTF32LE = []byte{0xFF, 0xFE, 0x00, 0x00}
	bomUTF32BE = []byte{0x00, 0x00, 0xFE, 0xFF}
)

// decodeText returns data as UTF-8 text without BOM: UTF-8, UTF-16 or
// UTF-32 with a BOM, or GB18030 (a superset of GBK and GB2312) when data is
// not UTF-8 and decodes to plausible Chinese text.
func decodeText(data []byte) (string, error) {
	var bomEnc encoding.Encoding
	switch {
	case bytes.HasPrefix(data, bomUTF32LE):
		bomEnc = utf32.UTF32(utf32.LittleEndian, utf32.ExpectBOM)
	case bytes.HasPrefix(data, bomUTF32BE):
		bomEnc = utf32.UTF32(utf32.BigEndian, utf32.ExpectBOM)
	case bytes.HasPrefix(data, bomUTF16LE):
		bomEnc = xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM)
	case bytes.HasPrefix(data, bomUTF16BE):
		bomEnc = xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM)
	}
	if bomEnc != nil {
		unit := 2
		if bytes.HasPrefix(data, bomUTF32LE) || bytes.HasPrefix(data, bomUTF32BE) {
			unit = 4
		}
		out, err := bomEnc.NewDecoder().Bytes(data)
		if err != nil || len(data)%unit != 0 || bytes.ContainsRune(out, utf8.RuneError) {
			return "", fmt.Errorf("文件标明是 UTF-%d 编码，但内容已损坏，请另存为 UTF-8 后再导入: %w", unit*8, ErrEncoding)
		}
		return checkText(out)
	}
	data = bytes.TrimPrefix(data, bomUTF8)
	if bytes.IndexByte(data, 0) >= 0 {
		return "", fmt.Errorf("文件含有二进制数据，不是文本文件: %w", ErrBinary)
	}
	if utf8.Valid(data) {
		return checkText(data)
	}
	if off, broken := brokenUTF8(data); broken {
		return "", fmt.Errorf("文件不是有效的 UTF-8 文本（第 %d 字节起无法识别），请另存为 UTF-8 后再导入: %w", off+1, ErrEncoding)
	}
	if s, ok := decodeGB18030(data); ok {
		return checkText([]byte(s))
	}
	return "", fmt.Errorf("无法识别文件的文字编码（不是 UTF-8，也不像 GBK/GB18030 中文），请另存为 UTF-8 后再导入: %w", ErrEncoding)
}

// checkText refuses UTF-8 text with many control characters or no text.
func checkText(data []byte) (string, error) {
	data = bytes.TrimPrefix(data, bomUTF8)
	if bytes.IndexByte(data, 0) >= 0 {
		return "", fmt.Errorf("文件含有二进制数据，不是文本文件: %w", ErrBinary)
	}
	control := 0
	for _, c := range data {
		if (c < 0x20 && !strings.ContainsRune("\t\n\v\f\r", rune(c))) || c == 0x7F {
			control++
		}
	}
	if control*100 > len(data)*maxControlShare {
		return "", fmt.Errorf("文件含有大量控制字符，不是文本文件: %w", ErrBinary)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return "", fmt.Errorf("文件中没有文字内容: %w", ErrEmpty)
	}
	return string(data), nil
}

// brokenUTF8 reports whether data, which is not valid UTF-8, is UTF-8 text
// with errors rather than text in another encoding: most of its non-ASCII
// bytes form valid UTF-8 sequences. off is the first invalid byte.
func brokenUTF8(data []byte) (off int, broken bool) {
	off = -1
	valid, invalid := 0, 0
	for i := 0; i < len(data); {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			if off < 0 {
				off = i
			}
			invalid++
			i++
			continue
		}
		valid += size
		i += size
	}
	return off, valid > 2*invalid
}

// decodeGB18030 decodes data as GB18030 and reports whether the result is
// plausible Chinese text: nothing undecodable, no private-use characters,
// and most double-byte characters from the common GB2312 set.
func decodeGB18030(data []byte) (string, bool) {
	pairs, common := 0, 0
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c < 0x80 {
			continue
		}
		if c == 0x80 || c == 0xFF || i+1 >= len(data) {
			return "", false
		}
		d := data[i+1]
		if d >= 0x30 && d <= 0x39 { // a four-byte GB18030 sequence
			i += 3
			pairs++
			continue
		}
		pairs++
		if c >= 0xA1 && c <= 0xF7 && d >= 0xA1 && d <= 0xFE {
			common++
		}
		i++
	}
	if pairs == 0 || common*10 < pairs*7 {
		return "", false
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil {
		return "", false
	}
	s := string(out)
	for _, r := range s {
		if r == utf8.RuneError || unicode.In(r, unicode.Co) {
			return "", false
		}
	}
	return s, true
}
