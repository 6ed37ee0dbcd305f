package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"partybot/apperr"
	"partybot/tickets"
	"partybot/web"
)

// chart returns the markup of the chart named name on the page, "" when
// there is none.
func chart(body, name string) string {
	m := regexp.MustCompile(`(?s)<svg class="chart" data-chart="` + name + `".*?</svg>`).FindString(body)
	return m
}

// thisMonth is the current month's period as the page's query.
func thisMonth() string {
	now := time.Now().In(tickets.DefaultLocation)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, tickets.DefaultLocation)
	return "from=" + first.Format(time.DateOnly) + "&amp;to=" + first.AddDate(0, 1, -1).Format(time.DateOnly)
}

func TestStatsPage(t *testing.T) {
	e := newEnv(t, "")
	e.create(t, tickets.NewTicket{Text: "工资被拖欠三个月", Department: "renshe", Category: "欠薪"})
	e.create(t, tickets.NewTicket{Text: "想咨询法律援助", Department: "sifa", Category: `<script>alert(1)</script>`})

	t.Run("admin sees every department", func(t *testing.T) {
		resp, body := e.do(t, "GET", "/stats", e.signIn(t, "tg:admin"), "")
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Contains(t, body, `<a href="/stats">统计</a>`, "in the nav")
		depts := e.tickets.Departments()
		assert.Equal(t, len(depts), strings.Count(chart(body, "departments"), "<rect"), "a bar per department")
		for _, d := range depts {
			assert.Contains(t, body, "<td>"+d.Name+"</td>")
		}
		assert.Regexp(t, `<td>区人社局</td><td class="num">2</td>`, body, "人社's two demands this month")
		assert.Contains(t, chart(body, "departments"), "<title>区人社局：受理 2 件")
		assert.Regexp(t, `<span>受理量</span><strong>4</strong>`, body, "the total")

		trend := chart(body, "trend")
		assert.Equal(t, 12, strings.Count(trend, "<circle"), "a point per month")
		assert.Contains(t, trend, "<polyline points=")

		cats := chart(body, "categories")
		assert.Equal(t, 3, strings.Count(cats, "<rect"), "欠薪, 未分类 and the script")
		assert.Contains(t, cats, "未分类")
		assert.NotContains(t, body, "<script>alert(1)</script>", "labels are escaped")
		assert.Contains(t, cats, "&lt;script&gt;")

		assert.Contains(t, body, `href="/stats/ledger.xlsx?`+thisMonth()+`"`)
		assert.Contains(t, body, `href="/stats/stats.xlsx?`+thisMonth()+`"`)
	})

	t.Run("staff see their department only", func(t *testing.T) {
		resp, body := e.do(t, "GET", "/stats", e.signIn(t, "tg:renshe"), "")
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Equal(t, 1, strings.Count(chart(body, "departments"), "<rect"))
		assert.Contains(t, body, "<td>区人社局</td>")
		assert.NotContains(t, body, "区司法局")
		assert.NotContains(t, body, "&lt;script&gt;", "司法's category")
		assert.Regexp(t, `<span>受理量</span><strong>2</strong>`, body)
	})

	t.Run("an empty period", func(t *testing.T) {
		resp, body := e.do(t, "GET", "/stats?from=2001-01-01&to=2001-01-31", e.signIn(t, "tg:admin"), "")
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		for _, name := range []string{"departments", "trend", "categories"} {
			c := chart(body, name)
			require.NotEmpty(t, c, name)
			assert.Contains(t, c, "本期暂无数据", name)
			assert.NotContains(t, c, "<rect", name)
			assert.NotContains(t, c, "<circle", name)
		}
		assert.Contains(t, body, "2001-01-01 至 2001-01-31")
	})

	t.Run("the widest period", func(t *testing.T) {
		resp, body := e.do(t, "GET", "/stats?from=2000-01-01&to=2100-12-30", e.signIn(t, "tg:admin"), "")
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Regexp(t, `<span>受理量</span><strong>4</strong>`, body)
		assert.Contains(t, body, "2099年12月至2100年11月", "the trend stays within the store's years")
	})

	t.Run("not signed in", func(t *testing.T) {
		resp, body := e.do(t, "GET", "/stats", "", "")
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		assert.Contains(t, body, "抱歉，您暂时无法访问工作台")
		for _, path := range []string{"/stats/ledger.xlsx", "/stats/stats.xlsx"} {
			resp, _ := e.do(t, "GET", path, "", "")
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, path)
		}
	})
}

