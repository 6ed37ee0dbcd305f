package telegram_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/bot/telegram"
	"partybot/tickets"
)

// TestReplicasShareConversations: consecutive messages of one chat reach
// different replicas of the bot on one database. A demand typed on A and
// confirmed on B files one ticket; the sources of an answer given by B are
// shown by A; a second press of 提交, on A, files nothing more.
func TestReplicasShareConversations(t *testing.T) {
	eachEngine(t, func(t *testing.T, e engine) {
		a := newHarness(t, onEngine(e))
		b := a.replica()
		a.process(a.say(resident, "/demand 老板拖欠我们快递员三个月工资了"))
		draft := last(t, "draft", sentTo(a.api.snapshot(), resident))
		ok := draft.buttons(t)["提交"]
		require.NotEmpty(t, ok, "draft buttons %v", draft.buttons(t))

		b.process(b.press(resident, draft, ok))
		filed := last(t, "filing", sentTo(b.api.snapshot(), resident))
		assert.Contains(t, filed.plain(), "工单号", "B's reply to 提交")
		assert.Equal(t, 1, b.ticketCount(), "tickets")

		a.process(a.press(resident, draft, ok))
		assert.Contains(t, last(t, "second press", sentTo(a.api.snapshot(), resident)).plain(), "已失效")
		assert.Equal(t, 1, a.ticketCount(), "tickets after a second press")

		b.process(b.say(resident, "怎样落实“六同步”机制？"))
		a.process(a.say(resident, "/sources"))
		assert.Contains(t, last(t, "sources", sentTo(a.api.snapshot(), resident)).plain(), "回答依据以下原文")
	})
}

// TestTakeOverAfterCrash: replica A dies while handling 提交 — the ticket
// filed and the button answered, the reply lost to a server error — and
// its claim runs out. Replica B takes the update over: the submitter gets
// the reply once, the button is not answered again, and there is still
// one ticket.
func TestTakeOverAfterCrash(t *testing.T) {
	eachEngine(t, func(t *testing.T, e engine) {
		a := newHarness(t, onEngine(e))
		b := a.replica()
		a.process(a.say(resident, "/demand 小区门口的井盖丢了，晚上很危险"))
		draft := last(t, "draft", sentTo(a.api.snapshot(), resident))
		confirm := a.press(resident, draft, draft.buttons(t)["提交"])
		a.api.fail(failure{method: "sendMessage", code: 500, desc: "Internal Server Error", times: 1,
			match: func(c apiCall) bool { return strings.Contains(c.plain(), "工单号") }})
		a.srv.DieAfter(func(u *models.Update) bool { return u.ID == confirm.ID })
		a.process(confirm)
		require.Equal(t, 1, a.ticketCount(), "A filed the ticket")
		require.Empty(t, withText(sentTo(a.api.snapshot(), resident), "工单号"), "the reply got through")
		before := a.api.snapshot()

		// B sees nothing to take over while A's claim holds…
		n, err := b.srv.RecoverUpdates(context.Background())
		require.NoError(t, err)
		assert.Zero(t, n, "taken over while A's claim holds")
		b.process(confirm) // …nor when Telegram delivers it again.
		assert.Len(t, b.api.snapshot(), len(before), "B handled an update A holds")

		b.srv.SetClock(func() time.Time { return time.Now().Add(10 * time.Minute) })
		n, err = b.srv.RecoverUpdates(context.Background())
		require.NoError(t, err)
		assert.Equal(t, 1, n, "updates taken over")
		calls := b.api.snapshot()
		filed := withText(sentTo(calls, resident), "工单号")
		require.Len(t, filed, 1, "the reply after the take-over:\n%s", dump(calls[len(before):]))
		assert.Equal(t, 1, b.ticketCount(), "tickets")
		assert.Len(t, byMethod(calls, "answerCallbackQuery"), 1, "the button answered again")
		assert.Len(t, byMethod(calls, "editMessageReplyMarkup"), 1, "the keyboard cleared again")

		n, err = b.srv.RecoverUpdates(context.Background())
		require.NoError(t, err)
		assert.Zero(t, n, "a done update taken over")
		assert.Contains(t, b.logs.String(), "taking over an update")
	})
}

