package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/tickets"
	"partybot/web"
)

// create files a ticket of n for the test, with a submitter of its own.
func (e *env) create(tb testing.TB, n tickets.NewTicket) *tickets.Ticket {
	tb.Helper()
	if n.SubmitterID == "" {
		n.SubmitterID = "tg:" + strconv.Itoa(int(time.Now().UnixNano()%1e9))
	}
	n.Confidence = 1
	t, err := e.tickets.CreateTicket(context.Background(), n)
	require.NoError(tb, err)
	return t
}

// current returns the ticket number as it is now.
func (e *env) current(tb testing.TB, number string) *tickets.Ticket {
	tb.Helper()
	t, err := e.tickets.FindTicketByNumber(context.Background(), viewer("tg:admin"), number)
	require.NoError(tb, err)
	return t
}

// post sends a form as a browser on the console's own page does.
func (e *env) post(tb testing.TB, path, sid string, form url.Values, header ...string) (*http.Response, string) {
	tb.Helper()
	h := append([]string{"Content-Type", "application/x-www-form-urlencoded", "Origin", e.ts.URL, "Sec-Fetch-Site", "same-origin"}, header...)
	return e.do(tb, "POST", path, sid, form.Encode(), h...)
}

// rows returns the ticket numbers of the board's table, in order.
func rows(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<td class="n"><a href="/tickets/([0-9-]+)">`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestBoard(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	late := e.create(t, tickets.NewTicket{Text: "路灯坏了很久", Department: "renshe", Summary: "路灯不亮"})
	_, err := e.tickets.Sweep(ctx, time.Now().Add(60*24*time.Hour)) // every open ticket so far is overdue
	require.NoError(t, err)
	urgent := e.create(t, tickets.NewTicket{Text: "工资被拖欠，急", Department: "renshe", Urgency: tickets.UrgencyUrgent})
	accepted := e.create(t, tickets.NewTicket{Text: "社保转移咨询", Department: "renshe"})
	_, err = e.tickets.Accept(ctx, viewer("tg:renshe"), accepted.Number, "")
	require.NoError(t, err)
	// A demand a 人社 clerk filed to 司法 for themselves: not 人社's work.
	own := e.create(t, tickets.NewTicket{SubmitterID: "tg:renshe", Text: "邻里纠纷调解", Department: "sifa"})

	admin, renshe := e.signIn(t, "tg:admin"), e.signIn(t, "tg:renshe")
	for _, tc := range []struct {
		name, sid, query string
		want             []string // the rows, in order: overdue, then urgent, then by deadline
		counts           []string // snippets of the status counts
	}{
		{"admin all", admin, "", []string{e.renshe.Number, e.sifa.Number, late.Number, urgent.Number, accepted.Number, own.Number},
			[]string{"全部 6", "已派单 5", "已接单 1"}},
		{"staff", renshe, "", []string{e.renshe.Number, late.Number, urgent.Number, accepted.Number},
			[]string{"全部 4", "已派单 3", "已接单 1"}},
		{"status", renshe, "?status=accepted", []string{accepted.Number}, []string{"全部 4", "已接单 1"}},
		{"department", admin, "?department=sifa", []string{e.sifa.Number, own.Number}, []string{"全部 2"}},
		{"overdue", renshe, "?overdue=true", []string{e.renshe.Number, late.Number}, []string{"全部 2"}},
		{"not overdue", renshe, "?overdue=false", []string{urgent.Number, accepted.Number}, []string{"全部 2"}},
		{"text", admin, "?q=" + url.QueryEscape("工资"), []string{urgent.Number}, []string{"全部 1", "共 1 条"}},
		{"number", admin, "?q=" + url.QueryEscape(own.Number), []string{own.Number}, nil},
		{"page past the end", admin, "?page=2", nil, []string{"没有符合条件的工单", "上一页"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do(t, "GET", "/tickets"+tc.query, tc.sid, "")
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			assert.Equal(t, tc.want, rows(body))
			for _, c := range tc.counts {
				assert.Contains(t, body, c)
			}
		})
	}

	t.Run("overdue marked", func(t *testing.T) {
		_, body := e.do(t, "GET", "/tickets", renshe, "")
		assert.Contains(t, body, `<tr class="overdue">`+"\n"+`<td class="n"><a href="/tickets/`+late.Number+`">`)
		assert.NotContains(t, body, `<tr class="overdue">`+"\n"+`<td class="n"><a href="/tickets/`+urgent.Number+`">`)
		assert.Equal(t, 2, strings.Count(body, `<tr class="overdue">`))
	})
	t.Run("staff cannot pick another department", func(t *testing.T) {
		resp, body := e.do(t, "GET", "/tickets?department=sifa", renshe, "")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		assert.NotContains(t, body, e.sifa.Number)
		assert.Contains(t, body, "只能查看本部门")
	})
	t.Run("period", func(t *testing.T) {
		today := time.Now().In(e.tickets.Location())
		day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }
		_, body := e.do(t, "GET", "/tickets?from="+day(0)+"&to="+day(0), renshe, "")
		assert.Len(t, rows(body), 4, "filed today")
		assert.Contains(t, body, `name="from" value="`+day(0)+`"`, "the form keeps the period")
		_, body = e.do(t, "GET", "/tickets?from="+day(1), renshe, "")
		assert.Empty(t, rows(body), "filed from tomorrow")
		_, body = e.do(t, "GET", "/tickets?to="+day(-1), admin, "")
		assert.Empty(t, rows(body), "filed until yesterday")
		_, body = e.do(t, "GET", "/api/v1/tickets?from="+day(-3)+"&to="+day(0), renshe, "")
		assert.Contains(t, body, `"total":4`)
	})
	t.Run("bad filters", func(t *testing.T) {
		for _, q := range []string{"?status=nosuch", "?overdue=maybe", "?page=0", "?department=nosuch",
			"?from=2026-3-1", "?from=2026-03-09&to=2026-03-01", "?from=1990-01-01", "?to=" + url.QueryEscape("明天")} {
			resp, _ := e.do(t, "GET", "/tickets"+q, admin, "")
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, q)
		}
	})
	t.Run("api shares the listing", func(t *testing.T) {
		_, body := e.do(t, "GET", "/api/v1/tickets", renshe, "")
		assert.Contains(t, body, `"total":4`)
		assert.NotContains(t, body, own.Number)
	})
}

func TestBoardPages(t *testing.T) {
	e := newEnv(t, "")
	for i := range web.PageSize + 3 {
		e.create(t, tickets.NewTicket{SubmitterID: fmt.Sprintf("tg:p%d", i), Text: fmt.Sprintf("第 %d 件诉求", i), Department: "sifa"})
	}
	sid := e.signIn(t, "tg:sifa")
	_, body := e.do(t, "GET", "/tickets?department=sifa", sid, "")
	assert.Len(t, rows(body), web.PageSize)
	assert.Contains(t, body, "第 1 / 2 页，共 54 条")
	assert.Contains(t, body, `<a href="/tickets?department=sifa&amp;page=2">下一页</a>`)
	_, body = e.do(t, "GET", "/tickets?department=sifa&page=2", sid, "")
	assert.Len(t, rows(body), 4)
	assert.Contains(t, body, `<a href="/tickets?department=sifa">上一页</a>`)
}

func TestDetail(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	photo, err := e.files.Put(bytes.NewReader(pngBytes), 0)
	require.NoError(t, err)
	photo.Name = "井盖.png"
	report := e.create(t, tickets.NewTicket{SubmitterID: "tg:200", SubmitterName: "张三", Kind: tickets.KindReport,
		Text: "幸福路井盖缺失<script>alert(1)</script>", Department: "renshe", Coords: &tickets.LatLng{Lat: 39.9042, Lng: 116.4074},
		Attachments: []tickets.Attachment{photo}})
	_, err = e.tickets.Accept(ctx, viewer("tg:renshe"), report.Number, "马上去看")
	require.NoError(t, err)
	sid := e.signIn(t, "tg:renshe")

	resp, body := e.do(t, "GET", "/tickets/"+report.Number, sid, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	for _, want := range []string{
		"随手拍/线索 " + report.Number, "幸福路井盖缺失&lt;script&gt;", "张三", "tg:200", "纬度 39.90420，经度 116.40740",
		"/tickets/" + report.Number + "/photos/" + photo.SHA256,
		"接单", "马上去看", // the timeline
		`action="/tickets/` + report.Number + `/verify"`, `formaction="/tickets/` + report.Number + `/reject">核实无效`,
		`action="/tickets/` + report.Number + `/resolve"`, `action="/tickets/` + report.Number + `/transfer"`,
	} {
		assert.Contains(t, body, want)
	}
	assert.NotContains(t, body, "<script>alert")
	assert.NotContains(t, body, `/accept"`, "already accepted")

	t.Run("photo", func(t *testing.T) {
		resp, body := e.do(t, "GET", "/tickets/"+report.Number+"/photos/"+photo.SHA256, sid, "")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "image/png", resp.Header.Get("Content-Type"))
		assert.Equal(t, string(pngBytes), body)
		// A photo of the store not attached to this ticket is not served through it.
		other, err := e.files.Put(strings.NewReader("another photo"), 0)
		require.NoError(t, err)
		resp, _ = e.do(t, "GET", "/tickets/"+report.Number+"/photos/"+other.SHA256, sid, "")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	})

	// Another department's ticket is the page of a ticket that does not
	// exist, for the page, its photos and its actions.
	t.Run("another department", func(t *testing.T) {
		sifa := e.signIn(t, "tg:sifa")
		_, none := e.do(t, "GET", "/tickets/2026-099999", sifa, "")
		for _, tc := range []struct{ name, method, path string }{
			{"page", "GET", "/tickets/" + report.Number},
			{"photo", "GET", "/tickets/" + report.Number + "/photos/" + photo.SHA256},
			{"action", "POST", "/tickets/" + report.Number + "/verify"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var resp *http.Response
				var body string
				if tc.method == "POST" {
					resp, body = e.post(t, tc.path, sifa, url.Values{"version": {strconv.Itoa(e.current(t, report.Number).Version)}})
				} else {
					resp, body = e.do(t, "GET", tc.path, sifa, "")
				}
				assert.Equal(t, http.StatusNotFound, resp.StatusCode)
				assert.Equal(t, none, body)
				assert.NotContains(t, body, "井盖")
			})
		}
		assert.True(t, e.current(t, report.Number).VerifiedAt.IsZero(), "untouched")
	})
}

