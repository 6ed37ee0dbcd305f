package stations_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"

	"partybot/apperr"
	"partybot/stations"
)

// TestReadEncodings: the same list as Excel and WPS save it reads the
// same, whatever the encoding and separator.
func TestReadEncodings(t *testing.T) {
	text := csvOf(header, stations.WGS84, shanghai...)
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	require.NoError(t, err)
	tsv := strings.ReplaceAll(strings.ReplaceAll(text, ",", "\t"), "\"", "")
	utf16, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder().String(tsv)
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		data string
	}{
		{"utf-8", text},
		{"utf-8 with BOM", "\uFEFF" + text},
		{"utf-8 CRLF", strings.ReplaceAll(text, "\n", "\r\n")},
		{"gbk", gbk},
		{"utf-16 tab separated", utf16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sts, rep := mustRead(t, tc.data, stations.WGS84)
			require.Len(t, sts, len(shanghai))
			assert.Equal(t, len(shanghai), rep.Imported)
			assert.Empty(t, rep.Skipped)
			assert.Equal(t, stations.WGS84, rep.CRS)
			assert.Equal(t, stations.Station{
				Name: "南京东路暖“新”驿站", Address: "上海市黄浦区南京东路300号", Area: "黄浦区",
				Lat: 31.2381, Lng: 121.4846, Services: []string{"休息", "饮水", "充电", "热饭"},
				Hours: "08:00-20:00", Phone: "021-63210001",
			}, sts[0])
			assert.Equal(t, []string{"休息", "饮水", "如厕", "维修"}, sts[1].Services)
			assert.Equal(t, "浦东新区", sts[3].Area)
		})
	}
}

// TestReadHeaderVariants: headers in another order, in English or with
// other common names, under a title row, and an optional 区域.
func TestReadHeaderVariants(t *testing.T) {
	text := "南阳市暖“新”驿站一览表\n" +
		"联系电话,Latitude,lng,站点名称,服务项目,详细地址,营业时间,所属区域,备注,手机\n" +
		"0377-63010001,32.9957,112.5245,卧龙区暖“新”驿站,休息、饮水,南阳市车站南路12号,8:00-20:00,卧龙区,新建,13800138000\n"
	sts, rep := mustRead(t, text, stations.WGS84)
	require.Len(t, sts, 1)
	assert.Equal(t, "卧龙区暖“新”驿站", sts[0].Name)
	assert.Equal(t, "卧龙区", sts[0].Area)
	assert.Equal(t, "0377-63010001", sts[0].Phone)
	assert.InDelta(t, 32.9957, sts[0].Lat, 1e-9)
	assert.Equal(t, []stations.Note{
		{Line: 2, Reason: "未识别的列“备注”，已忽略"},
		{Line: 2, Reason: "列“手机”与“联系电话”重复，只用了“联系电话”"},
	}, rep.Warnings)
}

// TestReadCoordinatesInOneColumn: a 经纬度 column as 高德's picker copies
// it, "lng,lat".
func TestReadCoordinatesInOneColumn(t *testing.T) {
	text := "名称,地址,经纬度,服务,开放时间\n宛城区骑手之家,南阳市宛城区工业南路,\"112.5398,32.9946\",休息,全天\n"
	sts, _ := mustRead(t, text, stations.WGS84)
	require.Len(t, sts, 1)
	assert.InDelta(t, 32.9946, sts[0].Lat, 1e-9)
	assert.InDelta(t, 112.5398, sts[0].Lng, 1e-9)
}

