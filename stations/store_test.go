package stations_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/stations"
)

// TestImport: an import stores the stations, numbered in file order, and
// finds them at once; the store opened again has them as they were.
func TestImport(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, dsn := e.MustOpen(t)
		_, ok := s.LastImport()
		assert.False(t, ok)
		_, err := s.Near(psLat, psLng, 3, stations.Filter{})
		assert.Equal(t, apperr.ENotFound, apperr.Code(err), "nothing imported yet")

		path := writeFile(t, "上海驿站.csv", []byte(csvOf(header, stations.GCJ02, shanghai...)))
		before := time.Now().Add(-time.Second)
		rep, err := s.Import(ctx, path, stations.ReadOptions{CRS: stations.GCJ02})
		require.NoError(t, err)
		assert.Equal(t, len(shanghai), rep.Imported)

		rs, err := s.Near(psLat, psLng, 1, stations.Filter{Service: "喝水"})
		require.NoError(t, err)
		require.Len(t, rs, 1)
		assert.Equal(t, "南京东路暖“新”驿站", rs[0].Name)
		assert.Equal(t, int64(1), rs[0].ID)
		assert.InDelta(t, stations.DistanceM(psLat, psLng, shanghai[0].lat, shanghai[0].lng), rs[0].DistanceM, 1)

		imp, ok := s.LastImport()
		require.True(t, ok)
		assert.Equal(t, "上海驿站.csv", imp.Source)
		assert.Equal(t, len(shanghai), imp.Stations)
		assert.Equal(t, stations.GCJ02, imp.CRS)
		assert.WithinRange(t, imp.At, before, time.Now().Add(time.Second))

		want := s.Index().All()
		require.NoError(t, s.Close())
		again := MustOpenAt(t, dsn)
		assert.Equal(t, want, again.Index().All())
		assert.Equal(t, int64(len(shanghai)), want[len(want)-1].ID)
		assert.Equal(t, []string{"休息", "饮水", "充电", "热饭", "如厕"}, want[3].Services)
	})
}

// TestImportReplaces: a new import replaces the whole set; a replica sees
// the old set until it reloads, then the new one.
func TestImportReplaces(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, dsn := e.MustOpen(t)
		replica := MustOpenAt(t, dsn)
		_, err := s.Import(ctx, writeFile(t, "a.csv", []byte(csvOf(header, stations.WGS84, shanghai...))), stations.ReadOptions{CRS: stations.WGS84})
		require.NoError(t, err)
		require.NoError(t, replica.Reload(ctx))
		assert.Equal(t, len(shanghai), replica.Index().Len())

		_, err = s.Import(ctx, writeFile(t, "b.csv", []byte(csvOf(header, stations.WGS84, nanyang...))), stations.ReadOptions{CRS: stations.WGS84})
		require.NoError(t, err)
		assert.Equal(t, stationNames(fixtureStations(nanyang)), stationNames(s.Index().All()))
		assert.Equal(t, len(shanghai), replica.Index().Len(), "until it reloads")

		require.NoError(t, replica.Reload(ctx))
		all := replica.Index().All()
		assert.Equal(t, stationNames(fixtureStations(nanyang)), stationNames(all))
		assert.Equal(t, []int64{1, 2, 3}, []int64{all[0].ID, all[1].ID, all[2].ID})
		imp, _ := replica.LastImport()
		assert.Equal(t, "b.csv", imp.Source)
		assert.Equal(t, []string{"邓州市", "宛城区", "卧龙区"}, areaNames(replica.ByArea()), "in pinyin order")
	})
}

// TestImportRefused: a file refused, or with no good row, leaves the
// stored stations as they were.
func TestImportRefused(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t)
		_, err := s.Import(ctx, writeFile(t, "a.csv", []byte(csvOf(header, stations.WGS84, shanghai...))), stations.ReadOptions{CRS: stations.WGS84})
		require.NoError(t, err)

		rep, err := s.Import(ctx, writeFile(t, "bad.csv", []byte(header+"\nA,B,0,0,,,\n,B,121.5,31.2,,,\n")), stations.ReadOptions{CRS: stations.WGS84})
		assert.Equal(t, apperr.EInvalid, apperr.Code(err))
		assert.Contains(t, apperr.Message(err), "没有可导入的驿站（2 行均被跳过），原有驿站未改动")
		assert.Len(t, rep.Skipped, 2)

		_, err = s.Import(ctx, writeFile(t, "nocrs.csv", []byte(csvOf(header, stations.WGS84, nanyang...))), stations.ReadOptions{})
		assert.Contains(t, apperr.Message(err), "--crs")

		_, err = s.Import(ctx, filepath.Join(t.TempDir(), "missing.csv"), stations.ReadOptions{CRS: stations.WGS84})
		assert.Equal(t, apperr.EInvalid, apperr.Code(err))

		assert.Equal(t, len(shanghai), s.Index().Len())
		imp, _ := s.LastImport()
		assert.Equal(t, "a.csv", imp.Source)
	})
}

// TestReplaceLarge: 10,000 stations go in batches and come back in order.
func TestReplaceLarge(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, dsn := e.MustOpen(t)
		sts := randomStations(10_000)
		start := time.Now()
		require.NoError(t, s.Replace(context.Background(), sts, stations.Import{Source: "big.csv", CRS: stations.WGS84}))
		t.Logf("%s: replaced 10,000 stations in %v", e.Name, time.Since(start))
		start = time.Now()
		again := MustOpenAt(t, dsn)
		t.Logf("%s: opened and loaded 10,000 stations in %v", e.Name, time.Since(start))
		assert.Equal(t, sts, again.Index().All())
	})
}

// TestOpenRefusesOtherFile: a SQLite file of something else is not
// taken for a station database.
func TestOpenRefusesOtherFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stations.db")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	_, err := stations.Open(context.Background(), path)
	require.Error(t, err)
	assert.Contains(t, apperr.Message(err), "驿站库")
}

// fixtureStations are fs as stations (names only matter).
func fixtureStations(fs []fixture) []stations.Station {
	out := make([]stations.Station, len(fs))
	for i, f := range fs {
		out[i] = stations.Station{Name: f.name}
	}
	return out
}

func areaNames(as []stations.Area) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name)
	}
	return out
}

// TestNearDuringImport: searches while another goroutine imports see the
// old set or the new one, never a mix or an error.
func TestNearDuringImport(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t)
		sh := writeFile(t, "sh.csv", []byte(csvOf(header, stations.WGS84, shanghai...)))
		both := writeFile(t, "both.csv", []byte(csvOf(header, stations.WGS84, append(append([]fixture{}, nanyang...), shanghai...)...)))
		_, err := s.Import(ctx, sh, stations.ReadOptions{CRS: stations.WGS84})
		require.NoError(t, err)
		done := make(chan struct{})
		errs := make(chan error, 1)
		go func() {
			defer close(errs)
			for {
				select {
				case <-done:
					return
				default:
				}
				rs, err := s.Near(psLat, psLng, stations.MaxNear, stations.Filter{})
				if n := len(rs); err == nil && n != len(shanghai) && n != len(shanghai)+len(nanyang) {
					err = fmt.Errorf("found %d stations", n)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
		for i := range 6 {
			_, err := s.Import(ctx, []string{sh, both}[i%2], stations.ReadOptions{CRS: stations.WGS84})
			require.NoError(t, err)
		}
		close(done)
		assert.NoError(t, <-errs)
	})
}
