package web

import (
	"fmt"
	"net/http"

	"partybot/stations"
	"partybot/tickets"
)

// stationsData is the 暖“新”驿站 page's template data.
type stationsData struct {
	viewData
	Query      StationQuery
	Services   []string
	Source     string // "驿站.xlsx，2026-03-01 09:00 导入，共 120 个"
	Total      int
	Pages      int
	Rows       []stationRow
	Prev, Next string
}

type stationRow struct {
	stations.Station
	Coords string // "31.230416, 121.473701"
}

// stationsPage serves GET /stations: the stations (暖“新”驿站), filtered by
// service and text, for everyone signed in.
func (s *Server) stationsPage(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	q, err := ParseStationQuery(r.URL.Query())
	if err != nil {
		s.failPage(w, r, v, err)
		return
	}
	p, err := s.findStations(r.Context(), q)
	if err != nil {
		s.failPage(w, r, v, err)
		return
	}
	d := stationsData{viewData: viewData{"暖“新”驿站", v.UserID, v.Admin}, Query: q, Services: p.Services,
		Total: p.Total, Pages: max(1, (p.Total+StationPageSize-1)/StationPageSize)}
	if p.Imported {
		d.Source = fmt.Sprintf("%s，%s 导入，共 %d 个", p.Import.Source, formatTime(p.Import.At), p.Import.Stations)
	}
	for _, st := range p.Stations {
		d.Rows = append(d.Rows, stationRow{st, fmt.Sprintf("%.6f, %.6f", st.Lat, st.Lng)})
	}
	d.Prev, d.Next = pagerLinks(q.Page, d.Pages, func(page int) string {
		q.Page = page
		return pageLink("/stations", q.Values().Encode())
	})
	s.render(w, http.StatusOK, "stations.html", d)
}