// TestTakeOverRepeatsNothingSent: A dies after handling a /demand, every
// reply sent; B, taking it over, sends nothing, and the draft's buttons A
// sent still work.
func TestTakeOverRepeatsNothingSent(t *testing.T) {
	eachEngine(t, func(t *testing.T, e engine) {
		a := newHarness(t, onEngine(e))
		b := a.replica()
		demand := a.say(resident, "/demand 驿站的饮水机坏了")
		a.srv.DieAfter(func(u *models.Update) bool { return u.ID == demand.ID })
		a.process(demand)
		draft := one(t, "draft", sentTo(a.api.snapshot(), resident))

		b.srv.SetClock(func() time.Time { return time.Now().Add(10 * time.Minute) })
		n, err := b.srv.RecoverUpdates(context.Background())
		require.NoError(t, err)
		require.Equal(t, 1, n)
		one(t, "draft", sentTo(b.api.snapshot(), resident))

		b.process(b.press(resident, draft, draft.buttons(t)["提交"]))
		assert.Len(t, withText(sentTo(b.api.snapshot(), resident), "工单号"), 1, "the draft A sent was not filed")
		assert.Equal(t, 1, b.ticketCount())
	})
}

// TestGivenUpAfterRepeatedDeaths: an update whose every handling dies is
// given up after the third, not handled forever; its reply went out once.
func TestGivenUpAfterRepeatedDeaths(t *testing.T) {
	var mu sync.Mutex
	handled := 0
	h := newHarness(t, withStub(&stub{handle: func(ctx context.Context, s *bot.Session, text string) (bot.Reply, error) {
		mu.Lock()
		handled++
		mu.Unlock()
		return echo(ctx, s, text)
	}}))
	h.srv.DieAfter(func(*models.Update) bool { return true })
	h.process(h.say(resident, "致命消息"))
	at := time.Now()
	for i := range 3 {
		at = at.Add(10 * time.Minute)
		h.srv.SetClock(func() time.Time { return at })
		_, err := h.srv.RecoverUpdates(context.Background())
		require.NoError(t, err, "round %d", i)
	}
	mu.Lock()
	assert.Equal(t, 3, handled, "handlings")
	mu.Unlock()
	assert.Len(t, sentTo(h.api.snapshot(), resident), 1, "replies")
	assert.Contains(t, h.logs.String(), "update given up")
	n, err := h.srv.RecoverUpdates(context.Background())
	require.NoError(t, err)
	assert.Zero(t, n, "taken over once given up")
}

// TestRepliesNotRepeatedAfterLostDone: the done mark of an update is lost
// (the store failed, the process died): handled again, it sends nothing
// twice even when its answer differs the second time.
func TestRepliesNotRepeatedAfterLostDone(t *testing.T) {
	var mu sync.Mutex
	n := 0
	h := newHarness(t, withStub(&stub{handle: func(context.Context, *bot.Session, string) (bot.Reply, error) {
		mu.Lock()
		defer mu.Unlock()
		n++
		return bot.Reply{Text: strings.Repeat("长", telegram.MaxMessageUTF16) + "\n\n第" + string(rune('0'+n)) + "次"}, nil
	}}))
	u := h.say(resident, "问")
	h.srv.DieAfter(func(*models.Update) bool { return true })
	h.process(u)
	require.Len(t, sentTo(h.api.snapshot(), resident), 2, "a reply in two parts")
	h.srv.DieAfter(nil)
	h.srv.SetClock(func() time.Time { return time.Now().Add(10 * time.Minute) })
	got, err := h.srv.RecoverUpdates(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, got)
	assert.Len(t, sentTo(h.api.snapshot(), resident), 2, "parts sent again")
}

