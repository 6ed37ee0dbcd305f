package tickets

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"partybot/apperr"
)

// RoutingSample is one line of a routing evaluation file:
// {"id": "...", "text": "...", "department": "<key>"}.
type RoutingSample struct {
	ID         string `json:"id,omitempty"`
	Text       string `json:"text"`
	Department string `json:"department"`
}

// ReadRoutingSamples reads JSON lines of [RoutingSample], skipping blank
// lines. Returns EINVALID with the line number for a malformed line.
func ReadRoutingSamples(r io.Reader) ([]RoutingSample, error) {
	var out []RoutingSample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		b := strings.TrimSpace(sc.Text())
		if b == "" {
			continue
		}
		var s RoutingSample
		if err := json.Unmarshal([]byte(b), &s); err != nil {
			return nil, apperr.Errorf(apperr.EInvalid, "第 %d 行不是有效的 JSON：%v", line, err)
		}
		if s.Text == "" || s.Department == "" {
			return nil, apperr.Errorf(apperr.EInvalid, "第 %d 行缺少 text 或 department", line)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read samples: %w", err)
	}
	return out, nil
}

// RoutingReport is the result of [EvaluateRouting].
type RoutingReport struct {
	N           int                          `json:"n"`
	Correct     int                          `json:"correct"`
	Accuracy    float64                      `json:"accuracy"`
	Manual      int                          `json:"manual_dispatch"`
	Departments map[string]DepartmentMetrics `json:"departments"`
	Misrouted   []Misroute                   `json:"misrouted"`
}

// DepartmentMetrics is one department's row of a [RoutingReport].
type DepartmentMetrics struct {
	N         int     `json:"n"`         // samples whose gold department this is
	Correct   int     `json:"correct"`   // of those, routed here
	Predicted int     `json:"predicted"` // samples routed here
	Recall    float64 `json:"recall"`
	Precision float64 `json:"precision"`
}

// Misroute is a sample routed to the wrong department.
type Misroute struct {
	ID         string  `json:"id,omitempty"`
	Text       string  `json:"text"`
	Want       string  `json:"want"`
	Got        string  `json:"got"`
	Confidence float64 `json:"confidence"`
}

// EvaluateRouting routes every sample and reports accuracy overall and per
// department.
func EvaluateRouting(ctx context.Context, route RouteFunc, samples []RoutingSample) (RoutingReport, error) {
	rep := RoutingReport{Departments: map[string]DepartmentMetrics{}, Misrouted: []Misroute{}}
	for _, s := range samples {
		rt, err := route(ctx, s.Text)
		if err != nil {
			return RoutingReport{}, fmt.Errorf("route %q: %w", s.ID, err)
		}
		rep.N++
		want, got := rep.Departments[s.Department], rep.Departments[rt.Department]
		want.N++
		rep.Departments[s.Department] = want
		got = rep.Departments[rt.Department]
		got.Predicted++
		if rt.Department == s.Department {
			got.Correct++
			rep.Correct++
		} else {
			rep.Misrouted = append(rep.Misrouted, Misroute{s.ID, s.Text, s.Department, rt.Department, rt.Confidence})
		}
		rep.Departments[rt.Department] = got
		if rt.ManualDispatch {
			rep.Manual++
		}
	}
	keys := make([]string, 0, len(rep.Departments))
	for k := range rep.Departments {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m := rep.Departments[k]
		if m.N > 0 {
			m.Recall = round3(float64(m.Correct) / float64(m.N))
		}
		if m.Predicted > 0 {
			m.Precision = round3(float64(m.Correct) / float64(m.Predicted))
		}
		rep.Departments[k] = m
	}
	if rep.N > 0 {
		rep.Accuracy = round3(float64(rep.Correct) / float64(rep.N))
	}
	return rep, nil
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }
