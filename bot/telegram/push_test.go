package telegram_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/push"
)

const riderNotice = `关于加强外卖骑手劳动保障的通知

为维护外卖骑手合法权益，现就有关事项通知如下。
一、平台企业应当为外卖骑手参加职业伤害保障，按时足额缴纳保障费用。
二、各街道要在商圈设置暖“新”驿站，为外卖骑手提供休息、饮水、充电服务。
三、外卖骑手遇到欠薪问题，可以向区人社局反映。`

// TestPushJourney: a rider subscribes in the chat; a document about riders
// an admin sends at 23:00 is held through the quiet hours and reaches the
// rider at 08:00, once, with a button that opens its passages.
func TestPushJourney(t *testing.T) {
	ps, err := push.Open(context.Background(), filepath.Join(t.TempDir(), "push.db"))
	require.NoError(t, err)
	t.Cleanup(func() { ps.Close() })
	h := newHarness(t, func(h *harness) {
		h.extra = append(h.extra, bot.WithPush(ps), bot.WithClock(h.clock.now))
	})
	h.clock.advance(13 * time.Hour) // 23:00
	h.start()
	api := h.api

	api.push(h.say(resident, "/subscribe 骑手"))
	api.waitFor(t, "subscribed", func(cs []apiCall) bool { return len(withText(sentTo(cs, resident), "已订阅")) == 1 })

	api.mu.Lock()
	api.files["doc1"] = []byte(riderNotice)
	api.mu.Unlock()
	up := h.say(admin, "")
	up.Message.Document = &models.Document{FileID: "doc1", FileUniqueID: "doc1", FileName: "骑手保障.txt", FileSize: int64(len(riderNotice))}
	api.push(up)
	api.waitFor(t, "uploaded", func(cs []apiCall) bool { return len(withText(sentTo(cs, admin), "1 位")) == 1 })
	api.push(h.say(stranger, "/help"))
	api.waitFor(t, "a later update", func(cs []apiCall) bool { return len(sentTo(cs, stranger)) == 1 })
	assert.Empty(t, withText(sentTo(api.snapshot(), resident), "【政策推送】"), "sent in the quiet hours")

	h.clock.advance(9 * time.Hour) // 08:00
	api.push(h.say(stranger, "/help"))
	calls := api.waitFor(t, "the notice", func(cs []apiCall) bool { return len(withText(sentTo(cs, resident), "【政策推送】")) == 1 })
	notice := withText(sentTo(calls, resident), "【政策推送】")[0]
	assert.Contains(t, notice.plain(), "外卖骑手")
	api.push(h.press(resident, notice, notice.buttons(t)["查看原文"]))
	api.waitFor(t, "the passages", func(cs []apiCall) bool { return len(withText(sentTo(cs, resident), "原文摘录")) == 1 })

	api.push(h.say(stranger, "/help"))
	api.waitFor(t, "another update", func(cs []apiCall) bool { return len(sentTo(cs, stranger)) == 3 })
	assert.Len(t, withText(sentTo(api.snapshot(), resident), "【政策推送】"), 1, "sent once")
}
