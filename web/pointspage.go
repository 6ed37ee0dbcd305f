package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"partybot/points"
	"partybot/tickets"
)

// pointsData is the 红色积分 page's template data.
type pointsData struct {
	viewData
	Query      EntryQuery
	OwnOnly    bool   // staff: the entries they made
	MonthLabel string // the month of the rank and statement: "2026年11月"
	Balance    *int   // the filtered user's, for administrators
	Rank       []rankRow
	Statement  string // the statement's download link, administrators only
	Total      int
	Pages      int
	Rows       []entryRow
	Prev, Next string
}

type rankRow struct {
	Rank   int
	Name   string
	Points int
}

// entryRow is an entry on the page.
type entryRow struct {
	points.Entry
	When        string
	Signed      string // "+10", "-4"
	Reason      string
	Correction  bool
	CorrectedBy string // "第 7、9 条", "" when not corrected
}

// pointsPage serves GET /points: the ledger (红色积分) newest first with
// its corrections, the month's rank, a user's balance and the month's
// statement.
func (s *Server) pointsPage(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	q, err := ParseEntryQuery(r.URL.Query())
	if err != nil {
		s.failPage(w, r, v, err)
		return
	}
	p, err := s.findEntries(r.Context(), v, q)
	if err != nil {
		s.failPage(w, r, v, err)
		return
	}
	month := q.monthOr(time.Now())
	d := pointsData{viewData: viewData{"红色积分", v.UserID, v.Admin}, Query: q, OwnOnly: ownAwardsOnly(v),
		MonthLabel: fmt.Sprintf("%d年%d月", month.Year(), month.Month()), Total: p.Total,
		Pages: max(1, (p.Total+EntryPageSize-1)/EntryPageSize)}
	if d.Rank, err = s.rank(r, month); err != nil {
		s.errorPage(w, r, v, err)
		return
	}
	if v.Admin {
		d.Statement = "/points/statement.xlsx?month=" + month.Format("2006-01")
		if q.User != "" {
			bal, err := s.ledger.Balance(r.Context(), q.User)
			if err != nil {
				s.errorPage(w, r, v, err)
				return
			}
			d.Balance = &bal
		}
	}
	for _, e := range p.Entries {
		d.Rows = append(d.Rows, newEntryRow(e, p.CorrectedBy[e.ID]))
	}
	d.Prev, d.Next = pagerLinks(q.Page, d.Pages, func(page int) string {
		q.Page = page
		return pageLink("/points", q.Values().Encode())
	})
	s.render(w, http.StatusOK, "points.html", d)
}

// rank returns the month's rank as the bot's /rank shows it: a name only
// for users who chose to appear by one.
func (s *Server) rank(r *http.Request, month time.Time) ([]rankRow, error) {
	rows, err := s.ledger.MonthRank(r.Context(), month, rankSize)
	if err != nil {
		return nil, err
	}
	var out []rankRow
	for _, row := range rows {
		name := row.DisplayName
		if name == "" {
			name = "（未公开姓名）"
		}
		out = append(out, rankRow{row.Rank, name, row.Points})
	}
	return out, nil
}

func newEntryRow(e points.Entry, correctedBy []int64) entryRow {
	row := entryRow{Entry: e, When: formatTime(e.At), Signed: fmt.Sprintf("%+d", e.Points), Reason: e.Reason.Label(),
		Correction: e.Reason == points.Correction}
	if len(correctedBy) > 0 {
		ids := make([]string, len(correctedBy))
		for i, id := range correctedBy {
			ids[i] = strconv.FormatInt(id, 10)
		}
		row.CorrectedBy = "第 " + strings.Join(ids, "、") + " 条"
	}
	return row
}
