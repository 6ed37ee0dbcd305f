package stations

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/text/width"

	"partybot/apperr"
)

// Limits of a file of stations.
const (
	maxFileBytes = 32 << 20
	// maxRows bounds the rows with text of a file, bad ones included.
	maxRows = 100_000
	// headerScan is how many rows may come before the header: a title,
	// a note saying the coordinate system.
	headerScan = 10
	// sameStationM is how close two rows of the same name must be to be
	// the same station entered twice.
	sameStationM = 100
)

// ReadOptions say how to read a file of stations.
type ReadOptions struct {
	// CRS is the coordinate system of a file that does not say its own
	// (in a coordinate column's header, a note above the header, or a
	// 坐标系 column). "" requires the file to say.
	CRS CRS
}

// Report is what reading a file found.
type Report struct {
	Imported int // stations read (by [Store.Import]: stored)
	// CRS is the coordinate system the stations were written in; "" when
	// they differ (rows saying their own) or none was imported.
	CRS      CRS
	Skipped  []Note // rows not imported, and why
	Warnings []Note // rows imported with something to check; Line 0 for the file
}

// Note is something said of a row of the file.
type Note struct {
	Sheet  string `json:"sheet,omitempty"` // an .xlsx workbook's sheet, when it has several
	Line   int    `json:"line"`            // the row's line in the file, from 1; 0 for the file
	Reason string `json:"reason"`
}

// String reads "第 5 行：缺少名称".
func (n Note) String() string {
	var b strings.Builder
	if n.Sheet != "" {
		fmt.Fprintf(&b, "工作表“%s”", n.Sheet)
	}
	if n.Line > 0 {
		fmt.Fprintf(&b, "第 %d 行", n.Line)
	}
	if b.Len() == 0 {
		return n.Reason
	}
	return b.String() + "：" + n.Reason
}

// table is the rows of a CSV file or of one sheet.
type table struct {
	sheet string     // "" for CSV and a workbook of one sheet
	rows  [][]string // cells as shown
	raw   [][]string // cells' stored values (.xlsx), for coordinates; nil for CSV
	lines []int      // each row's line in the file
}

// ReadFile reads the stations of a CSV or .xlsx file; see [Read].
func ReadFile(path string, opt ReadOptions) ([]Station, Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Report{}, apperr.Wrap(err, apperr.EInvalid, "无法打开文件 %s", path)
	}
	defer f.Close()
	return Read(f, filepath.Base(path), opt)
}

// Read reads the stations of a CSV (UTF-8, with or without BOM, GBK,
// or UTF-16 with BOM; comma or tab separated) or .xlsx file named name.
// The header is found in the first rows, its names in any order
// (名称, 地址, 经度, 纬度 or one 经纬度 column, 服务, 开放时间; optional
// 电话, 区域, 坐标系; and common variants). Coordinates are converted to
// WGS-84 from the file's coordinate system: see [ReadOptions].
//
// A bad row is named in the report and skipped; rows with latitude and
// longitude swapped are fixed with a warning (China's ranges of the two
// do not overlap, so the fix is never a guess). A station entered twice
// (one name, and one address or within 100 m) is imported once; two
// places of one name both, with a warning. Returns EINVALID, naming
// what is wrong, for a file that cannot be read, lacks a required column,
// or does not say its coordinate system when opt does not either.
func Read(r io.Reader, name string, opt ReadOptions) ([]Station, Report, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, Report{}, apperr.Wrap(err, apperr.EInvalid, "无法读取文件 %s", name)
	}
	if len(data) > maxFileBytes {
		return nil, Report{}, apperr.Errorf(apperr.EInvalid, "文件 %s 超过 %d MB，不像驿站名单", name, maxFileBytes>>20)
	}
	tables, err := readTables(data, name)
	if err != nil {
		return nil, Report{}, err
	}
	return readStations(tables, opt)
}

// readTables reads the rows of data by its format.
func readTables(data []byte, name string) ([]table, error) {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return readXLSX(data)
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}), strings.EqualFold(filepath.Ext(name), ".xls"):
		return nil, apperr.Errorf(apperr.EInvalid, "不支持旧版 Excel（.xls）文件 %s：请用 Excel 或 WPS 另存为 .xlsx 或 CSV 后再导入", name)
	}
	t, err := readCSV(data)
	return []table{t}, err
}

