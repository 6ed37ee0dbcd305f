package bot

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"partybot/apperr"
	"partybot/tickets"
)

// TicketStore is what the assistant needs of the ticket store
// (*tickets.Store): each part is declared beside the code that uses it.
type TicketStore interface {
	ticketBook
	ticketDesk
	departmentBook
	outbox
	reports
}

var _ TicketStore = (*tickets.Store)(nil)

// ticketBook is what /ticket, /mytickets and the buttons read.
type ticketBook interface {
	FindTicketByNumber(ctx context.Context, v tickets.Viewer, number string) (*tickets.Ticket, error)
	FindTickets(ctx context.Context, v tickets.Viewer, f tickets.TicketFilter) ([]*tickets.Ticket, error)
	FindSubmitterNotifications(ctx context.Context, v tickets.Viewer, number string) ([]tickets.Notification, error)
}

// ticketDesk is what files a demand and moves a ticket along its states.
type ticketDesk interface {
	CreateTicket(ctx context.Context, n tickets.NewTicket) (*tickets.Ticket, error)
	Accept(ctx context.Context, v tickets.Viewer, number, note string) (*tickets.Ticket, error)
	Transfer(ctx context.Context, v tickets.Viewer, number, to, reason string) (*tickets.Ticket, error)
	Resolve(ctx context.Context, v tickets.Viewer, number, reply string) (*tickets.Ticket, error)
	Rate(ctx context.Context, v tickets.Viewer, number string, rating int, comment string) (*tickets.Ticket, error)
	Verify(ctx context.Context, v tickets.Viewer, number, note string) (*tickets.Ticket, error)
	Adopt(ctx context.Context, v tickets.Viewer, number, reply string, partial bool) (*tickets.Ticket, error)
	Reject(ctx context.Context, v tickets.Viewer, number, reply string) (*tickets.Ticket, error)
}

// departmentBook names departments and their chats.
type departmentBook interface {
	Department(key string) (tickets.Department, bool)
	Departments() []tickets.Department
}

// Desk connects the assistant to demand tickets: the store, the field
// extractor (offline router, or a model later) and who has which role.
type Desk struct {
	Store   TicketStore
	Extract tickets.ExtractFunc
	// Viewer gives a user's rights: their own tickets, their departments',
	// or all for admins.
	Viewer func(userID string) tickets.Viewer
	// AdminChatID is the admins' group chat, where personal data may be
	// shown (0 for none); see [Chat].
	AdminChatID int64
	// Files keeps the photos of 随手拍 reports (in the data directory);
	// with no Dir, reports take no photos.
	Files tickets.Files
}

// confirmWords and cancelWords answer a pending step in a chat without
// buttons.
var (
	confirmWords = []string{"确认", "提交", "确定", "确认提交", "是", "好", "好的", "对", "可以", "ok", "yes", "y"}
	cancelWords  = []string{"取消", "算了", "不用了", "不", "否", "no", "n"}
)

func (a *Assistant) noDesk() Reply {
	return Reply{Text: "本环境未启用诉求办理功能，请联系管理员。"}
}

// viewer is who the session's user is to the ticket store, acting from
// the session's transport.
func (a *Assistant) viewer(s *Session) tickets.Viewer {
	v := tickets.Viewer{UserID: s.User.ID}
	if a.desk.Viewer != nil {
		v = a.desk.Viewer(s.User.ID)
	}
	v.Via = s.via()
	return v
}

