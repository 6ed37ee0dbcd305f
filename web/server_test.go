package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/tickets"
	"partybot/web"
)

// users are who the fake policy knows: staff of two departments, an
// administrator, and a resident who is neither.
var users = map[string]tickets.Viewer{
	"tg:renshe": {UserID: "tg:renshe", Departments: []string{"renshe"}},
	"tg:sifa":   {UserID: "tg:sifa", Departments: []string{"sifa"}},
	"tg:admin":  {UserID: "tg:admin", Admin: true},
}

func viewer(userID string) tickets.Viewer {
	if v, ok := users[userID]; ok {
		return v
	}
	return tickets.Viewer{UserID: userID}
}

// env is a console over new stores, served by an httptest.Server.
type env struct {
	auth    *web.Store
	tickets *tickets.Store
	ts      *httptest.Server
	clock   *clock
	files   tickets.Files
	renshe  *tickets.Ticket // a demand for 人社
	sifa    *tickets.Ticket // a demand for 司法
}

func newEnv(tb testing.TB, publicURL string) *env {
	tb.Helper()
	ctx := context.Background()
	e := &env{auth: MustOpen(tb, filepath.Join(tb.TempDir(), "web.db")),
		clock: &clock{time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}}
	e.auth.SetNow(e.clock.now)
	var err error
	e.tickets, err = tickets.Open(ctx, filepath.Join(tb.TempDir(), "tickets.db"))
	require.NoError(tb, err)
	tb.Cleanup(func() { e.tickets.Close() })
	for _, c := range []struct {
		t    **tickets.Ticket
		dept string
	}{{&e.renshe, "renshe"}, {&e.sifa, "sifa"}} {
		*c.t, err = e.tickets.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "tg:100", SubmitterName: "居民",
			Text: "诉求 " + c.dept, Department: c.dept, Confidence: 1})
		require.NoError(tb, err)
	}
	e.files = tickets.Files{Dir: filepath.Join(tb.TempDir(), "attachments")}
	e.ts = httptest.NewServer(web.NewServer(e.auth, e.tickets, viewer, publicURL, nil, web.WithFiles(e.files)))
	tb.Cleanup(e.ts.Close)
	return e
}

// client is a browser that keeps cookies and does not follow redirects.
func (e *env) client(tb testing.TB) *http.Client {
	tb.Helper()
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// link returns the path of a new sign-in link of user to next.
func (e *env) link(tb testing.TB, user, next string) string {
	tb.Helper()
	tok, err := e.auth.NewLink(context.Background(), user, next)
	require.NoError(tb, err)
	return "/login?token=" + url.QueryEscape(tok)
}

// get requests path with the session cookie sid (none when "").
func (e *env) do(tb testing.TB, method, path, sid string, body string, header ...string) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
	require.NoError(tb, err)
	if sid != "" {
		req.AddCookie(&http.Cookie{Name: web.CookieName, Value: sid})
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.client(tb).Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return resp, string(b)
}

// signIn redeems a link of user and returns the session cookie's value.
func (e *env) signIn(tb testing.TB, user string) string {
	tb.Helper()
	resp, body := e.do(tb, "GET", e.link(tb, user, "/tickets"), "", "")
	require.Equal(tb, http.StatusSeeOther, resp.StatusCode, body)
	for _, c := range resp.Cookies() {
		if c.Name == web.CookieName {
			return c.Value
		}
	}
	tb.Fatal("no session cookie")
	return ""
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == web.CookieName {
			return c
		}
	}
	return nil
}

