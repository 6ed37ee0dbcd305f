package stations

import (
	"regexp"
	"slices"
	"strings"

	"golang.org/x/text/width"

	"partybot/apperr"
)

// field is a column a file of stations may have.
type field int

const (
	fName field = iota
	fAddress
	fLng
	fLat
	fCoords // "经度,纬度" in one cell
	fServices
	fHours
	fPhone
	fArea
	fCRS
	nFields
)

// fieldNames name the columns in messages.
var fieldNames = [nFields]string{"名称", "地址", "经度", "纬度", "经纬度", "服务", "开放时间", "电话", "区域", "坐标系"}

// headerNames are the header texts of each column, folded (see
// headerKey).
var headerNames = map[string]field{}

func init() {
	for f, names := range map[field][]string{
		fName:     {"名称", "驿站名称", "站点名称", "点位名称", "驿站名", "站名", "名字", "驿站", "站点", "name"},
		fAddress:  {"地址", "详细地址", "驿站地址", "站点地址", "所在地址", "地点", "位置", "address", "addr"},
		fLng:      {"经度", "lng", "lon", "long", "longitude"},
		fLat:      {"纬度", "lat", "latitude"},
		fCoords:   {"经纬度", "坐标", "经纬度坐标", "location", "lnglat", "coordinates", "coord"},
		fServices: {"服务", "服务项目", "服务内容", "提供服务", "服务功能", "功能", "设施", "配套设施", "services", "service", "amenities"},
		fHours:    {"开放时间", "营业时间", "服务时间", "开放时段", "时间", "hours", "openinghours", "openhours", "opentime"},
		fPhone:    {"电话", "联系电话", "联系方式", "电话号码", "手机", "phone", "tel", "telephone", "mobile", "contact"},
		fArea:     {"区域", "所属区域", "所在区域", "区", "区县", "所属区县", "街道", "所属街道", "辖区", "area", "district"},
		fCRS:      {"坐标系", "坐标系统", "坐标类型", "crs"},
	} {
		for _, n := range names {
			headerNames[n] = f
		}
	}
}

// header is where a table's columns are.
type header struct {
	index   int            // the header's row in the table
	line    int            // and in the file
	col     [nFields]int   // each field's column, from 1; 0 when absent
	crs     map[CRS]string // systems the coordinate headers name, with the header
	unknown []string       // headers of no field
	dups    [][2]string    // headers of a field named before, with that one
	note    CRS            // a system named by a note above the header
}

// bracketed are notes in headers: "经度（GCJ-02）".
var bracketed = regexp.MustCompile(`[(\[【][^)\]】]*[)\]】]`)

// headerKey folds a header cell for lookup: widths, case, notes in
// brackets, names of coordinate systems and separators removed.
func headerKey(s string) string {
	s = strings.ToLower(width.Fold.String(clean(s)))
	s = bracketed.ReplaceAllString(s, "")
	s = strings.NewReplacer("-", "", "_", "", " ", "", "*", "", ":", "").Replace(s)
	for _, w := range crsWords {
		s = strings.ReplaceAll(s, w.word, "")
	}
	return s
}

// findHeader finds the header of t in its first rows: the first row
// naming at least two columns. Returns EINVALID naming the required
// columns it lacks; ok=false when no row is a header.
func findHeader(t table) (h header, ok bool, err error) {
	for i := 0; i < len(t.rows) && i < headerScan; i++ {
		h, n := readHeader(t.rows[i])
		if n < 2 {
			continue
		}
		if miss := h.missing(); len(miss) > 0 {
			return h, false, missingColumns(t.sheet, miss)
		}
		h.index, h.line = i, t.lines[i]
		h.note = noteAbove(t, i)
		return h, true, nil
	}
	return header{}, false, nil
}

// noteAbove is a coordinate system named in the rows above row i.
func noteAbove(t table, i int) CRS {
	var found CRS
	for _, r := range t.rows[:i] {
		if c := crsIn(strings.Join(r, " ")); c != "" {
			found = c
		}
	}
	return found
}

