package telegram

import (
	"context"
	"fmt"
	"time"
)

// The rate limit has two parts. Each replica keeps a token bucket per user
// in memory (people.allow): it takes bursts, and refuses a flood without
// touching the store. What it allows is then counted in the store, per
// user and minute, against RatePerMinute + RateBurst — more than one
// bucket can allow in any minute, so a lone replica is never refused more
// than before; the count only stops N replicas behind one webhook from
// allowing a user N times the rate. Why a fixed window and not a shared
// bucket: one upsert per update, no read-modify-write to lock; a user may
// get up to twice the cap across a window's edge, which is enough to stop
// a flood.

const sqlCountUpdate = `INSERT INTO telegram_rate (bot_id, user_id, minute, n) VALUES (?, ?, ?, 1)
	ON CONFLICT (bot_id, user_id, minute) DO UPDATE SET n = telegram_rate.n + 1 RETURNING n`

// countUpdate counts an update of user in the minute of now and returns
// the count so far.
func (s *store) countUpdate(ctx context.Context, botID, user int64, now time.Time) (int, error) {
	var n int
	err := s.queryRow(ctx, nil, sqlCountUpdate, botID, user, now.Unix()/60).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count update: %w", err)
	}
	return n, nil
}

// pruneRate forgets the counts of minutes before before.
func (s *store) pruneRate(ctx context.Context, before time.Time) error {
	if _, err := s.exec(ctx, nil, "DELETE FROM telegram_rate WHERE minute < ?", before.Unix()/60); err != nil {
		return fmt.Errorf("prune rate: %w", err)
	}
	return nil
}

// sharedLimit counts an update of user that the replica's bucket allowed
// against the limit shared by the replicas: allowed under it, slowDown for
// the first update over it in a minute, drop for the others. When the
// store fails the update is allowed.
func (s *Server) sharedLimit(ctx context.Context, user int64, now time.Time) verdict {
	if s.cfg.RatePerMinute <= 0 {
		return allowed
	}
	n, err := s.store.countUpdate(ctx, s.botID, user, now)
	limit := s.cfg.RatePerMinute + s.cfg.RateBurst
	switch {
	case err != nil:
		s.log.Error("shared rate limit; update allowed", "user", user, "err", err)
		return allowed
	case n <= limit:
		return allowed
	case n == limit+1:
		return slowDown
	}
	return drop
}
