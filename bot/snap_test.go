package bot_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/points"
	"partybot/stations"
	"partybot/tickets"
)

var jpeg = append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte("photo"), 200)...)

func (f *deskFixture) media(tb testing.TB, s *bot.Session, m bot.Media) bot.Reply {
	tb.Helper()
	r, err := f.asst.HandleMedia(context.Background(), s, m)
	require.NoError(tb, err)
	return r
}

// TestReportPhotoThenLocation: a photo with a caption asks where; the
// shared location completes the draft; 提交 files one report with both.
func TestReportPhotoThenLocation(t *testing.T) {
	f := newDeskFixture(t)
	r := f.media(t, f.resident, bot.Media{Photos: []bot.File{{Name: "p.jpg", Data: jpeg}}, Caption: "小区门口井盖丢了，晚上很危险"})
	mustContain(t, r, "井盖", "照片：1 张", "发送我的位置")
	assert.True(t, r.AskLocation)
	assert.Empty(t, buttonData(r, "提交"), "no place yet")

	r = f.media(t, f.resident, bot.Media{Location: &bot.Location{Lat: 32.99, Lng: 112.53}})
	ok := buttonData(r, "提交")
	require.NotEmpty(t, ok, "the draft is complete: %s", r.Text)
	mustContain(t, r, "32.990000, 112.530000", "拟交办部门")
	require.Zero(t, f.count(t))

	filed := f.press(t, f.resident, ok)
	mustContain(t, filed, "随手拍已提交")
	number := numberIn(filed.Text)
	tk, err := f.store.FindTicketByNumber(context.Background(), tickets.Viewer{Admin: true}, number)
	require.NoError(t, err)
	assert.Equal(t, tickets.KindReport, tk.Kind)
	require.Len(t, tk.Attachments, 1)
	assert.Equal(t, int64(len(jpeg)), tk.Attachments[0].Size)
	require.NotNil(t, tk.Coords)
	assert.InDelta(t, 32.99, tk.Coords.Lat, 1e-9)

	f.press(t, f.resident, ok)
	assert.Equal(t, 1, f.count(t), "a second press files nothing")
}

// TestReportInWords: /report, the place in words, then 确认.
func TestReportInWords(t *testing.T) {
	f := newDeskFixture(t)
	r := f.say(t, f.resident, "/report 楼道里好多电动车在充电")
	mustContain(t, r, "地点")
	r = f.say(t, f.resident, "阳光小区3号楼一单元")
	mustContain(t, r, "阳光小区3号楼一单元", "提交")
	r = f.say(t, f.resident, "确认")
	mustContain(t, r, "随手拍已提交")
	assert.Equal(t, 1, f.count(t))
}

func TestReportBadInput(t *testing.T) {
	f := newDeskFixture(t)
	r := f.media(t, f.resident, bot.Media{Photos: []bot.File{{Name: "p.jpg", Data: jpeg}}})
	mustContain(t, r, "说明发现了什么问题")
	r = f.media(t, f.resident, bot.Media{Location: &bot.Location{Lat: 0, Lng: 0}})
	mustContain(t, r, "0, 0")
	r = f.media(t, f.resident, bot.Media{Location: &bot.Location{Lat: 35.6, Lng: 139.7}})
	mustContain(t, r, "不在中国境内")
	big := make([]byte, bot.MaxPhotoBytes+1)
	r = f.media(t, f.resident, bot.Media{Photos: []bot.File{{Name: "big.jpg", Data: big}}})
	mustContain(t, r, "照片过大")
	for range 4 {
		f.media(t, f.resident, bot.Media{Photos: []bot.File{{Name: "p.jpg", Data: jpeg}}})
	}
	r = f.media(t, f.resident, bot.Media{Photos: []bot.File{{Name: "p.jpg", Data: jpeg}}})
	mustContain(t, r, "最多 5 张")
	assert.Zero(t, f.count(t))
}

