package main

import (
	"bufio"
	"context"
	"fmt"
	"os"

	"partybot/bot"
)

// runChat is the terminal conversation: the same assistant and commands as
// Telegram, one message per line, interactive or piped.
func (m *Main) runChat(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return usagef("用法：partybot chat（不带参数）")
	}
	kb, err := m.openKnowledgeBase(ctx)
	if err != nil {
		return err
	}
	asst := bot.NewAssistant(bot.NewAnswerer(kb))
	var session bot.Session
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

// isTerminal reports whether r is a character device (an interactive terminal).
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