// draftDemand extracts the fields of a demand and asks the user to confirm.
func (a *Assistant) draftDemand(ctx context.Context, s *Session, text string) (Reply, error) {
	if a.desk == nil {
		return a.noDesk(), nil
	}
	// Zero-width and direction marks would defeat routing and make the
	// demand read differently to staff.
	text = strings.TrimSpace(tickets.CleanText(text))
	if text == "" {
		return Reply{Text: "请在 /demand 后写明诉求，例如：/demand 小区门口的井盖丢了，晚上很危险。"}, nil
	}
	if err := tickets.CheckText(text); err != nil {
		return Reply{Text: apperr.Message(err) + "。请修改后重新发送 /demand。"}, nil
	}
	d, err := a.desk.Extract(ctx, text)
	if err != nil {
		return Reply{Text: "抱歉，暂时无法解析这条诉求，请稍后再试。"}, err
	}
	p := &step{kind: stepDemand, key: newKey(), expires: a.now().Add(a.stepTTL), draft: d}
	s.begin(p)
	var b strings.Builder
	b.WriteString("我理解的诉求如下，请核对：\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "\n%s：%s", k, v)
		}
	}
	row("诉求", d.Text)
	row("类别", d.Category)
	row("紧急程度", d.Urgency.Label())
	row("地点", d.Location)
	row("联系方式", d.Contact)
	dept := cmp.Or(d.DepartmentName, d.Department)
	if d.ManualDispatch {
		dept += "（系统把握不大，将由区委社会工作部人工核实分派）"
	}
	row("拟交办部门", dept)
	fmt.Fprintf(&b, "\n\n点“提交”或回复“确认”提交；点“取消”或回复“取消”放弃；要修改，请重新发送 /demand 加修改后的内容。草稿 %s内有效，发送其他消息即作废。", minutes(a.stepTTL))
	return Reply{Text: b.String(), Buttons: [][]Button{{
		{Text: "提交", Data: "dm:ok:" + p.key},
		{Text: "修改", Data: "dm:edit:" + p.key},
		{Text: "取消", Data: "dm:no:" + p.key},
	}}}, nil
}

// fileDemand files the session's live demand draft named by key. A
// repeated confirmation (a retried button press) finds the same ticket.
func (a *Assistant) fileDemand(ctx context.Context, s *Session, key string) (Reply, error) {
	p := s.stepFor(stepDemand, key, a.now())
	if p == nil {
		return Reply{Text: "这条诉求草稿已失效（已提交、已取消或已超时）。如需提交新的诉求，请发送 /demand 加诉求内容。"}, nil
	}
	d := p.draft
	t, err := a.desk.Store.CreateTicket(ctx, tickets.NewTicket{
		SubmitterID: s.User.ID, SubmitterName: s.User.Name, Channel: tickets.ChannelChat,
		Text: d.Text, Summary: d.Summary, Category: d.Category, Department: d.Department,
		Confidence: d.Confidence, ManualDispatch: d.ManualDispatch, Urgency: d.Urgency,
		Location: d.Location, Contact: d.Contact, IdempotencyKey: s.User.ID + ":" + p.key, Via: s.via(),
	})
	if apperr.Code(err) == apperr.EInternal {
		// The database is unreachable: the draft stays, so the same 提交
		// files it (once, by its key) when the database is back.
		return Reply{Text: "抱歉，工单系统暂时不可用，这条诉求还没有提交。草稿已保留，请稍后再点“提交”或回复“确认”（" + minutes(a.stepTTL) + "内有效）。"}, err
	} else if err != nil {
		return ticketReply(err)
	}
	s.end(p)
	dept, _ := a.desk.Store.Department(t.Department)
	text := fmt.Sprintf("诉求已提交，工单号 %s。\n已交办%s，将于 %s 前接单、%s 前办结。办理进展会通知您，也可以发送 /ticket %s 查看。",
		t.Number, cmp.Or(dept.Name, t.Department), tickets.FormatTime(t.RespondDue), tickets.FormatTime(t.DueAt), t.Number)
	if s.Chat.Group {
		// Progress notices go to the submitter's private chat, which a bot
		// cannot open: a user who never wrote to it privately gets none.
		text += "\n办理进展将私聊通知您：如果您还没有私聊过本助手，请先私聊我发送 /start，否则收不到通知；在私聊中发送 /ticket " + t.Number + " 可随时查看进展和通知。"
	}
	return Reply{Text: text}, nil
}

