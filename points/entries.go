package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"partybot/apperr"
	"partybot/sqlstore"
)

// entryColumns are the columns scanEntry reads, in its order.
const entryColumns = "id, user_id, points, balance, reason, ticket_number, by_user, note, idem_key, corrects, created_at"

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanEntry reads an entry of entryColumns, its time in loc.
func scanEntry(r scanner, loc *time.Location) (Entry, error) {
	var e Entry
	var key sql.NullString
	var corrects sql.NullInt64
	var at int64
	if err := r.Scan(&e.ID, &e.UserID, &e.Points, &e.Balance, &e.Reason, &e.TicketNumber, &e.By, &e.Note,
		&key, &corrects, &at); err != nil {
		return Entry{}, err
	}
	e.Key, e.Corrects, e.At = key.String, corrects.Int64, time.UnixMilli(at).In(loc)
	return e, nil
}

// findEntry returns the entry where cond (with args) holds. Returns
// sql.ErrNoRows when none does.
func (s *Store) findEntry(ctx context.Context, q sqlstore.Querier, cond string, args ...any) (Entry, error) {
	row := q.QueryRowContext(ctx, s.eng.Bind("SELECT "+entryColumns+" FROM points_entries WHERE "+cond), args...)
	return scanEntry(row, s.loc)
}

// queryEntries returns the entries q (with args) selects, times in loc.
func queryEntries(ctx context.Context, db sqlstore.Querier, loc *time.Location, q string, args ...any) ([]Entry, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows, loc)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Balance returns userID's points: 0 for a user with no entries. It is
// one read of an index, whatever the number of entries.
func (s *Store) Balance(ctx context.Context, userID string) (int, error) {
	var b int
	err := s.db.QueryRowContext(ctx, s.eng.Bind("SELECT balance FROM points_entries WHERE user_id = ? ORDER BY seq DESC LIMIT 1"),
		userID).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("balance: %w", err)
	}
	return b, nil
}

// Entries returns userID's entries, newest first: at most limit of them,
// all for 0. Returns EINVALID for a negative limit.
func (s *Store) Entries(ctx context.Context, userID string, limit int) ([]Entry, error) {
	if limit < 0 {
		return nil, apperr.Errorf(apperr.EInvalid, "条数不能为负数")
	}
	q := "SELECT " + entryColumns + " FROM points_entries WHERE user_id = ? ORDER BY seq DESC"
	if limit > 0 {
		q += " LIMIT " + strconv.Itoa(limit)
	}
	es, err := queryEntries(ctx, s.db, s.loc, s.eng.Bind(q), userID)
	if err != nil {
		return nil, fmt.Errorf("entries: %w", err)
	}
	return es, nil
}

// FindEntry returns entry id. Returns ENotFound when there is none.
func (s *Store) FindEntry(ctx context.Context, id int64) (Entry, error) {
	e, err := s.findEntry(ctx, s.db, "id = ?", id)
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, apperr.Errorf(apperr.ENotFound, "积分记录 %d 不存在", id)
	} else if err != nil {
		return Entry{}, fmt.Errorf("find entry: %w", err)
	}
	return e, nil
}

// Awarded returns the points awarded in [from, to) — rule awards and
// manual awards, less the corrections dated in it: the net points given
// out. A zero from or to leaves that end open.
func (s *Store) Awarded(ctx context.Context, from, to time.Time) (int, error) {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !from.IsZero() {
		lo = from.UnixMilli()
	}
	if !to.IsZero() {
		hi = to.UnixMilli()
	}
	var n int
	if err := s.db.QueryRowContext(ctx, s.eng.Bind("SELECT coalesce(sum(points), 0) FROM points_entries WHERE created_at >= ? AND created_at < ?"),
		lo, hi).Scan(&n); err != nil {
		return 0, fmt.Errorf("awarded: %w", err)
	}
	return n, nil
}
