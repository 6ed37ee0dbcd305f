package bot

import (
	"context"
	"fmt"
	"strings"

	"partybot/apperr"
	"partybot/stations"
)

// StationFinder is what finds 暖“新”驿站: [*stations.Store].
type StationFinder interface {
	Near(lat, lng float64, n int, f stations.Filter) ([]stations.Result, error)
	ByArea() []stations.Area
}

// WithStations lets users find the nearest rest stations (a shared
// location, "附近哪里能充电？", /stations) with f.
func WithStations(f StationFinder) Option { return func(a *Assistant) { a.stations = f } }

// nearWords mark a question about what is near the user; serviceWords
// the services asked for, as stations.NormalizeService reads them.
var (
	nearWords    = []string{"附近", "最近", "离我", "周边", "周围", "就近", "近一点", "哪儿近", "哪里近"}
	stationWords = []string{"驿站", "司机之家", "暖新", "歇脚", "休息点"}
	serviceWords = []string{"充电", "换电", "喝水", "饮水", "热水", "歇脚", "休息", "热饭", "微波炉", "厕所", "洗手间", "卫生间", "如厕", "修车", "补胎", "打气"}
)

// nearbyIntent reports whether q asks for a station near the user, and
// the service it names ("" for any).
func nearbyIntent(q string) (service string, ok bool) {
	if !containsAny(q, nearWords) {
		return "", false
	}
	for _, w := range serviceWords {
		if strings.Contains(q, w) {
			return stations.NormalizeService(w), true
		}
	}
	return "", containsAny(q, stationWords)
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// askLocation waits for the user's location to find stations with
// service.
func (a *Assistant) askLocation(s *Session, service string) Reply {
	s.begin(&step{kind: stepLocation, key: newKey(), expires: a.now().Add(a.stepTTL), service: service})
	what := "附近的暖“新”驿站"
	if service != "" {
		what = "附近能" + serviceVerb(service) + "的暖“新”驿站"
	}
	return Reply{Text: "请点下方“发送我的位置”按钮（或通过📎发送位置），我帮您找" + what + "。", AskLocation: true}
}

// serviceVerb reads a canonical service as something to do: 饮水 → 喝水.
func serviceVerb(service string) string {
	switch service {
	case "饮水":
		return "喝水"
	case "如厕":
		return "上厕所"
	case "维修":
		return "修车"
	}
	return service
}

// nearby lists the three nearest stations to loc offering service, open
// now when any is.
func (a *Assistant) nearby(loc Location, service string) (Reply, error) {
	if a.stations == nil {
		return Reply{Text: "本地区尚未登记暖“新”驿站。"}, nil
	}
	now := a.now()
	rs, err := a.stations.Near(loc.Lat, loc.Lng, 3, stations.Filter{Service: service, OpenAt: now})
	if err == nil && len(rs) == 0 {
		rs, err = a.stations.Near(loc.Lat, loc.Lng, 3, stations.Filter{Service: service})
	}
	switch code := apperr.Code(err); {
	case code == apperr.ENotFound:
		return Reply{Text: "本地区尚未登记暖“新”驿站。"}, nil
	case code == apperr.EInvalid:
		return Reply{Text: apperr.Message(err)}, nil
	case err != nil:
		return Reply{Text: "抱歉，暂时查不到附近的驿站，请稍后再试。"}, err
	}
	if len(rs) == 0 {
		return Reply{Text: "附近没有找到" + serviceLine(service) + "的驿站。发送 /stations 查看全部驿站。"}, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "离您最近的%s驿站：", serviceLine(service))
	var venues []Venue
	for i, r := range rs {
		fmt.Fprintf(&b, "\n\n%d. %s（约 %s）\n地址：%s", i+1, r.Name, stations.FormatDistance(r.DistanceM), r.Address)
		if len(r.Services) > 0 {
			fmt.Fprintf(&b, "\n服务：%s", strings.Join(r.Services, "、"))
		}
		if r.Hours != "" {
			fmt.Fprintf(&b, "\n开放时间：%s%s", r.Hours, openNow(r.Station, a))
		}
		if r.Phone != "" {
			fmt.Fprintf(&b, "\n电话：%s", r.Phone)
		}
		venues = append(venues, Venue{Lat: r.Lat, Lng: r.Lng, Title: r.Name, Address: r.Address})
	}
	return Reply{Text: b.String(), Venues: venues}, nil
}

func serviceLine(service string) string {
	if service == "" {
		return ""
	}
	return "能" + serviceVerb(service)
}

// openNow says whether station st is open now, when its hours say.
func openNow(st stations.Station, a *Assistant) string {
	open, known := st.OpenAt(a.now())
	switch {
	case !known:
		return ""
	case open:
		return "（现在开放）"
	}
	return "（现在未开放）"
}

// listStations is /stations [服务]: every station by area.
func (a *Assistant) listStations(_ context.Context, _ *Session, arg string) (Reply, error) {
	if a.stations == nil {
		return Reply{Text: "本地区尚未登记暖“新”驿站。"}, nil
	}
	service := stations.NormalizeService(arg)
	var b strings.Builder
	n := 0
	for _, area := range a.stations.ByArea() {
		var rows []string
		for _, st := range area.Stations {
			if service == "" || st.Has(service) {
				rows = append(rows, fmt.Sprintf("· %s — %s（%s）", st.Name, st.Address, strings.Join(st.Services, "、")))
			}
		}
		if len(rows) > 0 {
			fmt.Fprintf(&b, "\n\n【%s】\n%s", area.Name, strings.Join(rows, "\n"))
			n += len(rows)
		}
	}
	if n == 0 {
		return Reply{Text: "没有找到" + serviceLine(service) + "的驿站。"}, nil
	}
	return Reply{Text: fmt.Sprintf("暖“新”驿站共 %d 处：%s\n\n发送您的位置，可以查看离您最近的驿站。", n, b.String()), AskLocation: true}, nil
}
