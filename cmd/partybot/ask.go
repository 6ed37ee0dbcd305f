package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"partybot/apperr"
	"partybot/bot"
)

// askJSON is one line of "ask --json", the same object POST /api/v1/ask
// returns.
type askJSON = bot.AnswerJSON

// runAsk answers questions given as arguments, or one per line on stdin
// when the only argument is "-".
func (m *Main) runAsk(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "print one JSON object per question")
	k := fs.Int("k", 5, "passages to retrieve")
	if err := fs.Parse(args); err != nil {
		return usagef("用法：partybot ask [--json] [-k N] 问题...（%v）", err)
	}
	if *k < 1 || *k > 50 {
		return usagef("-k 应在 1 到 50 之间")
	}
	if fs.NArg() == 0 {
		return usagef("用法：partybot ask [--json] [-k N] 问题...；问题为 \"-\" 时从标准输入逐行读取")
	}
	kb, err := m.openKnowledgeBase(ctx)
	if err != nil {
		return err
	}
	a, err := m.newAnswerer(kb)
	if err != nil {
		return err
	}
	a.K = *k

	var failed error
	answer := func(q string) error {
		ans, err := a.Ask(ctx, q)
		if err != nil && apperr.Code(err) == apperr.EInternal {
			return err
		}
		if ans.ModelError != nil {
			// The extractive answer stands in, and says so; the cause is
			// for the operator.
			m.Logger.Warn("chat model failed; answered from the passages", "err", ans.ModelError)
		}
		if *asJSON {
			out := bot.NewAnswerJSON(q, ans, err)
			b, _ := json.Marshal(out)
			fmt.Fprintln(m.Stdout, string(b))
		} else if err != nil {
			fmt.Fprintln(m.Stderr, apperr.Message(err))
		} else {
			fmt.Fprintln(m.Stdout, ans.Text)
		}
		if err != nil {
			failed = errors.New(apperr.Message(err))
		}
		return nil
	}
	if fs.NArg() == 1 && fs.Arg(0) == "-" {
		sc := bufio.NewScanner(m.Stdin)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		first := true
		for sc.Scan() {
			line := sc.Text()
			if strings.TrimSpace(line) == "" {
				continue
			}
			if !first && !*asJSON {
				fmt.Fprintln(m.Stdout)
			}
			first = false
			if err := answer(line); err != nil {
				return err
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("读取标准输入失败：%w", err)
		}
		return failed
	}
	if err := answer(strings.Join(fs.Args(), " ")); err != nil {
		return err
	}
	return failed
}
