package telegram_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/xuri/excelize/v2"

	"partybot/bot"
	"partybot/bot/telegram"
)

// stub is an assistant whose replies the test decides.
type stub struct {
	handle   func(ctx context.Context, s *bot.Session, text string) (bot.Reply, error)
	callback func(ctx context.Context, s *bot.Session, data string) (bot.Reply, error)
}

func (a *stub) HandleStream(ctx context.Context, s *bot.Session, text string, _ func(string)) (bot.Reply, error) {
	return a.handle(ctx, s, text)
}

func (a *stub) Callback(ctx context.Context, s *bot.Session, data string) (bot.Reply, error) {
	if a.callback == nil {
		return bot.Reply{Text: "ok"}, nil
	}
	return a.callback(ctx, s, data)
}

func (a *stub) PendingNotices(context.Context, int) ([]bot.Notice, error) { return nil, nil }
func (a *stub) NoticeDelivered(context.Context, int64) error              { return nil }
func (a *stub) NoticeFailed(context.Context, int64, error) error          { return nil }
func (a *stub) MayUpload(*bot.Session) bool                               { return false }
func (a *stub) Upload(context.Context, *bot.Session, string, []byte) (bot.Reply, error) {
	return bot.Reply{Text: "no"}, nil
}

// echo replies with the text it got.
func echo(_ context.Context, _ *bot.Session, text string) (bot.Reply, error) {
	return bot.Reply{Text: "echo: " + text}, nil
}

// TestTooManyRequests: Telegram answers 429 with retry_after; the server
// waits that long and sends again, and the message arrives exactly once.
func TestTooManyRequests(t *testing.T) {
	h := newHarness(t, withStub(&stub{handle: echo}))
	h.api.fail(failure{method: "sendMessage", code: 429, desc: "Too Many Requests: retry after 3", retryAfter: 3, times: 1})
	h.process(h.say(resident, "你好"))
	if got := len(sentTo(h.api.snapshot(), resident)); got != 1 {
		t.Fatalf("%d messages delivered, want 1", got)
	}
	if got := h.api.attemptsOf("sendMessage"); got != 2 {
		t.Fatalf("%d attempts, want 2 (the 429, then the message)", got)
	}
	if !slices.Equal(h.waits, []time.Duration{3 * time.Second}) {
		t.Fatalf("waited %v, want [3s]", h.waits)
	}

	// A retry_after beyond the limit is not waited for.
	h.api.fail(failure{method: "sendMessage", code: 429, desc: "Too Many Requests: retry after 3600", retryAfter: 3600, times: 1})
	h.process(h.say(resident, "再来"))
	if got := len(sentTo(h.api.snapshot(), resident)); got != 1 {
		t.Fatalf("%d messages delivered, want still 1", got)
	}
	if len(h.waits) != 1 {
		t.Fatalf("waited %v for an hour-long retry_after", h.waits)
	}
}

// fileDemand files a demand for the resident through the handlers and
// returns its number.
func (h *harness) fileDemand(t *testing.T) string {
	t.Helper()
	h.process(h.say(resident, "/demand 老板拖欠工资三个月了"))
	draft := last(t, "draft", sentTo(h.api.snapshot(), resident))
	h.process(h.press(resident, draft, draft.buttons(t)["提交"]))
	n := numberRE.FindString(last(t, "filing", sentTo(h.api.snapshot(), resident)).plain())
	if n == "" {
		t.Fatalf("no ticket filed:\n%s", dump(h.api.snapshot()))
	}
	return n
}

