package stations

import (
	"fmt"
	"math"
	"strings"

	"partybot/apperr"
	"partybot/tickets"
)

// CRS is the coordinate system a file's coordinates are written in.
// Stations are always stored in WGS-84.
type CRS string

// Coordinate systems a file may use.
const (
	// WGS84 is GPS's system: a phone's own location, Telegram locations,
	// 奥维 and most GPS devices.
	WGS84 CRS = "wgs84"
	// GCJ02 is the system of Chinese web maps (高德, 腾讯): the
	// coordinate pickers deployers copy from.
	GCJ02 CRS = "gcj02"
	// BD09 is Baidu Maps' own offset of GCJ-02.
	BD09 CRS = "bd09"
)

// String names the system in messages.
func (c CRS) String() string {
	switch c {
	case WGS84:
		return "WGS-84"
	case GCJ02:
		return "GCJ-02"
	case BD09:
		return "BD-09"
	}
	return "未注明"
}

// ParseCRS reads a coordinate system as deployers write it: "wgs84",
// "WGS-84", "GPS", "gcj02", "GCJ-02", "火星", "高德", "腾讯", "bd09",
// "百度". Returns EINVALID for anything else.
func ParseCRS(s string) (CRS, error) {
	if c := crsIn(s); c != "" {
		return c, nil
	}
	return "", apperr.Errorf(apperr.EInvalid, "无法识别坐标系“%s”，应为 wgs84、gcj02 或 bd09", s)
}

// crsIn finds a coordinate system named in text (a header, a note), ""
// for none or more than one.
func crsIn(text string) CRS {
	t := strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(text))
	var found CRS
	for _, k := range crsWords {
		if strings.Contains(t, k.word) {
			if found != "" && found != k.crs {
				return ""
			}
			found = k.crs
		}
	}
	return found
}

var crsWords = []struct {
	word string
	crs  CRS
}{
	{"wgs84", WGS84}, {"gps", WGS84},
	{"gcj02", GCJ02}, {"火星", GCJ02}, {"高德", GCJ02}, {"腾讯", GCJ02}, {"国测局", GCJ02},
	{"bd09", BD09}, {"百度", BD09},
}

// toWGS84 converts a point from c to WGS-84.
func toWGS84(c CRS, lat, lng float64) (float64, float64) {
	switch c {
	case GCJ02:
		return GCJ02ToWGS84(lat, lng)
	case BD09:
		return GCJ02ToWGS84(BD09ToGCJ02(lat, lng))
	}
	return lat, lng
}

// The GCJ-02 transform below is the one published since 2012 (the
// Krasovsky ellipsoid and the polynomial offset of eviltransform,
// coordtransform and every map SDK's "wgs2gcj"). Why our own: it is a
// dozen lines, and no maintained Go module carries it.
const (
	krasovskyA  = 6378245.0
	krasovskyEE = 0.00669342162296594323
)

// WGS84ToGCJ02 returns the GCJ-02 coordinates of a WGS-84 point in China.
func WGS84ToGCJ02(lat, lng float64) (float64, float64) {
	dLat, dLng := gcjOffset(lat, lng)
	return lat + dLat, lng + dLng
}

// GCJ02ToWGS84 inverts [WGS84ToGCJ02] by fixed-point iteration. The
// offset's slope is under 0.007, so each step shrinks the error at least
// 150-fold: 3 to 5 steps reach 1e-10° (0.01 mm), where the one-step
// inverse most libraries use is off by 1 to 2 m.
func GCJ02ToWGS84(lat, lng float64) (float64, float64) {
	wLat, wLng := lat, lng
	for range 10 {
		gLat, gLng := WGS84ToGCJ02(wLat, wLng)
		eLat, eLng := gLat-lat, gLng-lng
		wLat, wLng = wLat-eLat, wLng-eLng
		if math.Abs(eLat) < 1e-10 && math.Abs(eLng) < 1e-10 {
			break
		}
	}
	return wLat, wLng
}

// BD09ToGCJ02 removes Baidu's offset (the published bd_decrypt).
func BD09ToGCJ02(lat, lng float64) (float64, float64) {
	const xPi = math.Pi * 3000 / 180
	x, y := lng-0.0065, lat-0.006
	z := math.Hypot(x, y) - 0.00002*math.Sin(y*xPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*xPi)
	return z * math.Sin(theta), z * math.Cos(theta)
}

