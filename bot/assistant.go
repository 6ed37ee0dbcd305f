// Package bot is the assistant itself, transport-neutral: conversation
// state, commands, grounded answers from the knowledge base and demand
// intake. The terminal chat and the Telegram adapter both drive an
// [Assistant] with the text a user typed and show the [Reply].
package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"partybot/tickets"
)

// Assistant answers users' messages. It is safe for concurrent use; each
// conversation keeps its own [Session].
type Assistant struct {
	answerer *Answerer
	desk     *Desk
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

	mu       sync.Mutex
	last     *Answer
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
}

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
· /transfer 工单号 部门代码 理由 —— 转派`

// Handle answers one message in session s. Errors a user should see come
// back as the reply text; the returned error is reserved for internal
// failures, already turned into a polite reply.
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
		if v := a.viewer(s); v.Admin || len(v.Departments) > 0 {
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
	if contains(cancelWords, strings.TrimSpace(text)) {
		return Reply{Text: "已取消办结。"}, true, nil
	}
	r, err := a.resolve(ctx, s, w.number, text)
	return r, true, err
}

// Callback handles a pressed button's data. Data that is malformed, stale
// or not the user's to use changes nothing and gets a plain explanation.
func (a *Assistant) Callback(ctx context.Context, s *Session, data string) (Reply, error) {
	if a.desk == nil {
		return a.noDesk(), nil
	}
	kind, rest, _ := strings.Cut(data, ":")
	switch kind {
	case "dm":
		action, key, _ := strings.Cut(rest, ":")
		switch action {
		case "ok":
			return a.fileDemand(ctx, s, key)
		case "no":
			return a.cancelDemand(s, key), nil
		case "edit":
			return Reply{Text: "请重新发送 /demand 加修改后的诉求内容，新的内容会替换这份草稿。"}, nil
		}
	case "rt":
		number, score, _ := strings.Cut(rest, ":")
		n, err := strconv.Atoi(score)
		if err == nil && n >= 1 && n <= 5 && validNumber(number) {
			return a.rateTicket(ctx, s, number, n, "")
		}
	case "ac":
		if validNumber(rest) {
			return a.accept(ctx, s, rest)
		}
	case "rs":
		if validNumber(rest) {
			return a.askResolveReply(ctx, s, rest)
		}
	case "tr":
		if validNumber(rest) {
			return a.transfer(ctx, s, rest)
		}
	}
	return Reply{Text: "这个按钮已失效，请重新操作。"}, nil
}

// validNumber reports whether s looks like a ticket number (2026-000123).
func validNumber(s string) bool {
	_, _, err := tickets.ParseNumber(s)
	return err == nil
}

func (a *Assistant) ask(ctx context.Context, s *Session, q string) (Reply, error) {
	ans, err := a.answerer.Ask(ctx, q)
	if err != nil {
		r := Reply{Text: ErrorMessage(err)}
		if ErrorCode(err) == EInternal {
			return r, err
		}
		return r, nil
	}
	s.mu.Lock()
	s.last = &ans
	s.mu.Unlock()
	return Reply{Text: ans.Text, Answer: &ans}, nil
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
