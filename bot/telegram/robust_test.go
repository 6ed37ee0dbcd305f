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
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
func (a *stub) NoticeDelivered(context.Context, bot.Notice) error         { return nil }
func (a *stub) NoticeFailed(context.Context, bot.Notice, error) error     { return nil }
func (a *stub) MayUpload(*bot.Session) bool                               { return false }
func (a *stub) Upload(context.Context, *bot.Session, string, []byte) (bot.Reply, error) {
	return bot.Reply{Text: "no"}, nil
}
func (a *stub) NoticeLease() time.Duration { return bot.NoticeLease }

func (a *stub) HandleMedia(context.Context, *bot.Session, bot.Media) (bot.Reply, error) {
	return bot.Reply{Text: "media"}, nil
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
	assert.Len(t, sentTo(h.api.snapshot(), resident), 1, "messages delivered")
	assert.Equal(t, 2, h.api.attemptsOf("sendMessage"), "attempts: the 429, then the message")
	assert.Equal(t, []time.Duration{3 * time.Second}, h.waits, "waited")

	// A retry_after beyond the limit is not waited for.
	h.api.fail(failure{method: "sendMessage", code: 429, desc: "Too Many Requests: retry after 3600", retryAfter: 3600, times: 1})
	h.process(h.say(resident, "再来"))
	assert.Len(t, sentTo(h.api.snapshot(), resident), 1, "messages delivered, want still 1")
	assert.Len(t, h.waits, 1, "waited for an hour-long retry_after")
}

// fileDemand files a demand for the resident through the handlers and
// returns its number.
func (h *harness) fileDemand(t *testing.T) string {
	t.Helper()
	h.process(h.say(resident, "/demand 老板拖欠工资三个月了"))
	draft := last(t, "draft", sentTo(h.api.snapshot(), resident))
	h.process(h.press(resident, draft, draft.buttons(t)["提交"]))
	n := numberRE.FindString(last(t, "filing", sentTo(h.api.snapshot(), resident)).plain())
	require.NotEmpty(t, n, "no ticket filed:\n%s", dump(h.api.snapshot()))
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
		require.NoError(t, err, "DeliverNotices")
		require.Equal(t, want, n, "DeliverNotices")
	}
	deliver(0) // the 500
	assert.Empty(t, sentTo(h.api.snapshot(), deptChat), "cards after a 500")
	attempts := h.api.attemptsOf("sendMessage")
	deliver(0) // not due yet: not even tried
	assert.Equal(t, attempts, h.api.attemptsOf("sendMessage"), "a failed notice was retried before its backoff")
	h.clock.advance(31 * time.Second)
	deliver(1)
	deliver(0)
	card := one(t, "card", sentTo(h.api.snapshot(), deptChat))
	assert.Contains(t, card.plain(), number, "card")

	// An escalation goes to every admin and the admin chat. The chat fails
	// once; the retry reaches it without sending the admin a second copy.
	h.api.fail(failure{method: "sendMessage", code: 500, desc: "Internal Server Error", times: 1,
		match: func(c apiCall) bool { return c.Params["chat_id"] == strconv.FormatInt(adminChat, 10) }})
	h.clock.advance(6 * 24 * time.Hour) // past the due date: 2 级督办
	_, err := h.store.Sweep(ctx, h.clock.now())
	require.NoError(t, err)
	deliver(1) // the department's reminder; the admins' failed halfway
	h.clock.advance(31 * time.Second)
	deliver(1)
	calls := h.api.snapshot()
	for _, chat := range []int64{admin, adminChat} {
		assert.Len(t, withText(sentTo(calls, chat), "【督办】"), 1, "chat %d got the reminder, want once:\n%s", chat, dump(calls))
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
	_, err := h.srv.DeliverNotices(context.Background()) // the card
	require.NoError(t, err)
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
	require.GreaterOrEqual(t, len(parts), 2, "parts")
	var got []string
	for i, p := range parts {
		text := p.plain()
		assert.LessOrEqual(t, telegram.UTF16Len(text), telegram.MaxMessageUTF16, "UTF-16 units of part %d", i)
		for _, para := range strings.Split(text, "\n\n") {
			assert.True(t, slices.Contains(paras, para), "part %d cut a paragraph: %q", i, para)
		}
		assert.Equal(t, i == len(parts)-1, p.Params["reply_markup"] != "", "part %d of %d has buttons", i, len(parts))
		got = append(got, text)
	}
	assert.Equal(t, long, strings.Join(got, "\n\n"), "the parts do not add up to the reply")
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
				assert.Empty(t, calls, "answered:\n%s", dump(calls))
				return
			}
			r := one(t, "reply", calls)
			assert.Contains(t, r.plain(), tc.want, "reply")
			want := fmt.Sprintf(`{"message_id":%d,"allow_sending_without_reply":true}`, tc.update.Message.ID)
			assert.Equal(t, want, r.Params["reply_parameters"], "reply_parameters")
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
	s := sentTo(calls, resident)
	assert.Contains(t, s[0].plain(), "内部错误", "replies:\n%s", dump(s))
	assert.Equal(t, "echo: ok", s[1].plain(), "replies:\n%s", dump(s))
	h.api.push(h.press(resident, sentTo(calls, resident)[1], "x"))
	calls = h.api.waitFor(t, "the answer to the button", func(cs []apiCall) bool { return len(byMethod(cs, "answerCallbackQuery")) == 1 })
	a := byMethod(calls, "answerCallbackQuery")[0]
	assert.Contains(t, a.Params["text"], "内部错误", "callback answer %v", a.Params)
	h.stop()
	assert.Contains(t, h.logs.String(), "handler panic", "the panic was not logged")
}

