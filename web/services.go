package web

import "net/http"

// routeServices adds the pages and API of the platform's services —
// 红色积分, 暖“新”驿站, 政策推送 — to mux.
func (s *Server) routeServices(mux *http.ServeMux) {
	mux.Handle("GET /points", s.page(s.pointsPage))
	mux.Handle("GET /points/statement.xlsx", s.page(s.statementDownload))
	mux.Handle("GET /api/v1/points/entries", s.api(s.listEntries))
	mux.Handle("GET /stations", s.page(s.stationsPage))
	mux.Handle("GET /api/v1/stations", s.api(s.listStations))
	mux.Handle("GET /push", s.page(s.pushPage))
	mux.Handle("GET /push/notices/{doc}", s.page(s.noticePage))
	mux.Handle("GET /api/v1/push/notices", s.api(s.listNotices))
	mux.Handle("GET /api/v1/push/notices/{id}", s.api(s.showNotice))
}
