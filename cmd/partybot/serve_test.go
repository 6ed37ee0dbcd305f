package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
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
	m := &Main{Config: Config{DataDir: t.TempDir(), Telegram: TelegramConfig{APIURL: ts.URL}},
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Logger: NewMain().Logger}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"serve"}) }()

	select {
	case r := <-api.replies:
		if r["chat_id"] != "1001" || r["parse_mode"] != "HTML" || !strings.Contains(r["text"], "[1]") || !strings.Contains(r["reply_markup"], "fb:") {
			t.Fatalf("reply %v", r)
		}
	case err := <-done:
		t.Fatalf("serve ended early: %v\n%s", err, errb.String())
	case <-time.After(30 * time.Second):
		t.Fatal("no reply")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if s := out.String() + errb.String(); strings.Contains(s, "serve-test-secret") || !strings.Contains(s, "已停止") {
		t.Fatalf("output:\n%s", s)
	}
}

func TestServeNeedsToken(t *testing.T) {
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	_, _, err := run(t, t.TempDir(), "", "serve")
	if err == nil || !strings.Contains(err.Error(), "TELEGRAM_BOT_TOKEN") {
		t.Fatalf("err %v", err)
	}
	if _, _, err := run(t, t.TempDir(), "", "serve", "extra"); err == nil || !strings.Contains(err.Error(), "用法") {
		t.Fatalf("err %v", err)
	}
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
		{"bad url", "telegram:\n  api_url: ftp://x\n", "", "telegram.api_url", nil},
		{"bad workers", "telegram:\n  workers: 1000\n", "", "telegram.workers", nil},
		{"no token in the file", "telegram:\n  token: 1:abc\n", "", "",
			func(c TelegramConfig) bool { return c == TelegramConfig{} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PARTYBOT_WEBHOOK_URL", tc.env)
			c := ConfigFromEnv()
			err := c.parse("test.yaml", []byte(tc.yaml))
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil || !tc.check(c.Telegram) {
				t.Fatalf("config %+v, err %v", c.Telegram, err)
			}
		})
	}
}
