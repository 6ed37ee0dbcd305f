// Package bot is the assistant itself, transport-neutral: conversation
// state, commands, grounded answers from the knowledge base and demand
// intake. The terminal chat and the Telegram adapter both drive an
// [Assistant] with the text a user typed and show the [Reply].
package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/checklist"
	"partybot/tickets"
)

// Assistant answers users' messages. It is safe for concurrent use; each
// conversation keeps its own [Session].
type Assistant struct {
	answerer   *Answerer
	desk       *Desk
	feedback   FeedbackRecorder
	checklists *checklist.Drafter
	kb         *KnowledgeBase
	stations   StationFinder
	points     PointsLedger
	push       PushDesk
	webLinks   WebLinks
	stepTTL    time.Duration
	// noticeLease is how long PendingNotices leases notices.
	noticeLease time.Duration
	now         func() time.Time
}

// DefaultStepTimeout is how long a pending step (a demand draft, an 办结
// reply) waits for the user before it expires.
const DefaultStepTimeout = 10 * time.Minute

// NewAssistant returns an Assistant that answers questions with a; the
// options add the other jobs (demands, checklists, knowledge-base
// administration, feedback) and settings.
func NewAssistant(a *Answerer, opts ...Option) *Assistant {
	asst := &Assistant{answerer: a, stepTTL: DefaultStepTimeout, noticeLease: NoticeLease, now: time.Now}
	for _, o := range opts {
		o(asst)
	}
	return asst
}

// Option configures an [Assistant].
type Option func(*Assistant)

// WithDesk takes demands as tickets at d: /demand, /ticket, the staff's
// moves, statistics and notices.
func WithDesk(d *Desk) Option { return func(a *Assistant) { a.desk = d } }

// WithKnowledgeBase lets admins manage kb from the chat: /kb, and documents
// sent to the assistant ([Assistant.Upload]).
func WithKnowledgeBase(kb *KnowledgeBase) Option { return func(a *Assistant) { a.kb = kb } }

// WithChecklists drafts checklists (/checklist) with d.
func WithChecklists(d *checklist.Drafter) Option { return func(a *Assistant) { a.checklists = d } }

// WithFeedback offers 👍/👎 buttons with every answer and records them
// with r.
func WithFeedback(r FeedbackRecorder) Option { return func(a *Assistant) { a.feedback = r } }

// WithClock makes the assistant read the time from now: step expiry,
// quiet hours of pushed notices, open stations. For tests and replays.
func WithClock(now func() time.Time) Option { return func(a *Assistant) { a.now = now } }

// WithStepTimeout sets how long a pending step waits for the user
// ([DefaultStepTimeout] when d is not positive).
func WithStepTimeout(d time.Duration) Option {
	return func(a *Assistant) {
		if d > 0 {
			a.stepTTL = d
		}
	}
}

// Reply is what the assistant says back.
type Reply struct {
	Text string
	// Answer is set when the reply answers a question.
	Answer *Answer
	// Buttons are choices offered with the reply, in rows; a chat without
	// buttons shows the text, which always says how to answer in words.
	Buttons [][]Button
	// Quit is set when the user asked to end the conversation (terminal only).
	Quit bool
	// Files are documents that go with the reply (an .xlsx report).
	Files []File
	// Personal is set when the reply concerns only the user who acted (a
	// refusal, a stale button, thanks for feedback): a shared chat shows it
	// to that user alone when it can, e.g. as an alert on the pressed button.
	Personal bool
	// Settled is set on the reply to a pressed button when the buttons of
	// the message that carried it are spent (the demand filed or dropped,
	// the ticket accepted or rated, the feedback taken): a chat removes them.
	Settled bool
	// ExpectReply is set when the assistant takes the user's next message as
	// free text (the reply that resolves a ticket): a group chat asks the
	// user to answer this message, so that the message reaches the bot.
	ExpectReply bool
	// Photos go with the reply after its text (a report's photos on the
	// department's card).
	Photos []File
	// Venues are places to show on a map, after the text (the nearest
	// stations).
	Venues []Venue
	// AskLocation offers the user a button that shares their location
	// (where a chat has one); the text says how to do it otherwise.
	AskLocation bool
}

// File is a document that goes with a reply.
type File struct {
	Name string // with its extension, e.g. "工单台账-全部.xlsx"
	Data []byte
}

// maxTurns is how many recent messages a session keeps for follow-ups.
const maxTurns = 6

// Button is a choice offered with a reply. Data comes back to
// [Assistant.Callback] when it is pressed; it is at most 64 bytes.
type Button struct {
	Text string
	Data string
}