func TestReadMissingColumn(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		want         string
	}{
		{"no latitude", "名称,地址,经度,服务,开放时间,电话", "缺少必需的列：纬度"},
		{"no hours", "名称,地址,经度,纬度,服务,电话", "缺少必需的列：开放时间"},
		{"no name", "站点名字,地址,经度,纬度,服务,开放时间", "缺少必需的列：名称"},
		{"several", "名称,经度,纬度,电话", "缺少必需的列：地址、服务、开放时间"},
		{"no header", "卧龙区暖“新”驿站,南阳市车站南路12号", "找不到表头"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := tc.header + "\n卧龙区暖“新”驿站,南阳市车站南路12号,112.5245,32.9957,休息,8:00-20:00\n"
			sts, _, err := stations.Read(strings.NewReader(text), "stations.csv", stations.ReadOptions{CRS: stations.WGS84})
			assert.Nil(t, sts)
			assert.Equal(t, apperr.EInvalid, apperr.Code(err))
			assert.Contains(t, apperr.Message(err), tc.want)
			assert.Contains(t, apperr.Message(err), "已拒绝导入")
		})
	}
}

// TestReadBadRows: each bad row is named with its line and why, and
// skipped; every other row is imported.
func TestReadBadRows(t *testing.T) {
	text := header + "\n" +
		",上海市黄浦区某路1号,121.4846,31.2381,休息,,\n" + // 2
		"南京东路暖“新”驿站,上海市黄浦区南京东路300号,121.4846,31.2381,\"休息\n饮水\",08:00-20:00,\n" + // 3-4
		"坏坐标驿站,上海市,东经121度,31.2381,休息,,\n" + // 5
		"零点驿站,上海市,0,0,休息,,\n" + // 6
		"东京驿站,东京都,139.69,35.68,休息,,\n" + // 7
		"东海驿站,东海,125,30,休息,,\n" + // 8
		",,,,,,\n" + // 9: blank, ignored
		"缺纬度驿站,上海市,121.4846,,休息,,\n" + // 10
		"静安寺司机之家,上海市静安区南京西路1686号,121.4456,31.2237,休息,24小时,\n" // 11
	sts, rep := mustRead(t, text, stations.WGS84)
	assert.Equal(t, []string{"南京东路暖“新”驿站", "静安寺司机之家"}, stationNames(sts))
	assert.Equal(t, []string{"休息", "饮水"}, sts[0].Services)
	assert.Equal(t, []stations.Note{
		{Line: 2, Reason: "缺少名称"},
		{Line: 5, Reason: "经度“东经121度”不是数字（应为十进制度数，如 121.4737）"},
		{Line: 6, Reason: "坐标（经度 0，纬度 0）为 0,0（可能没有填写）"},
		{Line: 7, Reason: "坐标（经度 139.69，纬度 35.68）不在中国境内"},
		{Line: 8, Reason: "坐标（经度 125，纬度 30）位于海上或境外"},
		{Line: 10, Reason: "缺少纬度"},
	}, rep.Skipped)
	assert.Equal(t, 2, rep.Imported)
	assert.Equal(t, "第 5 行：经度“东经121度”不是数字（应为十进制度数，如 121.4737）", rep.Skipped[1].String())
}

// TestReadSwapped: a row with latitude and longitude swapped is named,
// and imported the right way round.
func TestReadSwapped(t *testing.T) {
	text := header + "\n" +
		"南京东路暖“新”驿站,上海市黄浦区南京东路300号,121.4846,31.2381,休息,08:00-20:00,\n" +
		"静安寺司机之家,上海市静安区南京西路1686号,31.2237,121.4456,休息,24小时,\n"
	sts, rep := mustRead(t, text, stations.WGS84)
	require.Len(t, sts, 2)
	assert.InDelta(t, 31.2237, sts[1].Lat, 1e-9)
	assert.InDelta(t, 121.4456, sts[1].Lng, 1e-9)
	assert.Empty(t, rep.Skipped)
	require.Len(t, rep.Warnings, 1)
	assert.Equal(t, "第 3 行：经度 31.2237 与纬度 121.4456 似乎填反了，已按经度 121.4456、纬度 31.2237 导入，请核对", rep.Warnings[0].String())
}

