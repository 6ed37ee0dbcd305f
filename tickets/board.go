package tickets

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"partybot/apperr"
)

// BoardFilter selects one page of the console's board. Pointer fields
// are "not set".
type BoardFilter struct {
	Status     *Status
	Department *string
	Overdue    *bool
	Kind       *Kind
	// Text, when not empty, must occur in the ticket's number, text,
	// summary, category or location. % and _ are matched literally.
	Text string
	// From and To bound when the ticket was filed: From ≤ created < To. A
	// zero one leaves that end open.
	From, To time.Time
	// Newest orders the page newest first instead of the board's order.
	Newest bool
	// Page is the page number, 1 first (0 is 1); PerPage its size.
	Page, PerPage int
}

// BoardPage is one page of the board: how many tickets match the filter,
// how many match it in each status (the filter's Status aside), and the
// page's tickets with their attachments.
type BoardPage struct {
	Total   int
	Counts  map[Status]int
	Tickets []*Ticket
}

// boardOrder is the board's order: open tickets before finished ones (a
// ticket finished late stays overdue but is no longer work), overdue (督办)
// first, urgent before normal, the earliest deadline first (the resolution
// deadline, or the response deadline where there is none; none last), and
// on equal deadlines the one waiting longest. Migration 007 indexes it.
const boardOrder = `CASE WHEN t.status IN ('submitted', 'dispatched', 'accepted') THEN 0 ELSE 1 END,
	t.overdue DESC,
	CASE WHEN t.urgency = 'urgent' THEN 0 ELSE 1 END,
	CASE WHEN COALESCE(t.due_at, t.respond_due) IS NULL THEN 1 ELSE 0 END,
	COALESCE(t.due_at, t.respond_due), t.id`

// Board returns page f.Page of the tickets v handles ([Viewer.CanHandle]:
// staff their departments', admins all) that match f, in the board's order
// (or newest first with f.Newest), with the total and the counts per
// status. A ticket a staff member merely submitted is not listed.
//
// Returns EINVALID for an unknown status, kind or department, or a
// negative page or page size.
func (s *Store) Board(ctx context.Context, v Viewer, f BoardFilter) (BoardPage, error) {
	if f.Page < 0 || f.PerPage < 0 {
		return BoardPage{}, apperr.Errorf(apperr.EInvalid, "分页参数不能为负数")
	}
	where, args := handling(v)
	conds := []string{where}
	if f.Department != nil {
		if _, err := s.depts.mustGet(*f.Department); err != nil {
			return BoardPage{}, err
		}
		conds, args = append(conds, "t.department = ?"), append(args, *f.Department)
	}
	if f.Overdue != nil {
		conds, args = append(conds, "t.overdue = ?"), append(args, *f.Overdue)
	}
	if f.Kind != nil {
		k, err := ParseKind(string(*f.Kind))
		if err != nil {
			return BoardPage{}, err
		}
		conds, args = append(conds, "t.kind = ?"), append(args, string(k))
	}
	if f.Text != "" {
		p := "%" + escapeLike(f.Text) + "%"
		conds = append(conds, `(t.number LIKE ? ESCAPE '\' OR t.text LIKE ? ESCAPE '\' OR t.summary LIKE ? ESCAPE '\'
			OR t.category LIKE ? ESCAPE '\' OR t.location LIKE ? ESCAPE '\')`)
		args = append(args, p, p, p, p, p)
	}
	if f.Status != nil {
		if _, err := ParseStatus(string(*f.Status)); err != nil {
			return BoardPage{}, err
		}
	}
	conds, args, err := filedBetween(conds, args, f.From, f.To)
	if err != nil {
		return BoardPage{}, err
	}

	out := BoardPage{Counts: map[Status]int{}, Tickets: []*Ticket{}}
	rows, err := s.query(ctx, s.db, "SELECT t.status, count(*) FROM tickets t WHERE "+strings.Join(conds, " AND ")+
		" GROUP BY t.status", args...)
	if err != nil {
		return BoardPage{}, fmt.Errorf("count board: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st Status
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return BoardPage{}, fmt.Errorf("count board: %w", err)
		}
		out.Counts[st] = n
		if f.Status == nil || *f.Status == st {
			out.Total += n
		}
	}
	if err := rows.Err(); err != nil {
		return BoardPage{}, fmt.Errorf("count board: %w", err)
	}
	rows.Close()

	if f.Status != nil {
		conds, args = append(conds, "t.status = ?"), append(args, string(*f.Status))
	}
	offset := (max(f.Page, 1) - 1) * f.PerPage
	if f.PerPage == 0 || offset >= out.Total {
		return out, nil
	}
	order := boardOrder
	if f.Newest {
		order = "t.created_at DESC, t.id DESC"
	}
	q := "SELECT " + ticketColumns + " FROM tickets t WHERE " + strings.Join(conds, " AND ") +
		" ORDER BY " + order + " LIMIT " + strconv.Itoa(f.PerPage) + " OFFSET " + strconv.Itoa(offset)
	ts, err := s.scanTickets(ctx, s.db, q, args...)
	if err != nil {
		return BoardPage{}, fmt.Errorf("board: %w", err)
	}
	if err := s.fillAttachments(ctx, s.db, ts...); err != nil {
		return BoardPage{}, err
	}
	if ts != nil {
		out.Tickets = ts
	}
	return out, nil
}

// handling returns the SQL condition for the tickets v handles
// ([Viewer.CanHandle]).
func handling(v Viewer) (string, []any) {
	if v.Admin {
		return "TRUE", nil
	}
	if len(v.Departments) == 0 {
		return "FALSE", nil
	}
	args := make([]any, len(v.Departments))
	for i, d := range v.Departments {
		args[i] = d
	}
	return "t.department IN (" + placeholders(len(v.Departments)) + ")", args
}

// escapeLike escapes \, % and _ in s for a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// filedBetween adds to conds and args that a ticket was filed in [from, to),
// a zero end open. Returns EINVALID for a day outside 2000–2100 or from
// not before to.
func filedBetween(conds []string, args []any, from, to time.Time) ([]string, []any, error) {
	if !from.IsZero() {
		if err := checkDate(from); err != nil {
			return nil, nil, err
		}
		conds, args = append(conds, "t.created_at >= ?"), append(args, from.UnixMilli())
	}
	if !to.IsZero() {
		if err := checkDate(to); err != nil {
			return nil, nil, err
		}
		conds, args = append(conds, "t.created_at < ?"), append(args, to.UnixMilli())
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return nil, nil, apperr.Errorf(apperr.EInvalid, "开始日期应不晚于结束日期")
	}
	return conds, args, nil
}