// Help is the text of /help.
const Help = `我是党务助手，可以：
· 回答党建工作的程序性问题，并注明依据出处。直接输入问题即可，例如：怎样落实“六同步”机制？
· /ask 问题 —— 同上
· /sources —— 查看上一个回答所依据的原文
· /checklist 工作主题 —— 起草台账式工作清单（附 Excel），每项注明依据
· /demand 诉求内容 —— 提交诉求，确认后生成工单并交办相关部门
· /cancel —— 放弃待确认的诉求草稿（发送其他消息也会使草稿作废）
· /mytickets —— 查看我提交的诉求
· /ticket 工单号 —— 查看工单进度和办理记录
· /rate 工单号 分数(1-5) [评语] —— 评价已办结的工单
· 随手拍：发送照片和位置（或 /report 问题描述）—— 反映安全隐患、民情线索，核实有效可获红色积分
· /suggest 建议内容 —— 提出建议，被采纳可获红色积分
· /points —— 我的红色积分；/rank —— 本月积分排行（/rank on 显示我的名字）
· 发送位置，或问“附近哪里能充电？”—— 查找最近的暖“新”驿站；/stations —— 全部驿站
· /subscribe 身份或话题 —— 订阅相关政策推送；/subscriptions、/unsubscribe 管理订阅
· /help —— 显示本帮助
知识库没有涉及的问题，我会如实说明，不会凭空作答。`

// staffHelp is added to /help for department staff and admins.
const staffHelp = `

部门工作人员还可以：
· /accept 工单号 [备注] —— 接单
· /resolve 工单号 答复内容 —— 办结并答复提交人
· /transfer 工单号 部门代码 理由 —— 转派
· /verify 工单号 [备注] —— 随手拍核实有效（提交人获积分）
· /adopt、/partadopt、/reject 工单号 答复内容 —— 建议或线索采纳、部分采纳、暂不采纳
· /volunteer 用户ID 服务内容 —— 记录志愿服务（按规则记红色积分）
· /web —— 获取工作台（网页版）的一次性登录链接
· /stats [本月|上月|本年|全部|2026-03] —— 工单统计（响应率、按期办结率、满意率），附 Excel 表
· /export [本月|上月|本年|全部|2026-03] —— 导出工单台账（Excel）`

// adminHelp is added to /help for admins.
const adminHelp = `
管理员可以查看和办理所有部门的工单，统计和台账也包括所有部门。
· 直接发送文档（.docx .pdf .html .xlsx .txt .md）—— 加入知识库
· /kb —— 查看知识库中的文档；/kb remove 文档名 —— 移除导入的文档
· /award 用户ID 分数 理由 —— 直接发放红色积分（更正请用命令行 partybot points award --corrects）`

// Handle answers one message in session s. Errors a user should see come
// back as the reply text; the returned error is reserved for internal
// failures, already turned into a polite reply (or, when only the feedback
// record or the model failed, with the answer itself): show the reply and
// log the error.
func (a *Assistant) Handle(ctx context.Context, s *Session, text string) (Reply, error) {
	return a.HandleStream(ctx, s, text, nil)
}

// HandleStream is [Assistant.Handle] with onDelta, when not nil, receiving
// a model-written answer as it is written, so that a transport can show it
// before it is complete. onDelta belongs to this call alone.
//
// A message that does not complete the session's pending step (a demand
// draft, an 办结 reply) drops it: it is answered as usual, after a line
// saying what was cancelled. A step that has expired is dropped the same
// way.
func (a *Assistant) HandleStream(ctx context.Context, s *Session, text string, onDelta func(string)) (Reply, error) {
	cmd, arg := parseCommand(text)
	live, expired := s.current(a.now())
	var note string
	if expired != nil {
		note = "（" + expired.kind.what() + "已超时作废。）"
	}
	if live != nil {
		if cmd == "" {
			if r, ok, err := a.continueStep(ctx, s, live, text); ok {
				return r, err
			}
		}
		if cmd != "/cancel" && s.end(live) {
			note = "（已取消" + live.kind.what() + "。）"
		}
	}
	r, err := a.command(ctx, s, cmd, arg, text, onDelta)
	if note != "" {
		r.Text = note + "\n\n" + r.Text
	}
	return r, err
}

