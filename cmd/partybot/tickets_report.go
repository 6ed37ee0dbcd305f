package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"partybot/apperr"
	"partybot/points"
	"partybot/push"
	"partybot/tickets"
	"partybot/web"
)

// runTicketsStats is "tickets stats": 响应率, 按期办结率 and 满意率 per
// department over the days --from to --to.
func (m *Main) runTicketsStats(ctx context.Context, args []string) error {
	fs, as := ticketFlags("stats")
	asJSON := fs.Bool("json", false, "")
	from := fs.String("from", "", "")
	to := fs.String("to", "", "")
	dept := fs.String("department", "", "")
	s, v, _, err := m.ticketArgs(ctx, fs, as, args, none,
		"用法：partybot tickets stats [--json] [--from 日期] [--to 日期] [--department 部门]")
	if err != nil {
		return err
	}
	p, err := datePeriod(*from, *to, s)
	if err != nil {
		return err
	}
	f := tickets.StatsFilter{From: p.From, To: p.To}
	if *dept != "" {
		f.Department = dept
	}
	st, err := s.Stats(ctx, v, f)
	if err != nil {
		return ticketError(err)
	}
	out := statsOut{Stats: st}
	if v.Admin && *dept == "" {
		if out.Platform, err = m.platformFigures(ctx, p.From, p.To); err != nil {
			return err
		}
	}
	if *asJSON {
		return writeJSONLine(m.Stdout, out)
	}
	if err := m.printStats(st); err != nil {
		return err
	}
	if pf := out.Platform; pf != nil {
		fmt.Fprintf(m.Stdout, "红色积分发放 %d 分；政策推送 %d 条，已查看原文 %d 条。\n", pf.PointsAwarded, pf.NoticesPushed, pf.NoticesOpened)
	}
	return nil
}

// statsOut is what tickets stats prints: the tickets' figures, and for
// admins the platform's over the same period.
type statsOut struct {
	*tickets.Stats
	Platform *platformFigures `json:"platform,omitempty"`
}

// platformFigures are the figures of the services beside the tickets
// that a district writes into its 经验做法; the console's statistics show
// the same ones.
type platformFigures = web.PlatformFigures

// platformFigures reads the points awarded and the notices pushed and
// opened between from and to (zero: unbounded).
func (m *Main) platformFigures(ctx context.Context, from, to time.Time) (*platformFigures, error) {
	ledger, err := m.openPoints(ctx)
	if err != nil {
		return nil, err
	}
	ps, err := m.openPush(ctx)
	if err != nil {
		return nil, err
	}
	return countPlatform(ctx, ledger, ps, from, to)
}

// countPlatform reads the platform's figures from the points ledger and
// the push store.
func countPlatform(ctx context.Context, ledger *points.Store, ps *push.Store, from, to time.Time) (*platformFigures, error) {
	if to.IsZero() {
		to = time.Now().AddDate(100, 0, 0)
	}
	var pf platformFigures
	var err error
	if pf.PointsAwarded, err = ledger.Awarded(ctx, from, to); err != nil {
		return nil, fmt.Errorf("统计红色积分失败：%w", err)
	}
	if pf.NoticesPushed, pf.NoticesOpened, err = ps.Counts(ctx, from, to); err != nil {
		return nil, fmt.Errorf("统计政策推送失败：%w", err)
	}
	return &pf, nil
}

// printStats prints the statistics as a table, a row per department and
// the total: demands' rates, then 民情线索 (reports received, verified,
// fixed) and suggestions (received, adopted).
func (m *Main) printStats(st *tickets.Stats) error {
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "部门\t受理\t响应率\t按期办结率\t满意率\t在办\t超期\t线索\t核实\t整改\t建议\t采纳\t")
	pct := func(r float64, d int) string {
		if d == 0 {
			return "—"
		}
		return fmt.Sprintf("%.1f%%", r*100)
	}
	for _, d := range append(st.Departments, st.Total) {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", d.Name, d.Received, pct(d.ResponseRate, d.ResponseDue),
			pct(d.OnTimeRate, d.ResolutionDue), pct(d.SatisfactionRate, d.Rated), d.Open, d.Overdue,
			d.Reports, d.ReportsVerified, d.ReportsFixed, d.Suggestions, d.SuggestionsAdopted)
	}
	return tw.Flush()
}

// runTicketsExport is "tickets export": the 台账 as .xlsx or CSV.
func (m *Main) runTicketsExport(ctx context.Context, args []string) error {
	fs, as := ticketFlags("export")
	xlsx := fs.String("xlsx", "", "")
	csvPath := fs.String("csv", "", "")
	status := fs.String("status", "", "")
	kind := fs.String("kind", "", "")
	dept := fs.String("department", "", "")
	from := fs.String("from", "", "")
	to := fs.String("to", "", "")
	valid := func(pos []string) bool { return none(pos) && (*xlsx == "") != (*csvPath == "") }
	s, v, _, err := m.ticketArgs(ctx, fs, as, args, valid,
		"用法：partybot tickets export --xlsx 文件 | --csv 文件 [--status 状态] [--kind 类型] [--department 部门] [--from 日期] [--to 日期]")
	if err != nil {
		return err
	}
	f, err := ticketFilter(*status, *kind, *dept)
	if err != nil {
		return err
	}
	p, err := datePeriod(*from, *to, s)
	if err != nil {
		return err
	}
	if !p.From.IsZero() {
		f.From = &p.From
	}
	if !p.To.IsZero() {
		f.To = &p.To
	}
	ts, err := s.ExportTickets(ctx, v, f)
	if err != nil {
		return ticketError(err)
	}
	path, write := *xlsx, s.WriteXLSX
	if path == "" {
		path, write = *csvPath, s.WriteCSV
	}
	if err := writeFileAtomic(path, func(w io.Writer) error { return write(w, ts) }); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "已导出 %d 件工单到 %s\n", len(ts), path)
	return nil
}

// datePeriod is the period of --from and --to in the store's time zone;
// a day that does not parse is a usage error.
func datePeriod(from, to string, s *tickets.Store) (tickets.Period, error) {
	p, err := tickets.DatePeriod(from, to, s.Location())
	if err != nil {
		return p, usagef("%s", apperr.Message(err))
	}
	return p, nil
}
