package points

import (
	"context"
	"fmt"
	"time"
)

// Statement is a month's account of the ledger: a row per user, and the
// month's entries.
type Statement struct {
	// From and To bound the month: From inclusive, To exclusive.
	From, To time.Time
	Label    string // "2026年11月"
	// Users are the users with a balance or an entry, by user id.
	Users []StatementRow
	// Entries are the month's entries, oldest first.
	Entries []Entry
}

// StatementRow is a user's month: Closing is Opening + Earned + Corrected.
type StatementRow struct {
	UserID  string `json:"user_id"`
	Opening int    `json:"opening"`
	// Earned are the points of the month's awards, by the rules and manual.
	Earned int `json:"earned"`
	// Corrected is the sum of the month's corrections (signed).
	Corrected int `json:"corrected"`
	Closing   int `json:"closing"`
}

// Total returns the sum of st's rows, with UserID "合计".
func (st *Statement) Total() StatementRow {
	t := StatementRow{UserID: "合计"}
	for _, r := range st.Users {
		t.Opening += r.Opening
		t.Earned += r.Earned
		t.Corrected += r.Corrected
		t.Closing += r.Closing
	}
	return t
}

// MonthStatement returns the statement of the month of month, in the
// store's time zone. A user's opening and closing balances are the sums of
// their entries dated before the month's start and end.
func (s *Store) MonthStatement(ctx context.Context, month time.Time) (*Statement, error) {
	from, to := monthBounds(month, s.loc)
	st := &Statement{From: from, To: to, Label: fmt.Sprintf("%d年%d月", from.Year(), from.Month())}
	var err error
	if st.Users, err = s.statementRows(ctx, from, to); err != nil {
		return nil, fmt.Errorf("month statement: %w", err)
	}
	st.Entries, err = queryEntries(ctx, s.db, s.loc, s.eng.Bind("SELECT "+entryColumns+
		" FROM points_entries WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id"), from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("month statement: %w", err)
	}
	return st, nil
}

// statementRows returns the rows of the month [from, to).
func (s *Store) statementRows(ctx context.Context, from, to time.Time) ([]StatementRow, error) {
	rows, err := s.db.QueryContext(ctx, s.eng.Bind(`SELECT user_id,
		coalesce(sum(CASE WHEN created_at < ?1 THEN points END), 0),
		coalesce(sum(CASE WHEN created_at >= ?1 AND reason <> 'correction' THEN points END), 0),
		coalesce(sum(CASE WHEN created_at >= ?1 AND reason = 'correction' THEN points END), 0),
		count(CASE WHEN created_at >= ?1 THEN 1 END)
		FROM points_entries WHERE created_at < ?2 GROUP BY user_id ORDER BY user_id`), from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StatementRow
	for rows.Next() {
		var r StatementRow
		var n int
		if err := rows.Scan(&r.UserID, &r.Opening, &r.Earned, &r.Corrected, &n); err != nil {
			return nil, err
		}
		r.Closing = r.Opening + r.Earned + r.Corrected
		if r.Opening != 0 || n > 0 {
			out = append(out, r)
		}
	}
	return out, rows.Err()
}