// TestNoticeServerError: a 500 on a notice leaves it in the outbox; it is
// retried after the backoff, delivered once, and never again.
func TestNoticeServerError(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	number := h.fileDemand(t)

	h.api.fail(failure{method: "sendMessage", code: 500, desc: "Internal Server Error", times: 1,
		match: func(c apiCall) bool { return c.Params["chat_id"] == strconv.FormatInt(deptChat, 10) }})
	deliver := func(want int) {
		t.Helper()
		n, err := h.srv.DeliverNotices(ctx)
		if err != nil || n != want {
			t.Fatalf("DeliverNotices = %d, %v; want %d", n, err, want)
		}
	}
	deliver(0) // the 500
	if got := len(sentTo(h.api.snapshot(), deptChat)); got != 0 {
		t.Fatalf("%d cards after a 500", got)
	}
	attempts := h.api.attemptsOf("sendMessage")
	deliver(0) // not due yet: not even tried
	if h.api.attemptsOf("sendMessage") != attempts {
		t.Fatal("a failed notice was retried before its backoff")
	}
	h.clock.advance(31 * time.Second)
	deliver(1)
	deliver(0)
	card := one(t, "card", sentTo(h.api.snapshot(), deptChat))
	if !strings.Contains(card.plain(), number) {
		t.Fatalf("card %s", card.plain())
	}

	// An escalation goes to every admin and the admin chat. The chat fails
	// once; the retry reaches it without sending the admin a second copy.
	h.api.fail(failure{method: "sendMessage", code: 500, desc: "Internal Server Error", times: 1,
		match: func(c apiCall) bool { return c.Params["chat_id"] == strconv.FormatInt(adminChat, 10) }})
	h.clock.advance(6 * 24 * time.Hour) // past the due date: 2 级督办
	if _, err := h.store.Sweep(ctx, h.clock.now()); err != nil {
		t.Fatal(err)
	}
	deliver(1) // the department's reminder; the admins' failed halfway
	h.clock.advance(31 * time.Second)
	deliver(1)
	calls := h.api.snapshot()
	for _, chat := range []int64{admin, adminChat} {
		if got := len(withText(sentTo(calls, chat), "【督办】")); got != 1 {
			t.Fatalf("chat %d got the reminder %d times, want once:\n%s", chat, got, dump(calls))
		}
	}
}

// TestSweep: the server runs the 督办 sweep and delivers its reminders to
// the department's group, each admin and the admin chat.
func TestSweep(t *testing.T) {
	var h *harness
	h = newHarness(t, withConfig(func(c *telegram.Config) {
		c.Sweep = func(ctx context.Context, _ time.Time) error {
			_, err := h.store.Sweep(ctx, h.clock.now())
			return err
		}
	}))
	h.fileDemand(t)
	if _, err := h.srv.DeliverNotices(context.Background()); err != nil { // the card
		t.Fatal(err)
	}
	h.clock.advance(6 * 24 * time.Hour)
	h.start()
	h.api.waitFor(t, "the reminders", func(cs []apiCall) bool {
		for _, chat := range []int64{deptChat, admin, adminChat} {
			if len(withText(sentTo(cs, chat), "【督办】")) != 1 {
				return false
			}
		}
		return true
	})
}

// TestLongMessage: a reply over 4,096 characters is split on paragraph
// boundaries into parts of at most 4,096 UTF-16 units, the buttons under
// the last.
func TestLongMessage(t *testing.T) {
	var paras []string
	for i := range 40 {
		// 3 + 150 + 2 (an emoji is two UTF-16 units) per paragraph.
		paras = append(paras, fmt.Sprintf("%02d、%s🙂", i, strings.Repeat("党建引领<基层>&治理", 15)))
	}
	long := strings.Join(paras, "\n\n")
	h := newHarness(t, withStub(&stub{handle: func(context.Context, *bot.Session, string) (bot.Reply, error) {
		return bot.Reply{Text: long, Buttons: [][]bot.Button{{{Text: "好", Data: "x:1"}}}}, nil
	}}))
	h.process(h.say(resident, "长一点"))
	parts := sentTo(h.api.snapshot(), resident)
	if len(parts) < 2 {
		t.Fatalf("%d parts", len(parts))
	}
	var got []string
	for i, p := range parts {
		text := p.plain()
		if n := telegram.UTF16Len(text); n > telegram.MaxMessageUTF16 {
			t.Fatalf("part %d is %d UTF-16 units", i, n)
		}
		for _, para := range strings.Split(text, "\n\n") {
			if !slices.Contains(paras, para) {
				t.Fatalf("part %d cut a paragraph: %q", i, para)
			}
		}
		if hasButtons := p.Params["reply_markup"] != ""; hasButtons != (i == len(parts)-1) {
			t.Fatalf("part %d of %d has buttons: %v", i, len(parts), hasButtons)
		}
		got = append(got, text)
	}
	if strings.Join(got, "\n\n") != long {
		t.Fatal("the parts do not add up to the reply")
	}
}