// TestNoticesLeasedAcrossReplicas: two replicas drain one outbox at once;
// each notice reaches its chat once.
func TestNoticesLeasedAcrossReplicas(t *testing.T) {
	eachEngine(t, func(t *testing.T, e engine) {
		a := newHarness(t, onEngine(e))
		b := a.replica()
		const demands = 12
		for i := range demands {
			_, err := a.store.CreateTicket(context.Background(), tickets.NewTicket{SubmitterID: "1001", SubmitterName: "张师傅",
				Channel: tickets.ChannelChat, Text: "老板拖欠工资三个月了，第" + string(rune('A'+i)) + "家", Department: "renshe", Confidence: 1})
			require.NoError(t, err)
		}
		var wg sync.WaitGroup
		delivered := make([]int, 2)
		start := make(chan struct{})
		for i, h := range []*harness{a, b} {
			wg.Go(func() {
				<-start
				for range 3 {
					n, err := h.srv.DeliverNotices(context.Background())
					assert.NoError(t, err)
					delivered[i] += n
				}
			})
		}
		close(start)
		wg.Wait()
		assert.Equal(t, demands, delivered[0]+delivered[1], "notices delivered by A and B: %v", delivered)
		cards := sentTo(a.api.snapshot(), deptChat)
		assert.Len(t, cards, demands, "cards in the department's chat:\n%s", dump(cards))
		seen := map[string]bool{}
		for _, c := range cards {
			n := numberRE.FindString(c.plain())
			assert.False(t, seen[n], "card %s sent twice", n)
			seen[n] = true
		}
	})
}

// TestRateLimitAcrossReplicas: replicas on one database allow a user
// RatePerMinute + RateBurst updates a minute together, not each.
func TestRateLimitAcrossReplicas(t *testing.T) {
	eachEngine(t, func(t *testing.T, e engine) {
		limit := withConfig(func(c *telegram.Config) { c.RatePerMinute, c.RateBurst = 1, 2 }) // 3 a minute
		a := newHarness(t, onEngine(e), withStub(&stub{handle: echo}), limit)
		b := a.replica(withStub(&stub{handle: echo}), limit)
		now := time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)
		for _, h := range []*harness{a, b} {
			h.srv.SetClock(func() time.Time { return now })
		}
		a.process(a.say(resident, "一"))
		a.process(a.say(resident, "二")) // A's bucket is empty now
		b.process(b.say(resident, "三"))
		b.process(b.say(resident, "四")) // B's bucket allows it; the shared count does not
		var got []string
		for _, c := range sentTo(a.api.snapshot(), resident) {
			got = append(got, c.plain())
		}
		assert.Equal(t, []string{"echo: 一", "echo: 二", "echo: 三", "您发送得有点快，请稍等片刻再继续。"}, got)
		b.process(b.say(staff, "别人不受影响"))
		assert.Len(t, sentTo(b.api.snapshot(), staff), 1, "another user was limited")
	})
}

// TestWebhookSecretSharedByReplicas: replicas behind one webhook URL
// register the same secret when none is configured — a secret of its own
// for each would lock the others out — and it is not the token.
func TestWebhookSecretSharedByReplicas(t *testing.T) {
	hook := withConfig(func(c *telegram.Config) {
		c.WebhookURL, c.WebhookListen = "https://bot.example.org/tg/hook", "127.0.0.1:0"
	})
	a := newHarness(t, withStub(&stub{handle: echo}), hook)
	b := a.replica(withStub(&stub{handle: echo}), hook)
	a.start()
	b.start()
	sets := byMethod(a.api.waitFor(t, "setWebhook twice", func(cs []apiCall) bool { return len(byMethod(cs, "setWebhook")) == 2 }), "setWebhook")
	secret := sets[0].Params["secret_token"]
	assert.NotEmpty(t, secret)
	assert.Equal(t, secret, sets[1].Params["secret_token"], "the replicas' secrets")
	assert.NotContains(t, secret, "secret-token", "the token in the webhook secret")
	a.stop()
	b.stop()
	assert.NotContains(t, a.logs.String()+b.logs.String(), secret, "the webhook secret reached the log")
}
