package stations_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"partybot/stations"
)

// fixture is a real station's place, in WGS-84, as a test file lists it.
type fixture struct {
	name, address string
	lat, lng      float64
	services      string
	hours, phone  string
}

// shanghai are stations in Shanghai's centre.
var shanghai = []fixture{
	{"南京东路暖“新”驿站", "上海市黄浦区南京东路300号", 31.2381, 121.4846, "休息、喝水、手机充电、微波炉", "08:00-20:00", "021-63210001"},
	{"静安寺司机之家", "上海市静安区南京西路1686号", 31.2237, 121.4456, "休息/饮水/如厕/修车", "24小时", "021-62480002"},
	{"徐家汇骑手驿站", "上海市徐汇区漕溪北路88号", 31.1950, 121.4370, "歇脚，热水，充电", "周一至周五 9:00-18:00", ""},
	{"陆家嘴暖“新”驿站", "上海市浦东新区陆家嘴环路1000号", 31.2397, 121.4998, "休息 饮水 充电 热饭 洗手间", "每天 20:00-次日8:00", "021-58880003"},
	{"虹桥枢纽司机之家", "上海市闵行区申贵路1500号", 31.1942, 121.3207, "休息、饮水、厕所", "营业时间待定", "021-00000004"},
}

// nanyang are stations in Nanyang, Henan.
var nanyang = []fixture{
	{"卧龙区暖“新”驿站", "河南省南阳市卧龙区车站南路12号", 32.9957, 112.5245, "休息、饮水、充电、热饭", "08:00-20:00", "0377-63010001"},
	{"宛城区骑手之家", "河南省南阳市宛城区工业南路", 32.9946, 112.5398, "休息、饮水、维修", "全天", ""},
	{"邓州市暖“新”驿站", "河南省南阳市邓州市新华路", 32.6878, 112.0873, "休息、饮水", "8:00-18:00", ""},
}

// peoplesSquare is where a courier asks from (WGS-84).
const psLat, psLng = 31.2304, 121.4737

const header = "名称,地址,经度,纬度,服务,开放时间,电话"

// csvOf is a CSV of fs under hdr, coordinates in crs written with six
// decimals, as map pickers copy them.
func csvOf(hdr string, crs stations.CRS, fs ...fixture) string {
	var b strings.Builder
	b.WriteString(hdr + "\n")
	for _, f := range fs {
		lat, lng := f.lat, f.lng
		if crs == stations.GCJ02 {
			lat, lng = stations.WGS84ToGCJ02(lat, lng)
		}
		fmt.Fprintf(&b, "%s,%s,%.6f,%.6f,\"%s\",%s,%s\n", f.name, f.address, lng, lat, f.services, f.hours, f.phone)
	}
	return b.String()
}

// writeFile writes data to name in a temporary directory.
func writeFile(tb testing.TB, name string, data []byte) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	require.NoError(tb, os.WriteFile(path, data, 0o600))
	return path
}

// mustRead reads a CSV text and fails on an error.
func mustRead(tb testing.TB, text string, crs stations.CRS) ([]stations.Station, stations.Report) {
	tb.Helper()
	sts, rep, err := stations.Read(strings.NewReader(text), "stations.csv", stations.ReadOptions{CRS: crs})
	require.NoError(tb, err)
	return sts, rep
}

// stationNames are the stations' names in order.
func stationNames(sts []stations.Station) []string {
	out := make([]string, len(sts))
	for i, s := range sts {
		out[i] = s.Name
	}
	return out
}

// resultNames are the results' names in order.
func resultNames(rs []stations.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

// fmtF writes v with six decimals.
func fmtF(v float64) string { return fmt.Sprintf("%.6f", v) }
