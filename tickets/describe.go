package tickets

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Describe renders the ticket for a person, one "label：value" line per
// field that is set, then the history; deptName names its department.
// Hidden characters show as ⟨U+202E⟩ ([ShowHidden]).
func (t *Ticket) Describe(deptName string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "工单 %s  %s", t.Number, t.Status.Label())
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "\n%s：%s", k, v)
		}
	}
	row("诉求", t.Text)
	row("提交人", cmp.Or(t.SubmitterName, t.SubmitterID))
	row("联系方式", t.Contact)
	if t.Kind != KindDemand && t.Kind != "" {
		row("类型", t.Kind.Label())
	}
	row("地点", t.Location)
	if t.Coords != nil {
		row("位置", t.Coords.String())
	}
	for i, a := range t.Attachments {
		row(fmt.Sprintf("照片 %d", i+1), fmt.Sprintf("%s（%s，SHA-256 %s…）", a.Name, formatBytes(a.Size), a.SHA256[:12]))
	}
	if len(t.Duplicates) > 0 {
		row("疑似重复", strings.Join(t.Duplicates, "、"))
	}
	row("类别", t.Category)
	row("紧急程度", t.Urgency.Label())
	dept := cmp.Or(deptName, t.Department)
	if t.ManualDispatch {
		dept += "（待人工分派）"
	}
	row("承办部门", dept)
	row("提交时间", FormatTime(t.CreatedAt))
	row("响应期限", FormatTime(t.RespondDue))
	row("办结期限", FormatTime(t.DueAt))
	row("接单时间", FormatTime(t.AcceptedAt))
	row("办结时间", FormatTime(t.ResolvedAt))
	row("核实时间", FormatTime(t.VerifiedAt))
	if t.Outcome != "" {
		row("办理结论", t.Outcome.Label(t.Kind))
	}
	row("办理答复", t.Reply)
	if t.Rating > 0 {
		row("评价", strings.TrimSpace(strconv.Itoa(t.Rating)+" 分 "+t.Comment))
	}
	if t.Overdue {
		row("督办", fmt.Sprintf("已超期，%d 级督办", t.Escalation))
	}
	if len(t.History) > 0 {
		b.WriteString("\n办理记录：")
		for _, h := range t.History {
			b.WriteString("\n  " + h.String())
		}
	}
	return ShowHidden(b.String())
}

// Line renders the ticket on one line for a list, hidden characters shown
// as ⟨U+202E⟩ ([ShowHidden]).
func (t *Ticket) Line(deptName string) string {
	s := fmt.Sprintf("%s  %s  %s  %s", t.Number, t.Status.Label(), cmp.Or(deptName, t.Department), cmp.Or(t.Summary, t.Text))
	if t.Overdue {
		s += "（已超期）"
	}
	return ShowHidden(s)
}

// FormatTime renders t in DefaultLocation to the minute, "" for the zero time.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(DefaultLocation).Format("2006-01-02 15:04")
}
