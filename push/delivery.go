package push

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/sqlstore"
)

// queueLock serialises, between replicas, what counts a day's notices
// and changes them: [Store.Queue], [Store.Hold] and [Store.Release].
const queueLock = "push_queue"

// insertBatch is how many deliveries one INSERT carries.
const insertBatch = 500

// PlanResult is who a document would reach.
type PlanResult struct {
	// Recipients are the subscribers the document concerns who have not
	// had a notice of it, by user id.
	Recipients []Match
	// Already counts those it concerns who had one before.
	Already int
	// Held: the document is held; no notice goes out until it is released.
	Held bool
	// At is when notices queued now go out, before daily limits: now, or
	// the end of the quiet hours.
	At      time.Time
	Concern Concern
	Notice  Notice
}

// Plan returns who doc would reach if queued at now, and its notice. It
// writes nothing. Returns apperr.EInvalid for a document without a name.
func (s *Store) Plan(ctx context.Context, doc Document, now time.Time) (PlanResult, error) {
	if doc.Name == "" {
		return PlanResult{}, apperr.Errorf(apperr.EInvalid, "文件名不能为空")
	}
	p, err := s.plan(ctx, s.db, doc)
	if err != nil {
		return PlanResult{}, err
	}
	p.At = s.quiet.Next(now.In(s.loc))
	return p, nil
}

// plan is Plan read through q, without At.
func (s *Store) plan(ctx context.Context, q sqlstore.Querier, doc Document) (PlanResult, error) {
	idx, err := s.index(ctx, q)
	if err != nil {
		return PlanResult{}, err
	}
	p := PlanResult{Concern: s.rules.Concerns(doc)}
	var status string
	err = q.QueryRowContext(ctx, s.eng.Bind("SELECT status FROM push_documents WHERE name = ?"), doc.Name).Scan(&status)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return PlanResult{}, fmt.Errorf("plan push: %w", err)
	}
	p.Held = status == statusHeld
	had, err := s.recipientsOf(ctx, q, doc.Name)
	if err != nil {
		return PlanResult{}, err
	}
	for _, m := range idx.match(&p.Concern) {
		if had[m.UserID] {
			p.Already++
		} else {
			p.Recipients = append(p.Recipients, m)
		}
	}
	extract, cites := s.rules.extract(doc, &p.Concern)
	p.Notice = Notice{Doc: doc.Name, Title: doc.Title, Number: doc.Number, Date: doc.Date, Extract: extract, Cites: cites}
	return p, nil
}

// Statuses of a pushed document.
const (
	statusHeld = "held"
	statusSent = "sent"
)

// recipientsOf returns the users who have a notice of document name.
func (s *Store) recipientsOf(ctx context.Context, q sqlstore.Querier, name string) (map[int64]bool, error) {
	rows, err := q.QueryContext(ctx, s.eng.Bind("SELECT user_id FROM push_deliveries WHERE doc = ?"), name)
	if err != nil {
		return nil, fmt.Errorf("plan push: %w", err)
	}
	defer rows.Close()
	had := map[int64]bool{}
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("plan push: %w", err)
		}
		had[u] = true
	}
	return had, rows.Err()
}

// Queue gives each subscriber doc concerns, who has not had it, a notice
// of it, and returns how many it gave. A notice is due at now, or when
// the quiet hours end, or — for a user who has the daily limit of notices
// due that day — the next day's first moment outside them. Queueing a
// document again, here or on another replica, gives no user a second
// notice; for a held document ([Store.Hold]) the notices wait for
// [Store.Release]. Returns apperr.EInvalid for a document without a name.
func (s *Store) Queue(ctx context.Context, doc Document, now time.Time) (int, error) {
	if doc.Name == "" {
		return 0, apperr.Errorf(apperr.EInvalid, "文件名不能为空")
	}
	var n int
	err := s.write(ctx, queueLock, func(tx *sql.Tx) error {
		p, err := s.plan(ctx, tx, doc)
		if err != nil {
			return err
		}
		if err := s.saveDocument(ctx, tx, doc, p.Notice, now); err != nil {
			return err
		}
		var sc *scheduler
		if !p.Held {
			if sc, err = s.scheduler(ctx, tx, now); err != nil {
				return err
			}
		}
		n, err = s.insertDeliveries(ctx, tx, doc.Name, now, p.Recipients, sc)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("queue %s: %w", doc.Name, err)
	}
	return n, nil
}

// saveDocument records doc and its notice; a held document stays held.
func (s *Store) saveDocument(ctx context.Context, tx *sql.Tx, doc Document, n Notice, now time.Time) error {
	cites, _ := json.Marshal(append([]string{}, n.Cites...))
	_, err := tx.ExecContext(ctx, s.eng.Bind(`INSERT INTO push_documents
		(name, checksum, title, doc_number, doc_date, extract, cites, status, queued_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum,
		title = excluded.title, doc_number = excluded.doc_number, doc_date = excluded.doc_date,
		extract = excluded.extract, cites = excluded.cites,
		queued_at = coalesce(push_documents.queued_at, excluded.queued_at), updated_at = excluded.updated_at`),
		doc.Name, doc.checksum(), doc.Title, doc.Number, doc.Date, n.Extract, string(cites), statusSent,
		now.UnixMilli(), now.UnixMilli())
	if err != nil {
		return fmt.Errorf("save document: %w", err)
	}
	return nil
}

// insertDeliveries writes the notices of document name to ms, due as sc
// says (nil: held, not due), skipping users who have one, and returns how
// many it wrote.
func (s *Store) insertDeliveries(ctx context.Context, tx *sql.Tx, name string, now time.Time, ms []Match, sc *scheduler) (int, error) {
	n := 0
	for batch := range slices.Chunk(ms, insertBatch) {
		args := make([]any, 0, len(batch)*6)
		for _, m := range batch {
			var due sql.NullInt64
			if sc != nil {
				due = sql.NullInt64{Int64: sc.due(m.UserID, now).UnixMilli(), Valid: true}
			}
			args = append(args, m.UserID, m.ChatID, name, m.Why, now.UnixMilli(), due)
		}
		q := "INSERT INTO push_deliveries (user_id, chat_id, doc, why, created_at, due_at) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", len(batch)), ", ") +
			" ON CONFLICT (user_id, doc) DO NOTHING"
		res, err := tx.ExecContext(ctx, s.eng.Bind(q), args...)
		if err != nil {
			return 0, fmt.Errorf("insert notices: %w", err)
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	return n, nil
}

// Hold stops the notices of document name: those not yet sent wait, and
// a document held before it is queued queues its notices waiting, until
// [Store.Release].
func (s *Store) Hold(ctx context.Context, name string) error {
	if name == "" {
		return apperr.Errorf(apperr.EInvalid, "文件名不能为空")
	}
	return s.write(ctx, queueLock, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.eng.Bind(`INSERT INTO push_documents (name, status, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`),
			name, statusHeld, s.now().UnixMilli())
		if err != nil {
			return fmt.Errorf("hold %s: %w", name, err)
		}
		return nil
	})
}

