package telegram_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"partybot/bot/telegram"
)

// benchQuestions are asked in turn: answered ones and a refusal.
var benchQuestions = []string{
	"怎样落实“六同步”机制？",
	"如何落实“双向进入、交叉任职”？",
	"什么是“四个清”？",
	"社会组织换届前要做哪些审核？",
	"党费应该怎么缴纳？",
	"/help",
}

// BenchmarkUpdates measures updates handled end to end: questions from
// distinct users taken by long polling from the fake Bot API server,
// answered by the offline assistant (retrieval, feedback record) and sent
// back — every HTTP call and every write of the state store (the update's
// claim and done mark, its conversation, its reply recorded) included.
// "burst" offers b.N updates at once and reports the rate; "paced" offers
// 500 a second and reports the latency from the moment the fake server
// hands an update out to the moment its reply arrives.
func BenchmarkUpdates(b *testing.B) {
	b.Run("burst", func(b *testing.B) { benchBurst(b) })
	b.Run("paced", func(b *testing.B) {
		h, lat := benchHarness(b)
		const rate = 500
		tick := time.NewTicker(time.Second / rate)
		defer tick.Stop()
		b.ResetTimer()
		start := time.Now()
		for i := range b.N {
			<-tick.C
			h.api.push(benchUpdate(h, i))
		}
		h.waitReplies(b, b.N+1)
		elapsed := time.Since(start)
		b.StopTimer()
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "updates/s")
		reportLatency(b, h, lat)
	})
}

// BenchmarkUpdatesPostgres is BenchmarkUpdates/burst with the state store
// and the tickets on PostgreSQL (PARTYBOT_TEST_DATABASE_URL).
func BenchmarkUpdatesPostgres(b *testing.B) { benchBurst(b, onEngine(engines[1])) }

// benchBurst offers b.N updates at once and reports the rate.
func benchBurst(b *testing.B, opts ...option) {
	h, _ := benchHarness(b, opts...)
	b.ResetTimer()
	start := time.Now()
	us := make([]*models.Update, b.N)
	for i := range us {
		us[i] = benchUpdate(h, i)
	}
	h.api.push(us...)
	h.waitReplies(b, b.N+1)
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "updates/s")
}

// benchHarness starts a server with a warm-up update answered, recording
// each reply's latency.
func benchHarness(b *testing.B, opts ...option) (*harness, *[]time.Duration) {
	h := newHarness(b, append([]option{withConfig(func(c *telegram.Config) { c.MaxSessions = 1 << 20 })}, opts...)...)
	var lat []time.Duration
	h.api.onCall = func(c apiCall) { // under h.api.mu
		if c.Method != "sendMessage" {
			return
		}
		chat, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
		if at, ok := h.api.served[chat]; ok { // update ids are the users' ids
			lat = append(lat, time.Since(at))
		}
	}
	h.start()
	h.api.push(h.say(resident, "/help"))
	h.waitReplies(b, 1)
	h.api.mu.Lock()
	lat = lat[:0]
	h.api.mu.Unlock()
	return h, &lat
}

// benchUpdate is question i from user i, with update id = user id.
func benchUpdate(h *harness, i int) *models.Update {
	id := int64(1_000_000 + i)
	return &models.Update{ID: id, Message: &models.Message{ID: i + 1, Date: 1,
		From: &models.User{ID: id, FirstName: "用户"}, Chat: models.Chat{ID: id, Type: models.ChatTypePrivate},
		Text: benchQuestions[i%len(benchQuestions)]}}
}

// waitReplies waits until n messages were sent.
func (h *harness) waitReplies(b *testing.B, n int) {
	b.Helper()
	for {
		h.api.mu.Lock()
		got, ch := h.api.counts["sendMessage"], h.api.changed
		h.api.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-time.After(time.Minute):
			b.Fatalf("%d of %d replies after a minute without progress", got, n)
		}
	}
}

func reportLatency(b *testing.B, h *harness, lat *[]time.Duration) {
	h.api.mu.Lock()
	ls := slices.Clone(*lat)
	h.api.mu.Unlock()
	if len(ls) == 0 {
		return
	}
	slices.Sort(ls)
	q := func(p float64) float64 { return float64(ls[int(p*float64(len(ls)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}