// command answers a message that no pending step took.
func (a *Assistant) command(ctx context.Context, s *Session, cmd, arg, text string, onDelta func(string)) (Reply, error) {
	switch cmd {
	case "":
		if service, ok := nearbyIntent(text); ok && a.stations != nil && len(a.stations.ByArea()) > 0 {
			return a.askLocation(s, service), nil
		}
		return a.ask(ctx, s, text, onDelta)
	case "/ask":
		if strings.TrimSpace(arg) == "" {
			return Reply{Text: "请在 /ask 后面写上问题，例如：/ask 怎样落实“六同步”机制？"}, nil
		}
		return a.ask(ctx, s, arg, onDelta)
	case "/start", "/help":
		return Reply{Text: a.help(s)}, nil
	case "/cancel":
		return a.cancelStep(s), nil
	case "/sources":
		return Reply{Text: s.sources()}, nil
	case "/quit", "/exit":
		return Reply{Text: "再见！", Quit: true}, nil
	}
	if run, ok := commands[cmd]; ok {
		return run(a, ctx, s, arg)
	}
	return Reply{Text: fmt.Sprintf("未知命令 %s。输入 /help 查看可用命令。", clip(cmd, 32))}, nil
}

// commands are the commands that act on the rest of the message.
var commands = map[string]func(a *Assistant, ctx context.Context, s *Session, arg string) (Reply, error){
	"/demand": (*Assistant).draftDemand,
	"/mytickets": func(a *Assistant, ctx context.Context, s *Session, _ string) (Reply, error) {
		return a.myTickets(ctx, s)
	},
	"/ticket":   (*Assistant).showTicket,
	"/rate":     (*Assistant).rate,
	"/accept":   (*Assistant).accept,
	"/transfer": (*Assistant).transfer,
	"/resolve": func(a *Assistant, ctx context.Context, s *Session, arg string) (Reply, error) {
		number, reply, _ := strings.Cut(strings.TrimSpace(arg), " ")
		return a.resolve(ctx, s, number, reply)
	},
	"/checklist":     (*Assistant).checklist,
	"/report":        (*Assistant).startReport,
	"/suggest":       (*Assistant).suggest,
	"/points":        (*Assistant).myPoints,
	"/subscribe":     (*Assistant).subscribe,
	"/subscriptions": (*Assistant).subscriptions,
	"/unsubscribe":   (*Assistant).unsubscribe,
	"/rank":          (*Assistant).rank,
	"/web":           (*Assistant).webLink,
	"/award": func(a *Assistant, ctx context.Context, s *Session, arg string) (Reply, error) {
		return a.awardByHand(ctx, s, arg, false)
	},
	"/volunteer": func(a *Assistant, ctx context.Context, s *Session, arg string) (Reply, error) {
		return a.awardByHand(ctx, s, arg, true)
	},
	"/verify": (*Assistant).verify,
	"/adopt": func(a *Assistant, ctx context.Context, s *Session, arg string) (Reply, error) {
		return a.verdict(ctx, s, arg, tickets.OutcomeAdopted)
	},
	"/partadopt": func(a *Assistant, ctx context.Context, s *Session, arg string) (Reply, error) {
		return a.verdict(ctx, s, arg, tickets.OutcomePartlyAdopted)
	},
	"/reject": func(a *Assistant, ctx context.Context, s *Session, arg string) (Reply, error) {
		return a.verdict(ctx, s, arg, tickets.OutcomeRejected)
	},
	"/stations": (*Assistant).listStations,
	"/kb":       (*Assistant).kbAdmin,
	"/stats":    (*Assistant).stats,
	"/export":   (*Assistant).export,
}

// continueStep offers a plain message to the pending step st: a demand
// draft takes a confirm or cancel word; an 办结 takes its reply text, then
// a confirm or cancel word. It reports whether the message was taken.
func (a *Assistant) continueStep(ctx context.Context, s *Session, st *step, text string) (Reply, bool, error) {
	w := answerWord(text)
	cancel := slices.Contains(cancelWords, w)
	confirm := slices.Contains(confirmWords, w)
	switch st.kind {
	case stepDemand:
		switch {
		case confirm:
			r, err := a.fileDemand(ctx, s, st.key)
			return r, true, err
		case cancel:
			return a.cancelDemand(s, st.key), true, nil
		}
	case stepReplyText:
		if cancel {
			s.end(st)
			return Reply{Text: "已取消办结。"}, true, nil
		}
		r, err := a.confirmReply(s, st, text)
		return r, true, err
	case stepReplyConfirm:
		switch {
		case confirm:
			r, err := a.resolveConfirmed(ctx, s, st.key)
			return r, true, err
		case cancel:
			return a.cancelReply(s, st.key), true, nil
		}
	case stepReport:
		return a.continueReport(ctx, s, st, text, confirm, cancel)
	}
	return Reply{}, false, nil
}

