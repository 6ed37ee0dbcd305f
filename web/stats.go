package web

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"partybot/apperr"
	"partybot/tickets"
)

// StatsStore is what the statistics page and GET /api/v1/stats need of
// the ticket store ([*tickets.Store]).
type StatsStore interface {
	Stats(ctx context.Context, v tickets.Viewer, f tickets.StatsFilter) (*tickets.Stats, error)
	Trend(ctx context.Context, v tickets.Viewer, f tickets.StatsFilter) ([]tickets.MonthStats, error)
	Breakdown(ctx context.Context, v tickets.Viewer, f tickets.StatsFilter) (*tickets.Breakdown, error)
	ExportTickets(ctx context.Context, v tickets.Viewer, f tickets.TicketFilter) ([]*tickets.Ticket, error)
	WriteXLSX(w io.Writer, ts []*tickets.Ticket) error
	Location() *time.Location
}

var _ StatsStore = (*tickets.Store)(nil)

// PlatformFigures are the figures of the services beside the tickets
// (红色积分 and 政策推送) for a period: the "platform" object of
// "partybot tickets stats --json", which administrators get.
type PlatformFigures struct {
	PointsAwarded int `json:"points_awarded"`
	NoticesPushed int `json:"notices_pushed"`
	NoticesOpened int `json:"notices_opened"`
}

// PlatformFunc returns the [PlatformFigures] of the period from to to (a
// zero time is unbounded).
type PlatformFunc func(ctx context.Context, from, to time.Time) (*PlatformFigures, error)

// WithPlatform adds the points' and notices' figures to the statistics of
// administrators. Without it they are left out.
func WithPlatform(fn PlatformFunc) Option { return func(s *Server) { s.platform = fn } }

// StatsReport is the body of GET /api/v1/stats: the same object as
// "partybot tickets stats --json" prints.
type StatsReport struct {
	*tickets.Stats
	Platform *PlatformFigures `json:"platform,omitempty"`
}

// trendMonths is how many months the statistics page's trend line shows.
const trendMonths = 12

// routeStats adds the statistics page, its downloads and its API to mux.
func (s *Server) routeStats(mux *http.ServeMux) {
	mux.Handle("GET /stats", s.page(s.statsPage))
	mux.Handle("GET /stats/ledger.xlsx", s.page(s.ledgerDownload))
	mux.Handle("GET /stats/stats.xlsx", s.page(s.statsDownload))
	mux.Handle("GET /api/v1/stats", s.api(s.statsAPI))
}

// statsPeriod reads ?from=&to= (days written 2026-03-01, both included)
// in the store's time zone. With neither, it is the current month when
// thisMonth, else unbounded (as "tickets stats" without --from and --to).
// Returns EINVALID for a day of another form; the store checks the range
// and the order.
func (s *Server) statsPeriod(q url.Values, thisMonth bool) (tickets.Period, error) {
	from, to := q.Get("from"), q.Get("to")
	loc := s.tickets.Location()
	if from == "" && to == "" && thisMonth {
		return tickets.ParsePeriod("本月", time.Now().In(loc), "")
	}
	return tickets.DatePeriod(from, to, loc)
}

// report returns the statistics of p for v, with the platform's figures
// for an administrator, exactly as "tickets stats --json" builds them.
func (s *Server) report(ctx context.Context, v tickets.Viewer, p tickets.Period) (StatsReport, error) {
	st, err := s.tickets.Stats(ctx, v, tickets.StatsFilter{From: p.From, To: p.To})
	if err != nil {
		return StatsReport{}, err
	}
	out := StatsReport{Stats: st}
	if v.Admin && s.platform != nil {
		if out.Platform, err = s.platform(ctx, p.From, p.To); err != nil {
			return StatsReport{}, fmt.Errorf("platform figures: %w", err)
		}
	}
	return out, nil
}