var testStations = []stations.Station{
	{ID: 1, Name: "建设路快递驿站", Address: "卧龙区建设路1号", Area: "卧龙区", Lat: 32.995, Lng: 112.530, Services: []string{"休息", "饮水"}, Hours: "24小时", Phone: "0377-1"},
	{ID: 2, Name: "人民广场司机之家", Address: "宛城区人民路8号", Area: "宛城区", Lat: 33.000, Lng: 112.540, Services: []string{"休息", "充电", "热饭"}, Hours: "24小时"},
	{ID: 3, Name: "远郊驿站", Address: "镇平县", Area: "镇平县", Lat: 33.100, Lng: 112.200, Services: []string{"充电"}, Hours: "24小时"},
}

// TestNearbyStations: a location alone finds the nearest stations; a
// question asks for the location and filters by the service it names.
func TestNearbyStations(t *testing.T) {
	f := newDeskFixture(t, bot.WithStations(stations.NewIndex(testStations)))
	r := f.media(t, f.resident, bot.Media{Location: &bot.Location{Lat: 32.99, Lng: 112.53}})
	mustContain(t, r, "1. 建设路快递驿站", "米", "24小时")
	require.Len(t, r.Venues, 3)
	assert.Equal(t, "建设路快递驿站", r.Venues[0].Title)

	r = f.say(t, f.resident, "附近哪里能充电？")
	assert.True(t, r.AskLocation)
	mustContain(t, r, "充电")
	r = f.media(t, f.resident, bot.Media{Location: &bot.Location{Lat: 32.99, Lng: 112.53}})
	mustContain(t, r, "1. 人民广场司机之家")
	assert.NotContains(t, r.Text, "建设路快递驿站", "it has no charging")

	r = f.say(t, f.resident, "/stations 充电")
	mustContain(t, r, "【宛城区】", "人民广场司机之家", "【镇平县】")
	assert.NotContains(t, r.Text, "建设路快递驿站")

	r = f.say(t, f.resident, "快递小哥下班想找个地方充充电喝口水，有地方去吗？")
	assert.False(t, r.AskLocation, "no nearness asked: the knowledge base answers")
}

// TestVerdictsAwardPoints: filing earns nothing; 核实有效 does, once; an
// adopted suggestion does too, and its reply reaches the submitter.
func TestVerdictsAwardPoints(t *testing.T) {
	ctx := context.Background()
	ledger, err := points.Open(ctx, filepath.Join(t.TempDir(), "points.db"))
	require.NoError(t, err)
	t.Cleanup(func() { ledger.Close() })
	f := newDeskFixture(t, bot.WithPoints(ledger))
	admin := &bot.Session{User: bot.User{ID: "admin", Name: "管理员"}}

	mustContain(t, f.say(t, f.resident, "/report 小区门口井盖丢了"), "地点")
	r := f.say(t, f.resident, "幸福路12号")
	number := numberIn(f.press(t, f.resident, buttonData(r, "提交")).Text)
	require.NotEmpty(t, number)
	mustContain(t, f.say(t, f.resident, "/points"), "0 分")

	accepted := f.say(t, admin, "/accept "+number)
	vf := buttonData(accepted, "核实有效")
	require.Equal(t, "vf:"+number, vf)
	mustContain(t, f.press(t, admin, vf), "核实有效", "红色积分 10 分")
	f.press(t, admin, vf)
	mustContain(t, f.say(t, f.resident, "/points"), "10 分", number)

	r = f.say(t, f.resident, "/suggest 建议在商圈增设暖“新”驿站，方便骑手歇脚")
	sug := numberIn(r.Text)
	require.NotEmpty(t, sug, r.Text)
	f.say(t, admin, "/accept "+sug)
	mustContain(t, f.say(t, admin, "/adopt "+sug+" 感谢建议，已列入明年计划"), "采纳", "20 分")
	mustContain(t, f.say(t, f.resident, "/points"), "30 分")
	mustContain(t, f.say(t, f.resident, "/adopt "+sug+" 自己采纳"), "无权")

	ns, err := f.asst.PendingNotices(ctx, 50)
	require.NoError(t, err)
	var replied bool
	for _, n := range ns {
		replied = replied || (n.Recipient == "resident" && strings.Contains(n.Text, "已列入明年计划"))
	}
	assert.True(t, replied, "the adoption's reply reaches the submitter")

	mustContain(t, f.say(t, f.resident, "/rank"), "（未公开姓名）  30 分")
	f.say(t, f.resident, "/rank on")
	mustContain(t, f.say(t, f.resident, "/rank"), "张师傅  30 分")
}

