package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"partybot/bot"
	"partybot/points"
	"partybot/push"
	"partybot/stations"
	"partybot/tickets"
	"partybot/web"
)

// runChat is the terminal conversation: the same assistant and commands as
// Telegram, one message per line, interactive or piped.
func (m *Main) runChat(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	as := fs.String("as", "", "act as this user id (roles from the config file)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return usagef("用法：partybot chat [--as 用户ID]")
	}
	asst, err := m.newAssistant(ctx)
	if err != nil {
		return err
	}
	session := bot.NewSession(terminalUser(*as), bot.Chat{})
	interactive := isTerminal(m.Stdin)
	streamed := false
	var onDelta func(string)
	if interactive {
		// A model-written answer appears as it is written.
		onDelta = func(d string) { streamed = true; fmt.Fprint(m.Stdout, d) }
		fmt.Fprintln(m.Stdout, "党务助手已就绪。直接输入问题；/help 查看命令，/quit 退出。")
	}
	in := bufio.NewReaderSize(m.Stdin, 64<<10)
	for {
		if interactive {
			fmt.Fprint(m.Stdout, "> ")
		}
		line, err := readLine(in, maxChatLine)
		if errors.Is(err, errLineTooLong) {
			fmt.Fprintf(m.Stdout, "这一行太长（超过 %d KB），已忽略。请精简后分段发送。\n", maxChatLine>>10)
			continue
		}
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("读取输入失败：%w", err)
		}
		if line == "" {
			continue
		}
		reply, err := asst.HandleStream(ctx, session, line, onDelta)
		if err != nil {
			m.Logger.Error("chat", "err", err)
		}
		if streamed {
			fmt.Fprintln(m.Stdout)
			if reply.Answer != nil && reply.Answer.Mode == "llm" {
				// The answer itself was shown as it came; add its sources.
				if _, src, ok := strings.Cut(reply.Text, "\n\n来源："); ok {
					reply.Text = "来源：" + src
				}
			}
			streamed = false
		}
		fmt.Fprintln(m.Stdout, reply.Text)
		m.saveFiles(reply.Files)
		if !interactive {
			fmt.Fprintln(m.Stdout)
		}
		if reply.Quit || ctx.Err() != nil {
			return nil
		}
	}
}

// maxChatLine is the longest line the terminal chat takes, in bytes.
const maxChatLine = 64 << 10

// errLineTooLong is returned by readLine for a line over its limit.
var errLineTooLong = errors.New("line too long")

// readLine reads one line without its end of line. A line longer than limit
// bytes is read to its end and dropped: it returns errLineTooLong, and the
// next call reads the next line. The last line may lack its newline.
func readLine(r *bufio.Reader, limit int) (string, error) {
	var line []byte
	tooLong := false
	for {
		chunk, err := r.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > limit+2 { // room for "\r\n"
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && (len(line) > 0 || tooLong):
			// The last line, without a newline.
		case err != nil:
			return "", err
		}
		text := strings.TrimRight(string(line), "\r\n")
		if tooLong || len(text) > limit {
			return "", errLineTooLong
		}
		return text, nil
	}
}

// saveFiles saves the files of a reply beside the data, where a terminal
// user can open them, and says where.
func (m *Main) saveFiles(files []bot.File) {
	for _, f := range files {
		path := filepath.Join(m.Config.DataDir, "files", f.Name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			fmt.Fprintf(m.Stdout, "（附件 %s 保存失败：%v）\n", f.Name, err)
		} else if err := writeFileAtomic(path, func(w io.Writer) error { _, err := w.Write(f.Data); return err }); err != nil {
			fmt.Fprintf(m.Stdout, "（附件 %s 保存失败：%v）\n", f.Name, err)
		} else {
			fmt.Fprintf(m.Stdout, "（附件已保存：%s）\n", path)
		}
	}
}

// newAssistant opens the knowledge base and the ticket desk and returns
// the assistant over them, with checklists, knowledge administration and
// the extra options.
func (m *Main) newAssistant(ctx context.Context, extra ...bot.Option) (*bot.Assistant, error) {
	parts, err := m.openParts(ctx, extra...)
	if err != nil {
		return nil, err
	}
	return parts.asst, nil
}