// pngBytes is a 1×1 PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

func TestActions(t *testing.T) {
	e := newEnv(t, "")
	sid := e.signIn(t, "tg:renshe")
	number := e.renshe.Number
	version := func() string { return strconv.Itoa(e.current(t, number).Version) }

	// act posts the form and follows the redirect with the flash cookie.
	act := func(t *testing.T, action string, form url.Values) string {
		t.Helper()
		resp, body := e.post(t, "/tickets/"+number+"/"+action, sid, form)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
		require.Equal(t, "/tickets/"+number, resp.Header.Get("Location"))
		var flash *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "partybot_flash" {
				flash = c
			}
		}
		require.NotNil(t, flash)
		req, err := http.NewRequest("GET", e.ts.URL+"/tickets/"+number, nil)
		require.NoError(t, err)
		req.AddCookie(&http.Cookie{Name: web.CookieName, Value: sid})
		req.AddCookie(flash)
		resp, err = e.client(t).Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var b bytes.Buffer
		_, err = b.ReadFrom(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		return b.String()
	}

	stale := version()
	body := act(t, "accept", url.Values{"version": {stale}, "note": {"已电话联系"}})
	assert.Contains(t, body, `<div class="flash" role="status">已接单。</div>`)
	assert.Contains(t, body, "已电话联系")
	assert.Contains(t, body, "tg:renshe（经工作台）", "the timeline says where")
	assert.Contains(t, body, "system（系统自动）")
	now := e.current(t, number)
	assert.Equal(t, tickets.StatusAccepted, now.Status)
	assert.Equal(t, tickets.ViaWeb, now.History[len(now.History)-1].Via)

	t.Run("stale", func(t *testing.T) {
		// A second page, opened before the 接单, sends 接单 (and 转派).
		for _, tc := range []struct {
			action string
			form   url.Values
		}{
			{"accept", url.Values{"note": {"我也来"}}},
			{"transfer", url.Values{"to": {"sifa"}, "reason": {"不归我们"}}},
		} {
			t.Run(tc.action, func(t *testing.T) {
				tc.form.Set("version", stale)
				before := e.current(t, number)
				resp, body := e.post(t, "/tickets/"+number+"/"+tc.action, sid, tc.form)
				assert.Equal(t, http.StatusConflict, resp.StatusCode)
				assert.Contains(t, body, "已被他人更新（当前状态：已接单），您的操作未执行")
				assert.Contains(t, body, `name="version" value="`+strconv.Itoa(before.Version)+`"`, "the page as it is now")
				after := e.current(t, number)
				assert.Equal(t, before.Version, after.Version, "nothing written")
				assert.Equal(t, "renshe", after.Department)
			})
		}
	})
	t.Run("invalid keeps the text", func(t *testing.T) {
		resp, body := e.post(t, "/tickets/"+number+"/transfer", sid, url.Values{"version": {version()}, "to": {"sifa"}, "reason": {" "}})
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		assert.Contains(t, body, "必须填写转派理由")
		assert.Contains(t, body, `<option value="sifa" selected>`)
	})
	t.Run("cross-origin form", func(t *testing.T) {
		for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
			req := url.Values{"version": {version()}, "reply": {"伪造"}}.Encode()
			resp, body := e.do(t, "POST", "/tickets/"+number+"/resolve", sid, req,
				append([]string{"Content-Type", "application/x-www-form-urlencoded"}, h...)...)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
			assert.Contains(t, body, "来自其他网站")
		}
		assert.Equal(t, tickets.StatusAccepted, e.current(t, number).Status, "untouched")
	})

	body = act(t, "resolve", url.Values{"version": {version()}, "reply": {"已协调单位补发工资"}})
	assert.Contains(t, body, "已办结")
	got := e.current(t, number)
	assert.Equal(t, tickets.StatusResolved, got.Status)
	assert.Equal(t, "已协调单位补发工资", got.Reply)
	assert.NotContains(t, body, `/resolve"`, "nothing left to do")

	t.Run("judge a suggestion", func(t *testing.T) {
		s := e.create(t, tickets.NewTicket{Kind: tickets.KindSuggestion, Text: "建议增设夜间窗口", Department: "renshe"})
		number = s.Number
		act(t, "accept", url.Values{"version": {version()}})
		body := act(t, "partial", url.Values{"version": {version()}, "reply": {"试点周四延时"}})
		assert.Contains(t, body, "已部分采纳")
		assert.Equal(t, tickets.OutcomePartlyAdopted, e.current(t, number).Outcome)
	})
	t.Run("verify a report", func(t *testing.T) {
		r := e.create(t, tickets.NewTicket{Kind: tickets.KindReport, Text: "楼道堆放杂物", Department: "renshe"})
		number = r.Number
		act(t, "accept", url.Values{"version": {version()}})
		body := act(t, "verify", url.Values{"version": {version()}})
		assert.Contains(t, body, "已核实有效")
		assert.Equal(t, tickets.OutcomeVerified, e.current(t, number).Outcome)
	})
}