// answerWord is a message reduced to the word it may be: "好的。" → "好的".
func answerWord(text string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(text), "。！!.，, "))
}

// help is /help, shaped by the user's role.
func (a *Assistant) help(s *Session) string {
	if a.desk != nil {
		v := a.viewer(s)
		switch {
		case v.Admin:
			return Help + staffHelp + adminHelp
		case len(v.Departments) > 0:
			return Help + staffHelp
		}
	}
	return Help
}

// cancelStep drops whatever the session was waiting for.
func (a *Assistant) cancelStep(s *Session) Reply {
	live, _ := s.current(a.now())
	if live == nil || !s.end(live) {
		return Reply{Text: "没有需要取消的操作。"}
	}
	return Reply{Text: "已取消" + live.kind.what() + "。"}
}

// Callback handles a pressed button's data for the user of session s; the
// data is never trusted: who may do what comes from s.User alone. Data that
// is malformed, stale or not the user's to use changes nothing and gets a
// plain explanation marked [Reply.Personal].
func (a *Assistant) Callback(ctx context.Context, s *Session, data string) (Reply, error) {
	kind, rest, _ := strings.Cut(data, ":")
	switch kind {
	case "fb":
		return a.vote(ctx, s, rest)
	case "pu":
		return a.openPush(ctx, s, rest)
	}
	if a.desk == nil {
		r := a.noDesk()
		r.Personal = true
		return r, nil
	}
	switch kind {
	case "dm":
		return a.stepButton(ctx, s, stepDemand, rest)
	case "rp":
		return a.reportButton(ctx, s, rest)
	case "rc":
		return a.stepButton(ctx, s, stepReplyConfirm, rest)
	case "rt":
		number, score, _ := strings.Cut(rest, ":")
		n, err := strconv.Atoi(score)
		if err != nil || n < 1 || n > 5 || len(score) != 1 || !validNumber(number) {
			break
		}
		if r, err := a.mayPress(ctx, s, number, false); r != nil {
			return *r, err
		}
		r, err := a.rateTicket(ctx, s, number, n, "")
		r.Settled = a.moved(ctx, s, number, tickets.StatusResolved)
		return r, err
	case "ac", "rs", "tr", "vf", "av", "pv", "jv":
		if !validNumber(rest) {
			break
		}
		if r, err := a.mayPress(ctx, s, rest, true); r != nil {
			return *r, err
		}
		return a.staffButton(ctx, s, kind, rest)
	}
	return stale(), nil
}

// staffButton is a department's button on ticket number, which the user
// may press: 接单, 办结, 转派 or 核实有效.
func (a *Assistant) staffButton(ctx context.Context, s *Session, kind, number string) (Reply, error) {
	switch kind {
	case "ac":
		r, err := a.accept(ctx, s, number)
		r.Settled = a.moved(ctx, s, number, tickets.StatusDispatched)
		return r, err
	case "rs":
		return a.askResolveReply(ctx, s, number, "")
	case "av":
		return a.askResolveReply(ctx, s, number, tickets.OutcomeAdopted)
	case "pv":
		return a.askResolveReply(ctx, s, number, tickets.OutcomePartlyAdopted)
	case "jv":
		return a.askResolveReply(ctx, s, number, tickets.OutcomeRejected)
	case "vf":
		return a.verify(ctx, s, number)
	default:
		return a.transfer(ctx, s, number)
	}
}

// stepButton is a button of a pending step of kind: "ok:KEY" completes it
// (files the demand, sends the 办结 reply), "no:KEY" drops it, and a
// draft's "edit:KEY" says how to change it. It acts only on this session's
// live step named KEY; the step's buttons are spent once it is gone.
func (a *Assistant) stepButton(ctx context.Context, s *Session, kind stepKind, data string) (Reply, error) {
	action, key, _ := strings.Cut(data, ":")
	demand := kind == stepDemand
	var r Reply
	var err error
	switch {
	case action == "ok" && demand:
		r, err = a.fileDemand(ctx, s, key)
	case action == "ok":
		r, err = a.resolveConfirmed(ctx, s, key)
	case action == "no" && demand:
		r = a.cancelDemand(s, key)
	case action == "no":
		r = a.cancelReply(s, key)
	case action == "edit" && demand:
		return Reply{Text: "请重新发送 /demand 加修改后的诉求内容，新的内容会替换这份草稿。"}, nil
	default:
		return stale(), nil
	}
	r.Settled = !s.pending(kind, key)
	return r, err
}

