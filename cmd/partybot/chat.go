package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"partybot/bot"
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
	kb, err := m.openKnowledgeBase(ctx)
	if err != nil {
		return err
	}
	desk, err := m.openDesk(ctx)
	if err != nil {
		return err
	}
	answerer, err := m.newAnswerer(kb)
	if err != nil {
		return err
	}
	asst := bot.NewAssistant(answerer, desk)
	session := bot.Session{User: terminalUser(*as)}
	interactive := isTerminal(m.Stdin)
	if interactive {
		fmt.Fprintln(m.Stdout, "党务助手已就绪。直接输入问题；/help 查看命令，/quit 退出。")
	}
	sc := bufio.NewScanner(m.Stdin)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for {
		if interactive {
			fmt.Fprint(m.Stdout, "> ")
		}
		if !sc.Scan() {
			break
		}
		line := sc.Text()
		if line == "" {
			continue
		}
		reply, err := asst.Handle(ctx, &session, line)
		if err != nil {
			m.Logger.Error("chat", "err", err)
		}
		fmt.Fprintln(m.Stdout, reply.Text)
		if !interactive {
			fmt.Fprintln(m.Stdout)
		}
		if reply.Quit || ctx.Err() != nil {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("读取输入失败：%w", err)
	}
	return nil
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

// openDesk opens the ticket store and router for the assistant's demands.
func (m *Main) openDesk(ctx context.Context) (*bot.Desk, error) {
	store, err := m.openTickets(ctx)
	if err != nil {
		return nil, err
	}
	r, _, err := m.openRouter()
	if err != nil {
		return nil, err
	}
	extract, err := m.extractor(r)
	if err != nil {
		return nil, err
	}
	return &bot.Desk{Store: store, Extract: extract, Viewer: m.Config.Viewer}, nil
}

// isTerminal reports whether r is a character device (an interactive terminal).
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
