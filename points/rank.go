package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"partybot/apperr"
)

// RankRow is a user's place in a month's rank.
type RankRow struct {
	// Rank is 1 for the most points; users with equal points share a
	// rank, and the next rank skips (1, 1, 3).
	Rank   int    `json:"rank"`
	UserID string `json:"user_id"`
	// DisplayName is the name the user chose to appear by
	// ([Store.SetRankOptIn]); "" for a user who did not opt in, whom a
	// rank shown to users must not name (nor show their UserID).
	DisplayName string `json:"display_name,omitempty"`
	// Points are the month's net points: awards less corrections dated in
	// the month.
	Points int `json:"points"`
}

// MaxRank is the most rows [Store.MonthRank] returns.
const MaxRank = 1000

// maxDisplayName is the longest display name, in runes.
const maxDisplayName = 20

// MonthRank returns the n users with the most points in the month of
// month (in the store's time zone), most first; users whose month came to
// 0 or less are left out. Returns EINVALID for n outside 1 to MaxRank.
func (s *Store) MonthRank(ctx context.Context, month time.Time, n int) ([]RankRow, error) {
	if n < 1 || n > MaxRank {
		return nil, apperr.Errorf(apperr.EInvalid, "排名人数应在 1 到 %d 之间", MaxRank)
	}
	from, to := monthBounds(month, s.loc)
	rows, err := s.db.QueryContext(ctx, s.eng.Bind(`SELECT e.user_id, coalesce(o.display_name, ''), sum(e.points) AS total
		FROM points_entries e LEFT JOIN points_rank_optin o ON o.user_id = e.user_id
		WHERE e.created_at >= ? AND e.created_at < ?
		GROUP BY e.user_id, o.display_name HAVING sum(e.points) > 0
		ORDER BY total DESC, e.user_id LIMIT ?`), from.UnixMilli(), to.UnixMilli(), n)
	if err != nil {
		return nil, fmt.Errorf("month rank: %w", err)
	}
	defer rows.Close()
	var out []RankRow
	for rows.Next() {
		var r RankRow
		if err := rows.Scan(&r.UserID, &r.DisplayName, &r.Points); err != nil {
			return nil, fmt.Errorf("month rank: %w", err)
		}
		r.Rank = len(out) + 1
		if k := len(out); k > 0 && out[k-1].Points == r.Points {
			r.Rank = out[k-1].Rank
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("month rank: %w", err)
	}
	return out, nil
}

// SetRankOptIn records whether userID appears by name in the monthly rank:
// on with the name they chose (1 to 20 characters, no control characters),
// or off, which forgets the name. Returns EINVALID for a missing user id
// or a bad name.
func (s *Store) SetRankOptIn(ctx context.Context, userID, name string, on bool) error {
	if userID == "" || len(userID) > maxID {
		return apperr.Errorf(apperr.EInvalid, "用户 id 应为 1 到 %d 个字符", maxID)
	}
	if !on {
		if _, err := s.db.ExecContext(ctx, s.eng.Bind("DELETE FROM points_rank_optin WHERE user_id = ?"), userID); err != nil {
			return fmt.Errorf("rank opt-out: %w", err)
		}
		return nil
	}
	name = strings.TrimSpace(name)
	if err := checkDisplayName(name); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, s.eng.Bind(`INSERT INTO points_rank_optin (user_id, display_name, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET display_name = excluded.display_name, updated_at = excluded.updated_at`),
		userID, name, s.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("rank opt-in: %w", err)
	}
	return nil
}

// checkDisplayName checks a name to show in the rank.
func checkDisplayName(name string) error {
	if name == "" || utf8.RuneCountInString(name) > maxDisplayName || !utf8.ValidString(name) {
		return apperr.Errorf(apperr.EInvalid, "排行榜昵称应为 1 到 %d 个字", maxDisplayName)
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return apperr.Errorf(apperr.EInvalid, "排行榜昵称不能含控制字符")
	}
	return nil
}

// RankOptIn returns the name userID appears by in the rank, and whether
// they opted in.
func (s *Store) RankOptIn(ctx context.Context, userID string) (name string, on bool, err error) {
	err = s.db.QueryRowContext(ctx, s.eng.Bind("SELECT display_name FROM points_rank_optin WHERE user_id = ?"), userID).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	} else if err != nil {
		return "", false, fmt.Errorf("rank opt-in: %w", err)
	}
	return name, true, nil
}