// TestReadDuplicates: a station entered twice (same name, same place) is
// imported once; two places of one name are both imported, with a
// warning.
func TestReadDuplicates(t *testing.T) {
	text := header + "\n" +
		"骑手驿站,上海市黄浦区南京东路300号,121.4846,31.2381,休息,08:00-20:00,\n" + // 2
		"静安寺司机之家,上海市静安区南京西路1686号,121.4456,31.2237,休息,24小时,\n" + // 3
		"骑手驿站,上海市黄浦区南京东路300号,121.4846,31.2381,休息,08:00-20:00,\n" + // 4: the same again
		"骑手驿站,上海市黄浦区南京东路 300 号,121.48461,31.23812,休息,08:00-20:00,\n" + // 5: 1 m away
		"骑手驿站,上海市徐汇区漕溪北路88号,121.4370,31.1950,休息,,\n" // 6: elsewhere
	sts, rep := mustRead(t, text, stations.WGS84)
	assert.Equal(t, []string{"骑手驿站", "静安寺司机之家", "骑手驿站"}, stationNames(sts))
	assert.Equal(t, "上海市徐汇区漕溪北路88号", sts[2].Address)
	assert.Equal(t, []stations.Note{
		{Line: 4, Reason: "与第 2 行重复（同名同址），已跳过"},
		{Line: 5, Reason: "与第 2 行重复（同名同址），已跳过"},
	}, rep.Skipped)
	assert.Equal(t, []stations.Note{
		{Line: 6, Reason: "与第 2 行同名“骑手驿站”但地址不同，已一并导入；建议在名称中注明街道以便区分"},
	}, rep.Warnings)
}

// TestReadWarnings: a row without address, or with hours that are not
// understood, is imported with a warning.
func TestReadWarnings(t *testing.T) {
	text := header + "\n虹桥枢纽司机之家,,121.3207,31.1942,休息,营业时间待定,\n"
	sts, rep := mustRead(t, text, stations.WGS84)
	require.Len(t, sts, 1)
	assert.Equal(t, []stations.Note{
		{Line: 2, Reason: "没有填写地址"},
		{Line: 2, Reason: "开放时间“营业时间待定”无法识别，将显示原文，但不参与“正在开放”的筛选"},
	}, rep.Warnings)
}

// TestReadCRS: a file's coordinate system comes from its headers, a note
// above them, a 坐标系 column or the option; a file that says none, or
// says one the option contradicts, is refused.
func TestReadCRS(t *testing.T) {
	row := csvOf(header, stations.GCJ02, shanghai[0])
	row = row[strings.Index(row, "\n")+1:]
	gcjHeader := "名称,地址,经度（GCJ-02）,纬度（GCJ-02）,服务,开放时间,电话"
	for _, tc := range []struct {
		name string
		text string
		opt  stations.CRS
		want string // in the error; "" for a file read as GCJ-02
	}{
		{"option", header + "\n" + row, stations.GCJ02, ""},
		{"header", gcjHeader + "\n" + row, "", ""},
		{"header and the same option", gcjHeader + "\n" + row, stations.GCJ02, ""},
		{"note above the header", "坐标系：高德地图\n" + header + "\n" + row, "", ""},
		{"column", "名称,地址,经度,纬度,服务,开放时间,电话,坐标系\n" + strings.TrimSuffix(row, "\n") + ",GCJ-02\n", "", ""},
		{"none", header + "\n" + row, "", "没有注明坐标系"},
		{"option contradicts header", gcjHeader + "\n" + row, stations.WGS84, "与指定的 --crs wgs84 不一致"},
		{"headers disagree", "名称,地址,经度(GCJ-02),纬度(WGS84),服务,开放时间,电话\n" + row, "", "标明的坐标系不一致"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sts, rep, err := stations.Read(strings.NewReader(tc.text), "stations.csv", stations.ReadOptions{CRS: tc.opt})
			if tc.want != "" {
				assert.Equal(t, apperr.EInvalid, apperr.Code(err))
				assert.Contains(t, apperr.Message(err), tc.want)
				return
			}
			require.NoError(t, err)
			require.Len(t, sts, 1)
			assert.Equal(t, stations.GCJ02, rep.CRS)
			assert.Less(t, stations.DistanceM(sts[0].Lat, sts[0].Lng, shanghai[0].lat, shanghai[0].lng), 0.2)
		})
	}
}