// parts are what an assistant is made of, for serve, which also watches
// the knowledge base, sweeps the tickets and reports readiness.
type parts struct {
	asst  *bot.Assistant
	kb    *bot.KnowledgeBase
	store *tickets.Store
	serviceStores
}

// openParts opens the knowledge base and the desk and builds the
// assistant over them, with the model endpoint when one is configured.
func (m *Main) openParts(ctx context.Context, extra ...bot.Option) (*parts, error) {
	kb, err := m.openKnowledgeBase(ctx)
	if err != nil {
		return nil, err
	}
	desk, store, err := m.openDesk(ctx)
	if err != nil {
		return nil, err
	}
	answerer, err := m.newAnswerer(kb) // with the model endpoint when one is configured
	if err != nil {
		return nil, err
	}
	drafter, err := m.checklistDrafter(ctx, kb)
	if err != nil {
		return nil, err
	}
	services, stores, err := m.serviceOptions(ctx)
	if err != nil {
		return nil, err
	}
	opts := append(append([]bot.Option{
		bot.WithDesk(desk), bot.WithKnowledgeBase(kb), bot.WithChecklists(drafter),
		bot.WithStepTimeout(time.Duration(m.Config.StepMinutes * float64(time.Minute))),
	}, services...), extra...)
	return &parts{asst: bot.NewAssistant(answerer, opts...), kb: kb, store: store, serviceStores: stores}, nil
}

// serviceStores are the stores of the platform's services — 红色积分,
// 暖“新”驿站, 政策推送 — which the assistant and the console share.
type serviceStores struct {
	ledger   *points.Store
	stations *stations.Store
	push     *push.Store
}

// openServices opens the stores of the platform's services; Close closes
// them.
func (m *Main) openServices(ctx context.Context) (serviceStores, error) {
	var sv serviceStores
	var err error
	if sv.ledger, err = m.openPoints(ctx); err != nil {
		return sv, err
	}
	if sv.stations, err = m.openStations(ctx); err != nil {
		return sv, err
	}
	sv.push, err = m.openPush(ctx)
	return sv, err
}

// serviceOptions open the stores of the platform's services for the
// assistant, and return them.
func (m *Main) serviceOptions(ctx context.Context) ([]bot.Option, serviceStores, error) {
	sv, err := m.openServices(ctx)
	if err != nil {
		return nil, sv, err
	}
	return []bot.Option{bot.WithPoints(sv.ledger), bot.WithStations(sv.stations), bot.WithPush(sv.push)}, sv, nil
}

// webOptions are the console's 红色积分, 暖“新”驿站 and 政策推送 pages over
// sv.
func (sv serviceStores) webOptions() []web.Option {
	return []web.Option{web.WithPoints(sv.ledger), web.WithStations(sv.stations), web.WithPush(sv.push)}
}

// terminalUser is who talks in the terminal: the user id given with
// --as, or the local account.
func terminalUser(as string) bot.User {
	if as != "" {
		return bot.User{ID: as, Name: as}
	}
	name := os.Getenv("USER")
	if name == "" {
		name = "local"
	}
	return bot.User{ID: "terminal:" + name, Name: name}
}

// openDesk opens the ticket store and the router for the assistant's
// demands, and returns the desk over them and the store.
func (m *Main) openDesk(ctx context.Context) (*bot.Desk, *tickets.Store, error) {
	r, err := m.openRouter()
	if err != nil {
		return nil, nil, err
	}
	store, err := m.openTickets(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	extract, err := m.extractor(r)
	if err != nil {
		return nil, nil, err
	}
	desk := &bot.Desk{Store: store, Extract: extract, Viewer: m.Config.policy.Viewer, AdminChatID: m.Config.Telegram.AdminChatID,
		Files: m.ticketFiles()}
	return desk, store, nil
}

// isTerminal reports whether v is a file open on an interactive terminal
// (not a pipe, a file or /dev/null).
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
