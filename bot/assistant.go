// Package bot is the assistant itself, transport-neutral: conversation
// state, commands, grounded answers from the knowledge base and demand
// intake. The terminal chat and the Telegram adapter both drive an
// [Assistant] with the text a user typed and show the [Reply].
package bot

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// Assistant answers users' messages. It is safe for concurrent use; each
// conversation keeps its own [Session].
type Assistant struct {
	answerer *Answerer
}

// NewAssistant returns an Assistant that answers questions with a.
func NewAssistant(a *Answerer) *Assistant {
	return &Assistant{answerer: a}
}

// Session is one user's conversation: what the last answer cited, for
// /sources. Its zero value is ready to use.
type Session struct {
	mu   sync.Mutex
	last *Answer
}

// Reply is what the assistant says back.
type Reply struct {
	Text string
	// Answer is set when the reply answers a question.
	Answer *Answer
	// Quit is set when the user asked to end the conversation (terminal only).
	Quit bool
}

// Help is the text of /help.
const Help = `我是党务助手，可以：
· 回答党建工作的程序性问题，并注明依据出处。直接输入问题即可，例如：怎样落实“六同步”机制？
· /ask 问题 —— 同上
· /sources —— 查看上一个回答所依据的原文
· /help —— 显示本帮助
知识库没有涉及的问题，我会如实说明，不会凭空作答。`

// Handle answers one message in session s. Errors a user should see come
// back as the reply text; the returned error is reserved for internal
// failures, already turned into a polite reply.
func (a *Assistant) Handle(ctx context.Context, s *Session, text string) (Reply, error) {
	cmd, arg := parseCommand(text)
	switch cmd {
	case "":
		return a.ask(ctx, s, text)
	case "/ask":
		if strings.TrimSpace(arg) == "" {
			return Reply{Text: "请在 /ask 后面写上问题，例如：/ask 怎样落实“六同步”机制？"}, nil
		}
		return a.ask(ctx, s, arg)
	case "/start", "/help":
		return Reply{Text: Help}, nil
	case "/sources":
		return Reply{Text: s.sources()}, nil
	case "/quit", "/exit":
		return Reply{Text: "再见！", Quit: true}, nil
	default:
		return Reply{Text: fmt.Sprintf("未知命令 %s。输入 /help 查看可用命令。", clip(cmd, 32))}, nil
	}
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
