package web

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/tickets"
)

// TicketQuery is what a listing of tickets asks for: the filters of the
// board's form and of GET /api/v1/tickets. Zero fields are "not set".
type TicketQuery struct {
	Status     tickets.Status
	Department string
	Overdue    string // "", "true" or "false"
	Text       string // free text (q)
	From, To   string // filed from day From to day To, both included (2026-03-01); "" open
	Page       int    // 1 first
}

// ParseTicketQuery reads a [TicketQuery] from the query string
// ?status=&department=&overdue=&q=&from=&to=&page=. Returns EINVALID for an
// unknown status, an overdue other than true or false, a day of another
// form than 2026-03-01, or a bad page number.
func ParseTicketQuery(q url.Values) (TicketQuery, error) {
	tq := TicketQuery{Department: q.Get("department"), Text: strings.TrimSpace(q.Get("q")), Page: 1,
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
	if _, err := tickets.DatePeriod(tq.From, tq.To, time.UTC); err != nil {
		return tq, err
	}
	if st := q.Get("status"); st != "" {
		status, err := tickets.ParseStatus(st)
		if err != nil {
			return tq, err
		}
		tq.Status = status
	}
	if o := q.Get("overdue"); o != "" {
		overdue, err := strconv.ParseBool(o)
		if err != nil {
			return tq, apperr.Errorf(apperr.EInvalid, "overdue 应为 true 或 false")
		}
		tq.Overdue = strconv.FormatBool(overdue)
	}
	var err error
	tq.Page, err = parsePage(q.Get("page"))
	return tq, err
}

// Values returns q as a query string's values, page included when not 1.
func (q TicketQuery) Values() url.Values {
	return queryValues(q.Page, "status", string(q.Status), "department", q.Department, "overdue", q.Overdue,
		"q", q.Text, "from", q.From, "to", q.To)
}

// Order is how a listing is sorted.
type Order int

// The orders of a listing.
const (
	// Newest: newest first (the API's order).
	Newest Order = iota
	// Urgent: the board's order: overdue first, then open, urgent, the
	// earliest deadline and the newest (see [tickets.Store.Board]).
	Urgent
)

// TicketPage is one page of a listing: the page's tickets, how many match
// the query, and how many match it in each status (the query's status
// filter aside).
type TicketPage struct {
	Tickets []*tickets.Ticket
	Total   int
	Counts  map[tickets.Status]int
}

// findTickets returns page q.Page (PageSize a page) of the tickets v
// handles ([tickets.Viewer.CanHandle]: staff their departments', admins
// all) that match q, in order o, from [tickets.Store.Board]. A ticket a
// staff member merely submitted to another department is not listed: the
// console shows the work of the viewer's departments. Returns EINVALID for
// an unknown department.
func (s *Server) findTickets(ctx context.Context, v tickets.Viewer, q TicketQuery, o Order) (TicketPage, error) {
	f := tickets.BoardFilter{Text: q.Text, Newest: o == Newest, Page: max(q.Page, 1), PerPage: PageSize}
	if q.Status != "" {
		f.Status = &q.Status
	}
	if q.Department != "" {
		f.Department = &q.Department
	}
	if q.Overdue != "" {
		overdue := q.Overdue == "true"
		f.Overdue = &overdue
	}
	period, err := tickets.DatePeriod(q.From, q.To, s.tickets.Location())
	if err != nil {
		return TicketPage{}, err
	}
	f.From, f.To = period.From, period.To
	p, err := s.tickets.Board(ctx, v, f)
	if err != nil {
		return TicketPage{}, err
	}
	return TicketPage{Tickets: p.Tickets, Total: p.Total, Counts: p.Counts}, nil
}
