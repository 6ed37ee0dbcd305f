package bot_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/push"
	"partybot/tickets"
)

const riderDoc = `关于加强外卖骑手劳动保障的通知

为维护外卖骑手合法权益，现就有关事项通知如下。
一、平台企业应当为外卖骑手参加职业伤害保障，按时足额缴纳保障费用。
二、各街道要在商圈设置暖“新”驿站，为外卖骑手提供休息、饮水、充电服务。
三、外卖骑手遇到欠薪问题，可以向区人社局反映。`

// TestPushJourney: a rider subscribes; a document about riders uploaded at
// 23:00 reaches them at 08:00, once, with a button that opens its
// passages; a truck driver is not told.
func TestPushJourney(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2026, 11, 27, 23, 0, 0, 0, tickets.DefaultLocation)
	now := func() time.Time { return clock }
	ps, err := push.Open(ctx, filepath.Join(t.TempDir(), "push.db"), push.WithClock(now))
	require.NoError(t, err)
	t.Cleanup(func() { ps.Close() })
	f := newDeskFixture(t, bot.WithPush(ps))
	f.asst.SetClock(now)
	rider := &bot.Session{User: bot.User{ID: "1001", Name: "骑手小王"}, Chat: bot.Chat{ID: 1001}}
	driver := &bot.Session{User: bot.User{ID: "1002", Name: "货车老李"}, Chat: bot.Chat{ID: 1002}}
	admin := &bot.Session{User: bot.User{ID: "admin", Name: "管理员"}, Chat: bot.Chat{ID: 9}}

	mustContain(t, f.say(t, rider, "/subscribe 骑手"), "已订阅", "外卖骑手")
	mustContain(t, f.say(t, driver, "/subscribe 货车司机"), "货车司机")
	mustContain(t, f.say(t, rider, "/subscriptions"), "身份：外卖骑手")
	mustContain(t, f.say(t, driver, "/subscribe 宇航员"), "宇航员")
	mustContain(t, f.say(t, &bot.Session{User: bot.User{ID: "terminal:x"}}, "/subscribe 快递员"), "私聊")

	up, err := f.asst.Upload(ctx, admin, "骑手保障通知.txt", []byte(riderDoc))
	require.NoError(t, err)
	mustContain(t, up, "已将", "1 位")

	ns, err := f.asst.PendingNotices(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, pushes(ns), "quiet hours hold the notice")

	clock = time.Date(2026, 11, 28, 8, 0, 0, 0, tickets.DefaultLocation)
	ns, err = f.asst.PendingNotices(ctx, 10)
	require.NoError(t, err)
	got := pushes(ns)
	require.Len(t, got, 1)
	assert.Equal(t, int64(1001), got[0].ChatID)
	assert.Contains(t, got[0].Text, "外卖骑手")
	require.NoError(t, f.asst.NoticeDelivered(ctx, got[0]))

	open := got[0].Buttons[0][0].Data
	r, err := f.asst.Callback(ctx, driver, open)
	require.NoError(t, err)
	assert.NotContains(t, r.Text, "原文摘录", "someone else's notice")
	r, err = f.asst.Callback(ctx, rider, open)
	require.NoError(t, err)
	mustContain(t, r, "原文摘录", "[1]")

	_, err = f.asst.Upload(ctx, admin, "骑手保障通知.txt", []byte(riderDoc+"\n四、本通知自印发之日起施行。"))
	require.NoError(t, err)
	ns, err = f.asst.PendingNotices(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, pushes(ns), "an updated document is not sent twice")

	mustContain(t, f.say(t, rider, "/unsubscribe"), "已取消全部")
}

func pushes(ns []bot.Notice) []bot.Notice {
	var out []bot.Notice
	for _, n := range ns {
		if n.Push || strings.HasPrefix(n.Text, "【政策推送】") {
			out = append(out, n)
		}
	}
	return out
}