// TestGroupChats: in a group the bot answers only commands addressed to
// it, mentions and replies to its messages.
func TestGroupChats(t *testing.T) {
	h := newHarness(t)
	h.process(h.sayIn(deptChat, staff, "/help@partybot_test_bot"))
	botMsg := last(t, "help", sentTo(h.api.snapshot(), deptChat))
	mention := func(text, name string) models.MessageEntity {
		i := strings.Index(text, name)
		return models.MessageEntity{Type: models.MessageEntityTypeMention,
			Offset: telegram.UTF16Len(text[:i]), Length: telegram.UTF16Len(name)}
	}
	tests := []struct {
		name   string
		update *models.Update
		want   string // in the reply; "" for no reply
	}{
		{"plain chatter", h.sayIn(deptChat, staff, "大家好，今天下午开会"), ""},
		{"command for another bot", h.sayIn(deptChat, staff, "/help@other_bot"), ""},
		{"command for this bot", h.sayIn(deptChat, staff, "/ask@PartyBot_Test_Bot 怎样落实“六同步”机制？"), "[1]"},
		{"bare command", h.sayIn(deptChat, staff, "/help"), "/demand"},
		{"mention of another bot", func() *models.Update {
			text := "@other_bot 怎样落实“六同步”机制？"
			return h.sayIn(deptChat, staff, text, mention(text, "@other_bot"))
		}(), ""},
		// The emoji before the mention takes two UTF-16 units: the entity
		// offset counts them.
		{"mention after an emoji", func() *models.Update {
			text := "🙂🙂 @partybot_test_bot 怎样落实“六同步”机制？"
			return h.sayIn(deptChat, staff, text, mention(text, "@partybot_test_bot"))
		}(), "[1]"},
		{"only a mention", func() *models.Update {
			text := "@partybot_test_bot"
			return h.sayIn(deptChat, staff, text, mention(text, text))
		}(), "/demand"},
		{"reply to the bot", h.replyTo(botMsg, staff, "怎样落实“六同步”机制？"), "[1]"},
		{"reply to someone else", func() *models.Update {
			u := h.sayIn(deptChat, staff, "怎样落实“六同步”机制？")
			u.Message.ReplyToMessage = &models.Message{ID: 1, Date: 1, From: user(resident), Chat: u.Message.Chat}
			return u
		}(), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(h.api.snapshot())
			h.process(tc.update)
			calls := h.api.snapshot()[before:]
			if tc.want == "" {
				if len(calls) != 0 {
					t.Fatalf("answered:\n%s", dump(calls))
				}
				return
			}
			r := one(t, "reply", calls)
			if !strings.Contains(r.plain(), tc.want) {
				t.Fatalf("reply lacks %q: %s", tc.want, r.plain())
			}
			if want := fmt.Sprintf(`{"message_id":%d,"allow_sending_without_reply":true}`, tc.update.Message.ID); r.Params["reply_parameters"] != want {
				t.Fatalf("reply_parameters %s, want %s", r.Params["reply_parameters"], want)
			}
		})
	}
}

