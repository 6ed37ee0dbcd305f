package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/internal/browsertest"
)

// runWebUntil runs "partybot web ARGS..." as main does, with the environment
// the test set, until the test ends, and returns its output so far once
// it has printed want.
func runWebUntil(t *testing.T, want string, args ...string) string {
	t.Helper()
	var out lockedBuffer
	m := NewMain()
	m.Stdout, m.Stderr, m.Logger = &out, io.Discard, slog.New(slog.DiscardHandler)
	serveUntilCleanup(t, m, func(ctx context.Context) error { return m.Run(ctx, append([]string{"web"}, args...)) })
	require.Eventually(t, func() bool { return strings.Contains(out.String(), want) }, 20*time.Second, 10*time.Millisecond,
		"partybot web printed no %q", want)
	return out.String()
}

// TestWebLocalAdmin is a newcomer's "go run ./cmd/partybot web": no config
// file, no administrator. It prints a sign-in link of the local
// administrator as its last line, which signs in as an administrator.
func TestWebLocalAdmin(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PARTYBOT_DATA", dir)
	t.Setenv("PARTYBOT_CONFIG", "")
	t.Setenv("PARTYBOT_WEB_URL", "")
	t.Setenv("PARTYBOT_DATABASE_URL", "")
	number := strings.TrimSpace(mustCLI(t, dir, "", "tickets", "create", "--from", "张三", "--department", "sifa", "邻居装修噪音扰民"))

	out := runWebUntil(t, "/login?token=", "--listen", "127.0.0.1:0")
	_, after, ok := strings.Cut(out, "工作台已启动：http://")
	require.True(t, ok, out)
	addr, _, _ := strings.Cut(after, "\n")
	assert.Contains(t, out, "本机管理员 local-admin")
	link := lastLine(out)
	require.True(t, strings.HasPrefix(link, "http://"+addr+"/login?token="), "the link is the last line, to the listen address:\n%s", out)

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(link)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/tickets", resp.Header.Get("Location"))
	require.Len(t, resp.Cookies(), 1)

	req, err := http.NewRequest("GET", "http://"+addr+"/tickets", nil)
	require.NoError(t, err)
	req.AddCookie(resp.Cookies()[0])
	resp, err = client.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "local-admin（管理员）")
	assert.Contains(t, string(body), number, "an administrator sees every department's tickets")

	resp, err = client.Get(link)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "the link works once")
}

// TestWebLocalAdminRefused: on an address other computers may reach, no
// local administrator, and the output says why.
func TestWebLocalAdminRefused(t *testing.T) {
	t.Setenv("PARTYBOT_DATA", t.TempDir())
	t.Setenv("PARTYBOT_CONFIG", "")
	t.Setenv("PARTYBOT_WEB_URL", "")
	t.Setenv("PARTYBOT_DATABASE_URL", "")
	out := runWebUntil(t, "不生成本机管理员", "--listen", "0.0.0.0:0")
	assert.Contains(t, out, "工作台监听 0.0.0.0:0，其他计算机也可能访问")
	assert.NotContains(t, out, "/login?token=")
}

func TestLocalAdminAllowed(t *testing.T) {
	for _, tc := range []struct {
		name, listen, url string
		admins            int
		ok                bool
		why               string
	}{
		{"loopback", "127.0.0.1:8080", "", 0, true, ""},
		{"localhost", "localhost:8080", "", 0, true, ""},
		{"ipv6 loopback", "[::1]:8080", "http://[::1]:8080", 0, true, ""},
		{"local url", "127.0.0.1:8080", "http://localhost:8080/", 0, true, ""},
		{"admins configured", "127.0.0.1:8080", "", 1, false, ""},
		{"all interfaces", ":8080", "", 0, false, "其他计算机也可能访问"},
		{"any address", "0.0.0.0:8080", "", 0, false, "其他计算机也可能访问"},
		{"lan address", "192.168.1.10:8080", "", 0, false, "其他计算机也可能访问"},
		{"public url", "127.0.0.1:8080", "https://console.example.gov.cn", 0, false, "不在本机"},
		{"bad listen", "8080", "", 0, false, "其他计算机也可能访问"},
		{"unknown host", "nosuchhost.invalid:8080", "", 0, false, "其他计算机也可能访问"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, why := localAdminAllowed(tc.listen, tc.url, tc.admins)
			assert.Equal(t, tc.ok, ok)
			if tc.why == "" {
				assert.Empty(t, why)
			} else {
				assert.Contains(t, why, tc.why)
			}
		})
	}
}

// TestWebLocalAdminBrowser opens the local administrator's link in a
// browser, as the README tells a newcomer to: the board, as administrator.
func TestWebLocalAdminBrowser(t *testing.T) {
	b := browsertest.New(t)
	t.Setenv("PARTYBOT_DATA", t.TempDir())
	t.Setenv("PARTYBOT_CONFIG", "")
	t.Setenv("PARTYBOT_WEB_URL", "")
	t.Setenv("PARTYBOT_DATABASE_URL", "")
	link := lastLine(runWebUntil(t, "/login?token=", "--listen", "127.0.0.1:0"))

	ctx := b.Tab(t)
	require.EqualValues(t, http.StatusOK, browsertest.Open(t, ctx, link))
	assert.Equal(t, "工单", browsertest.Text(t, ctx, "h1"))
	assert.Equal(t, "您好，local-admin（管理员）", browsertest.Text(t, ctx, "header .me"))
	assert.Contains(t, browsertest.Text(t, ctx, ".pager"), "共 0 条")
}
