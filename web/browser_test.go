package web_test

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/internal/browsertest"
	"partybot/tickets"
	"partybot/web"
)

// The console in a real browser: Debian's Chromium, headless, driven
// through chromedp (see internal/browsertest). Without Chromium these
// tests skip, except under CI=true.

func TestMain(m *testing.M) {
	code := m.Run()
	browsertest.CloseShared()
	os.Exit(code)
}

// tab signs user in by a link to next in a new tab and returns the tab.
func (e *env) tab(t *testing.T, user, next string) context.Context {
	t.Helper()
	ctx := browsertest.Shared(t).Tab(t)
	require.EqualValues(t, http.StatusOK, browsertest.Open(t, ctx, e.ts.URL+e.link(t, user, next)))
	return ctx
}

// path returns the path of the tab's page.
func path(t *testing.T, ctx context.Context) string {
	t.Helper()
	u, err := url.Parse(browsertest.Run(t, ctx, chromedp.Location()))
	require.NoError(t, err)
	return u.RequestURI()
}

// boardRows returns the ticket numbers of the board's rows, in order.
func boardRows(t *testing.T, ctx context.Context) []string {
	t.Helper()
	return browsertest.Texts(t, ctx, "tbody td.n a")
}

// newBrowserEnv is a console over new stores, like newEnv, holding a
// district's board of realistic demands (so that the screenshots read
// like one) and returning them by a short name. e.renshe is a demand for
// 人社 and e.sifa one for 司法, as in newEnv. Of the ten, four are
// overdue, one is urgent, two accepted and one resolved. opts are the
// ticket store's.
func newBrowserEnv(t *testing.T, opts ...tickets.Option) (*env, map[string]*tickets.Ticket) {
	t.Helper()
	browsertest.Shared(t) // skips before the stores are made, when there is no browser
	ctx := context.Background()
	e := &env{auth: MustOpen(t, filepath.Join(t.TempDir(), "web.db")),
		clock: &clock{time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}}
	e.auth.SetNow(e.clock.now)
	var err error
	e.tickets, err = tickets.Open(ctx, filepath.Join(t.TempDir(), "tickets.db"), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { e.tickets.Close() })

	m := map[string]*tickets.Ticket{}
	file := func(demands []demand) {
		for _, d := range demands {
			d.SubmitterName = cmp.Or(d.SubmitterName, "居民")
			m[d.name] = e.create(t, d.NewTicket)
		}
	}
	file([]demand{
		{"wage", tickets.NewTicket{Text: "装修公司拖欠我们三个月工资，老板不接电话", Summary: "装修公司拖欠工资三个月", Department: "renshe", SubmitterName: "李师傅", Location: "建设路 18 号", Contact: "138****5678", Category: "劳动保障"}},
		{"dispute", tickets.NewTicket{Text: "楼上漏水到我家，协商不成想请人调解", Summary: "邻里漏水纠纷调解", Department: "sifa", Category: "矛盾调解"}},
		{"lamp", tickets.NewTicket{Text: "小区东门路灯坏了两个星期，晚上很黑", Summary: "小区东门路灯损坏", Department: "zhujian", Location: "幸福里小区东门", Category: "市政设施"}},
		{"ramp", tickets.NewTicket{Text: "社区服务中心门口没有无障碍坡道，轮椅进不去", Summary: "服务中心缺无障碍坡道", Department: "minzheng", Category: "社区服务"}},
	})
	// Everything open so far is past its deadlines.
	_, err = e.tickets.Sweep(ctx, time.Now().Add(60*24*time.Hour))
	require.NoError(t, err)
	file([]demand{
		{"urgent", tickets.NewTicket{Text: "楼道里有很浓的煤气味，老人独居", Summary: "楼道煤气味，独居老人", Department: "yingji", Urgency: tickets.UrgencyUrgent, Location: "和平街 5 号楼 2 单元"}},
		{"social", tickets.NewTicket{Text: "社保关系从外省转回来要准备什么材料", Summary: "社保关系转移咨询", Department: "renshe", Category: "社会保障"}},
		{"school", tickets.NewTicket{Text: "孩子明年上小学，想了解学区划分", Summary: "学区划分咨询", Department: "jiaoyu", Category: "教育"}},
		{"mediate", tickets.NewTicket{Text: "物业费纠纷想申请人民调解", Summary: "物业费纠纷申请调解", Department: "sifa", Category: "矛盾调解"}},
		{"clinic", tickets.NewTicket{Text: "社区卫生服务站周末能不能开门", Summary: "卫生服务站周末开放", Department: "weijian", Category: "医疗卫生"}},
		{"elderly", tickets.NewTicket{Text: "高龄津贴申请后一直没有到账", Summary: "高龄津贴未到账", Department: "minzheng", Category: "社会救助"}},
	})
	admin := viewer("tg:admin")
	for _, name := range []string{"school", "clinic", "elderly"} {
		_, err := e.tickets.Accept(ctx, admin, m[name].Number, "")
		require.NoError(t, err)
	}
	_, err = e.tickets.Resolve(ctx, admin, m["elderly"].Number, "已核实，津贴已于本月补发。")
	require.NoError(t, err)

	e.renshe, e.sifa = m["wage"], m["dispute"]
	e.ts = httptest.NewServer(web.NewServer(e.auth, e.tickets, viewer, "", nil))
	t.Cleanup(e.ts.Close)
	return e, m
}