// TestHandlerPanic: a panicking handler is recovered — the user gets an
// apology and the server goes on with the next update.
func TestHandlerPanic(t *testing.T) {
	h := newHarness(t, withStub(&stub{
		handle: func(ctx context.Context, s *bot.Session, text string) (bot.Reply, error) {
			if text == "boom" {
				panic("boom")
			}
			return echo(ctx, s, text)
		},
		callback: func(context.Context, *bot.Session, string) (bot.Reply, error) { panic("bang") },
	}))
	h.start()
	msg := h.say(resident, "ok")
	h.api.push(h.say(resident, "boom"), msg)
	calls := h.api.waitFor(t, "the reply after the panic", func(cs []apiCall) bool { return len(sentTo(cs, resident)) == 2 })
	if s := sentTo(calls, resident); !strings.Contains(s[0].plain(), "内部错误") || s[1].plain() != "echo: ok" {
		t.Fatalf("replies:\n%s", dump(s))
	}
	h.api.push(h.press(resident, sentTo(calls, resident)[1], "x"))
	calls = h.api.waitFor(t, "the answer to the button", func(cs []apiCall) bool { return len(byMethod(cs, "answerCallbackQuery")) == 1 })
	if a := byMethod(calls, "answerCallbackQuery")[0]; !strings.Contains(a.Params["text"], "内部错误") {
		t.Fatalf("callback answer %v", a.Params)
	}
	h.stop()
	if !strings.Contains(h.logs.String(), "handler panic") {
		t.Fatal("the panic was not logged")
	}
}

// TestUnknownCommandAndBrokenButtons: an unknown command gets a hint;
// malformed, forged or empty callback data gets a polite alert and
// changes nothing.
func TestUnknownCommandAndBrokenButtons(t *testing.T) {
	h := newHarness(t)
	h.process(h.say(resident, "/frobnicate now"))
	if r := last(t, "reply", sentTo(h.api.snapshot(), resident)); !strings.Contains(r.plain(), "未知命令 /frobnicate") {
		t.Fatalf("reply %s", r.plain())
	}
	h.process(h.say(resident, "/help"))
	help := last(t, "help", sentTo(h.api.snapshot(), resident))
	for _, data := range []string{"", "zz", "ac:", "ac:../../etc", "ac:2026-999999", "rt:2026-000001:9", "rt:2026-000001:+5",
		"rs:x", "tr:", "dm:", "dm:frob:1", "fb:0:+", "fb:abc:+", "fb:1:x", "fb:99:+", "\xff\xfe", strings.Repeat("ac:", 40)} {
		t.Run(strconv.Quote(data), func(t *testing.T) {
			before := h.api.snapshot()
			h.process(h.press(resident, help, data))
			calls := h.api.snapshot()[len(before):]
			a := one(t, "callback answer", calls)
			if a.Method != "answerCallbackQuery" || a.Params["show_alert"] != "true" || a.Params["text"] == "" {
				t.Fatalf("got %s %v", a.Method, a.Params)
			}
		})
	}
	if h.ticketCount() != 0 {
		t.Fatal("a broken button filed a ticket")
	}
}

// TestAccess: in allowlist mode a user not on the list is refused
// politely, for messages and buttons alike.
func TestAccess(t *testing.T) {
	h := newHarness(t, withConfig(func(c *telegram.Config) {
		c.Allowed = func(id string) bool { return id != strconv.FormatInt(stranger, 10) }
	}))
	h.process(h.say(stranger, "怎样落实“六同步”机制？"))
	if r := one(t, "refusal", sentTo(h.api.snapshot(), stranger)); !strings.Contains(r.plain(), "没有使用本助手的权限") {
		t.Fatalf("reply %s", r.plain())
	}
	h.process(h.say(resident, "/help"))
	help := last(t, "help", sentTo(h.api.snapshot(), resident))
	h.process(h.press(stranger, help, "dm:ok:1"))
	if a := last(t, "answer", byMethod(h.api.snapshot(), "answerCallbackQuery")); !strings.Contains(a.Params["text"], "没有使用本助手的权限") {
		t.Fatalf("callback answer %v", a.Params)
	}
}

// TestIDCommand: /id tells the chat and user ids, even to a user not yet
// allowed: they need it to be let in.
func TestIDCommand(t *testing.T) {
	h := newHarness(t, withConfig(func(c *telegram.Config) { c.Allowed = func(string) bool { return false } }))
	h.process(h.sayIn(deptChat, stranger, "/id@partybot_test_bot"))
	if r := one(t, "ids", sentTo(h.api.snapshot(), deptChat)); !strings.Contains(r.plain(), "chat_id：-100777") || !strings.Contains(r.plain(), "用户 ID：3003") {
		t.Fatalf("reply %s", r.plain())
	}
}

