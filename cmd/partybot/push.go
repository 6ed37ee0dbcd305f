package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"partybot/knowledge"
	"partybot/push"
)

const pushUsage = `用法：
  partybot push preview 文件                       预览文件会推送给谁、为什么，以及推送摘要
  partybot push hold 文件名                        暂缓推送该文件（导入后也不发出）
  partybot push release 文件名                     恢复推送，未发出的通知重新排期
  partybot push subscribe --user ID [--chat 会话ID] [--as 身份]... [--topic 话题]...
  partybot push unsubscribe --user ID [身份或话题...]   不写则全部退订`

// runPush implements "partybot push": previewing who a document would
// reach, holding and releasing a document's notices, and subscribing
// users by hand (for testing and for administrators).
func (m *Main) runPush(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("%s", pushUsage)
	}
	switch args[0] {
	case "preview":
		return m.pushPreview(ctx, args[1:])
	case "hold", "release":
		return m.pushHold(ctx, args[0], args[1:])
	case "subscribe":
		return m.pushSubscribe(ctx, args[1:])
	case "unsubscribe":
		return m.pushUnsubscribe(ctx, args[1:])
	}
	return usagef("未知的 push 子命令 %q\n\n%s", args[0], pushUsage)
}

// pushConfig is the "push" section of the config file.
func (m *Main) pushConfig() push.Config { return m.Config.Push }

// openPush opens the push store (push.db in the data directory, or the
// shared PostgreSQL database); Close closes it.
func (m *Main) openPush(ctx context.Context) (*push.Store, error) {
	if err := m.loadConfig(); err != nil {
		return nil, err
	}
	dsn, err := m.Config.storeDSN("push.db")
	if err != nil {
		return nil, err
	}
	s, err := push.Open(ctx, dsn, push.WithConfig(m.pushConfig()))
	if err != nil {
		return nil, fmt.Errorf("打开推送库失败：%w", err)
	}
	m.onClose(s.Close)
	return s, nil
}

// pushPreview loads a file as ingest does and prints whom it would reach.
func (m *Main) pushPreview(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return usagef("用法：partybot push preview 文件")
	}
	name := docName(args[0])
	data, err := readDoc(name)
	if err != nil {
		return fmt.Errorf("%s：%s", name, loadErrorMessage(err))
	}
	d, err := knowledge.Load(name, data)
	if err != nil {
		return fmt.Errorf("%s：%s", name, loadErrorMessage(err))
	}
	s, err := m.openPush(ctx)
	if err != nil {
		return err
	}
	doc := push.FromKnowledge(d, knowledge.DefaultChunkRunes)
	p, err := s.Plan(ctx, doc, time.Now())
	if err != nil {
		return err
	}
	m.printPlan(doc, p)
	return nil
}

// previewMax is how many recipients a preview lists.
const previewMax = 50

// printPlan prints what preview found.
func (m *Main) printPlan(doc push.Document, p push.PlanResult) {
	w := m.Stdout
	fmt.Fprintf(w, "文件：%s\n标题：%s\n", doc.Name, doc.Citation())
	var aud []string
	for _, a := range p.Concern.Audiences {
		aud = append(aud, a.Audience+"（"+a.Why+"）")
	}
	fmt.Fprintf(w, "面向：%s\n", orNone(strings.Join(aud, "、"), "未识别出特定身份"))
	fmt.Fprintf(w, "话题：%s\n", orNone(firstOf(p.Concern.Topics, 10), "无"))
	fmt.Fprintf(w, "摘要：%s\n", orNone(p.Notice.Extract, "（文件中没有可摘录的句子）"))
	for i, id := range p.Notice.Cites {
		fmt.Fprintf(w, "  [%d] %s\n", i+1, excerpt(doc, id))
	}
	fmt.Fprintf(w, "将推送给 %d 位订阅者", len(p.Recipients))
	if p.Already > 0 {
		fmt.Fprintf(w, "（另有 %d 位已推送过，不再重复）", p.Already)
	}
	fmt.Fprintln(w, "：")
	for i, r := range p.Recipients {
		if i == previewMax {
			fmt.Fprintf(w, "  ……另有 %d 位\n", len(p.Recipients)-i)
			break
		}
		fmt.Fprintf(w, "  用户 %d：%s\n", r.UserID, r.Why)
	}
	switch {
	case p.Held:
		fmt.Fprintf(w, "状态：已暂缓，导入后也不会发出；恢复：partybot push release %s\n", doc.Name)
	default:
		fmt.Fprintf(w, "发送：现在导入则于 %s 起发出（免打扰时段与每日上限照常适用）；暂缓：partybot push hold %s\n",
			p.At.Format("2006-01-02 15:04"), doc.Name)
	}
}