// demand is a named demand of [newBrowserEnv].
type demand struct {
	name string
	tickets.NewTicket
}

// TestBrowserSignIn follows a sign-in link to the board, and the same
// link again in another browser, which it no longer signs in.
func TestBrowserSignIn(t *testing.T) {
	e, m := newBrowserEnv(t)
	link := e.ts.URL + e.link(t, "tg:renshe", "")
	ctx := browsertest.Shared(t).Tab(t)
	require.EqualValues(t, http.StatusOK, browsertest.Open(t, ctx, link))
	assert.Equal(t, "/tickets", path(t, ctx))
	assert.Equal(t, "工单", browsertest.Text(t, ctx, "h1"))
	assert.Contains(t, browsertest.Text(t, ctx, "header .me"), "tg:renshe")
	assert.ElementsMatch(t, []string{e.renshe.Number, m["social"].Number}, boardRows(t, ctx), "only 人社's tickets")

	other := browsertest.Shared(t).Tab(t)
	assert.EqualValues(t, http.StatusForbidden, browsertest.Open(t, other, link), "a link works once")
	assert.Contains(t, browsertest.Text(t, other, "main"), "登录链接无效、已使用或已过期")
	assert.EqualValues(t, http.StatusForbidden, browsertest.Open(t, other, e.ts.URL+"/tickets"), "still signed out")
}

// TestBrowserBoard reads the board's counts and rows and uses its
// filters, then checks it fits a phone's width.
func TestBrowserBoard(t *testing.T) {
	e, m := newBrowserEnv(t)
	ctx := e.tab(t, "tg:admin", "/tickets")

	counts := browsertest.Texts(t, ctx, ".counts a")
	assert.Contains(t, counts, "全部 10")
	assert.Contains(t, counts, "已派单 7")
	assert.Contains(t, counts, "已接单 2")
	assert.Contains(t, counts, "已办结 1")
	rows := boardRows(t, ctx)
	require.Len(t, rows, 10)
	assert.Len(t, browsertest.Texts(t, ctx, "tr.overdue"), 4, "the overdue rows are marked")
	assert.Equal(t, m["urgent"].Number, rows[4], "urgent first after the overdue")
	browsertest.Screenshot(t, ctx, "board")

	t.Run("status filter", func(t *testing.T) {
		browsertest.Do(t, ctx, chromedp.SetValue(chromedp.CSS(`select[name=status]`), "accepted"))
		require.EqualValues(t, http.StatusOK, browsertest.Click(t, ctx, "form.filters button[type=submit]"))
		assert.ElementsMatch(t, []string{m["school"].Number, m["clinic"].Number}, boardRows(t, ctx))
		assert.Equal(t, "已接单 2", browsertest.Text(t, ctx, ".counts a.on"))
	})
	t.Run("text and department", func(t *testing.T) {
		browsertest.Open(t, ctx, e.ts.URL+"/tickets")
		browsertest.Do(t, ctx,
			chromedp.SetValue(chromedp.CSS(`select[name=department]`), "renshe"),
			chromedp.SendKeys(chromedp.CSS(`input[name=q]`), "工资"))
		require.EqualValues(t, http.StatusOK, browsertest.Click(t, ctx, "form.filters button[type=submit]"))
		assert.Equal(t, []string{m["wage"].Number}, boardRows(t, ctx))
		assert.Contains(t, browsertest.Text(t, ctx, ".pager"), "共 1 条")
	})
	t.Run("a count is a filter", func(t *testing.T) {
		browsertest.Open(t, ctx, e.ts.URL+"/tickets")
		require.EqualValues(t, http.StatusOK, browsertest.Click(t, ctx, `.counts a[href*="status=resolved"]`))
		assert.Equal(t, []string{m["elderly"].Number}, boardRows(t, ctx))
	})
	t.Run("phone", func(t *testing.T) {
		browsertest.Open(t, ctx, e.ts.URL+"/tickets")
		browsertest.Resize(t, ctx, browsertest.PhoneWidth, browsertest.PhoneHeight, true)
		assert.Zero(t, browsertest.Overflow(t, ctx), "the board scrolls sideways on a phone")
		assert.Len(t, boardRows(t, ctx), 10)
		browsertest.Screenshot(t, ctx, "board-phone")
	})
	assert.Empty(t, browsertest.PageErrors(ctx))
}