// gcjOffset is GCJ-02's offset at a WGS-84 point, in degrees.
func gcjOffset(lat, lng float64) (dLat, dLng float64) {
	x, y := lng-105, lat-35
	dLat = -100 + 2*x + 3*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	dLng = 300 + x + 2*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	common := (20*math.Sin(6*x*math.Pi) + 20*math.Sin(2*x*math.Pi)) * 2 / 3
	dLat += common + (20*math.Sin(y*math.Pi)+40*math.Sin(y/3*math.Pi))*2/3 +
		(160*math.Sin(y/12*math.Pi)+320*math.Sin(y*math.Pi/30))*2/3
	dLng += common + (20*math.Sin(x*math.Pi)+40*math.Sin(x/3*math.Pi))*2/3 +
		(150*math.Sin(x/12*math.Pi)+300*math.Sin(x/30*math.Pi))*2/3
	rad := lat / 180 * math.Pi
	magic := 1 - krasovskyEE*math.Sin(rad)*math.Sin(rad)
	sq := math.Sqrt(magic)
	dLat = dLat * 180 / (krasovskyA * (1 - krasovskyEE) / (magic * sq) * math.Pi)
	dLng = dLng * 180 / (krasovskyA / sq * math.Cos(rad) * math.Pi)
	return dLat, dLng
}

// DistanceM is the great-circle (haversine) distance in metres between
// two WGS-84 points: [tickets.Distance], the one formula reports and
// stations share.
func DistanceM(lat1, lng1, lat2, lng2 float64) float64 {
	return tickets.Distance(tickets.LatLng{Lat: lat1, Lng: lng1}, tickets.LatLng{Lat: lat2, Lng: lng2})
}

// FormatDistance reads metres for a person: 320 米, 1.4 公里.
func FormatDistance(m float64) string {
	if m < 1000 {
		return fmt.Sprintf("%.0f 米", m)
	}
	return fmt.Sprintf("%.1f 公里", m/1000)
}

// land is China's land, coarsely, as rectangles [north, west, south,
// east]: the six of the published "is in China" test used by GCJ-02
// libraries (without its exclusions, which cut off Chinese border
// towns such as 河口), and the islands of the South China Sea (南海诸岛).
// A point outside all of them is at sea or abroad.
var land = [][4]float64{
	{49.2204, 79.4462, 42.8899, 96.3300},
	{54.1415, 109.6872, 39.3742, 135.0002},
	{42.8899, 73.1246, 29.5297, 124.143255},
	{29.5297, 82.9684, 26.7186, 97.0352},
	{29.5297, 97.0253, 20.414096, 124.367395},
	{20.414096, 107.975793, 17.871542, 111.744104},
	{17.2, 110.9, 15.6, 113.0}, // 西沙群岛
	{16.3, 113.5, 14.9, 118.0}, // 中沙群岛、黄岩岛
	{11.6, 109.4, 3.8, 118.0},  // 南沙群岛
}

// China's bounding box, for wording: a point beyond it is abroad.
const (
	minLat, maxLat = 3.8, 54.2
	minLng, maxLng = 73.1, 135.1
)

// place says why a WGS-84 point is no place for a station: "" when it is
// on China's land, as far as [land] knows.
func place(lat, lng float64) string {
	switch {
	case math.IsNaN(lat) || math.IsNaN(lng) || math.IsInf(lat, 0) || math.IsInf(lng, 0):
		return "不是有效的数字"
	case lat == 0 && lng == 0:
		return "为 0,0（可能没有填写）"
	case lat < -90 || lat > 90 || lng < -180 || lng > 180:
		return "超出经纬度的取值范围（纬度 -90～90，经度 -180～180）"
	case lat < minLat || lat > maxLat || lng < minLng || lng > maxLng:
		return "不在中国境内"
	}
	for _, r := range land {
		if lat <= r[0] && lng >= r[1] && lat >= r[2] && lng <= r[3] {
			return ""
		}
	}
	return "位于海上或境外"
}

// swapped reports whether lat and lng, which are no place for a station,
// are one the other way round. China's latitudes (4–54) and longitudes
// (73–135) do not overlap, so this is never a guess.
func swapped(lat, lng float64) bool {
	return place(lat, lng) != "" && place(lng, lat) == ""
}

// CheckPoint checks a WGS-84 point a user sent. Returns EINVALID, with a
// message saying what is wrong, for a point that is not on China's land
// (at sea, abroad, 0,0) or has latitude and longitude the wrong way round.
func CheckPoint(lat, lng float64) error {
	if swapped(lat, lng) {
		return apperr.Errorf(apperr.EInvalid, "位置（纬度 %s，经度 %s）似乎把纬度和经度写反了：应先写纬度（约 4～54），再写经度（约 73～135）", deg(lat), deg(lng))
	}
	if why := place(lat, lng); why != "" {
		return apperr.Errorf(apperr.EInvalid, "位置（纬度 %s，经度 %s）%s，无法查找附近的驿站。请发送您在国内的实际位置。", deg(lat), deg(lng), why)
	}
	return nil
}

// deg formats a coordinate for messages.
func deg(v float64) string { return fmt.Sprintf("%g", math.Round(v*1e6)/1e6) }
