package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/points"
	"partybot/tickets"
)

// PointsLedger is the 红色积分 ledger: [*points.Store].
type PointsLedger interface {
	Award(ctx context.Context, a points.Award) (points.Result, error)
	Balance(ctx context.Context, userID string) (int, error)
	Entries(ctx context.Context, userID string, limit int) ([]points.Entry, error)
	MonthRank(ctx context.Context, month time.Time, n int) ([]points.RankRow, error)
	SetRankOptIn(ctx context.Context, userID, name string, on bool) error
}

// WithPoints awards 红色积分 when staff confirm a report or adopt a
// suggestion, and answers /points and /rank, with l.
func WithPoints(l PointsLedger) Option { return func(a *Assistant) { a.points = l } }

// myPoints is /points: the balance and the last entries.
func (a *Assistant) myPoints(ctx context.Context, s *Session, _ string) (Reply, error) {
	if a.points == nil {
		return Reply{Text: "本环境未启用红色积分。"}, nil
	}
	bal, err := a.points.Balance(ctx, s.User.ID)
	if err != nil {
		return Reply{Text: "抱歉，暂时查不到积分，请稍后再试。"}, err
	}
	es, err := a.points.Entries(ctx, s.User.ID, 5)
	if err != nil {
		return Reply{Text: "抱歉，暂时查不到积分，请稍后再试。"}, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "您的红色积分：%d 分。", bal)
	if len(es) == 0 {
		b.WriteString("\n随手拍核实有效、线索或建议被采纳后，工作人员确认即可获得积分。")
	}
	for _, e := range es {
		fmt.Fprintf(&b, "\n%s  %+d  %s", tickets.FormatTime(e.At), e.Points, e.Reason.Label())
		if e.TicketNumber != "" {
			b.WriteString("（" + e.TicketNumber + "）")
		}
	}
	return Reply{Text: b.String()}, nil
}

// rank is /rank: this month's top ten; /rank on|off chooses whether the
// user appears by name.
func (a *Assistant) rank(ctx context.Context, s *Session, arg string) (Reply, error) {
	if a.points == nil {
		return Reply{Text: "本环境未启用红色积分。"}, nil
	}
	switch strings.ToLower(strings.TrimSpace(arg)) {
	case "on", "off":
		on := strings.EqualFold(strings.TrimSpace(arg), "on")
		name := []rune(strings.TrimSpace(s.User.Name))
		if len(name) > 20 { // the ledger keeps display names short
			name = name[:20]
		}
		if err := a.points.SetRankOptIn(ctx, s.User.ID, string(name), on); err != nil {
			return Reply{Text: "抱歉，设置没有保存，请稍后再试。"}, err
		}
		if on {
			return Reply{Text: "好的，本月排行榜将显示您的名字“" + string(name) + "”。发送 /rank off 可随时取消。"}, nil
		}
		return Reply{Text: "好的，排行榜上不再显示您的名字。"}, nil
	}
	rows, err := a.points.MonthRank(ctx, a.now(), 10)
	if err != nil {
		return Reply{Text: "抱歉，暂时查不到排行榜，请稍后再试。"}, err
	}
	if len(rows) == 0 {
		return Reply{Text: "本月还没有人获得红色积分。"}, nil
	}
	var b strings.Builder
	b.WriteString("本月红色积分排行（前十）：")
	for _, r := range rows {
		name := r.DisplayName
		if name == "" {
			name = "（未公开姓名）"
		}
		fmt.Fprintf(&b, "\n%d. %s  %d 分", r.Rank, name, r.Points)
	}
	b.WriteString("\n\n发送 /rank on 在排行榜上显示您的名字。")
	return Reply{Text: b.String()}, nil
}