func (a *Assistant) cancelDemand(s *Session, key string) Reply {
	if p := s.stepFor(stepDemand, key, a.now()); p == nil || !s.end(p) {
		return Reply{Text: "没有待确认的诉求（可能已提交、已取消或已超时）。"}
	}
	return Reply{Text: "已取消，这条诉求没有提交。"}
}

// myTickets lists the user's own tickets, newest first.
func (a *Assistant) myTickets(ctx context.Context, s *Session) (Reply, error) {
	if a.desk == nil {
		return a.noDesk(), nil
	}
	if s.Chat.Group {
		return Reply{Text: msgPrivateOnly}, nil
	}
	id := s.User.ID
	ts, err := a.desk.Store.FindTickets(ctx, a.viewer(s), tickets.TicketFilter{SubmitterID: &id, Limit: 20})
	if err != nil {
		return ticketReply(err)
	}
	if len(ts) == 0 {
		return Reply{Text: "您还没有提交过诉求。发送 /demand 加诉求内容即可提交。"}, nil
	}
	var b strings.Builder
	b.WriteString("您的诉求（最近 20 条）：")
	for _, t := range ts {
		d, _ := a.desk.Store.Department(t.Department)
		b.WriteString("\n" + t.Line(d.Name))
	}
	b.WriteString("\n\n发送 /ticket 工单号 查看详情。")
	return Reply{Text: b.String()}, nil
}

// showTicket shows a ticket the user may see, with its history.
func (a *Assistant) showTicket(ctx context.Context, s *Session, arg string) (Reply, error) {
	if a.desk == nil {
		return a.noDesk(), nil
	}
	number := strings.TrimSpace(arg)
	if number == "" {
		return Reply{Text: "请写明工单号，例如：/ticket 2026-000123"}, nil
	}
	t, err := a.desk.Store.FindTicketByNumber(ctx, a.viewer(s), number)
	if err != nil {
		return ticketReply(err)
	}
	if !a.mayShowTicket(s, t) {
		return Reply{Text: msgPrivateOnly}, nil
	}
	d, _ := a.desk.Store.Department(t.Department)
	text := t.Describe(d.Name)
	if t.SubmitterID == s.User.ID {
		ns, err := a.desk.Store.FindSubmitterNotifications(ctx, a.viewer(s), t.Number)
		if err != nil {
			return Reply{Text: text, Buttons: a.ticketButtons(s, t)}, fmt.Errorf("ticket notices: %w", err)
		}
		text += noticesText(ns)
	}
	return Reply{Text: text, Buttons: a.ticketButtons(s, t)}, nil
}

// noticesText lists the notices sent to a ticket's submitter, so that one
// who never opened a private chat with the bot (which then cannot write to
// them) still reads them.
func noticesText(ns []tickets.Notification) string {
	if len(ns) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n给您的通知：")
	undelivered := false
	for _, n := range ns {
		state := "已送达"
		if n.DeliveredAt.IsZero() {
			state, undelivered = "未送达", true
		}
		fmt.Fprintf(&b, "\n· %s［%s］%s", tickets.FormatTime(n.CreatedAt), state, tickets.ShowHidden(n.Text))
	}
	if undelivered {
		b.WriteString("\n（通知未送达时，请先私聊本助手发送 /start，之后的通知就能收到。）")
	}
	return b.String()
}

// ticketButtons are the actions the user may take on t now.
func (a *Assistant) ticketButtons(s *Session, t *tickets.Ticket) [][]Button {
	v := a.viewer(s)
	switch {
	case t.Status == tickets.StatusResolved && t.SubmitterID == s.User.ID:
		return RatingButtons(t.Number)
	case t.Status == tickets.StatusDispatched && v.CanHandle(t):
		return [][]Button{{{Text: "接单", Data: "ac:" + t.Number}, {Text: "转派", Data: "tr:" + t.Number}}}
	case t.Status == tickets.StatusAccepted && v.CanHandle(t) && t.Kind != tickets.KindDemand:
		return verdictButtons(t)
	case t.Status == tickets.StatusAccepted && v.CanHandle(t):
		return [][]Button{{{Text: "办结", Data: "rs:" + t.Number}}}
	}
	return nil
}

