package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/knowledge"
	"partybot/points"
	"partybot/push"
	"partybot/stations"
	"partybot/tickets"
	"partybot/web"
)

// services are the stores of the platform's services behind a console.
type services struct {
	ledger   *points.Store
	stations *stations.Store
	push     *push.Store
}

// newServicesEnv is a console with new stores of the points, the
// stations and the notices pushed, which it returns.
func newServicesEnv(tb testing.TB) (*env, services) {
	tb.Helper()
	ctx := context.Background()
	e := newEnv(tb, "")
	dir := tb.TempDir()
	var sv services
	var err error
	sv.ledger, err = points.Open(ctx, filepath.Join(dir, "points.db"))
	require.NoError(tb, err)
	tb.Cleanup(func() { sv.ledger.Close() })
	sv.stations, err = stations.Open(ctx, filepath.Join(dir, "stations.db"))
	require.NoError(tb, err)
	tb.Cleanup(func() { sv.stations.Close() })
	sv.push, err = push.Open(ctx, filepath.Join(dir, "push.db"))
	require.NoError(tb, err)
	tb.Cleanup(func() { sv.push.Close() })
	e.ts = httptest.NewServer(web.NewServer(e.auth, e.tickets, viewer, "", nil,
		web.WithPoints(sv.ledger), web.WithStations(sv.stations), web.WithPush(sv.push)))
	tb.Cleanup(e.ts.Close)
	return e, sv
}

// getJSON requests path of the API as sid and decodes the body into out.
func (e *env) getJSON(tb testing.TB, path, sid string, out any) {
	tb.Helper()
	resp, body := e.do(tb, "GET", path, sid, "")
	require.Equal(tb, http.StatusOK, resp.StatusCode, body)
	require.NoError(tb, json.Unmarshal([]byte(body), out), body)
}

// award makes a in the ledger and returns its entry.
func award(tb testing.TB, l *points.Store, a points.Award) points.Entry {
	tb.Helper()
	res, err := l.Award(context.Background(), a)
	require.NoError(tb, err)
	return res.Entry
}