// TestBrowserAcceptResolve takes a ticket through 接单 and 办结 with the
// detail page's forms, as a clerk of its department.
func TestBrowserAcceptResolve(t *testing.T) {
	e, _ := newBrowserEnv(t)
	n := e.renshe.Number
	ctx := e.tab(t, "tg:renshe", "/tickets/"+n)
	require.Equal(t, "/tickets/"+n, path(t, ctx))
	assert.Equal(t, "已派单", browsertest.Text(t, ctx, "h1 .tag"))

	browsertest.Do(t, ctx, chromedp.SendKeys(chromedp.CSS(`form[action$="/accept"] textarea[name=note]`), "今天上门了解情况"))
	require.EqualValues(t, http.StatusOK, browsertest.Click(t, ctx, `form[action$="/accept"] button`))
	assert.Equal(t, "已接单。", browsertest.Text(t, ctx, ".flash"))
	assert.Equal(t, "已接单", browsertest.Text(t, ctx, "h1 .tag"))
	assert.Contains(t, browsertest.Text(t, ctx, "ol.timeline li"), "今天上门了解情况")
	browsertest.Screenshot(t, ctx, "detail")
	browsertest.Resize(t, ctx, browsertest.PhoneWidth, browsertest.PhoneHeight, true)
	assert.Zero(t, browsertest.Overflow(t, ctx), "the ticket and its forms scroll sideways on a phone")
	browsertest.Resize(t, ctx, browsertest.OfficeWidth, browsertest.OfficeHeight, false)

	const reply = "已联系用人单位，工资将于本周五前结清。"
	browsertest.Do(t, ctx, chromedp.SendKeys(chromedp.CSS(`form[action$="/resolve"] textarea[name=reply]`), reply))
	require.EqualValues(t, http.StatusOK, browsertest.Click(t, ctx, `form[action$="/resolve"] button`))
	assert.Equal(t, "已办结，答复已发送给提交人。", browsertest.Text(t, ctx, ".flash"))
	assert.Equal(t, "已办结", browsertest.Text(t, ctx, "h1 .tag"))
	assert.Contains(t, browsertest.Text(t, ctx, "dl"), reply)
	assert.Empty(t, browsertest.Texts(t, ctx, ".actions form"), "nothing left to do")

	assert.Empty(t, browsertest.PageErrors(ctx))

	got := e.current(t, n)
	assert.Equal(t, tickets.StatusResolved, got.Status)
	assert.Equal(t, reply, got.Reply)
}

// TestBrowserOtherDepartment guesses the URL of another department's
// ticket: the same 404 page as for a ticket that does not exist.
func TestBrowserOtherDepartment(t *testing.T) {
	e, _ := newBrowserEnv(t)
	ctx := e.tab(t, "tg:renshe", "/tickets")
	for _, number := range []string{e.sifa.Number, "2099-999999"} {
		assert.EqualValues(t, http.StatusNotFound, browsertest.Open(t, ctx, e.ts.URL+"/tickets/"+number), number)
		assert.Equal(t, "未找到工单", browsertest.Text(t, ctx, "h1"), number)
		assert.NotContains(t, browsertest.Text(t, ctx, "body"), "漏水", number)
	}
}

// TestBrowserCrossOrigin submits a form of another site that posts 接单
// to the console, from a signed-in browser: refused, nothing changes.
func TestBrowserCrossOrigin(t *testing.T) {
	e, _ := newBrowserEnv(t)
	n := e.renshe.Number
	ctx := e.tab(t, "tg:renshe", "/tickets")
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><form method="post" action="%s/tickets/%s/accept">
<input type="hidden" name="version" value="%d"><button type="submit">领取奖品</button></form>`, e.ts.URL, n, e.renshe.Version)
	}))
	defer evil.Close()
	// Another host name for the same loopback server: another site.
	evilURL := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)
	require.EqualValues(t, http.StatusOK, browsertest.Open(t, ctx, evilURL))
	assert.EqualValues(t, http.StatusForbidden, browsertest.Click(t, ctx, "button"))
	assert.Contains(t, browsertest.Text(t, ctx, "main"), "该操作来自其他网站，已被拒绝")
	assert.Equal(t, tickets.StatusDispatched, e.current(t, n).Status)
}
