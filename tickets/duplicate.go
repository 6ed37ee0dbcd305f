package tickets

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Duplicate reports: a report filed with coordinates is compared with the
// open reports of the same category filed within duplicateWindow before it;
// those within duplicateRadius are recorded on it and named in its
// department's notice (疑似重复), never merged. Two reports filed at the
// same moment (on two replicas) may miss each other: a flag, not a rule.
const (
	duplicateRadius = 50.0 // metres
	duplicateWindow = 24 * time.Hour
	maxDuplicates   = 5
)

// nearReport is an open report near a new one.
type nearReport struct {
	number string
	metres float64
}

// nearbyReports returns the open reports t may duplicate, nearest first.
// The index tickets_reports_near takes the bounding box; the distance is
// then measured (haversine).
func (s *Store) nearbyReports(ctx context.Context, tx *sql.Tx, t *Ticket) ([]nearReport, error) {
	if t.Kind != KindReport || t.Coords == nil {
		return nil, nil
	}
	lat0, lat1, lng0, lng1 := t.Coords.box(duplicateRadius)
	rows, err := s.query(ctx, tx, `SELECT t.number, t.lat, t.lng FROM tickets t
		WHERE t.kind = 'report' AND t.category = ? AND t.lat BETWEEN ? AND ? AND t.lng BETWEEN ? AND ?
		AND t.created_at > ? AND t.status IN ('submitted', 'dispatched', 'accepted')`,
		t.Category, lat0, lat1, lng0, lng1, t.CreatedAt.Add(-duplicateWindow).UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("find nearby reports: %w", err)
	}
	defer rows.Close()
	var near []nearReport
	for rows.Next() {
		var n nearReport
		var p LatLng
		if err := rows.Scan(&n.number, &p.Lat, &p.Lng); err != nil {
			return nil, fmt.Errorf("find nearby reports: %w", err)
		}
		if n.metres = Distance(*t.Coords, p); n.metres <= duplicateRadius {
			near = append(near, n)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find nearby reports: %w", err)
	}
	slices.SortFunc(near, func(a, b nearReport) int { return cmp.Compare(a.metres, b.metres) })
	return near[:min(len(near), maxDuplicates)], nil
}

// duplicateLine is the line of a dispatch notice naming the reports near,
// "" for none: 疑似重复：与 2026-000012 相距 18 米.
func duplicateLine(near []nearReport) string {
	if len(near) == 0 {
		return ""
	}
	parts := make([]string, len(near))
	for i, n := range near {
		parts[i] = fmt.Sprintf("与 %s 相距 %.0f 米", n.number, n.metres)
	}
	return "疑似重复：" + strings.Join(parts, "；") + "，请核实是否为同一问题。"
}
