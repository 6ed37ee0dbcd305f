package web

import (
	"cmp"
	"context"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

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
	Page       int    // 1 first
}

// ParseTicketQuery reads a [TicketQuery] from the query string
// ?status=&department=&overdue=&q=&page=. Returns EINVALID for an unknown
// status, an overdue other than true or false, or a bad page number.
func ParseTicketQuery(q url.Values) (TicketQuery, error) {
	tq := TicketQuery{Department: q.Get("department"), Text: strings.TrimSpace(q.Get("q")), Page: 1}
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
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > maxPage {
			return tq, apperr.Errorf(apperr.EInvalid, "页码应为正整数")
		}
		tq.Page = n
	}
	return tq, nil
}

// Values returns q as a query string's values, page included when not 1.
func (q TicketQuery) Values() url.Values {
	v := url.Values{}
	for _, f := range []struct{ k, v string }{{"status", string(q.Status)}, {"department", q.Department},
		{"overdue", q.Overdue}, {"q", q.Text}} {
		if f.v != "" {
			v.Set(f.k, f.v)
		}
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

// Order is how a listing is sorted.
type Order int

// The orders of a listing.
const (
	// Newest: newest first (the API's order).
	Newest Order = iota
	// Urgent: the board's order; see [urgentFirst].
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
// all) that match q, in order o. A ticket a staff member merely submitted
// to another department is not listed: the console shows the work of the
// viewer's departments. Returns EINVALID for an unknown department.
//
// The store has no text filter and sorts only by creation, so the
// tickets matching the other filters are read and then matched, counted,
// sorted and cut here.
func (s *Server) findTickets(ctx context.Context, v tickets.Viewer, q TicketQuery, o Order) (TicketPage, error) {
	var f tickets.TicketFilter
	if q.Department != "" {
		f.Department = &q.Department
	}
	if q.Overdue != "" {
		overdue := q.Overdue == "true"
		f.Overdue = &overdue
	}
	all, err := s.tickets.FindTickets(ctx, v, f)
	if err != nil {
		return TicketPage{}, err
	}
	out := TicketPage{Counts: map[tickets.Status]int{}}
	kept := all[:0]
	for _, t := range all {
		if !v.CanHandle(t) || (q.Text != "" && !matches(t, q.Text)) {
			continue
		}
		out.Counts[t.Status]++
		if q.Status == "" || t.Status == q.Status {
			kept = append(kept, t)
		}
	}
	out.Total = len(kept)
	start := (max(q.Page, 1) - 1) * PageSize
	if o == Urgent {
		kept = urgentFirst(kept, start+PageSize)
	}
	out.Tickets = []*tickets.Ticket{}
	if start < len(kept) {
		out.Tickets = kept[start:min(start+PageSize, len(kept))]
	}
	return out, nil
}

// urgentKey is where a ticket goes on the board: overdue (督办) tickets
// first, then open before finished, urgent before normal, the earliest
// deadline first (the resolution deadline, or the response deadline where
// there is none; none last), and the newest first.
type urgentKey struct {
	rank int   // 0 first: 4 not overdue, 2 finished, 1 normal
	due  int64 // Unix ms; math.MaxInt64 when none
	id   int64 // negated: newest first
}

func keyOf(t *tickets.Ticket) urgentKey {
	k := urgentKey{due: math.MaxInt64, id: -t.ID}
	if !t.Overdue {
		k.rank += 4
	}
	if !t.Status.Open() {
		k.rank += 2
	}
	if t.Urgency != tickets.UrgencyUrgent {
		k.rank++
	}
	if d := deadline(t); !d.IsZero() {
		k.due = d.UnixMilli()
	}
	return k
}

func (a urgentKey) compare(b urgentKey) int {
	return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.due, b.due), cmp.Compare(a.id, b.id))
}

// urgentFirst returns the first n of ts in the board's order
// ([urgentKey]), or all of ts sorted when n is large (a deep page). For the
// first pages it keeps only the best n, in O(len(ts)·log n), rather than
// sorting all.
func urgentFirst(ts []*tickets.Ticket, n int) []*tickets.Ticket {
	type keyed struct {
		k urgentKey
		t *tickets.Ticket
	}
	byKey := func(a, b keyed) int { return a.k.compare(b.k) }
	if n <= 0 {
		return nil
	}
	if n > 2000 || n >= len(ts) { // a deep page: sort them all
		all := make([]keyed, len(ts))
		for i, t := range ts {
			all[i] = keyed{keyOf(t), t}
		}
		slices.SortFunc(all, byKey)
		out := make([]*tickets.Ticket, len(all))
		for i, x := range all {
			out[i] = x.t
		}
		return out
	}
	best := make([]keyed, 0, n+1) // sorted
	for _, t := range ts {
		x := keyed{keyOf(t), t}
		if len(best) == n && byKey(x, best[n-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(best, x, byKey)
		best = slices.Insert(best, i, x)
		if len(best) > n {
			best = best[:n]
		}
	}
	out := make([]*tickets.Ticket, len(best))
	for i, x := range best {
		out[i] = x.t
	}
	return out
}