// TestPointsPage: administrators see the ledger newest first with each
// correction as such — its reason, who made it, the entry it corrects —
// a user's balance and the month's rank by opted-in names only; staff see
// the awards they made; the filters select what they say.
func TestPointsPage(t *testing.T) {
	e, sv := newServicesEnv(t)
	ctx := context.Background()
	first := award(t, sv.ledger, points.Award{UserID: "tg:100", Reason: points.ReportVerified, TicketNumber: e.renshe.Number,
		By: "tg:renshe", Key: "verified:" + e.renshe.Number})
	award(t, sv.ledger, points.Award{UserID: "tg:200", Reason: points.Manual, Points: 30, By: "tg:admin", Note: "防汛表彰"})
	fix := award(t, sv.ledger, points.Award{UserID: "tg:100", Reason: points.Correction, Points: -4, Corrects: first.ID,
		By: "tg:admin", Note: "隐患部分属实"})
	require.NoError(t, sv.ledger.SetRankOptIn(ctx, "tg:200", "王师傅", true))

	admin := e.signIn(t, "tg:admin")
	resp, body := e.do(t, "GET", "/points", admin, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	for _, want := range []string{"红色积分", "隐患报告核实有效", "管理员奖励", "防汛表彰",
		`<span class="tag amber">更正</span> 更正第 1 条`, "（tg:admin 更正）", "理由：隐患部分属实", "已更正</span> 见第 3 条",
		"王师傅", "（未公开姓名）", "/points/statement.xlsx?month=", `href="/push"`, `href="/stations"`} {
		assert.Contains(t, body, want)
	}
	assert.Less(t, strings.Index(body, "隐患部分属实"), strings.Index(body, "防汛表彰"), "newest first")

	resp, body = e.do(t, "GET", "/points?user=tg:100", admin, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Contains(t, body, "用户 tg:100 的积分余额</h2><p><strong>6</strong>")
	assert.NotContains(t, body, "防汛表彰")

	var l web.EntryList
	e.getJSON(t, "/api/v1/points/entries?user=tg:100", admin, &l)
	require.Equal(t, 2, l.Total)
	assert.Equal(t, fix.ID, l.Entries[0].ID)
	assert.Equal(t, first.ID, l.Entries[0].Corrects)
	assert.Equal(t, []int64{fix.ID}, l.Entries[1].CorrectedBy)
	e.getJSON(t, "/api/v1/points/entries?month="+time.Now().In(tickets.DefaultLocation).AddDate(0, -1, 0).Format("2006-01"), admin, &l)
	assert.Zero(t, l.Total, "last month")
	e.getJSON(t, "/api/v1/points/entries?month="+time.Now().In(tickets.DefaultLocation).Format("2006-01"), admin, &l)
	assert.Equal(t, 3, l.Total, "this month")

	staff := e.signIn(t, "tg:renshe")
	e.getJSON(t, "/api/v1/points/entries", staff, &l)
	require.Equal(t, 1, l.Total, "staff: the awards they made")
	assert.Equal(t, first.ID, l.Entries[0].ID)
	resp, body = e.do(t, "GET", "/points", staff, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "部门工作人员只能查看本人")
	assert.NotContains(t, body, "防汛表彰")
	assert.NotContains(t, body, "statement.xlsx")
	assert.NotContains(t, body, `href="/push"`)
}

// TestPointsStatement: the month's statement downloads as the .xlsx of
// "points export", for administrators only.
func TestPointsStatement(t *testing.T) {
	e, sv := newServicesEnv(t)
	award(t, sv.ledger, points.Award{UserID: "tg:200", Reason: points.Manual, Points: 30, By: "tg:admin", Note: "表彰"})
	month := time.Now().In(tickets.DefaultLocation).Format("2006-01")
	resp, body := e.do(t, "GET", "/points/statement.xlsx?month="+month, e.signIn(t, "tg:admin"), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", resp.Header.Get("Content-Type"))
	assert.Contains(t, resp.Header.Get("Content-Disposition"), url.PathEscape("红色积分月结单-"+month+".xlsx"))
	assert.True(t, strings.HasPrefix(body, "PK"), "a zip")
	resp, body = e.do(t, "GET", "/points/statement.xlsx", e.signIn(t, "tg:renshe"), "")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, body, "积分月结单仅对管理员开放")
}

// testStations are the stations of TestStationsPage.
var testStations = []stations.Station{
	{Name: "黄浦驿站", Address: "上海市黄浦区南京东路 1 号", Area: "黄浦区", Lat: 31.2304, Lng: 121.4737,
		Services: []string{"休息", "饮水", "充电"}, Hours: "08:00-20:00", Phone: "021-1234"},
	{Name: "徐汇司机之家", Address: "上海市徐汇区漕溪北路 2 号", Area: "徐汇区", Lat: 31.19, Lng: 121.43,
		Services: []string{"休息", "热饭"}, Hours: "24小时"},
	{Name: "静安骑手之家", Address: "上海市静安区南京西路 3 号", Area: "静安区", Lat: 31.23, Lng: 121.45,
		Services: []string{"饮水"}},
}

// TestStationsPage: everyone signed in reads the stations with their
// source file, filtered by service (as users write it) and by text.
func TestStationsPage(t *testing.T) {
	e, sv := newServicesEnv(t)
	require.NoError(t, sv.stations.Replace(context.Background(), testStations,
		stations.Import{At: time.Now(), Source: "驿站名单.xlsx", Stations: len(testStations), CRS: stations.WGS84}))
	staff := e.signIn(t, "tg:sifa")
	resp, body := e.do(t, "GET", "/stations", staff, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	for _, want := range []string{"黄浦驿站", "徐汇司机之家", "上海市黄浦区南京东路 1 号", `<span class="tag">充电</span>`,
		"08:00-20:00", "31.230400, 121.473700", "数据来源：驿站名单.xlsx", "共 3 个", "021-1234"} {
		assert.Contains(t, body, want)
	}
	names := func(query string) []string {
		var l web.StationListJSON
		e.getJSON(t, "/api/v1/stations?"+query, staff, &l)
		var out []string
		for _, s := range l.Stations {
			out = append(out, s.Name)
		}
		assert.Equal(t, len(out), l.Total, query)
		assert.Equal(t, "驿站名单.xlsx", l.Source)
		return out
	}
	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"all", "", []string{"黄浦驿站", "徐汇司机之家", "静安骑手之家"}},
		{"service", "service=" + url.QueryEscape("饮水"), []string{"黄浦驿站", "静安骑手之家"}},
		{"service as users write it", "service=" + url.QueryEscape("微波炉"), []string{"徐汇司机之家"}},
		{"text", "q=" + url.QueryEscape("南京"), []string{"黄浦驿站", "静安骑手之家"}},
		{"both", "service=" + url.QueryEscape("充电") + "&q=" + url.QueryEscape("南京"), []string{"黄浦驿站"}},
		{"area", "q=" + url.QueryEscape("徐汇区"), []string{"徐汇司机之家"}},
		{"nothing", "q=" + url.QueryEscape("浦东"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, names(tc.query)) })
	}
	resp, body = e.do(t, "GET", "/stations?service="+url.QueryEscape("饮水"), staff, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "<option selected>饮水</option>")
	assert.NotContains(t, body, "徐汇司机之家")
}