// verdictButtons are the staff's actions on an accepted report or
// suggestion: 核实有效 (until verified), 办结 and 核实无效 for a report;
// 采纳, 部分采纳 and 暂不采纳 for a suggestion.
func verdictButtons(t *tickets.Ticket) [][]Button {
	if t.Kind == tickets.KindSuggestion {
		return [][]Button{{{Text: "采纳", Data: "av:" + t.Number}, {Text: "部分采纳", Data: "pv:" + t.Number}, {Text: "暂不采纳", Data: "jv:" + t.Number}}}
	}
	row := []Button{{Text: "办结", Data: "rs:" + t.Number}, {Text: "核实无效", Data: "jv:" + t.Number}}
	if t.VerifiedAt.IsZero() {
		row = append([]Button{{Text: "核实有效", Data: "vf:" + t.Number}}, row...)
	}
	return [][]Button{row}
}

// RatingButtons is the 评单 keyboard for ticket number: 1–5 stars.
func RatingButtons(number string) [][]Button {
	row := make([]Button, 5)
	for i := range row {
		row[i] = Button{Text: strings.Repeat("★", i+1), Data: fmt.Sprintf("rt:%s:%d", number, i+1)}
	}
	return [][]Button{row}
}

// rate records the user's rating: "/rate 2026-000123 5 办得很快".
func (a *Assistant) rate(ctx context.Context, s *Session, arg string) (Reply, error) {
	if a.desk == nil {
		return a.noDesk(), nil
	}
	f := strings.Fields(arg)
	if len(f) < 2 {
		return Reply{Text: "用法：/rate 工单号 分数(1-5) [评语]，例如：/rate 2026-000123 5 办得很及时"}, nil
	}
	score, err := strconv.Atoi(f[1])
	if err != nil || score < 1 || score > 5 {
		return Reply{Text: "评分应为 1 到 5 的整数。"}, nil
	}
	comment := strings.TrimSpace(strings.Join(f[2:], " "))
	return a.rateTicket(ctx, s, f[0], score, comment)
}

func (a *Assistant) rateTicket(ctx context.Context, s *Session, number string, score int, comment string) (Reply, error) {
	t, err := a.desk.Store.Rate(ctx, a.viewer(s), number, score, comment)
	if err != nil {
		return ticketReply(err)
	}
	if t.Status == tickets.StatusDispatched {
		return Reply{Text: fmt.Sprintf("已收到您对工单 %s 的评价（%d 分）。很抱歉没有让您满意，工单已退回承办部门重新办理。", t.Number, score)}, nil
	}
	msg := fmt.Sprintf("感谢评价！工单 %s 评分 %d 分。", t.Number, score)
	if comment == "" {
		msg += "如需补充评语，可发送 /rate " + t.Number + " " + strconv.Itoa(score) + " 评语。"
	}
	return Reply{Text: msg}, nil
}

// accept, transfer and resolve are the department's moves.
func (a *Assistant) accept(ctx context.Context, s *Session, arg string) (Reply, error) {
	if a.desk == nil {
		return a.noDesk(), nil
	}
	number, note, _ := strings.Cut(strings.TrimSpace(arg), " ")
	if number == "" {
		return Reply{Text: "用法：/accept 工单号 [备注]"}, nil
	}
	t, err := a.desk.Store.Accept(ctx, a.viewer(s), number, strings.TrimSpace(note))
	if err != nil {
		return ticketReply(err)
	}
	return acceptedReply(t), nil
}

