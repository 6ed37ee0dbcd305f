package bot

import (
	"context"
	"fmt"
	"strings"

	"partybot/tickets"
)

// verify is /verify 编号 [备注]: staff confirm a report (核实有效), and
// its submitter earns points.
func (a *Assistant) verify(ctx context.Context, s *Session, arg string) (Reply, error) {
	if a.desk == nil {
		return a.noDesk(), nil
	}
	number, note, _ := strings.Cut(strings.TrimSpace(arg), " ")
	if !validNumber(number) {
		return Reply{Text: "用法：/verify 工单编号 [备注]，例如：/verify 2026-000123 现场核实属实"}, nil
	}
	t, err := a.desk.Store.Verify(ctx, a.viewer(s), number, strings.TrimSpace(note))
	if err != nil {
		return ticketReply(err)
	}
	line, err := a.award(ctx, s, t)
	return Reply{Text: fmt.Sprintf("已核实 %s：核实有效，已通知提交人。%s", t.Number, line), Settled: true}, err
}

// verdict is /adopt, /partadopt and /reject 编号 答复: staff answer a
// suggestion or a 线索, and an adoption earns its submitter points.
func (a *Assistant) verdict(ctx context.Context, s *Session, arg string, o tickets.Outcome) (Reply, error) {
	if a.desk == nil {
		return a.noDesk(), nil
	}
	cmd := map[tickets.Outcome]string{tickets.OutcomeAdopted: "/adopt", tickets.OutcomePartlyAdopted: "/partadopt", tickets.OutcomeRejected: "/reject"}[o]
	number, reply, _ := strings.Cut(strings.TrimSpace(arg), " ")
	reply = strings.TrimSpace(reply)
	if !validNumber(number) || reply == "" {
		return Reply{Text: fmt.Sprintf("用法：%s 工单编号 答复内容，例如：%s 2026-000123 感谢建议，已纳入明年驿站建设计划", cmd, cmd)}, nil
	}
	var t *tickets.Ticket
	var err error
	if o == tickets.OutcomeRejected {
		t, err = a.desk.Store.Reject(ctx, a.viewer(s), number, reply)
	} else {
		t, err = a.desk.Store.Adopt(ctx, a.viewer(s), number, reply, o == tickets.OutcomePartlyAdopted)
	}
	if err != nil {
		return ticketReply(err)
	}
	line, err := a.award(ctx, s, t)
	return Reply{Text: fmt.Sprintf("%s 已答复（%s），答复已发给提交人。%s", t.Number, o.Label(t.Kind), line), Settled: true}, err
}

// suggest is /suggest 内容: a suggestion filed at once, routed like a
// demand, with no resolution deadline.
func (a *Assistant) suggest(ctx context.Context, s *Session, text string) (Reply, error) {
	if a.desk == nil {
		return a.noDesk(), nil
	}
	text = strings.TrimSpace(tickets.CleanText(text))
	if text == "" {
		return Reply{Text: "请在 /suggest 后写上您的建议，例如：/suggest 建议在商圈增设暖“新”驿站"}, nil
	}
	d, err := a.desk.Extract(ctx, text)
	if err != nil {
		return Reply{Text: "抱歉，暂时无法处理这条建议，请稍后再试。"}, err
	}
	t, err := a.desk.Store.CreateTicket(ctx, tickets.NewTicket{
		SubmitterID: s.User.ID, SubmitterName: s.User.Name, Channel: tickets.ChannelChat, Kind: tickets.KindSuggestion,
		Text: d.Text, Summary: d.Summary, Category: d.Category, Department: d.Department,
		Confidence: d.Confidence, ManualDispatch: d.ManualDispatch, Urgency: d.Urgency, Location: d.Location, Contact: d.Contact,
		Via: s.via(),
	})
	if err != nil {
		return ticketReply(err)
	}
	return Reply{Text: fmt.Sprintf("感谢您的建议！编号 %s，已转%s研究。采纳与否都会答复您；被采纳的建议可获得红色积分。发送 /ticket %s 查看进展。",
		t.Number, d.DepartmentName, t.Number)}, nil
}