// stale is the reply to a malformed or outdated button.
func stale() Reply {
	return Reply{Text: "这个按钮已失效，请重新操作。", Personal: true}
}

// mayPress checks that the user of s may press a button of ticket number:
// its department's staff (or an admin) when staff is set, its submitter
// otherwise. When not, it returns a personal refusal; nothing changes. The
// store checks again when the action runs.
func (a *Assistant) mayPress(ctx context.Context, s *Session, number string, staff bool) (*Reply, error) {
	v := a.viewer(s)
	refusal := &Reply{Text: "抱歉，只有该工单承办部门的工作人员可以操作，您无权办理。", Personal: true}
	if !staff {
		refusal = &Reply{Text: "抱歉，只有诉求提交人可以评价该工单，您无权评价。", Personal: true}
	}
	t, err := a.desk.Store.FindTicketByNumber(ctx, v, number)
	switch {
	case apperr.Code(err) == apperr.EForbidden:
		return refusal, nil
	case err != nil:
		r, err := ticketReply(err)
		r.Personal = true
		return &r, err
	case staff && !v.CanHandle(t), !staff && t.SubmitterID != s.User.ID:
		return refusal, nil
	}
	return nil, nil
}

// moved reports whether ticket number has left status from, so that the
// buttons offered for that status are spent.
func (a *Assistant) moved(ctx context.Context, s *Session, number string, from tickets.Status) bool {
	t, err := a.desk.Store.FindTicketByNumber(ctx, a.viewer(s), number)
	return err == nil && t.Status != from
}

// validNumber reports whether s looks like a ticket number (2026-000123).
func validNumber(s string) bool {
	_, _, err := tickets.ParseNumber(s)
	return err == nil
}

func (a *Assistant) ask(ctx context.Context, s *Session, q string, onDelta func(string)) (Reply, error) {
	s.mu.Lock()
	history := append([]Turn(nil), s.turns...)
	s.mu.Unlock()
	ans, err := a.answerer.AskWith(ctx, q, AskOptions{History: history, OnDelta: onDelta})
	if err != nil {
		r := Reply{Text: apperr.Message(err)}
		if apperr.Code(err) == apperr.EInternal {
			return r, err
		}
		return r, nil
	}
	s.mu.Lock()
	s.last = &ans
	s.turns = append(s.turns, Turn{User: true, Text: clip(cmp.Or(ans.Rewritten, q), 200)}, Turn{Text: clip(ans.Text, 300)})
	if len(s.turns) > maxTurns {
		s.turns = s.turns[len(s.turns)-maxTurns:]
	}
	s.mu.Unlock()
	r := Reply{Text: ans.Text, Answer: &ans}
	var errs []error
	if ans.ModelError != nil {
		// The extractive answer stands in; the failure is for the log.
		errs = append(errs, fmt.Errorf("chat model: %w", ans.ModelError))
	}
	if a.feedback != nil {
		id, err := a.feedback.RecordAnswer(ctx, feedbackOf(s.User, ans))
		if err != nil {
			// The answer stands; only the feedback buttons are missing.
			errs = append(errs, fmt.Errorf("record answer: %w", err))
		} else {
			r.Buttons = FeedbackButtons(id)
		}
	}
	return r, errors.Join(errs...)
}

// sources renders the full passages behind the last answer.
func (s *Session) sources() string {
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	if last == nil {
		return "还没有可以查看的来源：请先提一个问题。"
	}
	if len(last.Sources) == 0 {
		return "上一个问题知识库中没有找到依据，所以没有来源。"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "“%s”的回答依据以下原文：", clip(last.Question, 40))
	for i, h := range last.Sources {
		fmt.Fprintf(&b, "\n\n[%d] %s\n%s", i+1, h.Citation(), h.Text)
	}
	return b.String()
}

// parseCommand splits "/cmd@botname arg" into "/cmd" and "arg". Text that
// does not start with "/" is no command: it returns "", text.
func parseCommand(text string) (cmd, arg string) {
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, "/") {
		return "", text
	}
	cmd, arg, _ = strings.Cut(t, " ")
	if i := strings.IndexAny(cmd, "\n\t"); i >= 0 {
		cmd, arg = cmd[:i], cmd[i+1:]+" "+arg
	}
	cmd, _, _ = strings.Cut(cmd, "@")
	return strings.ToLower(cmd), strings.TrimSpace(arg)
}
