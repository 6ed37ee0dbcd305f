package push

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// scheduler gives each notice its due time: the first moment outside the
// quiet hours on a day the user has fewer than limit notices due.
type scheduler struct {
	quiet QuietHours
	limit int
	loc   *time.Location
	count map[userDay]int
}

// userDay is a user and a day (yyyymmdd) in the scheduler's location.
type userDay struct {
	user int64
	day  int
}

func day(t time.Time) int {
	y, m, d := t.Date()
	return y*10000 + int(m)*100 + d
}

// scheduler returns the scheduler of notices queued at now, knowing the
// notices already due from now's day on.
func (s *Store) scheduler(ctx context.Context, tx *sql.Tx, now time.Time) (*scheduler, error) {
	now = now.In(s.loc)
	y, m, d := now.Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, s.loc)
	rows, err := tx.QueryContext(ctx, s.eng.Bind("SELECT user_id, due_at FROM push_deliveries WHERE due_at >= ?"), from.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("count notices: %w", err)
	}
	defer rows.Close()
	sc := &scheduler{quiet: s.quiet, limit: s.limit, loc: s.loc, count: map[userDay]int{}}
	for rows.Next() {
		var user, due int64
		if err := rows.Scan(&user, &due); err != nil {
			return nil, fmt.Errorf("count notices: %w", err)
		}
		sc.count[userDay{user, day(s.fromMS(due))}]++
	}
	return sc, rows.Err()
}

// due returns when user's notice queued at now goes out, and counts it.
func (sc *scheduler) due(user int64, now time.Time) time.Time {
	t := sc.quiet.Next(now.In(sc.loc))
	for {
		k := userDay{user, day(t)}
		if sc.count[k] < sc.limit {
			sc.count[k]++
			return t
		}
		y, m, d := t.Date()
		t = sc.quiet.Next(time.Date(y, m, d+1, 0, 0, 0, 0, sc.loc))
	}
}