// badPeriods are queries the statistics refuse, with what the message says.
var badPeriods = []struct {
	name, query, message string
}{
	{"from after to", "from=2026-03-31&to=2026-03-01", "开始日期应早于结束日期"},
	{"garbage", "from=yesterday&to=2026-03-01", "日期格式应为 2026-03-01"},
	{"no such day", "from=2026-02-30&to=2026-03-01", "日期格式应为 2026-03-01"},
	{"huge range", "from=0001-01-01&to=9999-12-31", "日期超出范围"},
}

func TestStatsPageBadInput(t *testing.T) {
	e := newEnv(t, "")
	sid := e.signIn(t, "tg:admin")
	for _, tc := range badPeriods {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do(t, "GET", "/stats?"+tc.query, sid, "")
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Contains(t, body, `<div class="error" role="alert">`+tc.message)
			assert.Contains(t, body, `<form class="filters card" method="get" action="/stats">`, "the form to correct it")
			assert.NotContains(t, body, `data-chart=`)
			resp, body = e.do(t, "GET", "/stats/ledger.xlsx?"+tc.query, sid, "")
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "ledger")
			assert.Contains(t, body, tc.message, "ledger")
		})
	}
}

func TestStatsAPI(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	period := "from=2026-01-01&to=2026-12-31"
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, tickets.DefaultLocation)
	f := tickets.StatsFilter{From: from, To: from.AddDate(1, 0, 0)}
	for _, tc := range []struct {
		user  string
		depts int
	}{{"tg:admin", len(e.tickets.Departments())}, {"tg:renshe", 1}} {
		t.Run(tc.user, func(t *testing.T) {
			resp, body := e.do(t, "GET", "/api/v1/stats?"+period, e.signIn(t, tc.user), "")
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
			st, err := e.tickets.Stats(ctx, viewer(tc.user), f)
			require.NoError(t, err)
			want, err := json.Marshal(web.StatsReport{Stats: st})
			require.NoError(t, err)
			assert.JSONEq(t, string(want), body)
			var got tickets.Stats
			require.NoError(t, json.Unmarshal([]byte(body), &got))
			assert.Len(t, got.Departments, tc.depts)
		})
	}

	t.Run("not signed in", func(t *testing.T) {
		resp, body := e.do(t, "GET", "/api/v1/stats", "", "")
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		assert.JSONEq(t, `{"code":"forbidden","message":"您尚未登录。"}`, body)
	})
	sid := e.signIn(t, "tg:admin")
	for _, tc := range badPeriods {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do(t, "GET", "/api/v1/stats?"+tc.query, sid, "")
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			var got struct{ Code, Message string }
			require.NoError(t, json.Unmarshal([]byte(body), &got), body)
			assert.Equal(t, apperr.EInvalid, got.Code)
			assert.Contains(t, got.Message, tc.message)
		})
	}
}

// TestStatsPlatform: administrators get the points' and notices' figures
// of the period, on the page and in the API; staff do not.
func TestStatsPlatform(t *testing.T) {
	e := newEnv(t, "")
	var asked []time.Time
	platform := func(_ context.Context, from, to time.Time) (*web.PlatformFigures, error) {
		asked = append(asked, from, to)
		return &web.PlatformFigures{PointsAwarded: 120, NoticesPushed: 7, NoticesOpened: 5}, nil
	}
	srv := httptestServer(t, web.NewServer(e.auth, e.tickets, viewer, "", nil, web.WithPlatform(platform)))
	admin := e.signIn(t, "tg:admin")
	_, body := getWith(t, srv, "/api/v1/stats?from=2026-03-01&to=2026-03-31", admin)
	assert.Contains(t, body, `"platform":{"points_awarded":120,"notices_pushed":7,"notices_opened":5}`)
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, tickets.DefaultLocation)
	assert.Equal(t, []time.Time{from, from.AddDate(0, 1, 0)}, asked)

	_, body = getWith(t, srv, "/stats", admin)
	assert.Regexp(t, `<span>红色积分发放</span><strong>120</strong>`, body)
	assert.Contains(t, body, "已查看原文 5")

	_, body = getWith(t, srv, "/api/v1/stats", e.signIn(t, "tg:renshe"))
	assert.NotContains(t, body, "platform")
}