// acceptedReply tells staff what comes next for the ticket they took.
func acceptedReply(t *tickets.Ticket) Reply {
	switch t.Kind {
	case tickets.KindSuggestion:
		return Reply{Text: fmt.Sprintf("已接单：建议 %s。研究后请点下方按钮答复（或发送 /adopt、/partadopt、/reject %s 答复内容）。", t.Number, t.Number),
			Buttons: verdictButtons(t)}
	case tickets.KindReport:
		return Reply{Text: fmt.Sprintf("已接单：随手拍 %s，请于 %s 前办结。现场核实属实请点“核实有效”（提交人获红色积分）；不属实发送 /reject %s 答复内容。", t.Number, tickets.FormatTime(t.DueAt), t.Number),
			Buttons: verdictButtons(t)}
	}
	return Reply{Text: fmt.Sprintf("已接单：工单 %s，请于 %s 前办结。办结时点“办结”或发送 /resolve %s 答复内容。", t.Number, tickets.FormatTime(t.DueAt), t.Number),
		Buttons: [][]Button{{{Text: "办结", Data: "rs:" + t.Number}}}}
}

func (a *Assistant) transfer(ctx context.Context, s *Session, arg string) (Reply, error) {
	if a.desk == nil {
		return a.noDesk(), nil
	}
	f := strings.Fields(arg)
	if len(f) < 3 {
		var keys []string
		for _, d := range a.desk.Store.Departments() {
			keys = append(keys, d.Key+" "+d.Name)
		}
		return Reply{Text: "用法：/transfer 工单号 部门代码 转派理由\n部门代码：\n" + strings.Join(keys, "\n")}, nil
	}
	t, err := a.desk.Store.Transfer(ctx, a.viewer(s), f[0], f[1], strings.Join(f[2:], " "))
	if err != nil {
		return ticketReply(err)
	}
	d, _ := a.desk.Store.Department(t.Department)
	return Reply{Text: fmt.Sprintf("工单 %s 已转派至%s。", t.Number, cmp.Or(d.Name, t.Department))}, nil
}

func (a *Assistant) resolve(ctx context.Context, s *Session, number, reply string) (Reply, error) {
	if a.desk == nil {
		return a.noDesk(), nil
	}
	if number == "" || strings.TrimSpace(reply) == "" {
		return Reply{Text: "用法：/resolve 工单号 答复内容（答复将发送给提交人）"}, nil
	}
	t, err := a.desk.Store.Resolve(ctx, a.viewer(s), number, strings.TrimSpace(reply))
	if err != nil {
		return ticketReply(err)
	}
	return Reply{Text: fmt.Sprintf("工单 %s 已办结，答复已发送给提交人，等待评价。", t.Number)}, nil
}

// askResolveReply asks a staff member for the reply that resolves number
// (with verdict o on a report or suggestion, "" for 办结): their next
// message in this chat is taken as it, and shown back for confirmation
// before it is sent.
func (a *Assistant) askResolveReply(ctx context.Context, s *Session, number string, o tickets.Outcome) (Reply, error) {
	t, err := a.desk.Store.FindTicketByNumber(ctx, a.viewer(s), number)
	if err != nil {
		return ticketReply(err)
	}
	if !a.viewer(s).CanHandle(t) {
		return Reply{Text: "您不是该工单承办部门的工作人员，不能办结。"}, nil
	}
	s.begin(&step{kind: stepReplyText, key: newKey(), expires: a.now().Add(a.stepTTL), number: t.Number, outcome: o})
	return Reply{Text: fmt.Sprintf("请在 %s内直接回复工单 %s 的%s答复（将发送给提交人，发送前会请您确认）；发送“取消”放弃。", minutes(a.stepTTL), t.Number, verdictName(o, t.Kind)),
		ExpectReply: true}, nil
}