// statsAPI serves GET /api/v1/stats?from=YYYY-MM-DD&to=YYYY-MM-DD.
func (s *Server) statsAPI(r *http.Request, v tickets.Viewer) (any, error) {
	p, err := s.statsPeriod(r.URL.Query(), false)
	if err != nil {
		return nil, err
	}
	return s.report(r.Context(), v, p)
}

// statsDownload serves GET /stats/stats.xlsx?from=&to=: the statistics
// table of the page's period as .xlsx ([tickets.Stats.WriteXLSX]).
func (s *Server) statsDownload(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	p, err := s.statsPeriod(r.URL.Query(), true)
	if err != nil {
		s.errorPage(w, r, v, err)
		return
	}
	st, err := s.tickets.Stats(r.Context(), v, tickets.StatsFilter{From: p.From, To: p.To})
	if err != nil {
		s.errorPage(w, r, v, err)
		return
	}
	s.sendXLSX(w, r, v, "统计-"+p.Slug+".xlsx", func(w io.Writer) error { return st.WriteXLSX(w, p.Label) })
}

// ledgerDownload serves GET /stats/ledger.xlsx?from=&to=: the 台账 of the
// tickets created in the page's period that the viewer handles (staff
// their departments', administrators all), as "tickets export --xlsx"
// writes it.
func (s *Server) ledgerDownload(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	p, err := s.statsPeriod(r.URL.Query(), true)
	if err != nil {
		s.errorPage(w, r, v, err)
		return
	}
	var f tickets.TicketFilter
	if !p.From.IsZero() {
		f.From = &p.From
	}
	if !p.To.IsZero() {
		f.To = &p.To
	}
	if !p.From.IsZero() && !p.To.IsZero() && !p.From.Before(p.To) {
		s.errorPage(w, r, v, errPeriodOrder)
		return
	}
	ts, err := s.tickets.ExportTickets(r.Context(), v, f)
	if err != nil {
		s.errorPage(w, r, v, err)
		return
	}
	// As on the board: not a staff member's own demand to another department.
	handled := ts[:0]
	for _, t := range ts {
		if v.CanHandle(t) {
			handled = append(handled, t)
		}
	}
	s.sendXLSX(w, r, v, "台账-"+p.Slug+".xlsx", func(w io.Writer) error { return s.tickets.WriteXLSX(w, handled) })
}

var errPeriodOrder = apperr.Errorf(apperr.EInvalid, "开始日期应早于结束日期")