func TestStatsDownloads(t *testing.T) {
	e := newEnv(t, "")
	mine := e.create(t, tickets.NewTicket{Text: "工资被拖欠", Department: "renshe"})
	// A demand a 人社 staff member filed to 司法 is not 人社's work.
	theirs := e.create(t, tickets.NewTicket{SubmitterID: "tg:renshe", Text: "想咨询法律援助", Department: "sifa"})

	for _, tc := range []struct {
		user    string
		numbers []string
	}{
		{"tg:renshe", []string{e.renshe.Number, mine.Number}},
		{"tg:admin", []string{e.renshe.Number, e.sifa.Number, mine.Number, theirs.Number}},
	} {
		t.Run(tc.user, func(t *testing.T) {
			sid := e.signIn(t, tc.user)
			resp, body := e.do(t, "GET", "/stats/ledger.xlsx", sid, "")
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			assert.Equal(t, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", resp.Header.Get("Content-Type"))
			assert.Contains(t, resp.Header.Get("Content-Disposition"), "attachment; filename*=UTF-8''%E5%8F%B0%E8%B4%A6-")
			rows := sheetRows(t, body, "台账")
			require.NotEmpty(t, rows)
			var numbers []string
			for _, r := range rows[1:] {
				numbers = append(numbers, r[0])
			}
			assert.ElementsMatch(t, tc.numbers, numbers)

			resp, body = e.do(t, "GET", "/stats/stats.xlsx", sid, "")
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			rows = sheetRows(t, body, "统计")
			require.GreaterOrEqual(t, len(rows), 3)
			assert.Contains(t, rows[0][0], "统计期间：")
			if tc.user == "tg:renshe" {
				assert.Len(t, rows, 4, "period, header, 人社, total")
				assert.Equal(t, "区人社局", rows[2][0])
			}
		})
	}
}

// sheetRows reads the rows of sheet in the workbook body.
func sheetRows(tb testing.TB, body, sheet string) [][]string {
	tb.Helper()
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	require.NoError(tb, err)
	defer f.Close()
	rows, err := f.GetRows(sheet)
	require.NoError(tb, err)
	return rows
}

// TestStatsPageSize: the page of a busy month over every configured
// department, with many categories, stays under 300 KB.
func TestStatsPageSize(t *testing.T) {
	e := newEnv(t, "")
	fillStats(t, e.tickets, 20_000)
	resp, body := e.do(t, "GET", "/stats", e.signIn(t, "tg:admin"), "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, len(e.tickets.Departments()), strings.Count(chart(body, "departments"), "<rect"))
	assert.LessOrEqual(t, len(body), 300<<10, "page bytes")
	t.Logf("statistics page: %d bytes", len(body))
}

// BenchmarkStatsPage100k serves the statistics page of the current month
// over 100,000 tickets, as an administrator and as one department's
// staff, and reports its size.
func BenchmarkStatsPage100k(b *testing.B) {
	e := newEnv(b, "")
	fillStats(b, e.tickets, 100_000)
	for _, user := range []string{"tg:admin", "tg:renshe"} {
		b.Run(strings.TrimPrefix(user, "tg:"), func(b *testing.B) {
			sid := e.signIn(b, user)
			srv := web.NewServer(e.auth, e.tickets, viewer, "", nil)
			benchPage(b, srv, func() *http.Request { return httptestRequest(b, "/stats", sid) })
		})
	}
}

// fillStats fills the store as the board's benchmark does ([fill]) and
// then gives the tickets categories (40 of them) and the closed ones a
// rating.
func fillStats(tb testing.TB, s *tickets.Store, n int) {
	tb.Helper()
	fill(tb, s, n)
	_, err := s.DB().ExecContext(context.Background(), `UPDATE tickets SET category = '类别' || (id % 40),
		rating = CASE WHEN status = 'closed' THEN 1 + id % 5 END, rated_at = CASE WHEN status = 'closed' THEN closed_at END`)
	require.NoError(tb, err)
}

func httptestServer(tb testing.TB, h http.Handler) *httptest.Server {
	tb.Helper()
	ts := httptest.NewServer(h)
	tb.Cleanup(ts.Close)
	return ts
}

// getWith requests path of ts with the session cookie sid.
func getWith(tb testing.TB, ts *httptest.Server, path, sid string) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest("GET", ts.URL+path, nil)
	require.NoError(tb, err)
	req.AddCookie(&http.Cookie{Name: web.CookieName, Value: sid})
	resp, err := ts.Client().Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return resp, string(b)
}