// TestUnknownCommandAndBrokenButtons: an unknown command gets a hint;
// malformed, forged or empty callback data gets a polite alert and
// changes nothing.
func TestUnknownCommandAndBrokenButtons(t *testing.T) {
	h := newHarness(t)
	h.process(h.say(resident, "/frobnicate now"))
	assert.Contains(t, last(t, "reply", sentTo(h.api.snapshot(), resident)).plain(), "未知命令 /frobnicate", "reply")
	h.process(h.say(resident, "/help"))
	help := last(t, "help", sentTo(h.api.snapshot(), resident))
	for _, data := range []string{"", "zz", "ac:", "ac:../../etc", "ac:2026-999999", "rt:2026-000001:9", "rt:2026-000001:+5",
		"rs:x", "tr:", "dm:", "dm:frob:1", "fb:0:+", "fb:abc:+", "fb:1:x", "fb:99:+", "\xff\xfe", strings.Repeat("ac:", 40)} {
		t.Run(strconv.Quote(data), func(t *testing.T) {
			before := h.api.snapshot()
			h.process(h.press(resident, help, data))
			calls := h.api.snapshot()[len(before):]
			a := one(t, "callback answer", calls)
			assert.Equal(t, "answerCallbackQuery", a.Method, "got %s %v", a.Method, a.Params)
			assert.Equal(t, "true", a.Params["show_alert"], "got %s %v", a.Method, a.Params)
			assert.NotEmpty(t, a.Params["text"], "got %s %v", a.Method, a.Params)
		})
	}
	assert.Zero(t, h.ticketCount(), "a broken button filed a ticket")
}

// TestAccess: in allowlist mode a user not on the list is refused
// politely, for messages and buttons alike.
func TestAccess(t *testing.T) {
	h := newHarness(t, withConfig(func(c *telegram.Config) {
		c.Allowed = func(id string) bool { return id != strconv.FormatInt(stranger, 10) }
	}))
	h.process(h.say(stranger, "怎样落实“六同步”机制？"))
	assert.Contains(t, one(t, "refusal", sentTo(h.api.snapshot(), stranger)).plain(), "没有使用本助手的权限", "reply")
	h.process(h.say(resident, "/help"))
	help := last(t, "help", sentTo(h.api.snapshot(), resident))
	h.process(h.press(stranger, help, "dm:ok:1"))
	a := last(t, "answer", byMethod(h.api.snapshot(), "answerCallbackQuery"))
	assert.Contains(t, a.Params["text"], "没有使用本助手的权限", "callback answer %v", a.Params)
}

