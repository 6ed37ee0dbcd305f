package points

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"partybot/apperr"
)

// MaxFind is the most entries one [Store.FindEntries] returns.
const MaxFind = 500

// EntryFilter selects the entries [Store.FindEntries] lists. A nil
// pointer or a zero time is "not set".
type EntryFilter struct {
	UserID *string // the user whose points changed
	By     *string // who acted
	// From and To bound the entries' time: From included, To not.
	From, To      time.Time
	Offset, Limit int // Limit 1 to MaxFind
}

// EntryPage is a page of the ledger.
type EntryPage struct {
	// Total is how many entries the filter selects, on every page.
	Total   int
	Entries []Entry // newest first
	// CorrectedBy maps an entry of the page to the ids of the corrections
	// that put it right, oldest first (they may be on other pages).
	CorrectedBy map[int64][]int64
}

// FindEntries returns the entries f selects, newest first, with their
// total and the corrections of those listed. Returns EINVALID for a limit
// outside 1 to MaxFind or a negative offset.
func (s *Store) FindEntries(ctx context.Context, f EntryFilter) (EntryPage, error) {
	if f.Limit < 1 || f.Limit > MaxFind || f.Offset < 0 {
		return EntryPage{}, apperr.Errorf(apperr.EInvalid, "每页条数应在 1 到 %d 之间，起始位置不能为负数", MaxFind)
	}
	where, args := f.where()
	var p EntryPage
	if err := s.db.QueryRowContext(ctx, s.eng.Bind("SELECT count(*) FROM points_entries"+where), args...).Scan(&p.Total); err != nil {
		return EntryPage{}, fmt.Errorf("find entries: %w", err)
	}
	q := "SELECT " + entryColumns + " FROM points_entries" + where +
		fmt.Sprintf(" ORDER BY created_at DESC, id DESC LIMIT %d OFFSET %d", f.Limit, f.Offset)
	var err error
	if p.Entries, err = queryEntries(ctx, s.db, s.loc, s.eng.Bind(q), args...); err != nil {
		return EntryPage{}, fmt.Errorf("find entries: %w", err)
	}
	if p.CorrectedBy, err = s.correctionsOf(ctx, p.Entries); err != nil {
		return EntryPage{}, fmt.Errorf("find entries: %w", err)
	}
	return p, nil
}

// where is f's WHERE clause (with a leading space, "" for none) and its
// arguments.
func (f EntryFilter) where() (string, []any) {
	var conds []string
	var args []any
	if f.UserID != nil {
		conds, args = append(conds, "user_id = ?"), append(args, *f.UserID)
	}
	if f.By != nil {
		conds, args = append(conds, "by_user = ?"), append(args, *f.By)
	}
	if !f.From.IsZero() || !f.To.IsZero() {
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		if !f.From.IsZero() {
			lo = f.From.UnixMilli()
		}
		if !f.To.IsZero() {
			hi = f.To.UnixMilli()
		}
		conds, args = append(conds, "created_at >= ? AND created_at < ?"), append(args, lo, hi)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// correctionsOf returns the corrections of the entries es, by the entry
// they correct; nil when there are none.
func (s *Store) correctionsOf(ctx context.Context, es []Entry) (map[int64][]int64, error) {
	if len(es) == 0 {
		return nil, nil
	}
	args := make([]any, len(es))
	for i, e := range es {
		args[i] = e.ID
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(es)), ", ")
	rows, err := s.db.QueryContext(ctx, s.eng.Bind("SELECT corrects, id FROM points_entries WHERE corrects IN ("+marks+") ORDER BY id"), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out map[int64][]int64
	for rows.Next() {
		var of, id int64
		if err := rows.Scan(&of, &id); err != nil {
			return nil, err
		}
		if out == nil {
			out = map[int64][]int64{}
		}
		out[of] = append(out[of], id)
	}
	return out, rows.Err()
}

// MonthBounds returns the month of t in the store's time zone: its start
// and the next month's, for an [EntryFilter].
func (s *Store) MonthBounds(t time.Time) (from, to time.Time) { return monthBounds(t, s.loc) }
