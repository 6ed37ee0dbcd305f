package push

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/sqlstore"
)

// selectDeliveries reads deliveries with their document's notice.
const selectDeliveries = `SELECT d.id, d.user_id, d.chat_id, d.why, d.due_at, d.sent_at, d.opened_at,
	d.doc, p.title, p.doc_number, p.doc_date, p.extract, p.cites
	FROM push_deliveries d JOIN push_documents p ON p.name = d.doc`

// Due leases up to limit notices due at now (100 when limit ≤ 0), oldest
// first: until the lease ends (2 min, [WithLease]) or [Store.MarkSent],
// no other call of Due — in this process or another replica on the same
// database — returns them. A notice not marked sent is due again when its
// lease ends, up to 5 times; then it is given up. Notices of held
// documents are not due.
//
// On PostgreSQL concurrent calls skip the rows another is leasing (FOR
// UPDATE SKIP LOCKED); SQLite leases one transaction at a time.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]Delivery, error) {
	if limit <= 0 {
		limit = 100
	}
	lock := ""
	if s.eng == sqlstore.Postgres {
		lock = " FOR UPDATE OF d SKIP LOCKED"
	}
	var out []Delivery
	err := s.write(ctx, "", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.eng.Bind(selectDeliveries+`
			WHERE d.sent_at IS NULL AND d.due_at <= ? AND p.status = ? AND d.attempts < ?
			AND (d.leased_until IS NULL OR d.leased_until <= ?)
			ORDER BY d.due_at, d.id LIMIT ?`+lock), now.UnixMilli(), statusSent, maxAttempts, now.UnixMilli(), limit)
		if err != nil {
			return err
		}
		if out, err = s.scanDeliveries(rows); err != nil || len(out) == 0 {
			return err
		}
		args := []any{now.Add(s.lease).UnixMilli()}
		for _, d := range out {
			args = append(args, d.ID)
		}
		_, err = tx.ExecContext(ctx, s.eng.Bind("UPDATE push_deliveries SET leased_until = ?, attempts = attempts + 1 WHERE id IN ("+
			strings.TrimSuffix(strings.Repeat("?, ", len(out)), ", ")+")"), args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("lease notices: %w", err)
	}
	return out, nil
}

// MarkSent records that notice id was sent and releases its lease.
// Marking it twice is not an error. Returns apperr.ENotFound for an
// unknown id.
func (s *Store) MarkSent(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, s.eng.Bind("UPDATE push_deliveries SET sent_at = coalesce(sent_at, ?), leased_until = NULL WHERE id = ?"),
		s.now().UnixMilli(), id)
	return s.affected(res, err, "mark sent", "推送通知 %d 不存在", id)
}

// MarkOpened records that user userID opened the passages of document doc
// from its notice; the first time counts. Returns apperr.ENotFound when
// the user had no notice of doc.
func (s *Store) MarkOpened(ctx context.Context, userID int64, doc string) error {
	res, err := s.db.ExecContext(ctx, s.eng.Bind("UPDATE push_deliveries SET opened_at = coalesce(opened_at, ?) WHERE user_id = ? AND doc = ?"),
		s.now().UnixMilli(), userID, doc)
	return s.affected(res, err, "mark opened", "没有找到这条推送")
}

// affected is the error of an UPDATE that must change a row.
func (s *Store) affected(res sql.Result, err error, op, notFound string, args ...any) error {
	return sqlstore.Changed(res, err, op, apperr.Errorf(apperr.ENotFound, notFound, args...))
}

// FindDelivery returns notice id, as the button of a sent notice names
// it. Returns apperr.ENotFound for an unknown id.
func (s *Store) FindDelivery(ctx context.Context, id int64) (Delivery, error) {
	rows, err := s.db.QueryContext(ctx, s.eng.Bind(selectDeliveries+" WHERE d.id = ?"), id)
	if err != nil {
		return Delivery{}, fmt.Errorf("find notice: %w", err)
	}
	ds, err := s.scanDeliveries(rows)
	if err != nil {
		return Delivery{}, fmt.Errorf("find notice: %w", err)
	}
	if len(ds) == 0 {
		return Delivery{}, apperr.Errorf(apperr.ENotFound, "推送通知 %d 不存在", id)
	}
	return ds[0], nil
}

// Counts returns how many notices were sent in [from, to) and how many of
// those the users opened.
func (s *Store) Counts(ctx context.Context, from, to time.Time) (pushed, opened int, err error) {
	err = s.db.QueryRowContext(ctx, s.eng.Bind("SELECT count(*), count(opened_at) FROM push_deliveries WHERE sent_at >= ? AND sent_at < ?"),
		from.UnixMilli(), to.UnixMilli()).Scan(&pushed, &opened)
	if err != nil {
		return 0, 0, fmt.Errorf("count notices: %w", err)
	}
	return pushed, opened, nil
}

// scanDeliveries reads and closes rows of selectDeliveries.
func (s *Store) scanDeliveries(rows *sql.Rows) ([]Delivery, error) {
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var due, sent, opened sql.NullInt64
		var cites string
		n := &d.Notice
		if err := rows.Scan(&d.ID, &d.UserID, &d.ChatID, &d.Why, &due, &sent, &opened,
			&n.Doc, &n.Title, &n.Number, &n.Date, &n.Extract, &cites); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(cites), &n.Cites); err != nil {
			return nil, errors.Join(fmt.Errorf("notice %d: bad citations", d.ID), err)
		}
		d.DueAt, d.SentAt, d.OpenedAt = s.fromNull(due), s.fromNull(sent), s.fromNull(opened)
		out = append(out, d)
	}
	return out, rows.Err()
}