// readStations reads the stations of every table that has a header.
func readStations(tables []table, opt ReadOptions) ([]Station, Report, error) {
	rd := &reader{seen: map[string]seenRow{}, crs: map[CRS]bool{}}
	found := false
	for _, t := range tables {
		h, ok, err := findHeader(t)
		if err != nil {
			return nil, Report{}, err
		}
		if !ok {
			if t.sheet != "" && !blank(t) {
				rd.warn(t.sheet, 0, "没有驿站表头（名称、经度、纬度……），已略过此工作表")
			}
			continue
		}
		found = true
		if err := rd.table(t, h, opt); err != nil {
			return nil, Report{}, err
		}
	}
	if !found {
		return nil, Report{}, missingColumns("", nil)
	}
	rd.rep.Imported = len(rd.out)
	if len(rd.crs) == 1 {
		for c := range rd.crs {
			rd.rep.CRS = c
		}
	}
	return rd.out, rd.rep, nil
}

// reader collects the stations of a file and what it says of its rows.
type reader struct {
	out  []Station
	rep  Report
	seen map[string]seenRow // by name
	crs  map[CRS]bool       // the systems rows were written in
}

type seenRow struct {
	note Note // where it was
	st   Station
}

func (rd *reader) skip(sheet string, line int, format string, args ...any) {
	rd.rep.Skipped = append(rd.rep.Skipped, Note{sheet, line, fmt.Sprintf(format, args...)})
}

func (rd *reader) warn(sheet string, line int, format string, args ...any) {
	rd.rep.Warnings = append(rd.rep.Warnings, Note{sheet, line, fmt.Sprintf(format, args...)})
}

// table reads the rows of t below its header h.
func (rd *reader) table(t table, h header, opt ReadOptions) error {
	crs, err := tableCRS(t, h, opt)
	if err != nil {
		return err
	}
	for _, u := range h.unknown {
		rd.warn(t.sheet, h.line, "未识别的列“%s”，已忽略", u)
	}
	for _, d := range h.dups {
		rd.warn(t.sheet, h.line, "列“%s”与“%s”重复，只用了“%s”", d[0], d[1], d[1])
	}
	for i := h.index + 1; i < len(t.rows); i++ {
		rd.row(t, h, i, crs)
	}
	if len(rd.out)+len(rd.rep.Skipped) > maxRows {
		return tooManyRows()
	}
	return nil
}

// tooManyRows is the error of a file of more than maxRows rows.
func tooManyRows() error {
	return apperr.Errorf(apperr.EInvalid, "文件超过 %d 行，不像一个地区的驿站名单；请分地区导入", maxRows)
}

// row reads row i of t, adding it or saying why not.
func (rd *reader) row(t table, h header, i int, crs CRS) {
	cells := t.rows[i]
	if blankRow(cells) {
		return
	}
	line := t.lines[i]
	st, used, warns, reason := readRow(h, cells, rawRow(t, i), crs)
	if reason != "" {
		rd.skip(t.sheet, line, "%s", reason)
		return
	}
	rd.crs[used] = true
	for _, w := range warns {
		rd.warn(t.sheet, line, "%s", w)
	}
	if prev, ok := rd.seen[st.Name]; ok {
		if sameStation(prev.st, st) {
			rd.skip(t.sheet, line, "与%s重复（同名同址），已跳过", rowName(prev.note))
			return
		}
		rd.warn(t.sheet, line, "与%s同名“%s”但地址不同，已一并导入；建议在名称中注明街道以便区分", rowName(prev.note), st.Name)
	} else {
		rd.seen[st.Name] = seenRow{Note{Sheet: t.sheet, Line: line}, st}
	}
	rd.out = append(rd.out, st)
}

// rowName names a row in a message: "第 3 行", "工作表“卧龙区”第 3 行".
func rowName(n Note) string {
	s := fmt.Sprintf("第 %d 行", n.Line)
	if n.Sheet != "" {
		s = fmt.Sprintf("工作表“%s”%s", n.Sheet, s)
	}
	return s
}

// sameStation reports whether two rows of one name are one station:
// the same address, or within sameStationM.
func sameStation(a, b Station) bool {
	if a.Address != "" && a.Address == b.Address {
		return true
	}
	return DistanceM(a.Lat, a.Lng, b.Lat, b.Lng) < sameStationM
}

// rawRow is row i's stored values, when the table has them.
func rawRow(t table, i int) []string {
	if t.raw == nil || i >= len(t.raw) {
		return nil
	}
	return t.raw[i]
}

