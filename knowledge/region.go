package knowledge

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// provinces are the provincial-level divisions, longest forms first where
// one is a prefix of another.
var provinces = []string{
	"内蒙古", "黑龙江", "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林",
	"江苏", "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东",
	"海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾", "广西", "西藏",
	"宁夏", "新疆", "香港", "澳门",
}

// provinceSuffixes may follow a province name.
var provinceSuffixes = []string{"壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区", "省", "市"}

// adminSuffixes end the name of a city, district, county or town.
const adminSuffixes = "省市区县旗州盟镇乡"

// notPlaces end words that look like place names but are not ("智慧社区").
var notPlaces = []string{
	"社区", "园区", "小区", "景区", "片区", "辖区", "专区", "校区", "商区", "街区",
	"营区", "服务区", "示范区", "试验区", "功能区",
}

// regionStop holds runes that do not occur in place names but often follow
// them in a headline ("宛城区引领…", "…区党建").
const regionStop = "推动引领建设打造聚焦深化探索实施开展党的与在以为把让将用"

// regionOf returns the place a headline names: the part before "：" when it
// looks like a place ("贵州德江：凝“新”聚力…"), or else a leading run of
// province, city and district names in the part after "——" or in the
// whole title ("河南南阳宛城区引领…" → "河南南阳宛城区"). It returns "" when
// the headline names none.
func regionOf(title string) string {
	if r := regionColon(title); r != "" {
		return r
	}
	if _, after, ok := strings.Cut(title, "——"); ok {
		title = after
	}
	return leadingRegion(title)
}

// regionColon returns the part of s before its first colon when that part
// looks like a place name and text follows the colon, or "".
func regionColon(s string) string {
	i := strings.IndexAny(s, "：:")
	if i <= 0 {
		return ""
	}
	prefix := s[:i]
	_, size := utf8.DecodeRuneInString(s[i:])
	if strings.TrimSpace(s[i+size:]) == "" || !placeLike(prefix) {
		return ""
	}
	return prefix
}

// placeLike reports whether s, all Han and short, starts with a province
// or ends like a district, county or town.
func placeLike(s string) bool {
	n := utf8.RuneCountInString(s)
	if n < 2 || n > 14 {
		return false
	}
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	if provinceLen(s) > 0 {
		return true
	}
	for _, w := range notPlaces {
		if strings.HasSuffix(s, w) {
			return false
		}
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune(adminSuffixes, r) || strings.HasSuffix(s, "街道")
}

// provinceLen returns the byte length of the province name (with its
// suffix) s starts with, or 0.
func provinceLen(s string) int {
	for _, p := range provinces {
		if strings.HasPrefix(s, p) {
			n := len(p)
			for _, suf := range provinceSuffixes {
				if strings.HasPrefix(s[n:], suf) {
					return n + len(suf)
				}
			}
			return n
		}
	}
	return 0
}

// leadingRegion returns the run of place names s starts with: a province
// followed by runs of at most five runes that end in an administrative
// suffix ("河南" + "南阳宛城区"), or "" when s starts with no province.
func leadingRegion(s string) string {
	n := provinceLen(s)
	if n == 0 {
		return ""
	}
	rs := []rune(s[n:])
	end := 0
	for {
		next := -1
		for k := 0; k < 5 && end+k < len(rs); k++ {
			r := rs[end+k]
			if !unicode.Is(unicode.Han, r) || strings.ContainsRune(regionStop, r) {
				break
			}
			if strings.ContainsRune(adminSuffixes, r) {
				next = end + k + 1
				break
			}
		}
		if next < 0 {
			break
		}
		end = next
	}
	return s[:n] + string(rs[:end])
}
