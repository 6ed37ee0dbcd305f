package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockedBuffer is a bytes.Buffer safe to write from the serving goroutine
// and read from the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// webCLI runs "partybot web ARGS..." on data directory dir with config file
// cfg and returns its output.
func webCLI(t *testing.T, dir, cfg string, args ...string) (string, error) {
	return runCLI(t, Config{DataDir: dir, ConfigFile: cfg}, append([]string{"web"}, args...)...)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

const webConfig = `
admins: ["9"]
departments:
  - key: renshe
    staff: ["5"]
`

// TestWeb runs "partybot web" and signs in with a link from "web link",
// then uses a token from "web token" and ends both with "web logout".
func TestWeb(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, webConfig)
	t.Setenv("PARTYBOT_WEB_URL", "http://console.example:8080/")
	number := strings.TrimSpace(mustCLI(t, dir, cfg, "tickets", "create", "--from", "张三", "--department", "renshe", "老板拖欠工资"))

	_, err := webCLI(t, dir, cfg, "link", "--user", "100")
	require.Error(t, err, "a resident gets no link")
	assert.Contains(t, err.Error(), "不是部门工作人员或管理员")
	_, err = webCLI(t, dir, cfg, "link")
	assert.True(t, isUsage(err))

	base := startConsole(t, dir, cfg).base

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path, cookie, bearer string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest("GET", base+path, nil)
		require.NoError(t, err)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	linkOut, err := webCLI(t, dir, cfg, "link", "--user", "5", "--next", "/tickets/"+number)
	require.NoError(t, err)
	link := lastLine(linkOut)
	require.True(t, strings.HasPrefix(link, "http://console.example:8080/login?token="), link)
	path := strings.TrimPrefix(link, "http://console.example:8080")

	resp, body := get(path, "", "")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	assert.Equal(t, "/tickets/"+number, resp.Header.Get("Location"))
	require.Len(t, resp.Cookies(), 1)
	cookie := resp.Cookies()[0].Name + "=" + resp.Cookies()[0].Value

	resp, body = get("/api/v1/tickets/"+number, cookie, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var got struct{ Number, Department string }
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	assert.Equal(t, number, got.Number)
	assert.Equal(t, strings.TrimSpace(mustCLI(t, dir, cfg, "tickets", "show", "--json", number)), strings.TrimSpace(body),
		"the object tickets show --json prints")

	resp, _ = get(path, "", "")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "a link works once")

	tokOut, err := webCLI(t, dir, cfg, "token", "--user", "5")
	require.NoError(t, err)
	token := lastLine(tokOut)
	resp, body = get("/api/v1/tickets", "", token)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Contains(t, body, `"total":1`)

	logoutOut, err := webCLI(t, dir, cfg, "logout", "--user", "5")
	require.NoError(t, err)
	assert.Contains(t, logoutOut, "1 个登录，撤销 1 个访问令牌")
	resp, _ = get("/api/v1/tickets", cookie, "")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "session ended")
	resp, _ = get("/api/v1/tickets", "", token)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "token revoked")
}