// BenchmarkBoard100k serves the board's first page over 100,000 tickets,
// as an administrator (all of them), as one department's staff (a
// thirteenth) and to an administrator's browser that takes gzip, and
// times the store's part alone.
func BenchmarkBoard100k(b *testing.B) {
	e := newEnv(b, "")
	fill(b, e.tickets, 100_000)
	for _, c := range []struct{ name, user, encoding string }{
		{"admin", "tg:admin", ""}, {"renshe", "tg:renshe", ""}, {"admin-gzip", "tg:admin", "gzip"},
	} {
		b.Run(c.name, func(b *testing.B) {
			sid := e.signIn(b, c.user)
			srv := web.NewServer(e.auth, e.tickets, viewer, "", nil)
			benchPage(b, srv, func() *http.Request {
				req := httptestRequest(b, "/tickets", sid)
				if c.encoding != "" {
					req.Header.Set("Accept-Encoding", c.encoding)
				}
				return req
			})
		})
	}
	// What of that the store's Board takes.
	b.Run("store-only", func(b *testing.B) {
		for b.Loop() {
			_, err := e.tickets.Board(context.Background(), viewer("tg:admin"), tickets.BoardFilter{Page: 1, PerPage: web.PageSize})
			require.NoError(b, err)
		}
	})
}