// TestRateLimit: past the burst a user is told once to slow down, then
// ignored until the bucket refills.
func TestRateLimit(t *testing.T) {
	h := newHarness(t, withStub(&stub{handle: echo}), withConfig(func(c *telegram.Config) {
		c.RatePerMinute, c.RateBurst = 60, 2
	}))
	now := time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	h.srv.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	for i := range 4 {
		h.process(h.say(resident, strconv.Itoa(i)))
	}
	var got []string
	for _, c := range sentTo(h.api.snapshot(), resident) {
		got = append(got, c.plain())
	}
	if want := []string{"echo: 0", "echo: 1", "您发送得有点快，请稍等片刻再继续。"}; !slices.Equal(got, want) {
		t.Fatalf("replies %q, want %q", got, want)
	}
	h.process(h.say(staff, "别人不受影响"))
	mu.Lock()
	now = now.Add(time.Second) // one token back
	mu.Unlock()
	h.process(h.say(resident, "again"))
	if r := last(t, "reply", sentTo(h.api.snapshot(), resident)); r.plain() != "echo: again" {
		t.Fatalf("after a second: %s", r.plain())
	}
	if len(sentTo(h.api.snapshot(), staff)) != 1 {
		t.Fatal("another user was limited")
	}
}

// TestSessionsBounded: conversations kept are bounded.
func TestSessionsBounded(t *testing.T) {
	h := newHarness(t, withStub(&stub{handle: echo}), withConfig(func(c *telegram.Config) { c.MaxSessions = 3 }))
	for id := int64(1); id <= 10; id++ {
		h.process(h.say(id, "hi"))
	}
	if n := h.srv.Sessions(); n != 3 {
		t.Fatalf("%d sessions kept, want 3", n)
	}
}

// TestWebhook: with a webhook URL the server listens itself, registers
// the webhook with its secret, and takes only calls that carry it.
func TestWebhook(t *testing.T) {
	addrs := make(chan net.Addr, 1)
	h := newHarness(t, withStub(&stub{handle: echo}), withConfig(func(c *telegram.Config) {
		c.WebhookURL, c.WebhookListen, c.WebhookSecret = "https://bot.example.org/tg/hook", "127.0.0.1:0", "s3cret_Token"
	}))
	h.srv.OnListening(func(a net.Addr) { addrs <- a })
	h.start()
	addr := <-addrs
	set := one(t, "setWebhook", byMethod(h.api.waitFor(t, "setWebhook", func(cs []apiCall) bool { return len(byMethod(cs, "setWebhook")) == 1 }), "setWebhook"))
	if set.Params["url"] != "https://bot.example.org/tg/hook" || set.Params["secret_token"] != "s3cret_Token" {
		t.Fatalf("setWebhook %v", set.Params)
	}
	post := func(secret, body string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr.String()+"/tg/hook", strings.NewReader(body))
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	update := `{"update_id":7,"message":{"message_id":1,"date":1,"chat":{"id":1001,"type":"private"},"from":{"id":1001,"is_bot":false,"first_name":"张师傅"},"text":"你好"}}`
	for _, tc := range []struct {
		name, secret, body string
		want               int
	}{
		{"no secret", "", update, http.StatusUnauthorized},
		{"wrong secret", "s3cret_Tokem", update, http.StatusUnauthorized},
		{"broken body", "s3cret_Token", "{", http.StatusBadRequest},
		{"good", "s3cret_Token", update, http.StatusOK},
		{"delivered again", "s3cret_Token", update, http.StatusOK},
	} {
		if got := post(tc.secret, tc.body); got != tc.want {
			t.Fatalf("%s: status %d, want %d", tc.name, got, tc.want)
		}
	}
	r := h.api.waitFor(t, "the reply", func(cs []apiCall) bool { return len(sentTo(cs, resident)) == 1 })
	h.stop()
	if got := sentTo(h.api.snapshot(), resident); len(got) != 1 || got[0].plain() != "echo: 你好" {
		t.Fatalf("replies:\n%s\n%s", dump(got), dump(r))
	}
}