// award gives the submitter of t the points of their confirmed report or
// adopted suggestion, once (keyed by the verdict and the ticket), and
// says what it did; "" when there is no ledger or nothing to award.
func (a *Assistant) award(ctx context.Context, s *Session, t *tickets.Ticket) (string, error) {
	reason := rewardFor(t)
	if a.points == nil || reason == "" {
		return "", nil
	}
	res, err := a.points.Award(ctx, points.Award{UserID: t.SubmitterID, Reason: reason, TicketNumber: t.Number,
		By: s.User.ID, Key: string(t.Outcome) + ":" + t.Number})
	switch code := apperr.Code(err); {
	case code == apperr.ETooMany:
		return "（提交人本期红色积分已达上限，本次未加分。）", nil
	case code == apperr.EInvalid || code == apperr.EConflict:
		return "（积分未发放：" + apperr.Message(err) + "）", nil
	case err != nil:
		return "（积分暂未发放，请稍后由管理员补发。）", err
	case res.CutBy != "":
		return fmt.Sprintf("（已达积分上限，本次为提交人记红色积分 %d 分，少于规则的 %d 分。）", res.Entry.Points, res.Requested), nil
	}
	return fmt.Sprintf("（已为提交人记红色积分 %d 分。）", res.Entry.Points), nil
}

// rewardFor is what a verdict on t earns, "" for none.
func rewardFor(t *tickets.Ticket) points.Reason {
	switch {
	case t.Outcome == tickets.OutcomeVerified:
		return points.ReportVerified
	case t.Outcome == tickets.OutcomeAdopted && t.Kind == tickets.KindReport:
		return points.LeadAdopted
	case t.Outcome == tickets.OutcomeAdopted:
		return points.SuggestionAdopted
	case t.Outcome == tickets.OutcomePartlyAdopted:
		return points.SuggestionPartlyAdopted
	}
	return ""
}

// awardByHand is /award 用户ID 分数 理由 (admins: a manual award) and
// /volunteer 用户ID 说明 (staff and admins: a volunteer service, by the
// rules). Each is recorded with who gave it and why.
func (a *Assistant) awardByHand(ctx context.Context, s *Session, arg string, volunteer bool) (Reply, error) {
	if a.points == nil || a.desk == nil {
		return Reply{Text: "本环境未启用红色积分。"}, nil
	}
	v := a.viewer(s)
	if !v.Admin && (!volunteer || len(v.Departments) == 0) {
		return Reply{Text: "抱歉，只有工作人员可以记录志愿服务，只有管理员可以直接发放积分。"}, nil
	}
	f := strings.Fields(arg)
	award := points.Award{By: s.User.ID}
	switch {
	case volunteer && len(f) >= 2:
		award.UserID, award.Reason, award.Note = f[0], points.VolunteerService, strings.Join(f[1:], " ")
		award.Key = "volunteer:" + f[0] + ":" + a.now().Format("2006-01-02") + ":" + award.Note
	case !volunteer && len(f) >= 3:
		n, err := strconv.Atoi(f[1])
		if err != nil || n <= 0 {
			return Reply{Text: "分数应为正整数；更正已发放的积分请用命令行 partybot points award --corrects。"}, nil
		}
		award.UserID, award.Reason, award.Points, award.Note = f[0], points.Manual, n, strings.Join(f[2:], " ")
	case volunteer:
		return Reply{Text: "用法：/volunteer 用户ID 服务内容，例如：/volunteer 1001 参加社区防汛志愿服务"}, nil
	default:
		return Reply{Text: "用法：/award 用户ID 分数 理由，例如：/award 1001 5 协助排查安全隐患"}, nil
	}
	res, err := a.points.Award(ctx, award)
	if code := apperr.Code(err); code == apperr.EInvalid || code == apperr.ETooMany || code == apperr.EConflict || code == apperr.ENotFound {
		return Reply{Text: apperr.Message(err)}, nil
	} else if err != nil {
		return Reply{Text: "抱歉，积分没有记上，请稍后再试。"}, err
	}
	return Reply{Text: fmt.Sprintf("已为用户 %s 记红色积分 %d 分（%s：%s），当前共 %d 分。", res.Entry.UserID, res.Entry.Points,
		res.Entry.Reason.Label(), res.Entry.Note, res.Entry.Balance)}, nil
}
