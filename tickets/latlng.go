package tickets

import (
	"fmt"
	"math"

	"partybot/apperr"
)

// LatLng is a point in WGS-84 degrees, as phones and Telegram report it.
type LatLng struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// China's bounding box, roughly: what a ticket's coordinates must lie in.
const (
	minLat, maxLat = 3.8, 53.6
	minLng, maxLng = 73.5, 135.1
)

// Validate reports a point that is not a place in China: (0, 0), not a
// number, or outside China's bounding box. Returns EINVALID.
func (p LatLng) Validate() error {
	switch {
	case math.IsNaN(p.Lat) || math.IsNaN(p.Lng) || math.IsInf(p.Lat, 0) || math.IsInf(p.Lng, 0):
		return apperr.Errorf(apperr.EInvalid, "位置坐标无效：纬度、经度应为数字")
	case p.Lat == 0 && p.Lng == 0:
		return apperr.Errorf(apperr.EInvalid, "位置坐标无效（0, 0）：定位可能未成功，请重新获取位置")
	case p.Lat < minLat || p.Lat > maxLat || p.Lng < minLng || p.Lng > maxLng:
		return apperr.Errorf(apperr.EInvalid, "位置坐标（纬度 %g，经度 %g）不在中国境内：纬度应在 %g 至 %g 之间，经度应在 %g 至 %g 之间，请检查是否填反",
			p.Lat, p.Lng, minLat, maxLat, minLng, maxLng)
	}
	return nil
}

// earthRadius is the mean radius of the Earth in metres.
const earthRadius = 6371008.8

// Distance returns the great-circle distance between a and b in metres
// (haversine).
func Distance(a, b LatLng) float64 {
	rad := func(d float64) float64 { return d * math.Pi / 180 }
	dLat, dLng := rad(b.Lat-a.Lat), rad(b.Lng-a.Lng)
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(rad(a.Lat))*math.Cos(rad(b.Lat))*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadius * math.Asin(math.Sqrt(min(h, 1)))
}

// box returns the latitudes and longitudes within which every point at
// most m metres from p lies (a little wider), for an indexed prefilter.
func (p LatLng) box(m float64) (lat0, lat1, lng0, lng1 float64) {
	dLat := m / (earthRadius * math.Pi / 180) * 1.01
	dLng := dLat / math.Max(math.Cos(p.Lat*math.Pi/180), 0.01)
	return p.Lat - dLat, p.Lat + dLat, p.Lng - dLng, p.Lng + dLng
}

// String writes p for people: 纬度 39.90420，经度 116.40740.
func (p LatLng) String() string { return fmt.Sprintf("纬度 %.5f，经度 %.5f", p.Lat, p.Lng) }