// TestStatsAndExport: admins get the statistics as a table and an .xlsx,
// and the 台账 as a document; others are refused.
func TestStatsAndExport(t *testing.T) {
	h := newHarness(t)
	number := h.fileDemand(t)
	h.process(h.say(admin, "/stats 2026-03"))
	calls := h.api.snapshot()
	text := last(t, "stats", sentTo(calls, admin)).plain()
	for _, want := range []string{"工单统计（2026年3月）", "受理 1 件", "区人社局：受理 1"} {
		if !strings.Contains(text, want) {
			t.Fatalf("stats lack %q:\n%s", want, text)
		}
	}
	doc := last(t, "document", byMethod(calls, "sendDocument"))
	if doc.FileName != "工单统计-2026-03.xlsx" || doc.Params["chat_id"] != strconv.FormatInt(admin, 10) {
		t.Fatalf("document %q to %s", doc.FileName, doc.Params["chat_id"])
	}
	if got := cell(t, doc.FileData, "统计", "A1"); got != "统计期间：2026年3月" {
		t.Fatalf("stats sheet A1 %q", got)
	}

	h.process(h.say(admin, "/export"))
	doc = last(t, "document", byMethod(h.api.snapshot(), "sendDocument"))
	if doc.FileName != "工单台账-全部.xlsx" || cell(t, doc.FileData, "台账", "A2") != number {
		t.Fatalf("export %q, A2 %q", doc.FileName, cell(t, doc.FileData, "台账", "A2"))
	}

	for _, cmd := range []string{"/stats", "/export"} {
		h.process(h.say(resident, cmd))
		if r := last(t, "refusal", sentTo(h.api.snapshot(), resident)); !strings.Contains(r.plain(), "只有管理员和部门工作人员") {
			t.Fatalf("%s for a resident: %s", cmd, r.plain())
		}
	}
	if n := len(byMethod(h.api.snapshot(), "sendDocument")); n != 2 {
		t.Fatalf("%d documents sent, want 2", n)
	}
}

func cell(t *testing.T, data []byte, sheet, axis string) string {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := f.GetCellValue(sheet, axis)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestGetMe: Run asks getMe for the username and knows its mentions; a
// token Telegram refuses stops Run with an error that does not show it.
func TestGetMe(t *testing.T) {
	h := newHarness(t, withStub(&stub{handle: echo}), withConfig(func(c *telegram.Config) { c.BotUsername = "" }))
	h.start()
	text := "@partybot_test_bot 你好"
	h.api.push(h.sayIn(deptChat, staff, text, models.MessageEntity{Type: models.MessageEntityTypeMention, Offset: 0, Length: 18}))
	calls := h.api.waitFor(t, "the reply", func(cs []apiCall) bool { return len(sentTo(cs, deptChat)) == 1 })
	if r := sentTo(calls, deptChat)[0]; r.plain() != "echo: 你好" {
		t.Fatalf("reply %q", r.plain())
	}
	h.stop()

	refused := newHarness(t, withStub(&stub{handle: echo}))
	refused.api.fail(failure{method: "getMe", code: 401, desc: "Unauthorized", times: 1})
	err := refused.srv.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "refused") || strings.Contains(err.Error(), "secret-token") {
		t.Fatalf("Run: %v", err)
	}
}

// TestShutdown: when Run's context ends, the handler in flight finishes
// and its reply is sent before Run returns.
func TestShutdown(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	h := newHarness(t, withStub(&stub{handle: func(ctx context.Context, s *bot.Session, text string) (bot.Reply, error) {
		if text == "slow" {
			close(started)
			<-release
		}
		return echo(ctx, s, text)
	}}))
	h.start()
	h.api.push(h.say(resident, "slow"))
	<-started
	h.cancel() // stop taking updates…
	close(release)
	h.stop() // …and Run returns once the handler is done
	if r := sentTo(h.api.snapshot(), resident); len(r) != 1 || r[0].plain() != "echo: slow" {
		t.Fatalf("replies:\n%s", dump(r))
	}
}