// confirmReply shows the reply text typed for st's ticket back to the
// staff member: resolving sends it to the submitter and cannot be undone.
func (a *Assistant) confirmReply(s *Session, st *step, text string) (Reply, error) {
	text = strings.TrimSpace(tickets.CleanText(text))
	if !s.end(st) {
		return stale(), nil
	}
	if err := checkReplyText(text); err != nil {
		// Still waiting for a usable reply.
		s.begin(&step{kind: stepReplyText, key: st.key, expires: a.now().Add(a.stepTTL), number: st.number, outcome: st.outcome})
		return Reply{Text: err.Error(), ExpectReply: true}, nil
	}
	c := &step{kind: stepReplyConfirm, key: newKey(), expires: a.now().Add(a.stepTTL), number: st.number, reply: text, outcome: st.outcome}
	s.begin(c)
	what, how := verdictName(st.outcome, ""), "办结"
	if st.outcome != "" {
		how = "以“" + what + "”办结"
	}
	return Reply{
		Text: fmt.Sprintf("将%s工单 %s，并把以下答复发送给提交人：\n\n%s\n\n点“确认%s”或回复“确认”发送；点“取消”或回复“取消”放弃。发送其他消息即作废。", how, st.number, text, what),
		Buttons: [][]Button{{
			{Text: "确认" + what, Data: "rc:ok:" + c.key},
			{Text: "取消", Data: "rc:no:" + c.key},
		}},
	}, nil
}

// checkReplyText returns an error to show when text cannot be a reply.
func checkReplyText(text string) error {
	switch {
	case text == "":
		return errors.New("答复不能为空，请直接回复办结答复；发送“取消”放弃。")
	case !utf8.ValidString(text):
		return errors.New("答复中含有无法识别的字符（不是有效的 UTF-8 文本），请重新输入；发送“取消”放弃。")
	case utf8.RuneCountInString(text) > tickets.MaxTextRunes:
		return fmt.Errorf("答复太长（%d 字），请精简到 %d 字以内；发送“取消”放弃。", utf8.RuneCountInString(text), tickets.MaxTextRunes)
	}
	return nil
}

// resolveConfirmed resolves the ticket of the session's live confirmation
// step named key with the reply it holds.
func (a *Assistant) resolveConfirmed(ctx context.Context, s *Session, key string) (Reply, error) {
	st := s.stepFor(stepReplyConfirm, key, a.now())
	if st == nil || !s.end(st) {
		return Reply{Text: "这条办结答复已失效（已发送、已取消或已超时），答复没有发送。如需办结，请重新点“办结”。"}, nil
	}
	if st.outcome != "" {
		return a.verdict(ctx, s, st.number+" "+st.reply, st.outcome)
	}
	return a.resolve(ctx, s, st.number, st.reply)
}

// verdictName names what a reply with verdict o does to a ticket of kind
// k: 办结 for none, 采纳, 部分采纳, 暂不采纳 or 核实无效.
func verdictName(o tickets.Outcome, k tickets.Kind) string {
	if o == "" {
		return "办结"
	}
	if o == tickets.OutcomeRejected && k == "" {
		return "暂不采纳/核实无效"
	}
	return o.Label(k)
}

// cancelReply drops the confirmation step named key.
func (a *Assistant) cancelReply(s *Session, key string) Reply {
	if st := s.stepFor(stepReplyConfirm, key, a.now()); st == nil || !s.end(st) {
		return Reply{Text: "没有待确认的办结答复（可能已发送、已取消或已超时）。"}
	}
	return Reply{Text: "已取消办结，答复没有发送。"}
}

// minutes renders d for a message: "10 分钟".
func minutes(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d 秒", int(d.Seconds()))
	}
	return fmt.Sprintf("%d 分钟", int(d.Minutes()))
}

// ticketReply turns a tickets error into a reply: its own message for a
// coded outcome (not found, forbidden, conflict, invalid), an apology for
// an internal failure, which is also returned for logging.
func ticketReply(err error) (Reply, error) {
	if apperr.Code(err) == apperr.EInternal {
		return Reply{Text: "抱歉，工单系统暂时出错，请稍后再试。"}, err
	}
	return Reply{Text: apperr.Message(err)}, nil
}

// newKey returns a random 16-hex-digit key.
func newKey() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