// fill writes n tickets straight into the store's database in one
// transaction, as the tickets package's synthetic fill does: spread over
// the last year and the departments, most of them finished, some overdue.
func fill(tb testing.TB, s *tickets.Store, n int) {
	tb.Helper()
	ctx := context.Background()
	depts := s.Departments()
	tx, err := s.DB().BeginTx(ctx, nil)
	require.NoError(tb, err)
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO tickets (number, year, seq, submitter_id, submitter_name, channel,
		text, summary, category, department, urgency, status, created_at, respond_due, due_at, accepted_at,
		resolved_at, rated_at, closed_at, updated_at, rating, overdue, escalation, kind, outcome)
		VALUES (?, ?, ?, ?, '', 'chat', ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL, ?, 0, 'demand', '')`)
	require.NoError(tb, err)
	end := time.Now()
	for i := range n {
		created := end.Add(-time.Duration(i) * 5 * time.Minute)
		status, accepted, resolved, closed := tickets.StatusClosed, ms(created.Add(time.Hour)), ms(created.Add(48*time.Hour)), ms(created.Add(72*time.Hour))
		switch i % 10 {
		case 0:
			status, accepted, resolved, closed = tickets.StatusDispatched, nil, nil, nil
		case 1, 2:
			status, resolved, closed = tickets.StatusAccepted, nil, nil
		}
		urgency := tickets.UrgencyNormal
		if i%7 == 0 {
			urgency = tickets.UrgencyUrgent
		}
		overdue := status.Open() && i%3 == 0
		_, err := st.ExecContext(ctx, tickets.FormatNumber(1900+i/1_000_000, i%1_000_000+1), 1900+i/1_000_000, i%1_000_000+1,
			fmt.Sprintf("u%d", i%5000), fmt.Sprintf("第 %d 件合成诉求：小区路灯不亮，夜间出行不便", i), "路灯不亮",
			depts[i%len(depts)].Key, urgency, status, created.UnixMilli(), created.Add(24*time.Hour).UnixMilli(),
			created.Add(5*24*time.Hour).UnixMilli(), accepted, resolved, closed, created.UnixMilli(), overdue)
		require.NoError(tb, err)
	}
	require.NoError(tb, tx.Commit())
}

func ms(t time.Time) any { return t.UnixMilli() }

func httptestRequest(tb testing.TB, path, sid string) *http.Request {
	tb.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.AddCookie(&http.Cookie{Name: web.CookieName, Value: sid})
	return req
}

// benchPage serves the request req makes as often as b asks, fails on a
// status other than 200 and reports the page's size.
func benchPage(b *testing.B, srv http.Handler, req func() *http.Request) {
	b.Helper()
	size := 0
	for b.Loop() {
		w := newDiscard()
		srv.ServeHTTP(w, req())
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
		size = w.n
	}
	b.ReportMetric(float64(size), "bytes/page")
}

// discard is a ResponseWriter that counts what is written.
type discard struct {
	h      http.Header
	status int
	n      int
}

func newDiscard() *discard { return &discard{h: http.Header{}} }

func (d *discard) Header() http.Header { return d.h }
func (d *discard) WriteHeader(s int)   { d.status = s }
func (d *discard) Write(p []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	d.n += len(p)
	return len(p), nil
}

// TestTransferLandsOnTheBoard: a clerk who transfers a ticket away may no
// longer see it, so the action leads to the board with its message, shown
// once, and no other ticket's page shows it afterwards.
func TestTransferLandsOnTheBoard(t *testing.T) {
	e := newEnv(t, "")
	sid := e.signIn(t, "tg:renshe")
	v := e.current(t, e.renshe.Number).Version
	resp, _ := e.post(t, "/tickets/"+e.renshe.Number+"/transfer", sid,
		url.Values{"version": {strconv.Itoa(v)}, "to": {"sifa"}, "reason": {"不归我们"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/tickets", resp.Header.Get("Location"))
	var flash *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "partybot_flash" {
			flash = c
		}
	}
	require.NotNil(t, flash, "the message is kept for the next page")
	board, body := e.do(t, "GET", "/tickets", sid, "", "Cookie", web.CookieName+"="+sid+"; "+flash.Name+"="+flash.Value)
	assert.Contains(t, body, `<div class="flash">已转派至`)
	cleared := false
	for _, c := range board.Cookies() {
		cleared = cleared || (c.Name == flash.Name && c.MaxAge < 0)
	}
	assert.True(t, cleared, "the board shows the message once")
	other := e.create(t, tickets.NewTicket{Text: "另一件", Department: "renshe"})
	_, body = e.do(t, "GET", "/tickets/"+other.Number, sid, "")
	assert.NotContains(t, body, "已转派至")
}