// sendXLSX writes the workbook write makes as a download named name. It
// is made in memory first, so that a failure is an error page, not a
// broken file.
func (s *Server) sendXLSX(w http.ResponseWriter, r *http.Request, v tickets.Viewer, name string, write func(io.Writer) error) {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		s.errorPage(w, r, v, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	h.Set("Content-Length", fmt.Sprint(buf.Len()))
	w.Write(buf.Bytes())
}

// statsData is the statistics page's template data.
type statsData struct {
	viewData
	From, To   string // the form's days
	Label      string // the period for people
	Error      string
	Shortcuts  []shortcut
	Ledger     string // the download links of the period
	StatsXLSX  string
	Total      statsRow
	Rows       []statsRow
	Services   *servicesData
	Charts     []Chart
	TrendLabel string
}

type shortcut struct{ Label, Link string }

// statsRow is a department's (or the total's) row of the table.
type statsRow struct {
	tickets.DepartmentStats
	Response, OnTime, Satisfaction string // rates as shown: "95.0%" or "—"
	Rating                         string // average rating: "4.35" or "—"
	Title                          string // the counts behind the rates
}

// servicesData are the figures of 民情线索, suggestions, points and
// notices, when there are any.
type servicesData struct {
	tickets.DepartmentStats // Reports… and Suggestions… of the total
	Platform                *PlatformFigures
}

// statsPage serves GET /stats?from=&to=: the statistics (统计) of a
// period, the current month by default, for the departments the viewer
// sees: the table, the charts and the downloads.
func (s *Server) statsPage(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	q := r.URL.Query()
	d := statsData{viewData: viewData{"统计", v.UserID, v.Admin}, From: q.Get("from"), To: q.Get("to")}
	d.Shortcuts = s.shortcuts()
	p, err := s.statsPeriod(q, true)
	if err == nil {
		err = s.fillStats(r.Context(), v, p, &d)
	}
	if err != nil {
		code := apperr.Code(err)
		status, known := statuses[code]
		if !known || code == apperr.EForbidden {
			s.errorPage(w, r, v, err)
			return
		}
		d.Error = apperr.Message(err)
		s.render(w, status, "stats.html", d)
		return
	}
	s.render(w, http.StatusOK, "stats.html", d)
}

// shortcuts are links to the usual periods.
func (s *Server) shortcuts() []shortcut {
	now := time.Now().In(s.tickets.Location())
	var out []shortcut
	for _, name := range []string{"本月", "上月", "本年", "去年"} {
		p, err := tickets.ParsePeriod(name, now, "")
		if err != nil {
			continue
		}
		out = append(out, shortcut{name, "/stats?" + periodQuery(p).Encode()})
	}
	return out
}

// periodQuery is p as ?from=&to= (the last day included).
func periodQuery(p tickets.Period) url.Values {
	q := url.Values{}
	if !p.From.IsZero() {
		q.Set("from", p.From.Format(time.DateOnly))
	}
	if !p.To.IsZero() {
		q.Set("to", p.To.AddDate(0, 0, -1).Format(time.DateOnly))
	}
	return q
}

// fillStats reads the figures of p for v into d: the statistics, the
// breakdown and the trend of the twelve months up to p's end. The three
// are independent reads and run at once: the trend, a scan of a year,
// takes the longest, and the page is served in about its time instead of
// the sum (see BenchmarkStatsPage100k).
func (s *Server) fillStats(ctx context.Context, v tickets.Viewer, p tickets.Period, d *statsData) error {
	f := tickets.StatsFilter{From: p.From, To: p.To}
	trendF := s.trendPeriod(p)
	var (
		b              *tickets.Breakdown
		months         []tickets.MonthStats
		bErr, trendErr error
		wg             sync.WaitGroup
	)
	wg.Go(func() { months, trendErr = s.tickets.Trend(ctx, v, trendF) })
	wg.Go(func() { b, bErr = s.tickets.Breakdown(ctx, v, f) })
	rep, err := s.report(ctx, v, p)
	wg.Wait()
	if err := cmp.Or(err, bErr, trendErr); err != nil {
		return err
	}
	d.Label = p.Label
	q := periodQuery(p)
	d.From, d.To = q.Get("from"), q.Get("to")
	d.Ledger, d.StatsXLSX = "/stats/ledger.xlsx?"+q.Encode(), "/stats/stats.xlsx?"+q.Encode()
	d.Total = newStatsRow(rep.Total, b.Ratings)
	for _, dept := range rep.Departments {
		d.Rows = append(d.Rows, newStatsRow(dept, b.Ratings))
	}
	tot := rep.Total
	if tot.Reports+tot.Suggestions > 0 || rep.Platform != nil {
		d.Services = &servicesData{DepartmentStats: tot, Platform: rep.Platform}
	}
	d.TrendLabel = fmt.Sprintf("%d年%d月至%d年%d月", trendF.From.Year(), int(trendF.From.Month()),
		months[len(months)-1].Month.Year(), int(months[len(months)-1].Month.Month()))
	d.Charts = []Chart{departmentChart(rep.Departments), trendChart(months, d.TrendLabel), categoryChart(b.Categories)}
	return nil
}

// trendPeriod is the twelve calendar months that end with the month of
// p's last day (this month when p is open-ended), within the years the
// store takes (2000 to 2100).
func (s *Server) trendPeriod(p tickets.Period) tickets.StatsFilter {
	loc := s.tickets.Location()
	last := time.Now().In(loc)
	if !p.To.IsZero() {
		last = p.To.Add(-time.Millisecond).In(loc)
	}
	end := time.Date(last.Year(), last.Month()+1, 1, 0, 0, 0, 0, loc)
	if end.Year() > 2100 { // the store's last day is 2100-12-31
		end = end.AddDate(0, -1, 0)
	}
	from := end.AddDate(0, -trendMonths, 0)
	if earliest := time.Date(2000, 1, 1, 0, 0, 0, 0, loc); from.Before(earliest) {
		from = earliest
	}
	return tickets.StatsFilter{From: from, To: end}
}

// newStatsRow is d's row of the table, with its average rating from
// ratings (the department's; the sum of all for the total).
func newStatsRow(d tickets.DepartmentStats, ratings map[string]tickets.Rating) statsRow {
	r, ok := ratings[d.Department]
	if d.Department == "total" {
		r, ok = tickets.Rating{}, true
		for _, one := range ratings {
			r.Rated += one.Rated
			r.Sum += one.Sum
		}
	}
	rating := "—"
	if ok && r.Rated > 0 {
		rating = fmt.Sprintf("%.2f", r.Average())
	}
	return statsRow{DepartmentStats: d,
		Response: percent(d.ResponseRate, d.ResponseDue), OnTime: percent(d.OnTimeRate, d.ResolutionDue),
		Satisfaction: percent(d.SatisfactionRate, d.Rated), Rating: rating,
		Title: fmt.Sprintf("按时响应 %d/%d，按期办结 %d/%d，满意 %d/%d", d.RespondedOnTime, d.ResponseDue,
			d.ResolvedOnTime, d.ResolutionDue, d.Satisfied, d.Rated)}
}

// percent shows a rate as "95.0%", or "—" when nothing was due (of is 0).
func percent(rate float64, of int) string {
	if of == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", rate*100)
}

// departmentChart is a bar per department: 受理量, with the rates in the
// tooltip.
func departmentChart(depts []tickets.DepartmentStats) Chart {
	items := make([]BarItem, len(depts))
	for i, d := range depts {
		items[i] = BarItem{Label: d.Name, Value: float64(d.Received), Shown: fmt.Sprint(d.Received),
			Title: fmt.Sprintf("%s：受理 %d 件，响应率 %s，按期办结率 %s，满意率 %s", d.Name, d.Received,
				percent(d.ResponseRate, d.ResponseDue), percent(d.OnTimeRate, d.ResolutionDue),
				percent(d.SatisfactionRate, d.Rated))}
	}
	return BarChart("departments", "各部门受理量", items)
}

// trendChart is the line of 受理量 per month.
func trendChart(months []tickets.MonthStats, label string) Chart {
	items := make([]LineItem, len(months))
	for i, m := range months {
		items[i] = LineItem{Label: fmt.Sprintf("%d月", int(m.Month.Month())), Value: float64(m.Received),
			Title: fmt.Sprintf("%d年%d月：受理 %d 件，响应率 %s，按期办结率 %s，满意率 %s", m.Month.Year(), int(m.Month.Month()),
				m.Received, percent(m.ResponseRate, m.ResponseDue), percent(m.OnTimeRate, m.ResolutionDue),
				percent(m.SatisfactionRate, m.Rated))}
	}
	return LineChart("trend", "月度受理量趋势（"+label+"）", items)
}

// maxCategories is how many categories the chart shows; the rest are
// summed up as 其他.
const maxCategories = 12

// categoryChart is a bar per category, most first.
func categoryChart(cats []tickets.CategoryCount) Chart {
	var items []BarItem
	other := 0
	for i, c := range cats {
		if i >= maxCategories-1 && len(cats) > maxCategories {
			other += c.Count
			continue
		}
		name := cmp.Or(c.Category, "未分类")
		items = append(items, BarItem{Label: name, Value: float64(c.Count), Shown: fmt.Sprint(c.Count),
			Title: fmt.Sprintf("%s：%d 件", name, c.Count)})
	}
	if other > 0 {
		items = append(items, BarItem{Label: "其他", Value: float64(other), Shown: fmt.Sprint(other),
			Title: fmt.Sprintf("其他类别：%d 件", other)})
	}
	return BarChart("categories", "诉求类别分布", items)
}