// Release lets the notices of held document name go: those not yet sent
// are due again as if queued at now (quiet hours, daily limit), and
// returns how many. A document held before it was queued is simply no
// longer held. Returns apperr.ENotFound when name is not held.
func (s *Store) Release(ctx context.Context, name string, now time.Time) (int, error) {
	var n int
	err := s.write(ctx, queueLock, func(tx *sql.Tx) error {
		var status string
		var queued sql.NullInt64
		err := tx.QueryRowContext(ctx, s.eng.Bind("SELECT status, queued_at FROM push_documents WHERE name = ?"), name).Scan(&status, &queued)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && status != statusHeld) {
			return apperr.Errorf(apperr.ENotFound, "“%s”没有被暂缓推送", name)
		} else if err != nil {
			return fmt.Errorf("release %s: %w", name, err)
		}
		if !queued.Valid {
			_, err := tx.ExecContext(ctx, s.eng.Bind("DELETE FROM push_documents WHERE name = ?"), name)
			return err
		}
		n, err = s.reschedule(ctx, tx, name, now)
		return err
	})
	return n, err
}

// reschedule marks document name sent and makes its unsent notices due as
// if queued at now.
func (s *Store) reschedule(ctx context.Context, tx *sql.Tx, name string, now time.Time) (int, error) {
	if _, err := tx.ExecContext(ctx, s.eng.Bind("UPDATE push_documents SET status = ?, updated_at = ? WHERE name = ?"),
		statusSent, now.UnixMilli(), name); err != nil {
		return 0, fmt.Errorf("release %s: %w", name, err)
	}
	// Out of the day's counts before they are counted again.
	if _, err := tx.ExecContext(ctx, s.eng.Bind("UPDATE push_deliveries SET due_at = NULL, leased_until = NULL WHERE doc = ? AND sent_at IS NULL"),
		name); err != nil {
		return 0, fmt.Errorf("release %s: %w", name, err)
	}
	users, err := s.pendingOf(ctx, tx, name)
	if err != nil {
		return 0, err
	}
	sc, err := s.scheduler(ctx, tx, now)
	if err != nil {
		return 0, err
	}
	byDue := map[int64][]any{}
	for _, u := range users {
		due := sc.due(u, now).UnixMilli()
		byDue[due] = append(byDue[due], u)
	}
	for due, us := range byDue {
		for batch := range slices.Chunk(us, insertBatch) {
			q := "UPDATE push_deliveries SET due_at = ? WHERE doc = ? AND sent_at IS NULL AND user_id IN (" +
				strings.TrimSuffix(strings.Repeat("?, ", len(batch)), ", ") + ")"
			if _, err := tx.ExecContext(ctx, s.eng.Bind(q), append([]any{due, name}, batch...)...); err != nil {
				return 0, fmt.Errorf("release %s: %w", name, err)
			}
		}
	}
	return len(users), nil
}

// pendingOf returns the users with an unsent notice of document name.
func (s *Store) pendingOf(ctx context.Context, tx *sql.Tx, name string) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, s.eng.Bind("SELECT user_id FROM push_deliveries WHERE doc = ? AND sent_at IS NULL ORDER BY user_id"), name)
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", name, err)
	}
	defer rows.Close()
	var users []int64
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("release %s: %w", name, err)
		}
		users = append(users, u)
	}
	return users, rows.Err()
}
