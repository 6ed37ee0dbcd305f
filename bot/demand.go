package bot

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"partybot/tickets"
)

// TicketStore is what the assistant needs of the ticket store
// (*tickets.Store).
type TicketStore interface {
	CreateTicket(ctx context.Context, n tickets.NewTicket) (*tickets.Ticket, error)
	FindTicketByNumber(ctx context.Context, v tickets.Viewer, number string) (*tickets.Ticket, error)
	FindTickets(ctx context.Context, v tickets.Viewer, f tickets.TicketFilter) ([]*tickets.Ticket, error)
	Accept(ctx context.Context, v tickets.Viewer, number, note string) (*tickets.Ticket, error)
	Transfer(ctx context.Context, v tickets.Viewer, number, to, reason string) (*tickets.Ticket, error)
	Resolve(ctx context.Context, v tickets.Viewer, number, reply string) (*tickets.Ticket, error)
	Rate(ctx context.Context, v tickets.Viewer, number string, rating int, comment string) (*tickets.Ticket, error)
	Department(key string) (tickets.Department, bool)
	Departments() []tickets.Department
	// The outbox of notifications to deliver.
	PendingNotifications(ctx context.Context, limit int) ([]tickets.Notification, error)
	MarkDelivered(ctx context.Context, id int64) error
	MarkFailed(ctx context.Context, id int64, cause error) error
}

var _ TicketStore = (*tickets.Store)(nil)

// Desk connects the assistant to demand tickets: the store, the field
// extractor (offline router, or a model later) and who has which role.
type Desk struct {
	Store   TicketStore
	Extract tickets.ExtractFunc
	// Viewer gives a user's rights: their own tickets, their departments',
	// or all for admins.
	Viewer func(userID string) tickets.Viewer
}

// pendingDemand is a demand the user has not confirmed yet.
type pendingDemand struct {
	key   string // idempotency key, also names the draft in callbacks
	draft tickets.Draft
}

// awaiting is free text the assistant waits for from a staff member: the
// reply that resolves a ticket.
type awaiting struct {
	number string
}

// confirmWords and cancelWords answer a pending demand in a chat without
// buttons.
var (
	confirmWords = []string{"确认", "提交", "确定", "确认提交", "是", "好", "好的", "对", "可以", "ok", "yes", "y"}
	cancelWords  = []string{"取消", "算了", "不用了", "不", "否", "no", "n"}
)

func (a *Assistant) noDesk() Reply {
	return Reply{Text: "本环境未启用诉求办理功能，请联系管理员。"}
}

func (a *Assistant) viewer(s *Session) tickets.Viewer {
	if a.desk.Viewer != nil {
		return a.desk.Viewer(s.User.ID)
	}
	return tickets.Viewer{UserID: s.User.ID}
}

// draftDemand extracts the fields of a demand and asks the user to confirm.
func (a *Assistant) draftDemand(ctx context.Context, s *Session, text string) (Reply, error) {
	if a.desk == nil {
		return a.noDesk(), nil
	}
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return Reply{Text: "请在 /demand 后写明诉求，例如：/demand 小区门口的井盖丢了，晚上很危险。"}, nil
	case !utf8.ValidString(text):
		return Reply{Text: "诉求中含有无法识别的字符（不是有效的 UTF-8 文本），请重新输入。"}, nil
	case utf8.RuneCountInString(text) > tickets.MaxTextRunes:
		return Reply{Text: fmt.Sprintf("诉求太长（%d 字），请精简到 %d 字以内。", utf8.RuneCountInString(text), tickets.MaxTextRunes)}, nil
	}
	d, err := a.desk.Extract(ctx, text)
	if err != nil {
		return Reply{Text: "抱歉，暂时无法解析这条诉求，请稍后再试。"}, err
	}
	p := &pendingDemand{key: newKey(), draft: d}
	s.mu.Lock()
	s.pending = p
	s.mu.Unlock()
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
	b.WriteString("\n\n点“提交”或回复“确认”提交；点“取消”或回复“取消”放弃；要修改，请重新发送 /demand 加修改后的内容。")
	return Reply{Text: b.String(), Buttons: [][]Button{{
		{Text: "提交", Data: "dm:ok:" + p.key},
		{Text: "修改", Data: "dm:edit:" + p.key},
		{Text: "取消", Data: "dm:no:" + p.key},
	}}}, nil
}

// answerPending handles a plain message while a demand awaits confirmation:
// a confirm or cancel word acts on it; anything else is not an answer.
func (a *Assistant) answerPending(ctx context.Context, s *Session, text string) (Reply, bool, error) {
	s.mu.Lock()
	p := s.pending
	s.mu.Unlock()
	if p == nil {
		return Reply{}, false, nil
	}
	w := strings.ToLower(strings.Trim(strings.TrimSpace(text), "。！!.，, "))
	switch {
	case slices.Contains(confirmWords, w):
		r, err := a.fileDemand(ctx, s, p.key)
		return r, true, err
	case slices.Contains(cancelWords, w):
		return a.cancelDemand(s, p.key), true, nil
	}
	return Reply{}, false, nil
}