// TestReadCRSColumnPerRow: rows of a 坐标系 column say their own system;
// a row with none takes the option's.
func TestReadCRSColumnPerRow(t *testing.T) {
	gLat, gLng := stations.WGS84ToGCJ02(shanghai[1].lat, shanghai[1].lng)
	text := "名称,地址,经度,纬度,服务,开放时间,坐标系\n" +
		"A,上海市黄浦区南京东路300号,121.4846,31.2381,休息,,WGS84\n" +
		"B,上海市静安区南京西路1686号," + deg6(gLng) + "," + deg6(gLat) + ",休息,,高德\n" +
		"C,上海市徐汇区漕溪北路88号,121.4370,31.1950,休息,,\n" +
		"D,上海市,121.4370,31.1950,休息,,CGCS2000\n"
	sts, rep := mustRead(t, text, stations.WGS84)
	require.Len(t, sts, 3)
	assert.Less(t, stations.DistanceM(sts[1].Lat, sts[1].Lng, shanghai[1].lat, shanghai[1].lng), 0.2)
	assert.InDelta(t, 31.1950, sts[2].Lat, 1e-9)
	assert.Empty(t, rep.CRS, "rows of several systems")
	require.Len(t, rep.Skipped, 1)
	assert.Equal(t, 5, rep.Skipped[0].Line)
	assert.Contains(t, rep.Skipped[0].Reason, "无法识别坐标系“CGCS2000”")
}

// TestGCJTwin: a list in GCJ-02, as 高德's picker gives it, finds the
// same stations at the same distances (within a metre) as its WGS-84
// twin; read as WGS-84 by mistake it would be off by hundreds of metres.
func TestGCJTwin(t *testing.T) {
	all := append(append([]fixture{}, shanghai...), nanyang...)
	wgs, _ := mustRead(t, csvOf(header, stations.WGS84, all...), stations.WGS84)
	gcj, _ := mustRead(t, csvOf(header, stations.GCJ02, all...), stations.GCJ02)
	misread, _ := mustRead(t, csvOf(header, stations.GCJ02, all...), stations.WGS84)
	for _, q := range []struct {
		name     string
		lat, lng float64
	}{{"人民广场", psLat, psLng}, {"南阳站", 32.9987, 112.5283}} {
		t.Run(q.name, func(t *testing.T) {
			want, err := stations.NewIndex(wgs).Near(q.lat, q.lng, 5, stations.Filter{})
			require.NoError(t, err)
			got, err := stations.NewIndex(gcj).Near(q.lat, q.lng, 5, stations.Filter{})
			require.NoError(t, err)
			assert.Equal(t, resultNames(want), resultNames(got))
			for i := range want {
				assert.InDelta(t, want[i].DistanceM, got[i].DistanceM, 1, want[i].Name)
			}
		})
	}
	for i := range wgs {
		assert.Greater(t, stations.DistanceM(wgs[i].Lat, wgs[i].Lng, misread[i].Lat, misread[i].Lng), 300.0, wgs[i].Name)
	}
}

// TestReadXLSX: a workbook with a title row, numbers formatted to two
// decimals (read as stored), a sheet per city and a sheet of notes.
func TestReadXLSX(t *testing.T) {
	sts, rep, err := stations.Read(bytes.NewReader(workbook(t)), "驿站.xlsx", stations.ReadOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"南京东路暖“新”驿站", "静安寺司机之家", "卧龙区暖“新”驿站", "宛城区骑手之家"}, stationNames(sts))
	assert.Equal(t, stations.GCJ02, rep.CRS, "said by the title row")
	assert.Less(t, stations.DistanceM(sts[0].Lat, sts[0].Lng, shanghai[0].lat, shanghai[0].lng), 0.2, "stored value, not the shown 121.48")
	assert.Equal(t, "13800138000", sts[1].Phone)
	assert.Equal(t, []string{"休息", "饮水", "维修"}, sts[3].Services)
	assert.Equal(t, []stations.Note{
		{Sheet: "南阳", Line: 5, Reason: "缺少名称"},
	}, rep.Skipped)
	assert.Equal(t, []stations.Note{
		{Sheet: "说明", Reason: "没有驿站表头（名称、经度、纬度……），已略过此工作表"},
	}, rep.Warnings)
	assert.Equal(t, "工作表“南阳”第 5 行：缺少名称", rep.Skipped[0].String())
}

