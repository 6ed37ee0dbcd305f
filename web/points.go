package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/points"
	"partybot/tickets"
)

// Ledger is what the 红色积分 page needs of the points ledger
// ([*points.Store]).
type Ledger interface {
	FindEntries(ctx context.Context, f points.EntryFilter) (points.EntryPage, error)
	Balance(ctx context.Context, userID string) (int, error)
	MonthRank(ctx context.Context, month time.Time, n int) ([]points.RankRow, error)
	MonthStatement(ctx context.Context, month time.Time) (*points.Statement, error)
	MonthBounds(t time.Time) (from, to time.Time)
}

var _ Ledger = (*points.Store)(nil)

// WithPoints shows the points ledger l at /points and
// GET /api/v1/points/entries.
func WithPoints(l Ledger) Option { return func(s *Server) { s.ledger = l } }

// Sizes of the 红色积分 page.
const (
	// EntryPageSize is how many entries a page of the ledger holds.
	EntryPageSize = 50
	// rankSize is how many places of the month's rank the page shows, as
	// the bot's /rank does.
	rankSize = 10
	// maxUserID is the longest user id the filter takes (the ledger's).
	maxUserID = 64
)

var errNoLedger = apperr.Errorf(apperr.ENotFound, "本工作台未启用红色积分。")

var errStatementForbidden = apperr.Errorf(apperr.EForbidden, "积分月结单仅对管理员开放。")

// ownAwardsOnly reports whether v sees only the entries they made: a
// department's staff award points (a 核实 or 采纳 of their department's
// ticket, a /volunteer service) but the ledger has no departments, and
// the command line shows a user's points only to administrators and the
// user. So staff see what their own actions awarded, administrators all.
func ownAwardsOnly(v tickets.Viewer) bool { return !v.Admin }

// EntryQuery is what a listing of the ledger asks for: the filters of
// /points and GET /api/v1/points/entries. Zero fields are "not set".
type EntryQuery struct {
	User  string // the user whose points changed
	Month string // 2026-11
	Page  int    // 1 first
	month time.Time
}

// ParseEntryQuery reads an [EntryQuery] from ?user=&month=&page=. Returns
// EINVALID for a month not written 2026-11, a user id too long, or a page
// that is not a positive number.
func ParseEntryQuery(q url.Values) (EntryQuery, error) {
	eq := EntryQuery{User: strings.TrimSpace(q.Get("user")), Month: strings.TrimSpace(q.Get("month")), Page: 1}
	if len(eq.User) > maxUserID {
		return eq, apperr.Errorf(apperr.EInvalid, "用户 id 不能超过 %d 个字符", maxUserID)
	}
	if eq.Month != "" {
		t, err := time.ParseInLocation("2006-01", eq.Month, tickets.DefaultLocation)
		if err != nil || t.Year() < 2000 || t.Year() > 9998 {
			return eq, apperr.Errorf(apperr.EInvalid, "月份应写作年-月，例如 2026-11")
		}
		eq.month = t
	}
	page, err := parsePage(q.Get("page"))
	if err != nil {
		return eq, err
	}
	eq.Page = page
	return eq, nil
}

// Values returns q as a query string's values, page included when not 1.
func (q EntryQuery) Values() url.Values {
	return queryValues(q.Page, "user", q.User, "month", q.Month)
}

// filter is q as the ledger's filter of page q.Page, for v.
func (s *Server) entryFilter(q EntryQuery, v tickets.Viewer) points.EntryFilter {
	f := points.EntryFilter{Offset: (q.Page - 1) * EntryPageSize, Limit: EntryPageSize}
	if q.User != "" {
		f.UserID = &q.User
	}
	if ownAwardsOnly(v) {
		f.By = &v.UserID
	}
	if !q.month.IsZero() {
		f.From, f.To = s.ledger.MonthBounds(q.month)
	}
	return f
}

// EntryJSON is an entry of GET /api/v1/points/entries: the ledger's entry
// with the corrections that put it right.
type EntryJSON struct {
	points.Entry
	CorrectedBy []int64 `json:"corrected_by,omitempty"`
}

// EntryList is the body of GET /api/v1/points/entries.
type EntryList struct {
	Total   int         `json:"total"`
	Entries []EntryJSON `json:"entries"`
}

// findEntries returns the page of the ledger q asks for, as v may see it.
func (s *Server) findEntries(ctx context.Context, v tickets.Viewer, q EntryQuery) (points.EntryPage, error) {
	if s.ledger == nil {
		return points.EntryPage{}, errNoLedger
	}
	return s.ledger.FindEntries(ctx, s.entryFilter(q, v))
}

// listEntries serves GET /api/v1/points/entries?user=&month=&page=: the
// ledger newest first, EntryPageSize a page; staff get the entries they
// made.
func (s *Server) listEntries(r *http.Request, v tickets.Viewer) (any, error) {
	q, err := ParseEntryQuery(r.URL.Query())
	if err != nil {
		return nil, err
	}
	p, err := s.findEntries(r.Context(), v, q)
	if err != nil {
		return nil, err
	}
	out := EntryList{Total: p.Total, Entries: []EntryJSON{}}
	for _, e := range p.Entries {
		out.Entries = append(out.Entries, EntryJSON{e, p.CorrectedBy[e.ID]})
	}
	return out, nil
}

// statementDownload serves GET /points/statement.xlsx?month=: the month's
// statement (the current month by default) as "points export" writes it.
// Administrators only.
func (s *Server) statementDownload(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	q, err := ParseEntryQuery(r.URL.Query())
	switch {
	case s.ledger == nil:
		err = errNoLedger
	case !v.Admin:
		err = errStatementForbidden
	}
	if err != nil {
		s.failPage(w, r, v, err)
		return
	}
	month := q.monthOr(time.Now())
	st, err := s.ledger.MonthStatement(r.Context(), month)
	if err != nil {
		s.errorPage(w, r, v, err)
		return
	}
	s.sendXLSX(w, r, v, "红色积分月结单-"+month.Format("2006-01")+".xlsx", func(w io.Writer) error { return points.WriteXLSX(w, st) })
}

// monthOr is q's month, or the month of now when q names none.
func (q EntryQuery) monthOr(now time.Time) time.Time {
	if q.month.IsZero() {
		return now.In(tickets.DefaultLocation)
	}
	return q.month
}

// failPage writes a coded error — a page not enabled, not the viewer's,
// or asked for wrongly — as the page of a signed-in viewer; other errors
// as [Server.errorPage] does.
func (s *Server) failPage(w http.ResponseWriter, r *http.Request, v tickets.Viewer, err error) {
	status, ok := statuses[apperr.Code(err)]
	if !ok {
		s.errorPage(w, r, v, err)
		return
	}
	title := "无法查看"
	if status == http.StatusBadRequest {
		title = "查询条件有误"
	}
	s.render(w, status, "error.html", struct {
		viewData
		Message string
	}{viewData{title, v.UserID, v.Admin}, apperr.Message(err)})
}
