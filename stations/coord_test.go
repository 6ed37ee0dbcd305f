package stations_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"

	"partybot/apperr"
	"partybot/stations"
)

// Published WGS-84 → GCJ-02 pairs: eviltransform's test data
// (googollee/eviltransform, go/transform_test.go) and coordtransform's
// example (wandergis/coordtransform, test/app.js).
var gcjPairs = []struct {
	name                           string
	wgsLat, wgsLng, gcjLat, gcjLng float64
}{
	{"shanghai (eviltransform)", 31.1774276, 121.5272106, 31.17530398364597, 121.531541859215},
	{"shenzhen (eviltransform)", 22.543847, 113.912316, 22.540796131694766, 113.9171764808363},
	{"beijing (eviltransform)", 39.911954, 116.377817, 39.91334545536069, 116.38404722455657},
	{"beijing (coordtransform)", 39.915, 116.404, 39.91640428150164, 116.41024449916938},
}

func TestWGS84ToGCJ02(t *testing.T) {
	for _, tc := range gcjPairs {
		t.Run(tc.name, func(t *testing.T) {
			lat, lng := stations.WGS84ToGCJ02(tc.wgsLat, tc.wgsLng)
			assert.InDelta(t, tc.gcjLat, lat, 1e-9)
			assert.InDelta(t, tc.gcjLng, lng, 1e-9)
		})
	}
}

// TestGCJ02ToWGS84: the inverse lands within a centimetre of the
// published WGS-84 point, and within a millimetre of any point in China
// it is given the GCJ-02 of.
func TestGCJ02ToWGS84(t *testing.T) {
	for _, tc := range gcjPairs {
		t.Run(tc.name, func(t *testing.T) {
			lat, lng := stations.GCJ02ToWGS84(tc.gcjLat, tc.gcjLng)
			assert.Less(t, stations.DistanceM(lat, lng, tc.wgsLat, tc.wgsLng), 0.01)
		})
	}
	r := rand.New(rand.NewPCG(1, 2))
	worst := 0.0
	for range 10000 {
		lat, lng := 18+r.Float64()*35, 75+r.Float64()*59
		gLat, gLng := stations.WGS84ToGCJ02(lat, lng)
		wLat, wLng := stations.GCJ02ToWGS84(gLat, gLng)
		worst = max(worst, stations.DistanceM(lat, lng, wLat, wLng))
	}
	assert.Less(t, worst, 0.001, "worst round trip, metres")
}

// TestBD09ToGCJ02 checks coordtransform's published example.
func TestBD09ToGCJ02(t *testing.T) {
	lat, lng := stations.BD09ToGCJ02(39.915, 116.404)
	assert.InDelta(t, 39.90865673957631, lat, 1e-9)
	assert.InDelta(t, 116.39762729119315, lng, 1e-9)
}

func TestDistanceM(t *testing.T) {
	// A degree of a meridian on the mean sphere: πR/180.
	assert.InDelta(t, 111195.08, stations.DistanceM(31, 121, 32, 121), 0.01)
	assert.Zero(t, stations.DistanceM(psLat, psLng, psLat, psLng))
	// 人民广场 to 陆家嘴, about 2.7 km across the river.
	assert.InDelta(t, 2700, stations.DistanceM(psLat, psLng, 31.2397, 121.4998), 50)
}

func TestCheckPoint(t *testing.T) {
	for _, tc := range []struct {
		name     string
		lat, lng float64
		want     string // in the message; "" for a good point
	}{
		{"shanghai", psLat, psLng, ""},
		{"nanyang", 32.9987, 112.5283, ""},
		{"kashgar", 39.47, 75.99, ""},
		{"mohe", 52.97, 122.54, ""},
		{"hekou, on the border", 22.51, 103.96, ""},
		{"sanya", 18.25, 109.51, ""},
		{"yongxing island", 16.83, 112.34, ""},
		{"swapped", psLng, psLat, "写反"},
		{"zero", 0, 0, "0,0"},
		{"east china sea", 30, 125, "海上或境外"},
		{"tokyo", 35.68, 139.69, "不在中国境内"},
		{"out of range", 95, 200, "取值范围"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := stations.CheckPoint(tc.lat, tc.lng)
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.Equal(t, apperr.EInvalid, apperr.Code(err))
			assert.Contains(t, apperr.Message(err), tc.want)
		})
	}
}

func TestParseCRS(t *testing.T) {
	for in, want := range map[string]stations.CRS{
		"wgs84": stations.WGS84, "WGS-84": stations.WGS84, "GPS": stations.WGS84,
		"gcj02": stations.GCJ02, "GCJ-02": stations.GCJ02, "高德": stations.GCJ02, "火星坐标": stations.GCJ02,
		"bd09": stations.BD09, "百度": stations.BD09,
	} {
		got, err := stations.ParseCRS(in)
		assert.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := stations.ParseCRS("cgcs2000")
	assert.Equal(t, apperr.EInvalid, apperr.Code(err))
}
