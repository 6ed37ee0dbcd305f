package tickets

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"partybot/apperr"
)

// MaxTrendMonths is the most months a [Store.Trend] covers.
const MaxTrendMonths = 120

// MonthStats are the figures of the tickets created in one calendar month
// of a trend, over the departments in view, counted as [Store.Stats]
// counts them (Department and Name are empty; the reports' and
// suggestions' counts are not filled in), with the ratings' sum and
// average.
type MonthStats struct {
	Month time.Time `json:"month"` // its first instant, in the store's time zone
	DepartmentStats
	RatingSum     int     `json:"rating_sum"`
	AverageRating float64 `json:"average_rating"` // 0 when none was rated
}

// Trend returns the figures of every calendar month (in the store's time
// zone) that f's period touches, whole, oldest first, months without
// tickets included, with one statement: the trend line of the statistics
// page.
// The period must be bounded and span at most [MaxTrendMonths] months. The
// viewer rules and errors are those of [Store.Stats], and EINVALID for an
// unbounded or too long period.
func (s *Store) Trend(ctx context.Context, v Viewer, f StatsFilter) ([]MonthStats, error) {
	if f.From.IsZero() || f.To.IsZero() {
		return nil, apperr.Errorf(apperr.EInvalid, "趋势统计需要起止日期")
	}
	keys, _, _, err := s.statsScope(v, f)
	if err != nil {
		return nil, err
	}
	months := s.months(f.From, f.To)
	if len(months) == 0 || len(months) > MaxTrendMonths {
		return nil, apperr.Errorf(apperr.EInvalid, "趋势统计最多 %d 个月", MaxTrendMonths)
	}
	// Month i holds created_at in [bounds[i], bounds[i+1]).
	bounds := append(slices.Clone(months), months[len(months)-1].AddDate(0, 1, 0))
	args := []any{s.nowTime().UnixMilli(), bounds[0].UnixMilli(), bounds[len(bounds)-1].UnixMilli()}
	var bucket strings.Builder
	bucket.WriteString("CASE")
	for i, b := range bounds[1:] {
		fmt.Fprintf(&bucket, " WHEN created_at < ?%d THEN %d", len(args)+1, i)
		args = append(args, b.UnixMilli())
	}
	bucket.WriteString(" END")
	in, keyArgs := inKeys(keys, len(args)+1)
	args = append(args, keyArgs...)
	q := `SELECT ` + bucket.String() + `, count(*),` + statsCounts + `, coalesce(sum(rating), 0)` +
		s.sql.statsFrom + statsWhere + in + ` GROUP BY 1`
	rows, err := s.query(ctx, s.db, q, args...)
	if err != nil {
		return nil, fmt.Errorf("trend: %w", err)
	}
	defer rows.Close()
	out := make([]MonthStats, len(months))
	for i, m := range months {
		out[i].Month = m
	}
	for rows.Next() {
		var i int
		var m MonthStats
		d := &m.DepartmentStats
		if err := rows.Scan(&i, &d.Received, &d.ResponseDue, &d.RespondedOnTime, &d.ResolutionDue,
			&d.ResolvedOnTime, &d.Rated, &d.Satisfied, &d.Open, &d.Overdue, &m.RatingSum); err != nil {
			return nil, fmt.Errorf("trend: %w", err)
		}
		if i < 0 || i >= len(out) {
			continue
		}
		m.Month = months[i]
		m.rates()
		m.AverageRating = average(m.RatingSum, m.Rated)
		out[i] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("trend: %w", err)
	}
	return out, nil
}

// months returns the first instants of the calendar months, in the store's
// time zone, that [from, to) touches (at most one more than
// MaxTrendMonths).
func (s *Store) months(from, to time.Time) []time.Time {
	from = from.In(s.loc)
	m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, s.loc)
	var out []time.Time
	for ; m.Before(to) && len(out) <= MaxTrendMonths; m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

// average is sum / n rounded to two decimals; 0 when n is 0.
func average(sum, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(int64(float64(sum)/float64(n)*100+0.5)) / 100
}

// Breakdown is what the statistics page shows of a period beside
// [Stats]: the ratings per department and the tickets per category.
type Breakdown struct {
	// Ratings are the rated tickets' count and the sum of their ratings,
	// by department key; a department without ratings is absent.
	Ratings map[string]Rating `json:"ratings"`
	// Categories are the tickets per category, most first, then by name;
	// tickets without one are under "".
	Categories []CategoryCount `json:"categories"`
}

// Rating is how a department's tickets were rated.
type Rating struct {
	Rated int `json:"rated"`
	Sum   int `json:"sum"`
}

// Average is the average rating, two decimals; 0 when none was rated.
func (r Rating) Average() float64 { return average(r.Sum, r.Rated) }

// CategoryCount is how many tickets of a period are of a category.
type CategoryCount struct {
	Category string `json:"category"`
	Count    int    `json:"count"`
}

// Breakdown returns the ratings per department and the tickets per
// category of f's period with one statement. The viewer rules and errors
// are those of [Store.Stats].
func (s *Store) Breakdown(ctx context.Context, v Viewer, f StatsFilter) (*Breakdown, error) {
	keys, from, to, err := s.statsScope(v, f)
	if err != nil {
		return nil, err
	}
	in, keyArgs := inKeys(keys, 3)
	q := `SELECT department, category, count(*), count(rating), coalesce(sum(rating), 0)
		FROM tickets WHERE created_at >= ?1 AND created_at < ?2` + in + ` GROUP BY department, category`
	rows, err := s.query(ctx, s.db, q, append([]any{from, to}, keyArgs...)...)
	if err != nil {
		return nil, fmt.Errorf("breakdown: %w", err)
	}
	defer rows.Close()
	b := &Breakdown{Ratings: map[string]Rating{}}
	byCategory := map[string]int{}
	for rows.Next() {
		var dept, category string
		var n int
		var r Rating
		if err := rows.Scan(&dept, &category, &n, &r.Rated, &r.Sum); err != nil {
			return nil, fmt.Errorf("breakdown: %w", err)
		}
		byCategory[category] += n
		if r.Rated > 0 {
			sum := b.Ratings[dept]
			sum.Rated += r.Rated
			sum.Sum += r.Sum
			b.Ratings[dept] = sum
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("breakdown: %w", err)
	}
	for c, n := range byCategory {
		b.Categories = append(b.Categories, CategoryCount{c, n})
	}
	slices.SortFunc(b.Categories, func(a, b CategoryCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Category, b.Category))
	})
	return b, nil
}
