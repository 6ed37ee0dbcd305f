package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"partybot/apperr"
	"partybot/stations"
	"partybot/tickets"
)

// StationList is what the 暖“新”驿站 page needs of the station store
// ([*stations.Store]).
type StationList interface {
	// Reload loads the stations again when another process imported
	// since; otherwise it reads one row.
	Reload(ctx context.Context) error
	Index() *stations.Index
	LastImport() (stations.Import, bool)
}

var _ StationList = (*stations.Store)(nil)

// WithStations shows the stations of st at /stations and
// GET /api/v1/stations.
func WithStations(st StationList) Option { return func(s *Server) { s.stations = st } }

// StationPageSize is how many stations a page of the list holds.
const StationPageSize = 50

// maxStationText is the longest text the list is searched for, in runes.
const maxStationText = 50

var errNoStations = apperr.Errorf(apperr.ENotFound, "本工作台未启用暖“新”驿站。")

// StationQuery is what a listing of the stations asks for: the filters of
// /stations and GET /api/v1/stations. Zero fields are "not set".
type StationQuery struct {
	Service string // a canonical service (饮水), or what the user wrote
	Q       string // text in the name, address or area
	Page    int    // 1 first
}

// ParseStationQuery reads a [StationQuery] from ?service=&q=&page=; the
// service is given its canonical name ([stations.NormalizeService]).
// Returns EINVALID for text over 50 characters or a bad page; the listing
// refuses a service no station offers.
func ParseStationQuery(q url.Values) (StationQuery, error) {
	sq := StationQuery{Q: strings.TrimSpace(q.Get("q"))}
	if svc := strings.TrimSpace(q.Get("service")); svc != "" {
		sq.Service = stations.NormalizeService(svc)
	}
	if utf8.RuneCountInString(sq.Q) > maxStationText {
		return sq, apperr.Errorf(apperr.EInvalid, "搜索内容不能超过 %d 个字", maxStationText)
	}
	var err error
	sq.Page, err = parsePage(q.Get("page"))
	return sq, err
}

// Values returns q as a query string's values, page included when not 1.
func (q StationQuery) Values() url.Values {
	return queryValues(q.Page, "service", q.Service, "q", q.Q)
}

// StationPage is a page of the stations q selects.
type StationPage struct {
	Total    int
	Stations []stations.Station
	Services []string // what the stations offer, most offered first
	Import   stations.Import
	Imported bool // false before any import
}

// findStations returns the page of the stations q asks for, reloading
// them first when another process imported since.
func (s *Server) findStations(ctx context.Context, q StationQuery) (StationPage, error) {
	if s.stations == nil {
		return StationPage{}, errNoStations
	}
	if err := s.stations.Reload(ctx); err != nil {
		return StationPage{}, err
	}
	ix := s.stations.Index()
	p := StationPage{Services: ix.Services()}
	p.Import, p.Imported = s.stations.LastImport()
	if q.Service != "" && !slices.Contains(p.Services, q.Service) {
		return p, apperr.Errorf(apperr.EInvalid, "没有驿站提供“%s”服务。可选的服务：%s", q.Service, strings.Join(p.Services, "、"))
	}
	var match []stations.Station
	for _, st := range ix.All() {
		if q.matches(st) {
			match = append(match, st)
		}
	}
	p.Total = len(match)
	from := min((q.Page-1)*StationPageSize, len(match))
	p.Stations = match[from:min(from+StationPageSize, len(match))]
	return p, nil
}

// matches reports whether st offers q's service and names q's text in its
// name, address or area.
func (q StationQuery) matches(st stations.Station) bool {
	if q.Service != "" && !slices.Contains(st.Services, q.Service) {
		return false
	}
	if q.Q == "" {
		return true
	}
	text := strings.ToLower(q.Q)
	return strings.Contains(strings.ToLower(st.Name), text) || strings.Contains(strings.ToLower(st.Address), text) ||
		strings.Contains(st.Area, q.Q)
}

// StationJSON is a station in GET /api/v1/stations.
type StationJSON struct {
	ID       int64    `json:"id"`
	Name     string   `json:"name"`
	Address  string   `json:"address"`
	Area     string   `json:"area,omitempty"`
	Lat      float64  `json:"lat"` // WGS-84
	Lng      float64  `json:"lng"`
	Services []string `json:"services"`
	Hours    string   `json:"hours,omitempty"`
	Phone    string   `json:"phone,omitempty"`
}

// StationListJSON is the body of GET /api/v1/stations: the page's stations
// and the import they came from.
type StationListJSON struct {
	Total      int           `json:"total"`
	Source     string        `json:"source,omitempty"` // the file imported
	ImportedAt *time.Time    `json:"imported_at,omitempty"`
	Stations   []StationJSON `json:"stations"`
}

// listStations serves GET /api/v1/stations?service=&q=&page=.
func (s *Server) listStations(r *http.Request, _ tickets.Viewer) (any, error) {
	q, err := ParseStationQuery(r.URL.Query())
	if err != nil {
		return nil, err
	}
	p, err := s.findStations(r.Context(), q)
	if err != nil {
		return nil, err
	}
	out := StationListJSON{Total: p.Total, Stations: []StationJSON{}}
	if p.Imported {
		out.Source, out.ImportedAt = p.Import.Source, &p.Import.At
	}
	for _, st := range p.Stations {
		out.Stations = append(out.Stations, StationJSON{st.ID, st.Name, st.Address, st.Area, st.Lat, st.Lng,
			append([]string{}, st.Services...), st.Hours, st.Phone})
	}
	return out, nil
}
