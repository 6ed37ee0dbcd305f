// Package bot is the assistant itself, transport-neutral: conversation
// state, commands, grounded answers from the knowledge base and demand
// intake. The terminal chat and the Telegram adapter both drive an
// [Assistant] with the text a user typed and show the [Reply].
package bot

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"partybot/tickets"
)

// Assistant answers users' messages. It is safe for concurrent use; each
// conversation keeps its own [Session].
type Assistant struct {
	answerer   *Answerer
	desk       *Desk
	feedback   FeedbackRecorder
	checklists *ChecklistDrafter
	kb         *KnowledgeBase
}

// NewAssistant returns an Assistant that answers questions with a and,
// when desk is not nil, takes demands as tickets.
func NewAssistant(a *Answerer, desk *Desk) *Assistant {
	return &Assistant{answerer: a, desk: desk}
}

// User is who talks to the assistant.
type User struct {
	ID   string // stable id: a Telegram user id, or "terminal:NAME"
	Name string // display name
}

// Session is one user's conversation: who they are, what the last answer
// cited (for /sources), a demand awaiting confirmation, and free text the
// assistant waits for.
type Session struct {
	User User
	// Stream, when set, receives a model-written answer as it streams, so
	// a transport can show it before it is complete.
	Stream func(delta string)

	mu       sync.Mutex
	last     *Answer
	turns    []Turn // recent questions and answers, for follow-ups
	pending  *pendingDemand
	awaiting *awaiting
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
· /mytickets —— 查看我提交的诉求
· /ticket 工单号 —— 查看工单进度和办理记录
· /rate 工单号 分数(1-5) [评语] —— 评价已办结的工单
· /help —— 显示本帮助
知识库没有涉及的问题，我会如实说明，不会凭空作答。`

// staffHelp is added to /help for department staff and admins.
const staffHelp = `

部门工作人员还可以：
· /accept 工单号 [备注] —— 接单
· /resolve 工单号 答复内容 —— 办结并答复提交人
· /transfer 工单号 部门代码 理由 —— 转派
· /stats [本月|上月|本年|全部|2026-03] —— 工单统计（响应率、按期办结率、满意率），附 Excel 表
· /export [本月|上月|本年|全部|2026-03] —— 导出工单台账（Excel）`

// adminHelp is added to /help for admins.
const adminHelp = `
管理员可以查看和办理所有部门的工单，统计和台账也包括所有部门。
· 直接发送文档（.docx .pdf .html .xlsx .txt .md）—— 加入知识库
· /kb —— 查看知识库中的文档；/kb remove 文档名 —— 移除导入的文档`

// Handle answers one message in session s. Errors a user should see come
// back as the reply text; the returned error is reserved for internal
// failures, already turned into a polite reply (or, when only the feedback
// record failed, with the answer itself): show the reply and log the error.
func (a *Assistant) Handle(ctx context.Context, s *Session, text string) (Reply, error) {
	cmd, arg := parseCommand(text)
	if cmd == "" {
		if r, ok, err := a.answerAwaited(ctx, s, text); ok {
			return r, err
		}
		if r, ok, err := a.answerPending(ctx, s, text); ok {
			return r, err
		}
	}
	switch cmd {
	case "":
		return a.ask(ctx, s, text)
	case "/ask":
		if strings.TrimSpace(arg) == "" {
			return Reply{Text: "请在 /ask 后面写上问题，例如：/ask 怎样落实“六同步”机制？"}, nil
		}
		return a.ask(ctx, s, arg)
	case "/start", "/help":
		return Reply{Text: a.help(s)}, nil
	case "/demand":
		return a.draftDemand(ctx, s, arg)
	case "/mytickets":
		return a.myTickets(ctx, s)
	case "/ticket":
		return a.showTicket(ctx, s, arg)
	case "/rate":
		return a.rate(ctx, s, arg)
	case "/accept":
		return a.accept(ctx, s, arg)
	case "/transfer":
		return a.transfer(ctx, s, arg)
	case "/resolve":
		number, reply, _ := strings.Cut(strings.TrimSpace(arg), " ")
		return a.resolve(ctx, s, number, reply)
	case "/checklist":
		return a.checklist(ctx, s, arg)
	case "/kb":
		return a.kbAdmin(ctx, s, arg)
	case "/stats":
		return a.stats(ctx, s, arg)
	case "/export":
		return a.export(ctx, s, arg)
	case "/cancel":
		return a.cancelAll(s), nil
	case "/sources":
		return Reply{Text: s.sources()}, nil
	case "/quit", "/exit":
		return Reply{Text: "再见！", Quit: true}, nil
	default:
		return Reply{Text: fmt.Sprintf("未知命令 %s。输入 /help 查看可用命令。", clip(cmd, 32))}, nil
	}
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

// cancelAll drops whatever the session was waiting for.
func (a *Assistant) cancelAll(s *Session) Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil && s.awaiting == nil {
		return Reply{Text: "没有需要取消的操作。"}
	}
	s.pending, s.awaiting = nil, nil
	return Reply{Text: "已取消。"}
}

// answerAwaited takes a plain message as the text the session waits for
// (a resolve reply), or "取消" to drop it.
func (a *Assistant) answerAwaited(ctx context.Context, s *Session, text string) (Reply, bool, error) {
	s.mu.Lock()
	w := s.awaiting
	s.awaiting = nil
	s.mu.Unlock()
	if w == nil {
		return Reply{}, false, nil
	}
	if slices.Contains(cancelWords, strings.TrimSpace(text)) {
		return Reply{Text: "已取消办结。"}, true, nil
	}
	r, err := a.resolve(ctx, s, w.number, text)
	return r, true, err
}

// Callback handles a pressed button's data for the user of session s; the
// data is never trusted: who may do what comes from s.User alone. Data that
// is malformed, stale or not the user's to use changes nothing and gets a
// plain explanation marked [Reply.Personal].
func (a *Assistant) Callback(ctx context.Context, s *Session, data string) (Reply, error) {
	kind, rest, _ := strings.Cut(data, ":")
	if kind == "fb" {
		return a.vote(ctx, s, rest)
	}
	if a.desk == nil {
		r := a.noDesk()
		r.Personal = true
		return r, nil
	}
	switch kind {
	case "dm":
		action, key, _ := strings.Cut(rest, ":")
		var r Reply
		var err error
		switch action {
		case "ok":
			r, err = a.fileDemand(ctx, s, key)
		case "no":
			r = a.cancelDemand(s, key)
		case "edit":
			return Reply{Text: "请重新发送 /demand 加修改后的诉求内容，新的内容会替换这份草稿。"}, nil
		default:
			return stale(), nil
		}
		// The draft's buttons are spent once it is filed, dropped or
		// replaced by another.
		s.mu.Lock()
		r.Settled = s.pending == nil || s.pending.key != key
		s.mu.Unlock()
		return r, err
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
	case "ac":
		if !validNumber(rest) {
			break
		}
		if r, err := a.mayPress(ctx, s, rest, true); r != nil {
			return *r, err
		}
		r, err := a.accept(ctx, s, rest)
		r.Settled = a.moved(ctx, s, rest, tickets.StatusDispatched)
		return r, err
	case "rs":
		if !validNumber(rest) {
			break
		}
		if r, err := a.mayPress(ctx, s, rest, true); r != nil {
			return *r, err
		}
		r, err := a.askResolveReply(ctx, s, rest)
		s.mu.Lock()
		r.ExpectReply = s.awaiting != nil && s.awaiting.number == rest
		s.mu.Unlock()
		return r, err
	case "tr":
		if !validNumber(rest) {
			break
		}
		if r, err := a.mayPress(ctx, s, rest, true); r != nil {
			return *r, err
		}
		return a.transfer(ctx, s, rest)
	}
	return stale(), nil
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
	case tickets.ErrorCode(err) == tickets.EForbidden:
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

func (a *Assistant) ask(ctx context.Context, s *Session, q string) (Reply, error) {
	s.mu.Lock()
	history := append([]Turn(nil), s.turns...)
	s.mu.Unlock()
	ans, err := a.answerer.AskWith(ctx, q, AskOptions{History: history, OnDelta: s.Stream})
	if err != nil {
		r := Reply{Text: ErrorMessage(err)}
		if ErrorCode(err) == EInternal {
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
	if a.feedback != nil {
		id, err := a.feedback.RecordAnswer(ctx, NewFeedback(s.User, ans))
		if err != nil {
			// The answer stands; only the feedback buttons are missing.
			return r, fmt.Errorf("record answer: %w", err)
		}
		r.Buttons = FeedbackButtons(id)
	}
	return r, nil
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
		fmt.Fprintf(&b, "\n\n[%d] %s\n%s", i+1, sourceLine(h), h.Text)
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