// excerpt is the start of passage id of doc, on one line.
func excerpt(doc push.Document, id string) string {
	for _, p := range doc.Passages {
		if p.ID == id {
			text := strings.Join(strings.Fields(p.Text), " ")
			if utf8.RuneCountInString(text) > 60 {
				text = string([]rune(text)[:60]) + "……"
			}
			return text
		}
	}
	return id
}

// firstOf lists up to n of xs, with the count of the rest.
func firstOf(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, "、")
	}
	return fmt.Sprintf("%s 等 %d 个", strings.Join(xs[:n], "、"), len(xs))
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// pushHold holds or releases a document's notices. A path to a file
// names the document as ingest names it (made absolute); anything else is
// taken as the name itself (an upload's).
func (m *Main) pushHold(ctx context.Context, cmd string, args []string) error {
	if len(args) != 1 || args[0] == "" {
		return usagef("用法：partybot push %s 文件名", cmd)
	}
	name := args[0]
	if _, err := os.Stat(name); err == nil {
		name = docName(name)
	}
	s, err := m.openPush(ctx)
	if err != nil {
		return err
	}
	if cmd == "hold" {
		if err := s.Hold(ctx, name); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "已暂缓推送：%s\n通知不会发出，直到 partybot push release %s\n", name, name)
		return nil
	}
	n, err := s.Release(ctx, name, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "已恢复推送：%s（%d 条通知重新排期）\n", name, n)
	return nil
}

// words is a repeatable flag whose values may also list several words,
// separated by commas or 、.
type words []string

func (w *words) String() string { return strings.Join(*w, "、") }

func (w *words) Set(v string) error {
	for _, x := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
		if x = strings.TrimSpace(x); x != "" {
			*w = append(*w, x)
		}
	}
	return nil
}

// pushSubscribe subscribes a user by hand.
func (m *Main) pushSubscribe(ctx context.Context, args []string) error {
	fs := newFlagSet("push subscribe")
	user := fs.Int64("user", 0, "user id")
	chat := fs.Int64("chat", 0, "chat id (default: the user's private chat)")
	var as, topics words
	fs.Var(&as, "as", "audience")
	fs.Var(&topics, "topic", "topic")
	rest, err := parseInterspersed(fs, args)
	if err != nil || len(rest) > 0 || *user == 0 {
		return usagef("用法：partybot push subscribe --user ID [--chat 会话ID] [--as 身份]... [--topic 话题]...")
	}
	if *chat == 0 {
		*chat = *user // a private chat's id is the user's
	}
	s, err := m.openPush(ctx)
	if err != nil {
		return err
	}
	sub, err := s.Subscribe(ctx, push.Subscription{UserID: *user, ChatID: *chat, Audiences: as, Topics: topics})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "已订阅：用户 %d（会话 %d）\n身份：%s\n话题：%s\n", sub.UserID, sub.ChatID,
		orNone(strings.Join(sub.Audiences, "、"), "不限"), orNone(strings.Join(sub.Topics, "、"), "不限"))
	return nil
}

// pushUnsubscribe removes some or all of a user's subscription.
func (m *Main) pushUnsubscribe(ctx context.Context, args []string) error {
	fs := newFlagSet("push unsubscribe")
	user := fs.Int64("user", 0, "user id")
	what, err := parseInterspersed(fs, args)
	if err != nil || *user == 0 {
		return usagef("用法：partybot push unsubscribe --user ID [身份或话题...]")
	}
	s, err := m.openPush(ctx)
	if err != nil {
		return err
	}
	if err := s.Unsubscribe(ctx, *user, what...); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "已退订：用户 %d %s\n", *user, orNone(strings.Join(what, "、"), "（全部）"))
	return nil
}
