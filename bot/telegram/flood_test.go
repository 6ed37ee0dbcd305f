package telegram_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/bot/telegram"
)

// floodModel is an assistant whose every answer takes as long as its
// caller lets it: a slow model. It counts the messages it was given.
type floodModel struct {
	mu      sync.Mutex
	handled map[string]int
	answer  func(ctx context.Context, user string) // blocks like a model
}

func (m *floodModel) stub() *stub {
	return &stub{handle: func(ctx context.Context, s *bot.Session, text string) (bot.Reply, error) {
		m.mu.Lock()
		m.handled[s.User.ID]++
		m.mu.Unlock()
		m.answer(ctx, s.User.ID)
		return bot.Reply{Text: "答：" + text}, nil
	}}
}

func (m *floodModel) count(user int64) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.handled[fmt.Sprint(user)]
}

// floodOf is n messages from one user.
func floodOf(h *harness, from int64, n int) []*models.Update {
	us := make([]*models.Update, n)
	for i := range us {
		us[i] = h.say(from, fmt.Sprintf("问题 %d", i))
	}
	return us
}

// TestFloodDoesNotStallOthers: 1,100 messages of one user, while the
// model is still writing the first answer, neither hold up another user —
// whose question is answered meanwhile — nor are queued beyond the rate
// limit's burst; the flooder is told to slow down, once.
func TestFloodDoesNotStallOthers(t *testing.T) {
	release := make(chan struct{})
	m := &floodModel{handled: map[string]int{}, answer: func(ctx context.Context, user string) {
		if user == fmt.Sprint(resident) {
			select { // the flooder's model answer takes until released
			case <-release:
			case <-ctx.Done():
			}
		}
	}}
	h := newHarness(t, withStub(m.stub()), withConfig(func(c *telegram.Config) { c.RatePerMinute, c.RateBurst = 20, 8 }))
	h.start()
	h.api.push(floodOf(h, resident, 1100)...)
	h.api.push(h.say(stranger, "我的问题"))
	calls := h.api.waitFor(t, "the other user's answer and the flooder told", func(cs []apiCall) bool {
		return len(withText(sentTo(cs, stranger), "答：我的问题")) == 1 && len(withText(sentTo(cs, resident), "稍等")) == 1
	})
	assert.Empty(t, withText(sentTo(calls, resident), "答："), "the flooder's first answer was not yet written")
	close(release)
	h.api.waitFor(t, "the flooder's admitted messages answered", func(cs []apiCall) bool {
		return len(withText(sentTo(cs, resident), "答：")) == 8
	})
	h.stop()
	assert.Equal(t, 8, m.count(resident), "the flooder's messages handled: the burst, no more")
	assert.Len(t, withText(sentTo(h.api.snapshot(), resident), "稍等"), 1, "the flooder is told once")
}

// TestChatShareOfQueue: a group whose members together send more than the
// chat's share of the queue gets the excess refused — each sender told
// once — and another chat is served meanwhile.
func TestChatShareOfQueue(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	m := &floodModel{handled: map[string]int{}, answer: func(ctx context.Context, user string) {
		if user != fmt.Sprint(stranger) {
			started <- struct{}{}
			select {
			case <-release:
			case <-ctx.Done():
			}
		}
	}}
	h := newHarness(t, withStub(m.stub()), withConfig(func(c *telegram.Config) { c.ChatQueue = 3 }))
	h.start()
	h.api.push(h.sayIn(deptChat, resident, "/help"))
	<-started // a worker holds the group's first message; three more fill its share
	for _, from := range []int64{resident, staff, staff, admin, admin, resident} {
		h.api.push(h.sayIn(deptChat, from, "/help"))
	}
	h.api.push(h.say(stranger, "我的问题"))
	h.api.waitFor(t, "the other chat answered", func(cs []apiCall) bool {
		return len(withText(sentTo(cs, stranger), "答：我的问题")) == 1
	})
	close(release)
	h.api.waitFor(t, "the group's answers", func(cs []apiCall) bool {
		return len(withText(sentTo(cs, deptChat), "答：")) == 4
	})
	h.stop()
	require.Len(t, withText(sentTo(h.api.snapshot(), deptChat), "稍等"), 2, "each refused sender is told once")
}

// BenchmarkFloodWait measures how long another user waits for an answer
// while one user sends 1,100 messages and every answer takes the model 3 s
// (go test -run '^$' -bench FloodWait -benchtime 1x ./bot/telegram).
func BenchmarkFloodWait(b *testing.B) {
	const modelTime = 3 * time.Second
	for range b.N {
		m := &floodModel{handled: map[string]int{}, answer: func(ctx context.Context, _ string) {
			select {
			case <-time.After(modelTime):
			case <-ctx.Done():
			}
		}}
		h := newHarness(b, withStub(m.stub()), withConfig(func(c *telegram.Config) {
			c.RatePerMinute, c.RateBurst, c.ShutdownTimeout = 20, 8, time.Second
		}))
		h.start()
		h.api.push(floodOf(h, resident, 1100)...)
		start := time.Now()
		h.api.push(h.say(stranger, "我的问题"))
		h.api.waitFor(b, "the other user's answer", func(cs []apiCall) bool {
			return len(withText(sentTo(cs, stranger), "答：我的问题")) == 1
		})
		b.ReportMetric(time.Since(start).Seconds(), "wait-s")
		h.stop()
	}
}
