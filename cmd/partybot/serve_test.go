package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// botAPI is a minimal fake Bot API server: getMe, deleteWebhook, one
// question through getUpdates, and the replies, sent on a channel.
type botAPI struct {
	token   string
	once    sync.Once
	replies chan map[string]string
}

func (a *botAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/bot"+a.token+"/")
	if !ok {
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	params := map[string]string{}
	if _, ps, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && ps["boundary"] != "" {
		mr := multipart.NewReader(r.Body, ps["boundary"])
		for p, err := mr.NextPart(); err == nil; p, err = mr.NextPart() {
			b, _ := io.ReadAll(p)
			params[p.FormName()] = string(b)
		}
	}
	var result any = true
	switch method {
	case "getMe":
		result = map[string]any{"id": 42, "is_bot": true, "first_name": "党务助手", "username": "partybot_bot"}
	case "getUpdates":
		var updates []any
		a.once.Do(func() {
			updates = append(updates, map[string]any{"update_id": 1, "message": map[string]any{
				"message_id": 1, "date": 1, "text": "怎样落实“六同步”机制？",
				"chat": map[string]any{"id": 1001, "type": "private"},
				"from": map[string]any{"id": 1001, "is_bot": false, "first_name": "张师傅"}}})
		})
		if updates == nil { // long poll: nothing more
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
		}
		result = updates
		if updates == nil {
			result = []any{}
		}
	case "sendMessage":
		a.replies <- params
		result = map[string]any{"message_id": 2, "date": 1, "chat": map[string]any{"id": 1001, "type": "private"}}
	}
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

// TestServe runs "partybot serve" against a fake Bot API server: a
// question comes in by long polling and is answered with its sources; the
// signal context ends it cleanly; the token appears in no output.
func TestServe(t *testing.T) {
	const token = "42:serve-test-secret"
	api := &botAPI{token: token, replies: make(chan map[string]string, 10)}
	ts := httptest.NewServer(api)
	defer ts.Close()
	t.Setenv("TELEGRAM_BOT_TOKEN", token)

	var out, errb bytes.Buffer
	health, console := freeAddr(t), freeAddr(t)
	m := &Main{Config: Config{DataDir: t.TempDir(), Telegram: TelegramConfig{APIURL: ts.URL, HealthListen: health},
		Web: WebConfig{Listen: console}},
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Logger: NewMain().Logger}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"serve"}) }()

	select {
	case r := <-api.replies:
		assert.Equal(t, "1001", r["chat_id"])
		assert.Equal(t, "HTML", r["parse_mode"])
		assert.Contains(t, r["text"], "[1]", "the answer cites its sources")
		assert.Contains(t, r["reply_markup"], "fb:", "the answer has feedback buttons")
	case err := <-done:
		t.Fatalf("serve ended early: %v\n%s", err, errb.String())
	case <-time.After(30 * time.Second):
		t.Fatal("no reply")
	}
	res, err := http.Get("http://" + health + "/readyz")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode, string(body))
	assert.JSONEq(t, `{"status":"ready","database":"ok","index":"ok"}`, string(body))
	res, err = http.Get("http://" + console + "/api/v1/tickets")
	require.NoError(t, err, "web.listen runs the console beside the bot")
	res.Body.Close()
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "the console asks for a sign-in")
	cancel()
	require.NoError(t, <-done)
	require.NoError(t, m.Close())
	s := out.String() + errb.String()
	assert.NotContains(t, s, "serve-test-secret")
	assert.Contains(t, s, "已停止")
}

func TestServeNeedsToken(t *testing.T) {
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	_, _, err := run(t, t.TempDir(), "", "serve")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TELEGRAM_BOT_TOKEN")
	_, _, err = run(t, t.TempDir(), "", "serve", "extra")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "用法")
}

func TestTelegramConfig(t *testing.T) {
	tests := []struct {
		name, yaml, env, want string
		check                 func(TelegramConfig) bool
	}{
		{"section", "telegram:\n  admin_chat_id: -1001\n  rate_per_minute: 30\n  workers: 4\n  sweep_minutes: 1.5\n", "", "",
			func(c TelegramConfig) bool {
				return c.AdminChatID == -1001 && c.RatePerMinute == 30 && c.Workers == 4 && c.SweepMinutes == 1.5
			}},
		{"env wins", "telegram:\n  webhook_url: https://file.example.org/hook\n", "https://env.example.org/hook", "",
			func(c TelegramConfig) bool { return c.WebhookURL == "https://env.example.org/hook" }},
		{"bad url", "telegram:\n  api_url: ftp://x\n", "", "第 2 行：telegram.api_url 应为 http(s) 地址", nil},
		{"bad workers", "telegram:\n  workers: 1000\n", "", "第 2 行：telegram.workers 应在 1 到 256 之间", nil},
		{"misspelt", "telegram:\n  worker: 4\n", "", "第 2 行：未知的设置 telegram.worker，是否想写 workers？", nil},
		{"no token in the file", "telegram:\n  admin_chat_id: -1\n  token: 1:abc\n", "",
			"第 3 行：telegram.token 不能写在配置文件中：机器人令牌只从环境变量 TELEGRAM_BOT_TOKEN 读取", nil},
		{"no webhook secret in the file", "telegram:\n  webhook_secret: s3cret\n", "",
			"第 2 行：telegram.webhook_secret 不能写在配置文件中", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PARTYBOT_WEBHOOK_URL", tc.env)
			c := ConfigFromEnv()
			err := c.parse([]byte(tc.yaml))
			if tc.want != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.want)
				assert.NotContains(t, err.Error(), "1:abc", "the token is not repeated")
				assert.NotContains(t, err.Error(), "s3cret")
				assert.Equal(t, TelegramConfig{WebhookURL: tc.env}, c.Telegram, "a bad file changes nothing")
				return
			}
			require.NoError(t, err)
			assert.True(t, tc.check(c.Telegram), "%+v", c.Telegram)
		})
	}
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}