func TestAwardByHand(t *testing.T) {
	ctx := context.Background()
	ledger, err := points.Open(ctx, filepath.Join(t.TempDir(), "points.db"))
	require.NoError(t, err)
	t.Cleanup(func() { ledger.Close() })
	f := newDeskFixture(t, bot.WithPoints(ledger))
	admin := &bot.Session{User: bot.User{ID: "admin", Name: "管理员"}}

	mustContain(t, f.say(t, f.resident, "/award resident 100 自己给自己"), "只有")
	mustContain(t, f.say(t, f.staff, "/award resident 100 部门发"), "只有")
	mustContain(t, f.say(t, f.staff, "/volunteer resident 参加社区防汛志愿服务"), "5 分", "志愿服务")
	mustContain(t, f.say(t, f.staff, "/volunteer resident 参加社区防汛志愿服务"), "5 分")
	mustContain(t, f.say(t, admin, "/award resident -3 扣分"), "正整数")
	mustContain(t, f.say(t, admin, "/award resident 7 协助排查安全隐患"), "当前共 12 分")
	mustContain(t, f.say(t, f.resident, "/points"), "12 分")
}

// TestSuggestionVerdictButtons: an accepted suggestion offers 采纳, 部分采纳
// and 暂不采纳; a press asks for the reply, shows it back, and 确认 sends it
// and awards the points.
func TestSuggestionVerdictButtons(t *testing.T) {
	ctx := context.Background()
	ledger, err := points.Open(ctx, filepath.Join(t.TempDir(), "points.db"))
	require.NoError(t, err)
	t.Cleanup(func() { ledger.Close() })
	f := newDeskFixture(t, bot.WithPoints(ledger))
	admin := &bot.Session{User: bot.User{ID: "admin", Name: "管理员"}}

	sug := numberIn(f.say(t, f.resident, "/suggest 建议在商圈增设暖“新”驿站").Text)
	accepted := f.say(t, admin, "/accept "+sug)
	adopt := buttonData(accepted, "部分采纳")
	require.Equal(t, "pv:"+sug, adopt, "buttons: %+v", accepted.Buttons)
	assert.NotEmpty(t, buttonData(accepted, "暂不采纳"))

	mustContain(t, f.press(t, admin, adopt), "部分采纳答复")
	shown := f.say(t, admin, "先在万达东门试点一处")
	mustContain(t, shown, "以“部分采纳”办结", "先在万达东门试点一处")
	done := f.say(t, admin, "确认")
	mustContain(t, done, "部分采纳", "10 分")
	tk, err := f.store.FindTicketByNumber(ctx, tickets.Viewer{Admin: true}, sug)
	require.NoError(t, err)
	assert.Equal(t, tickets.OutcomePartlyAdopted, tk.Outcome)
	assert.Equal(t, tickets.StatusResolved, tk.Status)
}

// TestWebLink: /web gives staff a sign-in link in a private chat only,
// and nobody else one.
func TestWebLink(t *testing.T) {
	var asked []string
	f := newDeskFixture(t, bot.WithWebLinks(func(_ context.Context, user string) (string, error) {
		asked = append(asked, user)
		return "https://console.example/login?token=t", nil
	}))
	mustContain(t, f.say(t, f.staff, "/web"), "https://console.example/login?token=t", "只能使用一次")
	mustContain(t, f.say(t, f.resident, "/web"), "工作人员和管理员")
	group := &bot.Session{User: f.staff.User, Chat: bot.Chat{ID: -100, Group: true}}
	mustContain(t, f.say(t, group, "/web"), "私聊")
	assert.Equal(t, []string{"staff"}, asked)
}