// fileDemand files the pending demand named by key. A repeated
// confirmation (a retried button press) finds the same ticket.
func (a *Assistant) fileDemand(ctx context.Context, s *Session, key string) (Reply, error) {
	s.mu.Lock()
	p := s.pending
	s.mu.Unlock()
	if p == nil || p.key != key {
		return Reply{Text: "这条诉求草稿已失效（已提交或已取消）。如需提交新的诉求，请发送 /demand 加诉求内容。"}, nil
	}
	d := p.draft
	t, err := a.desk.Store.CreateTicket(ctx, tickets.NewTicket{
		SubmitterID: s.User.ID, SubmitterName: s.User.Name, Channel: tickets.ChannelChat,
		Text: d.Text, Summary: d.Summary, Category: d.Category, Department: d.Department,
		Confidence: d.Confidence, ManualDispatch: d.ManualDispatch, Urgency: d.Urgency,
		Location: d.Location, Contact: d.Contact, IdempotencyKey: s.User.ID + ":" + p.key,
	})
	if err != nil {
		return ticketReply(err)
	}
	s.mu.Lock()
	if s.pending == p {
		s.pending = nil
	}
	s.mu.Unlock()
	dept, _ := a.desk.Store.Department(t.Department)
	return Reply{Text: fmt.Sprintf("诉求已提交，工单号 %s。\n已交办%s，将于 %s 前接单、%s 前办结。办理进展会通知您，也可以发送 /ticket %s 查看。",
		t.Number, cmp.Or(dept.Name, t.Department), tickets.FormatTime(t.RespondDue), tickets.FormatTime(t.DueAt), t.Number)}, nil
}

func (a *Assistant) cancelDemand(s *Session, key string) Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil || s.pending.key != key {
		return Reply{Text: "没有待确认的诉求。"}
	}
	s.pending = nil
	return Reply{Text: "已取消，这条诉求没有提交。"}
}

// myTickets lists the user's own tickets, newest first.
func (a *Assistant) myTickets(ctx context.Context, s *Session) (Reply, error) {
	if a.desk == nil {
		return a.noDesk(), nil
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
	d, _ := a.desk.Store.Department(t.Department)
	return Reply{Text: t.Describe(d.Name), Buttons: a.ticketButtons(s, t)}, nil
}

// ticketButtons are the actions the user may take on t now.
func (a *Assistant) ticketButtons(s *Session, t *tickets.Ticket) [][]Button {
	v := a.viewer(s)
	switch {
	case t.Status == tickets.StatusResolved && t.SubmitterID == s.User.ID:
		return RatingButtons(t.Number)
	case t.Status == tickets.StatusDispatched && v.CanHandle(t):
		return [][]Button{{{Text: "接单", Data: "ac:" + t.Number}, {Text: "转派", Data: "tr:" + t.Number}}}
	case t.Status == tickets.StatusAccepted && v.CanHandle(t):
		return [][]Button{{{Text: "办结", Data: "rs:" + t.Number}}}
	}
	return nil
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
	return Reply{Text: fmt.Sprintf("已接单：工单 %s，请于 %s 前办结。办结时点“办结”或发送 /resolve %s 答复内容。", t.Number, tickets.FormatTime(t.DueAt), t.Number),
		Buttons: [][]Button{{{Text: "办结", Data: "rs:" + t.Number}}}}, nil
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

// askResolveReply asks a staff member for the reply that resolves number;
// their next message is taken as it.
func (a *Assistant) askResolveReply(ctx context.Context, s *Session, number string) (Reply, error) {
	t, err := a.desk.Store.FindTicketByNumber(ctx, a.viewer(s), number)
	if err != nil {
		return ticketReply(err)
	}
	if !a.viewer(s).CanHandle(t) {
		return Reply{Text: "您不是该工单承办部门的工作人员，不能办结。"}, nil
	}
	s.mu.Lock()
	s.awaiting = &awaiting{number: number}
	s.mu.Unlock()
	return Reply{Text: fmt.Sprintf("请直接回复工单 %s 的办结答复（将发送给提交人）；发送“取消”放弃。", number)}, nil
}

// ticketReply turns a tickets error into a reply: its own message for a
// coded outcome (not found, forbidden, conflict, invalid), an apology for
// an internal failure, which is also returned for logging.
func ticketReply(err error) (Reply, error) {
	if tickets.ErrorCode(err) == tickets.EInternal {
		return Reply{Text: "抱歉，工单系统暂时出错，请稍后再试。"}, err
	}
	return Reply{Text: tickets.ErrorMessage(err)}, nil
}

// newKey returns a random 16-hex-digit key.
func newKey() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
