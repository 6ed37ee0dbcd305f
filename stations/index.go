package stations

import (
	"math"
	"slices"
	"time"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"partybot/apperr"
)

// MaxNear is the most stations [Index.Near] returns.
const MaxNear = 50

// NoArea is the area of the stations whose file and address name none.
const NoArea = "未注明区域"

// Filter narrows a search for stations.
type Filter struct {
	// Service is a service the station must offer, in any name
	// [NormalizeService] knows (喝水, 充电 …); "" for any.
	Service string
	// OpenAt is a time the station must be known to be open at; zero for
	// any time. A station whose hours were not understood is left out.
	OpenAt time.Time
}

// Result is a station found near a point.
type Result struct {
	Station
	DistanceM float64 // great-circle distance, metres
}

// Area is the stations of one area, for a listing.
type Area struct {
	Name     string // NoArea for stations of no area
	Stations []Station
}

// Index holds stations in memory for searching. It is not changed once
// built, so any number of goroutines may search it.
type Index struct {
	stations []Station
	points   []point // each station's unit vector, for ranking
	sched    []Schedule
}

// point is a position on the unit sphere. The straight-line distance
// between two points grows with their great-circle distance, so ranking
// by it needs no trigonometry per station.
type point struct{ x, y, z float64 }

func unit(lat, lng float64) point {
	φ, λ := lat*math.Pi/180, lng*math.Pi/180
	return point{math.Cos(φ) * math.Cos(λ), math.Cos(φ) * math.Sin(λ), math.Sin(φ)}
}

func (p point) dist2(q point) float64 {
	dx, dy, dz := p.x-q.x, p.y-q.y, p.z-q.z
	return dx*dx + dy*dy + dz*dz
}

// NewIndex indexes sts, which it keeps: the caller must not change them.
func NewIndex(sts []Station) *Index {
	ix := &Index{stations: sts, points: make([]point, len(sts)), sched: make([]Schedule, len(sts))}
	parsed := map[string]Schedule{} // stations share a few ways of writing hours
	for i, s := range sts {
		ix.points[i] = unit(s.Lat, s.Lng)
		sc, ok := parsed[s.Hours]
		if !ok {
			sc = ParseSchedule(s.Hours)
			parsed[s.Hours] = sc
		}
		ix.sched[i] = sc
	}
	return ix
}

// Len is the number of stations.
func (ix *Index) Len() int { return len(ix.stations) }

// All returns the stations in file order.
func (ix *Index) All() []Station { return slices.Clone(ix.stations) }

// candidate is a station in the running for the nearest.
type candidate struct {
	i  int
	d2 float64
}

// Near returns the n stations nearest to the WGS-84 point lat, lng that
// pass f, nearest first. Returns EINVALID for a point that is not on
// China's land (see [CheckPoint]) or n outside 1…MaxNear, and ENOTFOUND
// when no stations were imported.
func (ix *Index) Near(lat, lng float64, n int, f Filter) ([]Result, error) {
	if err := CheckPoint(lat, lng); err != nil {
		return nil, err
	}
	if n < 1 || n > MaxNear {
		return nil, apperr.Errorf(apperr.EInvalid, "一次可查 1 到 %d 个驿站", MaxNear)
	}
	if len(ix.stations) == 0 {
		return nil, apperr.Errorf(apperr.ENotFound, "还没有导入驿站名单")
	}
	best := ix.nearest(unit(lat, lng), n, f)
	out := make([]Result, len(best))
	for k, c := range best {
		s := ix.stations[c.i]
		out[k] = Result{Station: s, DistanceM: DistanceM(lat, lng, s.Lat, s.Lng)}
	}
	return out, nil
}

// nearest keeps the n stations nearest q that pass f, in order.
func (ix *Index) nearest(q point, n int, f Filter) []candidate {
	svc := NormalizeService(f.Service)
	best := make([]candidate, 0, n+1)
	for i, p := range ix.points {
		d2 := p.dist2(q)
		if len(best) == n && d2 >= best[n-1].d2 {
			continue
		}
		if !ix.passes(i, svc, f.OpenAt) {
			continue
		}
		k := len(best)
		for k > 0 && best[k-1].d2 > d2 {
			k--
		}
		best = slices.Insert(best, k, candidate{i, d2})
		if len(best) > n {
			best = best[:n]
		}
	}
	return best
}

// passes reports whether station i offers svc and is open at t.
func (ix *Index) passes(i int, svc string, t time.Time) bool {
	if svc != "" && !slices.Contains(ix.stations[i].Services, svc) {
		return false
	}
	if !t.IsZero() {
		if open, _ := ix.sched[i].OpenAt(t); !open {
			return false
		}
	}
	return true
}

// ByArea returns the stations by area, areas in pinyin order with
// NoArea last, each area's stations in file order.
func (ix *Index) ByArea() []Area {
	var areas []Area
	at := map[string]int{}
	for _, s := range ix.stations {
		name := s.Area
		if name == "" {
			name = NoArea
		}
		k, ok := at[name]
		if !ok {
			k = len(areas)
			at[name] = k
			areas = append(areas, Area{Name: name})
		}
		areas[k].Stations = append(areas[k].Stations, s)
	}
	c := collate.New(language.SimplifiedChinese)
	slices.SortFunc(areas, func(a, b Area) int {
		if (a.Name == NoArea) != (b.Name == NoArea) {
			if a.Name == NoArea {
				return 1
			}
			return -1
		}
		return c.CompareString(a.Name, b.Name)
	})
	return areas
}

// Services returns the services the stations offer, most offered first.
func (ix *Index) Services() []string {
	count := map[string]int{}
	var out []string
	for _, s := range ix.stations {
		for _, v := range s.Services {
			if count[v] == 0 {
				out = append(out, v)
			}
			count[v]++
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return count[b] - count[a] })
	return out
}
