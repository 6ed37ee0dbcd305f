// Package stations keeps the rest stations for couriers, riders and
// drivers — 暖“新”驿站, 司机之家 — where they rest, drink water, charge a
// phone or a battery and heat a meal: read from a deployer's CSV or .xlsx
// list, stored in SQLite or PostgreSQL, and searched in memory for the
// nearest ones to a user's location.
//
// Coordinates are always WGS-84 (what phones and Telegram send); files in
// GCJ-02 (高德, 腾讯) or BD-09 (百度) are converted when read.
package stations

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/width"
)

// Station is a rest station.
type Station struct {
	ID      int64 // position in the stored import, from 1 (0 until stored); a new import renumbers
	Name    string
	Address string
	// Area is the district (区/县) as the file's 区域 column gives it, or
	// as read from the start of the address; "" when neither says.
	Area     string
	Lat, Lng float64 // WGS-84
	// Services are what it offers, each in its canonical name (休息, 饮水,
	// 充电, 热饭, 如厕, 维修 …; see [NormalizeService]), in file order.
	Services []string
	Hours    string // 开放时间 as written: "08:00-20:00", "24小时" …
	Phone    string
}

// OpenAt reports whether s is open at t, and whether its hours say at
// all. See [Schedule.OpenAt].
func (s Station) OpenAt(t time.Time) (open, known bool) {
	return ParseSchedule(s.Hours).OpenAt(t)
}

// Has reports whether s offers service (any name [NormalizeService]
// knows).
func (s Station) Has(service string) bool {
	return slices.Contains(s.Services, NormalizeService(service))
}

// serviceNames map what deployers and users write to the canonical
// service, checked in order: a name that is, or contains, the word.
var serviceNames = []struct{ word, service string }{
	{"休息", "休息"}, {"歇脚", "休息"}, {"休憩", "休息"}, {"小憩", "休息"}, {"座椅", "休息"},
	{"饮水", "饮水"}, {"喝水", "饮水"}, {"热水", "饮水"}, {"开水", "饮水"}, {"茶水", "饮水"}, {"饮用水", "饮水"}, {"饮品", "饮水"},
	{"充电", "充电"}, {"充电宝", "充电"}, {"换电", "充电"},
	{"热饭", "热饭"}, {"微波炉", "热饭"}, {"加热", "热饭"}, {"热菜", "热饭"},
	{"如厕", "如厕"}, {"厕所", "如厕"}, {"洗手间", "如厕"}, {"卫生间", "如厕"}, {"公厕", "如厕"},
	{"维修", "维修"}, {"修车", "维修"}, {"补胎", "维修"}, {"打气", "维修"}, {"充气", "维修"},
	{"wifi", "无线网络"}, {"wi-fi", "无线网络"}, {"无线网", "无线网络"}, {"上网", "无线网络"},
	{"药箱", "医药箱"}, {"急救", "医药箱"}, {"常用药", "医药箱"},
	{"避暑", "纳凉取暖"}, {"纳凉", "纳凉取暖"}, {"取暖", "纳凉取暖"}, {"空调", "纳凉取暖"},
	{"阅读", "阅读"}, {"图书", "阅读"}, {"书报", "阅读"},
}

// NormalizeService returns the canonical name of a service: 喝水 →
// 饮水, 歇脚 → 休息, 微波炉/加热 → 热饭, 厕所/洗手间 → 如厕, 修车 → 维修,
// 手机充电 → 充电 …; a service it does not know, trimmed, as it is.
func NormalizeService(s string) string {
	s = strings.TrimSpace(width.Fold.String(s))
	key := strings.ToLower(strings.ReplaceAll(s, " ", ""))
	for _, n := range serviceNames {
		if key == n.word {
			return n.service
		}
	}
	for _, n := range serviceNames {
		if strings.Contains(key, n.word) {
			return n.service
		}
	}
	return s
}

// serviceSep splits a cell listing services.
var serviceSep = regexp.MustCompile(`[、，,;；/|｜\s]+`)

// parseServices splits and normalises a cell of services, dropping
// repeats.
func parseServices(cell string) []string {
	var out []string
	for _, p := range serviceSep.Split(cell, -1) {
		if p = NormalizeService(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// district finds the district (区, 县, 旗, or a county-level 市) at the
// start of an address, after its province and city: "上海市黄浦区南京东路"
// → 黄浦区, "河南省南阳市邓州市新华路" → 邓州市.
var district = regexp.MustCompile(`^(?:[^\s省市区县路街道号]{2,7}?(?:省|自治区))?` +
	`(?:[^\s省市区县路街道号]{2,9}?(?:市|自治州|地区|盟))?` +
	`([^\s省市区县路街道号]{1,9}?(?:区|县|旗|市))`)

// areaOf is the area of a station from its address.
func areaOf(address string) string {
	m := district.FindStringSubmatch(strings.TrimSpace(address))
	if m == nil {
		return ""
	}
	return m[1]
}