func TestLogin(t *testing.T) {
	e := newEnv(t, "http://127.0.0.1:8080")
	resp, body := e.do(t, "GET", e.link(t, "tg:renshe", "/tickets/"+e.renshe.Number), "", "")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	assert.Equal(t, "/tickets/"+e.renshe.Number, resp.Header.Get("Location"))
	c := sessionCookie(resp)
	require.NotNil(t, c)
	assert.True(t, c.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
	assert.False(t, c.Secure, "plain http")
	assert.Equal(t, "/", c.Path)

	resp, body = e.do(t, "GET", "/tickets", c.Value, "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "tg:renshe")

	t.Run("secure behind https", func(t *testing.T) {
		e := newEnv(t, "https://console.example.gov.cn")
		resp, _ := e.do(t, "GET", e.link(t, "tg:admin", ""), "", "")
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		assert.Equal(t, "/tickets", resp.Header.Get("Location"))
		assert.True(t, sessionCookie(resp).Secure)
	})
	t.Run("head does not use the link", func(t *testing.T) {
		link := e.link(t, "tg:sifa", "")
		resp, _ := e.do(t, "HEAD", link, "", "")
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Nil(t, sessionCookie(resp))
		resp, _ = e.do(t, "GET", link, "", "")
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	})
	t.Run("offsite next", func(t *testing.T) {
		resp, _ := e.do(t, "GET", e.link(t, "tg:admin", "//evil.example/"), "", "")
		assert.Equal(t, "/tickets", resp.Header.Get("Location"))
	})
}

// TestLoginRefused: a link that was used or has expired, or that is of
// someone who is neither staff nor an administrator, signs nobody in.
func TestLoginRefused(t *testing.T) {
	e := newEnv(t, "")
	used := e.link(t, "tg:renshe", "")
	resp, _ := e.do(t, "GET", used, "", "")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	for _, tc := range []struct {
		name string
		path func() string
	}{
		{"used", func() string { return used }},
		{"expired", func() string {
			p := e.link(t, "tg:renshe", "")
			e.clock.advance(web.LinkTTL + time.Second)
			return p
		}},
		{"resident", func() string { return e.link(t, "tg:100", "") }},
		{"no token", func() string { return "/login" }},
		{"forged", func() string { return "/login?token=" + strings.Repeat("0", 64) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do(t, "GET", tc.path(), "", "")
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
			assert.Nil(t, sessionCookie(resp))
			assert.Contains(t, body, "抱歉，您暂时无法访问工作台")
			assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
		})
	}

	t.Run("resident token", func(t *testing.T) {
		tok, err := e.auth.NewToken(context.Background(), "tg:100")
		require.NoError(t, err)
		resp, body := e.do(t, "GET", "/api/v1/tickets", "", "", "Authorization", "Bearer "+tok)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	})
	t.Run("not signed in", func(t *testing.T) {
		resp, body := e.do(t, "GET", "/tickets", "", "")
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		assert.Contains(t, body, "您尚未登录")
		resp, body = e.do(t, "GET", "/api/v1/tickets", "", "")
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		assert.JSONEq(t, `{"code":"forbidden","message":"您尚未登录。"}`, body)
	})
	t.Run("logged out", func(t *testing.T) {
		sid := e.signIn(t, "tg:sifa")
		resp, _ := e.do(t, "GET", "/api/v1/tickets", sid, "")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		_, err := e.auth.Logout(context.Background(), "tg:sifa")
		require.NoError(t, err)
		resp, _ = e.do(t, "GET", "/api/v1/tickets", sid, "")
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	})
}

func TestAPITickets(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	sid := e.signIn(t, "tg:renshe")

	t.Run("list", func(t *testing.T) {
		resp, body := e.do(t, "GET", "/api/v1/tickets", sid, "")
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		var got struct {
			Total   int               `json:"total"`
			Tickets []json.RawMessage `json:"tickets"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &got))
		assert.Equal(t, 1, got.Total, "staff see their department's tickets only")
		require.Len(t, got.Tickets, 1)
		assert.Contains(t, string(got.Tickets[0]), e.renshe.Number)

		admin := e.signIn(t, "tg:admin")
		for _, tc := range []struct {
			query string
			total int
		}{
			{"", 2},
			{"?department=sifa", 1},
			{"?status=dispatched", 2},
			{"?status=accepted", 0},
			{"?q=" + url.QueryEscape("诉求 sifa"), 1},
			{"?overdue=true", 0},
			{"?page=2", 2},
		} {
			resp, body := e.do(t, "GET", "/api/v1/tickets"+tc.query, admin, "")
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", tc.query, body)
			var got web.TicketList
			require.NoError(t, json.Unmarshal([]byte(body), &got))
			assert.Equal(t, tc.total, got.Total, tc.query)
		}
		for _, query := range []string{"?status=nosuch", "?department=nosuch", "?page=0", "?page=99999999999999999", "?overdue=maybe"} {
			resp, body = e.do(t, "GET", "/api/v1/tickets"+query, admin, "")
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, query)
			assert.Contains(t, body, `"code":"invalid"`, query)
		}
	})

	t.Run("show", func(t *testing.T) {
		resp, body := e.do(t, "GET", "/api/v1/tickets/"+e.renshe.Number, sid, "")
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		want, err := e.tickets.FindTicketByNumber(ctx, viewer("tg:renshe"), e.renshe.Number)
		require.NoError(t, err)
		b, err := json.Marshal(want)
		require.NoError(t, err)
		assert.Equal(t, string(b)+"\n", body, "the object tickets show --json prints")
	})

	// Another department's ticket is exactly a ticket that does not exist.
	t.Run("another department", func(t *testing.T) {
		resp, other := e.do(t, "GET", "/api/v1/tickets/"+e.sifa.Number, sid, "")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		resp, none := e.do(t, "GET", "/api/v1/tickets/2026-009999", sid, "")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		assert.Equal(t, none, other)
		assert.Contains(t, other, `"code":"not_found"`)

		resp, acted := e.do(t, "POST", "/api/v1/tickets/"+e.sifa.Number+"/accept", sid, `{"note":"我来"}`)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		assert.Equal(t, none, acted)
		got, err := e.tickets.FindTicketByNumber(ctx, viewer("tg:admin"), e.sifa.Number)
		require.NoError(t, err)
		assert.Equal(t, tickets.StatusDispatched, got.Status, "untouched")
	})

	t.Run("accept resolve", func(t *testing.T) {
		resp, body := e.do(t, "POST", "/api/v1/tickets/"+e.renshe.Number+"/accept", sid, `{"note":"已联系"}`,
			"Content-Type", "application/json", "Origin", e.ts.URL, "Sec-Fetch-Site", "same-origin")
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		var got tickets.Ticket
		require.NoError(t, json.Unmarshal([]byte(body), &got))
		assert.Equal(t, tickets.StatusAccepted, got.Status)

		resp, body = e.do(t, "POST", "/api/v1/tickets/"+e.renshe.Number+"/accept", sid, `{}`)
		assert.Equal(t, http.StatusConflict, resp.StatusCode, body)

		resp, body = e.do(t, "POST", "/api/v1/tickets/"+e.renshe.Number+"/resolve", sid, `{"reply":"已为您协调解决"}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		require.NoError(t, json.Unmarshal([]byte(body), &got))
		assert.Equal(t, tickets.StatusResolved, got.Status)

		resp, body = e.do(t, "POST", "/api/v1/tickets/"+e.renshe.Number+"/resolve", sid, `{"bogus":1}`)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, body)

		resp, body = e.do(t, "GET", "/api/v1/tickets/"+e.renshe.Number, sid, "")
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		require.NoError(t, json.Unmarshal([]byte(body), &got))
		last := got.History[len(got.History)-2:]
		for _, h := range last {
			assert.Equal(t, "tg:renshe", h.Actor)
			assert.Equal(t, tickets.ViaWeb, h.Via, "the API records where: %s", h.Action)
		}
		assert.Contains(t, body, `"via":"web"`)
	})

	t.Run("transfer", func(t *testing.T) {
		admin := e.signIn(t, "tg:admin")
		resp, body := e.do(t, "POST", "/api/v1/tickets/"+e.sifa.Number+"/transfer", admin, `{"to":"renshe","reason":"属于欠薪"}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		var got tickets.Ticket
		require.NoError(t, json.Unmarshal([]byte(body), &got))
		assert.Equal(t, "renshe", got.Department)
		// Now 人社's staff see it.
		resp, _ = e.do(t, "GET", "/api/v1/tickets/"+e.sifa.Number, sid, "")
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	})
}

// TestCrossOrigin: a browser's request from another site that would change
// state is refused before it reaches the store.
func TestCrossOrigin(t *testing.T) {
	e := newEnv(t, "")
	sid := e.signIn(t, "tg:renshe")
	path := "/api/v1/tickets/" + e.renshe.Number + "/accept"
	for _, tc := range []struct {
		name   string
		header []string
	}{
		{"sec-fetch-site", []string{"Sec-Fetch-Site", "cross-site"}},
		{"origin", []string{"Origin", "https://evil.example"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do(t, "POST", path, sid, `{"note":"x"}`, tc.header...)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, body)
			assert.Contains(t, body, `"code":"forbidden"`)
		})
	}
	got, err := e.tickets.FindTicketByNumber(context.Background(), viewer("tg:admin"), e.renshe.Number)
	require.NoError(t, err)
	assert.Equal(t, tickets.StatusDispatched, got.Status, "untouched")
}

// TestBearerToken: a token works until it is revoked, and not a request
// longer.
func TestBearerToken(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	tok, err := e.auth.NewToken(ctx, "tg:sifa")
	require.NoError(t, err)
	resp, body := e.do(t, "GET", "/api/v1/tickets/"+e.sifa.Number, "", "", "Authorization", "Bearer "+tok)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)

	require.NoError(t, e.auth.RevokeToken(ctx, tok))
	resp, body = e.do(t, "GET", "/api/v1/tickets/"+e.sifa.Number, "", "", "Authorization", "Bearer "+tok)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, body, `"code":"forbidden"`)

	resp, _ = e.do(t, "GET", "/api/v1/tickets", "", "", "Authorization", "Basic eDp5")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}
