package stations_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/stations"
)

// shanghaiIndex indexes the Shanghai fixtures.
func shanghaiIndex(tb testing.TB) *stations.Index {
	tb.Helper()
	sts, _ := mustRead(tb, csvOf(header, stations.WGS84, shanghai...), stations.WGS84)
	return stations.NewIndex(sts)
}

func TestNear(t *testing.T) {
	ix := shanghaiIndex(t)
	monday3am := at(time.Monday, "03:00")
	for _, tc := range []struct {
		name string
		n    int
		f    stations.Filter
		want []string
	}{
		{"nearest", 3, stations.Filter{}, []string{"南京东路暖“新”驿站", "陆家嘴暖“新”驿站", "静安寺司机之家"}},
		{"all of them", stations.MaxNear, stations.Filter{}, []string{"南京东路暖“新”驿站", "陆家嘴暖“新”驿站", "静安寺司机之家", "徐家汇骑手驿站", "虹桥枢纽司机之家"}},
		{"service by a synonym", 2, stations.Filter{Service: "修车"}, []string{"静安寺司机之家"}},
		{"heating a meal", 3, stations.Filter{Service: "微波炉"}, []string{"南京东路暖“新”驿站", "陆家嘴暖“新”驿站"}},
		{"unknown service", 3, stations.Filter{Service: "洗澡"}, []string{}},
		{"open at 3 a.m.", 3, stations.Filter{OpenAt: monday3am}, []string{"陆家嘴暖“新”驿站", "静安寺司机之家"}},
		{"open on a weekday noon", 5, stations.Filter{OpenAt: at(time.Tuesday, "12:00")}, []string{"南京东路暖“新”驿站", "静安寺司机之家", "徐家汇骑手驿站"}},
		{"charging, open at 3 a.m.", 3, stations.Filter{Service: "充电", OpenAt: monday3am}, []string{"陆家嘴暖“新”驿站"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := ix.Near(psLat, psLng, tc.n, tc.f)
			require.NoError(t, err)
			assert.Equal(t, tc.want, resultNames(rs))
			for i, r := range rs {
				assert.InDelta(t, stations.DistanceM(psLat, psLng, r.Lat, r.Lng), r.DistanceM, 1e-6)
				if i > 0 {
					assert.GreaterOrEqual(t, r.DistanceM, rs[i-1].DistanceM)
				}
			}
		})
	}
}

// TestNearRefuses: a point that is no place in China, or a count out of
// range, is refused with a message; an empty index says so.
func TestNearRefuses(t *testing.T) {
	ix := shanghaiIndex(t)
	for _, tc := range []struct {
		name     string
		lat, lng float64
		n        int
		want     string
	}{
		{"tokyo", 35.68, 139.69, 3, "不在中国境内"},
		{"east china sea", 30, 125, 3, "位于海上或境外"},
		{"null island", 0, 0, 3, "0,0"},
		{"swapped", psLng, psLat, 3, "写反"},
		{"none", psLat, psLng, 0, "一次可查 1 到 50 个驿站"},
		{"too many", psLat, psLng, stations.MaxNear + 1, "一次可查"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := ix.Near(tc.lat, tc.lng, tc.n, stations.Filter{})
			assert.Nil(t, rs)
			assert.Equal(t, apperr.EInvalid, apperr.Code(err))
			assert.Contains(t, apperr.Message(err), tc.want)
		})
	}
	_, err := stations.NewIndex(nil).Near(psLat, psLng, 3, stations.Filter{})
	assert.Equal(t, apperr.ENotFound, apperr.Code(err))
}

func TestByArea(t *testing.T) {
	sts, _ := mustRead(t, csvOf(header, stations.WGS84, shanghai...)+"无名驿站,某地,121.5,31.2,休息,,\n", stations.WGS84)
	var got []string
	for _, a := range stations.NewIndex(sts).ByArea() {
		got = append(got, fmt.Sprintf("%s:%d", a.Name, len(a.Stations)))
	}
	// In pinyin order: huangpu, jing'an, minhang, pudong, xuhui.
	assert.Equal(t, []string{"黄浦区:1", "静安区:1", "闵行区:1", "浦东新区:1", "徐汇区:1", stations.NoArea + ":1"}, got)
}

func TestServices(t *testing.T) {
	assert.Equal(t, []string{"休息", "饮水", "充电", "如厕", "热饭", "维修"}, shanghaiIndex(t).Services())
}

// randomStations are n stations scattered over Shanghai and its
// neighbours, a tenth of them open around the clock, most charging.
func randomStations(n int) []stations.Station {
	r := rand.New(rand.NewPCG(7, 8))
	hours := []string{"08:00-20:00", "24小时", "周一至周五 9:00-18:00", "每天 20:00-次日8:00", "", "8:00-12:00 14:00-18:00", "全天", "7:00-22:00", "9-17", "10:00-21:00"}
	svc := [][]string{{"休息", "饮水", "充电"}, {"休息", "热饭"}, {"饮水", "充电", "如厕"}}
	out := make([]stations.Station, n)
	for i := range out {
		out[i] = stations.Station{
			ID: int64(i + 1), Name: fmt.Sprintf("驿站%d", i+1),
			Lat: 30.7 + r.Float64()*1.2, Lng: 120.9 + r.Float64()*1.2,
			Services: svc[i%len(svc)], Hours: hours[i%len(hours)],
		}
	}
	return out
}

// BenchmarkNear: the nearest 3 of 10,000 stations (target ≤ 1 ms).
func BenchmarkNear(b *testing.B) {
	ix := stations.NewIndex(randomStations(10_000))
	for _, bc := range []struct {
		name string
		f    stations.Filter
	}{
		{"any", stations.Filter{}},
		{"service", stations.Filter{Service: "热饭"}},
		{"open_now", stations.Filter{OpenAt: at(time.Monday, "03:00")}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := ix.Near(psLat, psLng, 3, bc.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNewIndex: indexing 10,000 stations, as a reload does.
func BenchmarkNewIndex(b *testing.B) {
	sts := randomStations(10_000)
	for b.Loop() {
		stations.NewIndex(sts)
	}
}
