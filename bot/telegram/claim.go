package telegram

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Updates are handled at least once, and their effects made once, by
// whichever replica takes them:
//
//   - As an update arrives it is claimed in the store — with its JSON and a
//     lease — before Telegram learns it arrived (a webhook call is answered
//     after; long polling confirms it with the next getUpdates, except the
//     last of a batch, which the library confirms while it is claimed). A
//     copy Telegram delivers again, to this replica or another, is skipped
//     while the claim holds and once the update is done.
//   - A replica that dies mid-way leaves its claims to expire; any replica
//     then takes them over from the store ([Server.recoverUpdates]) and
//     handles them again. The lease outlasts a handling (HandleTimeout):
//     a live replica keeps what it claimed.
//   - Handling again repeats nothing: the conversation is saved only with
//     the update's done mark, in one transaction, so the second handling
//     starts where the first did; the steps it begins get the same keys
//     ([bot.Session.SeedKeys]), hence the same buttons and the same ticket
//     idempotency key; and each Bot API call made for the update is
//     recorded as (update, n-th call) once Telegram answers, and skipped
//     when the n-th call comes again.
//
// What remains: a call made but not yet recorded when the process died is
// made again, and a second 接单 or 办结 gets the ticket store's refusal
// where the first's reply was not yet sent.

// maxHandlings is how often an update is handled before it is given up:
// one that takes its replica down each time must not go round forever.
const maxHandlings = 3

const sqlClaim = `INSERT INTO telegram_updates (bot_id, update_id, at, claimant, claimed_until, payload)
	VALUES (?, ?, ?, ?, ?, ?)
	ON CONFLICT (bot_id, update_id) DO UPDATE SET claimant = excluded.claimant, claimed_until = excluded.claimed_until
	WHERE telegram_updates.done_at IS NULL AND telegram_updates.claimed_until <= excluded.at`

// claim takes update id of bot botID for claimant until now+lease, storing
// payload for whoever takes it over. It reports false when the update is
// done, or claimed by a lease that has not ended.
func (s *store) claim(ctx context.Context, botID, id int64, claimant string, payload []byte, now time.Time, lease time.Duration) (bool, error) {
	res, err := s.exec(ctx, nil, sqlClaim, botID, id, now.UnixMilli(), claimant, now.Add(lease).UnixMilli(), string(payload))
	if err != nil {
		return false, fmt.Errorf("claim update: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim update: %w", err)
	}
	return n == 1, nil
}

const sqlBegin = `UPDATE telegram_updates SET claimed_until = ?, attempts = attempts + 1
	WHERE bot_id = ? AND update_id = ? AND claimant = ? AND done_at IS NULL RETURNING attempts`

// begin starts claimant's handling of update id: it renews the claim for
// lease and returns which handling this is (1 for the first). ok is false
// when the update is done or another replica took it over.
func (s *store) begin(ctx context.Context, botID, id int64, claimant string, now time.Time, lease time.Duration) (n int, ok bool, err error) {
	err = s.queryRow(ctx, nil, sqlBegin, now.Add(lease).UnixMilli(), botID, id, claimant).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("begin update: %w", err)
	}
	return n, true, nil
}

// release ends claimant's lease on update id, not done: another replica
// may take it over at once.
func (s *store) release(ctx context.Context, botID, id int64, claimant string, now time.Time) error {
	_, err := s.exec(ctx, nil, `UPDATE telegram_updates SET claimed_until = ?
		WHERE bot_id = ? AND update_id = ? AND claimant = ? AND done_at IS NULL`, now.UnixMilli(), botID, id, claimant)
	if err != nil {
		return fmt.Errorf("release update: %w", err)
	}
	return nil
}

const sqlDone = `UPDATE telegram_updates SET done_at = ?, claimed_until = NULL, payload = NULL
	WHERE bot_id = ? AND update_id = ?`

// finish marks update id done and saves the conversation c (when not nil)
// in the same transaction; it returns the version saved.
func (s *store) finish(ctx context.Context, botID, id int64, c *saving, now time.Time) (version int64, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("finish update: %w", err)
	}
	defer tx.Rollback()
	if c != nil {
		if version, err = s.saveSession(ctx, tx, botID, c, now); err != nil {
			return 0, err
		}
	}
	if _, err := s.exec(ctx, tx, sqlDone, now.UnixMilli(), botID, id); err != nil {
		return 0, fmt.Errorf("finish update: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("finish update: %w", err)
	}
	return version, nil
}

// orphan is an update whose claimant's lease ended before it was done.
type orphan struct {
	id      int64
	payload []byte
}

// orphans returns up to limit updates of botID not done whose lease ended
// by now, oldest first.
func (s *store) orphans(ctx context.Context, botID int64, now time.Time, limit int) ([]orphan, error) {
	rows, err := s.query(ctx, `SELECT update_id, payload FROM telegram_updates
		WHERE bot_id = ? AND done_at IS NULL AND claimed_until <= ? AND payload IS NOT NULL
		ORDER BY update_id LIMIT ?`, botID, now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("find orphaned updates: %w", err)
	}
	defer rows.Close()
	var out []orphan
	for rows.Next() {
		var o orphan
		var p string
		if err := rows.Scan(&o.id, &p); err != nil {
			return nil, fmt.Errorf("find orphaned updates: %w", err)
		}
		o.payload = []byte(p)
		out = append(out, o)
	}
	return out, rows.Err()
}

// calls returns the calls recorded for update id: by their number within
// the handling.
func (s *store) calls(ctx context.Context, botID, id int64) (map[int]bool, error) {
	rows, err := s.query(ctx, "SELECT seq FROM telegram_update_calls WHERE bot_id = ? AND update_id = ?", botID, id)
	if err != nil {
		return nil, fmt.Errorf("find update calls: %w", err)
	}
	defer rows.Close()
	out := map[int]bool{}
	for rows.Next() {
		var seq int
		if err := rows.Scan(&seq); err != nil {
			return nil, fmt.Errorf("find update calls: %w", err)
		}
		out[seq] = true
	}
	return out, rows.Err()
}

const sqlRecordCall = "INSERT INTO telegram_update_calls (bot_id, update_id, seq, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"

// recordCall records that the seq-th call for update id was made.
func (s *store) recordCall(ctx context.Context, botID, id int64, seq int, now time.Time) error {
	_, err := s.exec(ctx, nil, sqlRecordCall, botID, id, seq, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("record update call: %w", err)
	}
	return nil
}