// workbook is an .xlsx of stations in GCJ-02.
func workbook(tb testing.TB) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	fill := func(sheet string, fs []fixture, extra [][]any) {
		_, err := f.NewSheet(sheet)
		require.NoError(tb, err)
		require.NoError(tb, f.SetSheetRow(sheet, "A1", &[]any{"暖“新”驿站一览（坐标：高德地图）"}))
		require.NoError(tb, f.SetSheetRow(sheet, "A2", &[]any{"名称", "地址", "经度", "纬度", "服务", "开放时间", "电话"}))
		for i, fx := range fs {
			lat, lng := stations.WGS84ToGCJ02(fx.lat, fx.lng)
			cell, _ := excelize.CoordinatesToCellName(1, i+3)
			require.NoError(tb, f.SetSheetRow(sheet, cell, &[]any{fx.name, fx.address, lng, lat, fx.services, fx.hours, fx.phone}))
		}
		for i, row := range extra {
			cell, _ := excelize.CoordinatesToCellName(1, len(fs)+i+3)
			require.NoError(tb, f.SetSheetRow(sheet, cell, &row))
		}
		style, err := f.NewStyle(&excelize.Style{NumFmt: 2}) // "0.00"
		require.NoError(tb, err)
		require.NoError(tb, f.SetColStyle(sheet, "C:D", style))
	}
	sh := []fixture{shanghai[0], shanghai[1]}
	sh[1].phone = ""
	fill("上海", sh, nil)
	require.NoError(tb, f.SetCellValue("上海", "G4", 13800138000))
	fill("南阳", nanyang[:2], [][]any{{"", "南阳市", 112.5, 33.0, "休息", "", ""}})
	_, err := f.NewSheet("说明")
	require.NoError(tb, err)
	require.NoError(tb, f.SetCellValue("说明", "A1", "本表由区委社会工作部维护"))
	require.NoError(tb, f.DeleteSheet("Sheet1"))
	var buf bytes.Buffer
	require.NoError(tb, f.Write(&buf))
	return buf.Bytes()
}

func TestReadRefusesOtherFiles(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"old excel", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, "不支持旧版 Excel"},
		{"broken xlsx", []byte("PK\x03\x04 broken"), "无法读取 .xlsx 文件"},
		{"binary", []byte{0x81, 0x00, 0xFF, 0xFE, 0x80}, "无法识别文件的文字编码"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := stations.Read(bytes.NewReader(tc.data), "x", stations.ReadOptions{CRS: stations.WGS84})
			assert.Equal(t, apperr.EInvalid, apperr.Code(err))
			assert.Contains(t, apperr.Message(err), tc.want)
		})
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte(csvOf(header, stations.WGS84, shanghai...)))
	f.Add([]byte("名称,地址,经纬度,服务,开放时间,坐标系\nA,B,\"112.5,33\",充电,24小时,gcj02\n"))
	f.Add([]byte(header + "\nA,B,31.2,121.5,,,\nA,B,121.5,31.2,,,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sts, rep, err := stations.Read(bytes.NewReader(data), "f.csv", stations.ReadOptions{CRS: stations.WGS84})
		if err != nil {
			if apperr.Code(err) != apperr.EInvalid {
				t.Fatalf("not EINVALID: %v", err)
			}
			return
		}
		if rep.Imported != len(sts) {
			t.Fatalf("imported %d, have %d", rep.Imported, len(sts))
		}
		for _, s := range sts {
			if s.Name == "" || stations.CheckPoint(s.Lat, s.Lng) != nil {
				t.Fatalf("bad station %+v", s)
			}
		}
	})
}

// deg6 writes a coordinate as map pickers do.
func deg6(v float64) string { return strings.TrimRight(strings.TrimRight(fmtF(v), "0"), ".") }