// readRow reads one row: the station, the coordinate system it was
// written in and warnings about it, or why it is skipped.
func readRow(h header, cells, raw []string, crs CRS) (st Station, used CRS, warns []string, skip string) {
	get := func(f field) string { return clean(cell(cells, h.col[f])) }
	if st.Name = get(fName); st.Name == "" {
		return st, "", nil, "缺少名称"
	}
	if c := get(fCRS); c != "" {
		var err error
		if crs, err = ParseCRS(c); err != nil {
			return st, "", nil, apperr.Message(err)
		}
	}
	var warn string
	if st.Lat, st.Lng, warn, skip = rowPlace(h, cells, raw, crs); skip != "" {
		return st, "", nil, skip
	}
	if warn != "" {
		warns = append(warns, warn)
	}
	st.Address, st.Phone, st.Hours = get(fAddress), get(fPhone), get(fHours)
	st.Services = parseServices(get(fServices))
	if st.Area = get(fArea); st.Area == "" {
		st.Area = areaOf(st.Address)
	}
	return st, crs, append(warns, rowWarnings(st)...), ""
}

// rowPlace reads a row's coordinates, written in crs, as WGS-84: swapped
// ones put right with a warning, or why the row is skipped.
func rowPlace(h header, cells, raw []string, crs CRS) (lat, lng float64, warn, skip string) {
	if lat, lng, skip = rowCoords(h, cells, raw); skip != "" {
		return 0, 0, "", skip
	}
	if crs == "" {
		return 0, 0, "", "没有注明坐标系（坐标系一列为空）"
	}
	if swapped(lat, lng) {
		warn = fmt.Sprintf("经度 %s 与纬度 %s 似乎填反了，已按经度 %s、纬度 %s 导入，请核对", deg(lng), deg(lat), deg(lat), deg(lng))
		lat, lng = lng, lat
	}
	if why := place(lat, lng); why != "" {
		return 0, 0, "", fmt.Sprintf("坐标（经度 %s，纬度 %s）%s", deg(lng), deg(lat), why)
	}
	lat, lng = toWGS84(crs, lat, lng)
	return lat, lng, warn, ""
}

// rowWarnings are what to check in a station read.
func rowWarnings(st Station) []string {
	var w []string
	if st.Address == "" {
		w = append(w, "没有填写地址")
	}
	if st.Hours != "" && !ParseSchedule(st.Hours).Known() {
		w = append(w, fmt.Sprintf("开放时间“%s”无法识别，将显示原文，但不参与“正在开放”的筛选", st.Hours))
	}
	return w
}

// rowCoords reads a row's latitude and longitude as written.
func rowCoords(h header, cells, raw []string) (lat, lng float64, skip string) {
	val := func(f field) string {
		if v := clean(cell(raw, h.col[f])); v != "" {
			return v
		}
		return clean(cell(cells, h.col[f]))
	}
	lngText, latText := val(fLng), val(fLat)
	if h.col[fCoords] > 0 && lngText == "" && latText == "" {
		parts := coordSep.Split(strings.Trim(val(fCoords), " ,，;；"), -1)
		if len(parts) != 2 {
			return 0, 0, fmt.Sprintf("经纬度“%s”应写成“经度,纬度”两个数", val(fCoords))
		}
		lngText, latText = parts[0], parts[1]
	}
	lng, skip = parseCoord("经度", lngText)
	if skip != "" {
		return 0, 0, skip
	}
	lat, skip = parseCoord("纬度", latText)
	return lat, lng, skip
}

// parseCoord reads a coordinate in decimal degrees.
func parseCoord(what, s string) (float64, string) {
	if s == "" {
		return 0, "缺少" + what
	}
	t := strings.TrimSpace(strings.TrimRight(width.Fold.String(s), "°度 "))
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, fmt.Sprintf("%s“%s”不是数字（应为十进制度数，如 121.4737）", what, s)
	}
	return v, ""
}

// cell is the text of column col (from 1) of cells, "" past its end.
func cell(cells []string, col int) string {
	if col <= 0 || col > len(cells) {
		return ""
	}
	return cells[col-1]
}

// clean trims a cell and joins its lines and runs of spaces into one
// space.
func clean(s string) string {
	return strings.Join(strings.Fields(strings.Trim(s, "\ufeff\u200b")), " ")
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if clean(c) != "" {
			return false
		}
	}
	return true
}

func blank(t table) bool {
	for _, r := range t.rows {
		if !blankRow(r) {
			return false
		}
	}
	return true
}