// TestPushPages: administrators see the notices pushed, to how many, and
// for one who it reached — opened, delivered, waiting for the morning —
// and the subscriptions counted; staff get 403.
func TestPushPages(t *testing.T) {
	e, sv := newServicesEnv(t)
	ctx := context.Background()
	for user, topics := range map[int64][]string{1: {"驿站"}, 2: {"驿站"}, 3: nil} {
		_, err := sv.push.Subscribe(ctx, push.Subscription{UserID: user, ChatID: 1000 + user, Audiences: []string{"外卖骑手"}, Topics: topics})
		require.NoError(t, err)
	}
	doc := riderNotice(t)
	day := time.Date(2026, 3, 2, 10, 0, 0, 0, tickets.DefaultLocation)
	n, err := sv.push.Queue(ctx, doc, day)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	ds, err := sv.push.Due(ctx, day, 2)
	require.NoError(t, err)
	require.Len(t, ds, 2)
	for _, d := range ds {
		require.NoError(t, sv.push.MarkSent(ctx, d.ID))
	}
	require.NoError(t, sv.push.MarkOpened(ctx, ds[0].UserID, doc.Name))
	late := doc
	late.Name, late.Title = "夜间通知.txt", "关于外卖骑手夜间服务的通知"
	_, err = sv.push.Queue(ctx, late, day.Add(13*time.Hour)) // 23:00: quiet hours
	require.NoError(t, err)

	admin := e.signIn(t, "tg:admin")
	resp, body := e.do(t, "GET", "/push", admin, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	for _, want := range []string{doc.Title, doc.Number, late.Title,
		"订阅（共 3 人）", "外卖骑手 3", "驿站 2", `href="/push/notices/` + url.PathEscape(doc.Name) + `"`} {
		assert.Contains(t, body, want)
	}
	assert.Less(t, strings.Index(body, late.Title), strings.Index(body, doc.Title), "the latest first")

	var l web.NoticeList
	e.getJSON(t, "/api/v1/push/notices", admin, &l)
	require.Equal(t, 2, l.Total)
	got := l.Notices[1]
	assert.True(t, day.Equal(got.QueuedAt), "queued at %v", got.QueuedAt)
	got.QueuedAt = time.Time{}
	assert.Equal(t, push.NoticeSummary{Doc: doc.Name, Title: doc.Title, Number: doc.Number, Date: doc.Date,
		Recipients: 3, Sent: 2, Opened: 1, Waiting: 1}, got)

	var d web.NoticeDetail
	e.getJSON(t, "/api/v1/push/notices/"+url.PathEscape(doc.Name), admin, &d)
	assert.Equal(t, 3, d.Total)
	var statuses []string
	for _, r := range d.Recipients {
		statuses = append(statuses, r.Status)
	}
	assert.Equal(t, []string{web.RecipientOpened, web.RecipientSent, web.RecipientWaiting}, statuses)
	e.getJSON(t, "/api/v1/push/notices/"+url.PathEscape(late.Name), admin, &d)
	require.NotEmpty(t, d.Recipients)
	assert.Equal(t, web.RecipientWaiting, d.Recipients[0].Status)

	resp, body = e.do(t, "GET", "/push/notices/"+url.PathEscape(late.Name), admin, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Contains(t, body, "顺延至 2026-03-03 08:00")
	resp, body = e.do(t, "GET", "/push/notices/"+url.PathEscape(doc.Name), admin, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	for _, want := range []string{"已打开", "已送达", "推送人数</dt><dd>3", "身份：外卖骑手"} {
		assert.Contains(t, body, want)
	}
	resp, body = e.do(t, "GET", "/api/v1/push/notices/"+url.PathEscape("没有.txt"), admin, "")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Contains(t, body, "没有推送过文件")
}

// riderNotice is push's test notice for riders, as ingest loads it.
func riderNotice(tb testing.TB) push.Document {
	tb.Helper()
	path := filepath.Join("..", "push", "testdata", "rider.txt")
	data, err := os.ReadFile(path)
	require.NoError(tb, err)
	d, err := knowledge.Load(path, data)
	require.NoError(tb, err)
	return push.FromKnowledge(d, 0)
}

// TestServicesForbidden: 政策推送 is for administrators — staff get 403 on
// its pages and API; nobody signed out gets any of the three.
func TestServicesForbidden(t *testing.T) {
	e, _ := newServicesEnv(t)
	staff := e.signIn(t, "tg:renshe")
	for _, path := range []string{"/push", "/push/notices/x.txt", "/api/v1/push/notices", "/api/v1/push/notices/x.txt"} {
		resp, body := e.do(t, "GET", path, staff, "")
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, path)
		assert.Contains(t, body, "政策推送记录仅对管理员开放", path)
	}
	for _, path := range []string{"/points", "/stations", "/push", "/points/statement.xlsx",
		"/api/v1/points/entries", "/api/v1/stations", "/api/v1/push/notices"} {
		resp, _ := e.do(t, "GET", path, "", "")
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, "signed out: %s", path)
	}
}

// TestServicesBadQuery: a bad filter gets 400 and a message saying what
// is wrong, as JSON from the API and as a page.
func TestServicesBadQuery(t *testing.T) {
	e, sv := newServicesEnv(t)
	require.NoError(t, sv.stations.Replace(context.Background(), testStations, stations.Import{At: time.Now(), Source: "a.csv", Stations: 3}))
	admin := e.signIn(t, "tg:admin")
	for _, tc := range []struct{ path, want string }{
		{"/points?month=2026-13", "月份应写作年-月"},
		{"/points?month=11/2026", "月份应写作年-月"},
		{"/points?page=0", "页码应为正整数"},
		{"/points?user=" + strings.Repeat("x", 65), "用户 id 不能超过 64 个字符"},
		{"/stations?service=" + url.QueryEscape("洗车"), "没有驿站提供“洗车”服务。可选的服务："},
		{"/stations?q=" + strings.Repeat("站", 51), "搜索内容不能超过 50 个字"},
		{"/stations?page=abc", "页码应为正整数"},
		{"/push?page=-1", "页码应为正整数"},
		{"/push/notices/x.txt?page=0", "页码应为正整数"},
	} {
		api := "/api/v1" + strings.Replace(strings.Replace(strings.Replace(tc.path, "/points?", "/points/entries?", 1),
			"/push?", "/push/notices?", 1), "/push/notices/x", "/push/notices/x", 1)
		resp, body := e.do(t, "GET", api, admin, "")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, api)
		assert.Contains(t, body, `"code":"invalid"`, api)
		assert.Contains(t, body, tc.want, api)
		resp, body = e.do(t, "GET", tc.path, admin, "")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, tc.path)
		assert.Contains(t, body, tc.want, tc.path)
	}
}

// TestServicesOff: a console without the services' stores says so.
func TestServicesOff(t *testing.T) {
	e := newEnv(t, "")
	admin := e.signIn(t, "tg:admin")
	for path, want := range map[string]string{"/points": "未启用红色积分", "/stations": "未启用暖“新”驿站", "/push": "未启用政策推送",
		"/api/v1/stations": "未启用暖“新”驿站"} {
		resp, body := e.do(t, "GET", path, admin, "")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		assert.Contains(t, body, want, path)
	}
}