// readHeader reads a row as a header and counts the fields it names.
func readHeader(row []string) (header, int) {
	h := header{crs: map[CRS]string{}}
	n := 0
	for i, c := range row {
		if clean(c) == "" {
			continue
		}
		f, ok := headerNames[headerKey(c)]
		if !ok {
			h.unknown = append(h.unknown, clean(c))
			continue
		}
		if h.col[f] > 0 {
			h.dups = append(h.dups, [2]string{clean(c), clean(row[h.col[f]-1])})
			continue
		}
		h.col[f], n = i+1, n+1
		if f == fLng || f == fLat || f == fCoords {
			if c2 := crsIn(c); c2 != "" {
				h.crs[c2] = clean(c)
			}
		}
	}
	return h, n
}

// missing names the required columns h lacks.
func (h header) missing() []string {
	var miss []string
	for _, f := range []field{fName, fAddress} {
		if h.col[f] == 0 {
			miss = append(miss, fieldNames[f])
		}
	}
	if h.col[fCoords] == 0 {
		for _, f := range []field{fLng, fLat} {
			if h.col[f] == 0 {
				miss = append(miss, fieldNames[f])
			}
		}
	}
	for _, f := range []field{fServices, fHours} {
		if h.col[f] == 0 {
			miss = append(miss, fieldNames[f])
		}
	}
	return miss
}

// missingColumns is the error of a file without the columns miss (nil:
// without a header at all).
func missingColumns(sheet string, miss []string) error {
	const want = "表头应有：名称、地址、经度、纬度（或“经纬度”一列，按“经度,纬度”填写）、服务、开放时间；可选：电话、区域、坐标系"
	where := "文件"
	if sheet != "" {
		where = "工作表“" + sheet + "”"
	}
	if miss == nil {
		return apperr.Errorf(apperr.EInvalid, "%s的前 %d 行中找不到表头，已拒绝导入。%s", where, headerScan, want)
	}
	return apperr.Errorf(apperr.EInvalid, "%s缺少必需的列：%s，已拒绝导入。%s", where, strings.Join(miss, "、"), want)
}

// tableCRS is the coordinate system of t's rows without one of their
// own: the one its headers or a note above them name, else opt's.
// Returns EINVALID when they disagree, or when neither says and t has
// no 坐标系 column.
func tableCRS(t table, h header, opt ReadOptions) (CRS, error) {
	file, err := declared(h)
	if err != nil {
		return "", err
	}
	switch {
	case file != "" && opt.CRS != "" && file != opt.CRS:
		return "", apperr.Errorf(apperr.EInvalid, "文件%s标明坐标系为 %s，与指定的 --crs %s 不一致，已拒绝导入。请核对后只保留正确的一个。", sheetName(t), file, string(opt.CRS))
	case file != "":
		return file, nil
	case opt.CRS == "" && h.col[fCRS] == 0:
		return "", apperr.Errorf(apperr.EInvalid, "文件%s没有注明坐标系，已拒绝导入。"+crsHelp, sheetName(t))
	}
	return opt.CRS, nil
}

// crsHelp tells a deployer how to say a file's coordinate system.
const crsHelp = "请用 --crs 指定：从高德、腾讯地图取的坐标用 --crs gcj02；手机 GPS、奥维、Telegram 位置用 --crs wgs84；百度地图用 --crs bd09。" +
	"也可以在表头注明，如“经度（GCJ-02）”，或加一列“坐标系”。"

// declared is the coordinate system h's coordinate headers, or a note
// above them, name; "" for none.
func declared(h header) (CRS, error) {
	if len(h.crs) > 1 {
		var names []string
		for _, hdr := range h.crs {
			names = append(names, "“"+hdr+"”")
		}
		slices.Sort(names)
		return "", apperr.Errorf(apperr.EInvalid, "表头 %s 标明的坐标系不一致，已拒绝导入", strings.Join(names, "与"))
	}
	for c := range h.crs {
		if h.note != "" && h.note != c {
			return "", apperr.Errorf(apperr.EInvalid, "表头上方注明坐标系为 %s，与表头“%s”不一致，已拒绝导入", h.note, h.crs[c])
		}
		return c, nil
	}
	return h.note, nil
}

// sheetName is " (工作表“X”)" for a named sheet.
func sheetName(t table) string {
	if t.sheet == "" {
		return ""
	}
	return "（工作表“" + t.sheet + "”）"
}

// coordSep splits a 经纬度 cell.
var coordSep = regexp.MustCompile(`\s*[,，;；/\s]\s*`)
