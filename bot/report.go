package bot

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/tickets"
)

// reports is what /stats and /export need of the ticket store.
type reports interface {
	Stats(ctx context.Context, v tickets.Viewer, f tickets.StatsFilter) (*tickets.Stats, error)
	ExportXLSX(ctx context.Context, w io.Writer, v tickets.Viewer, f tickets.TicketFilter) (int, error)
	Location() *time.Location
}

// MaxFileBytes is the largest file a reply carries (Telegram takes 50 MB
// from a bot).
const MaxFileBytes = 49 << 20

// reportStore returns the store and viewer for /stats and /export, or the
// reply refusing them: only admins and department staff may use them.
func (a *Assistant) reportStore(s *Session) (reports, tickets.Viewer, *Reply) {
	if a.desk == nil {
		r := a.noDesk()
		return nil, tickets.Viewer{}, &r
	}
	v := a.viewer(s)
	if !v.Admin && len(v.Departments) == 0 {
		return nil, v, &Reply{Text: "抱歉，只有管理员和部门工作人员可以查看工单统计、导出台账。"}
	}
	v, ok := a.reportViewer(s, v)
	if !ok {
		return nil, v, &Reply{Text: msgPrivateOnly}
	}
	return a.desk.Store, v, nil
}

// stats is /stats [period]: the statistics of the period (this month by
// default) as a table in the text and as an .xlsx file.
func (a *Assistant) stats(ctx context.Context, s *Session, arg string) (Reply, error) {
	rs, v, refused := a.reportStore(s)
	if refused != nil {
		return *refused, nil
	}
	p, err := tickets.ParsePeriod(arg, time.Now().In(rs.Location()), "本月")
	if err != nil {
		return Reply{Text: apperr.Message(err)}, nil
	}
	st, err := rs.Stats(ctx, v, tickets.StatsFilter{From: p.From, To: p.To})
	if err != nil {
		return ticketReply(err)
	}
	name := "工单统计-" + p.Slug + ".xlsx"
	var buf bytes.Buffer
	if err := st.WriteXLSX(&buf, p.Label); err != nil {
		return Reply{Text: "抱歉，统计表生成失败，请稍后再试。"}, err
	}
	return Reply{Text: statsText(st, p.Label, name), Files: []File{{Name: name, Data: buf.Bytes()}}}, nil
}

// statsText renders the statistics for a chat: the totals, then one line
// per department that received tickets.
func statsText(st *tickets.Stats, label, file string) string {
	var b strings.Builder
	t := st.Total
	fmt.Fprintf(&b, "工单统计（%s）\n合计：受理 %d 件，在办 %d 件，超期 %d 件\n响应率 %s，按期办结率 %s，满意率 %s",
		label, t.Received, t.Open, t.Overdue,
		pctOf(t.ResponseRate, t.RespondedOnTime, t.ResponseDue),
		pctOf(t.OnTimeRate, t.ResolvedOnTime, t.ResolutionDue),
		pctOf(t.SatisfactionRate, t.Satisfied, t.Rated))
	idle := 0
	var rows []string
	for _, d := range st.Departments {
		if d.Received == 0 && d.Open == 0 {
			idle++
			continue
		}
		rows = append(rows, fmt.Sprintf("· %s：受理 %d，在办 %d，超期 %d；响应率 %s，按期办结率 %s，满意率 %s",
			d.Name, d.Received, d.Open, d.Overdue,
			pctOf(d.ResponseRate, d.RespondedOnTime, d.ResponseDue),
			pctOf(d.OnTimeRate, d.ResolvedOnTime, d.ResolutionDue),
			pctOf(d.SatisfactionRate, d.Satisfied, d.Rated)))
	}
	if len(rows) > 0 {
		b.WriteString("\n\n各部门：\n" + strings.Join(rows, "\n"))
	}
	if idle > 0 && len(rows) > 0 {
		fmt.Fprintf(&b, "\n其余 %d 个部门本期没有工单。", idle)
	}
	fmt.Fprintf(&b, "\n\n明细见附件 %s。", file)
	return b.String()
}

// pctOf renders a rate with its counts, or "—" when nothing was due.
func pctOf(r float64, n, of int) string {
	if of == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%（%d/%d）", r*100, n, of)
}

// export is /export [period]: the 台账 of the period (all by default) as
// an .xlsx file.
func (a *Assistant) export(ctx context.Context, s *Session, arg string) (Reply, error) {
	rs, v, refused := a.reportStore(s)
	if refused != nil {
		return *refused, nil
	}
	p, err := tickets.ParsePeriod(arg, time.Now().In(rs.Location()), "全部")
	if err != nil {
		return Reply{Text: apperr.Message(err)}, nil
	}
	var f tickets.TicketFilter
	if !p.From.IsZero() {
		f.From = &p.From
	}
	if !p.To.IsZero() {
		f.To = &p.To
	}
	var buf bytes.Buffer
	n, err := rs.ExportXLSX(ctx, &buf, v, f)
	if err != nil {
		return ticketReply(err)
	}
	switch {
	case n == 0:
		return Reply{Text: fmt.Sprintf("%s没有工单，无需导出。", within(p))}, nil
	case buf.Len() > MaxFileBytes:
		return Reply{Text: fmt.Sprintf("台账文件太大（%d MB），请缩小时间范围，例如 /export 本月。", buf.Len()>>20)}, nil
	}
	name := "工单台账-" + p.Slug + ".xlsx"
	return Reply{Text: fmt.Sprintf("工单台账（%s）共 %d 件，见附件 %s。", p.Label, n, name),
		Files: []File{{Name: name, Data: buf.Bytes()}}}, nil
}

// within is "in the period" for a sentence: "2026年3月内", or "目前".
func within(p tickets.Period) string {
	if p.From.IsZero() && p.To.IsZero() {
		return "目前"
	}
	return p.Label + "内"
}