// TestIDCommand: /id tells the chat and user ids, even to a user not yet
// allowed: they need it to be let in.
func TestIDCommand(t *testing.T) {
	h := newHarness(t, withConfig(func(c *telegram.Config) { c.Allowed = func(string) bool { return false } }))
	h.process(h.sayIn(deptChat, stranger, "/id@partybot_test_bot"))
	r := one(t, "ids", sentTo(h.api.snapshot(), deptChat))
	assert.Contains(t, r.plain(), "chat_id：-100777", "reply")
	assert.Contains(t, r.plain(), "用户 ID：3003", "reply")
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
	assert.Equal(t, []string{"echo: 0", "echo: 1", "您发送得有点快，请稍等片刻再继续。"}, got, "replies")
	h.process(h.say(staff, "别人不受影响"))
	mu.Lock()
	now = now.Add(time.Second) // one token back
	mu.Unlock()
	h.process(h.say(resident, "again"))
	assert.Equal(t, "echo: again", last(t, "reply", sentTo(h.api.snapshot(), resident)).plain(), "after a second")
	assert.Len(t, sentTo(h.api.snapshot(), staff), 1, "another user was limited")
}

// TestSessionsBounded: conversations kept are bounded.
func TestSessionsBounded(t *testing.T) {
	h := newHarness(t, withStub(&stub{handle: echo}), withConfig(func(c *telegram.Config) { c.MaxSessions = 3 }))
	for id := int64(1); id <= 10; id++ {
		h.process(h.say(id, "hi"))
	}
	assert.Equal(t, 3, h.srv.Sessions(), "sessions kept")
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
	assert.Equal(t, "https://bot.example.org/tg/hook", set.Params["url"], "setWebhook %v", set.Params)
	assert.Equal(t, "s3cret_Token", set.Params["secret_token"], "setWebhook %v", set.Params)
	post := func(secret, body string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr.String()+"/tg/hook", strings.NewReader(body))
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
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
		// The posts go in order: the ones after a wrong status would mislead.
		require.Equal(t, tc.want, post(tc.secret, tc.body), "%s: status", tc.name)
	}
	r := h.api.waitFor(t, "the reply", func(cs []apiCall) bool { return len(sentTo(cs, resident)) == 1 })
	h.stop()
	got := sentTo(h.api.snapshot(), resident)
	require.Len(t, got, 1, "replies:\n%s\n%s", dump(got), dump(r))
	assert.Equal(t, "echo: 你好", got[0].plain(), "reply")
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
		assert.Contains(t, text, want, "stats")
	}
	doc := last(t, "document", byMethod(calls, "sendDocument"))
	assert.Equal(t, "工单统计-2026-03.xlsx", doc.FileName, "stats document")
	assert.Equal(t, strconv.FormatInt(admin, 10), doc.Params["chat_id"], "stats document's chat")
	assert.Equal(t, "统计期间：2026年3月", cell(t, doc.FileData, "统计", "A1"), "stats sheet A1")

	h.process(h.say(admin, "/export"))
	doc = last(t, "document", byMethod(h.api.snapshot(), "sendDocument"))
	assert.Equal(t, "工单台账-全部.xlsx", doc.FileName, "export")
	assert.Equal(t, number, cell(t, doc.FileData, "台账", "A2"), "export A2")

	for _, cmd := range []string{"/stats", "/export"} {
		h.process(h.say(resident, cmd))
		assert.Contains(t, last(t, "refusal", sentTo(h.api.snapshot(), resident)).plain(), "只有管理员和部门工作人员", "%s for a resident", cmd)
	}
	assert.Equal(t, 2, len(byMethod(h.api.snapshot(), "sendDocument")), "documents sent")
}

func cell(t *testing.T, data []byte, sheet, axis string) string {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(string(data)))
	require.NoError(t, err)
	defer f.Close()
	v, err := f.GetCellValue(sheet, axis)
	require.NoError(t, err)
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
	assert.Equal(t, "echo: 你好", sentTo(calls, deptChat)[0].plain(), "reply")
	h.stop()

	refused := newHarness(t, withStub(&stub{handle: echo}))
	refused.api.fail(failure{method: "getMe", code: 401, desc: "Unauthorized", times: 1})
	err := refused.srv.Run(context.Background())
	require.Error(t, err, "Run with a refused token")
	assert.Contains(t, err.Error(), "refused", "Run")
	assert.NotContains(t, err.Error(), "secret-token", "Run's error shows the token")
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
	r := sentTo(h.api.snapshot(), resident)
	require.Len(t, r, 1, "replies:\n%s", dump(r))
	assert.Equal(t, "echo: slow", r[0].plain(), "reply")
}
