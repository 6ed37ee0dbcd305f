package llm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/llm"
	"partybot/llm/llmtest"
)

func TestConfigFromEnv(t *testing.T) {
	t.Setenv("OPENAI_BASE_URL", " http://localhost:11434/v1 ")
	t.Setenv("OPENAI_API_KEY", testKey)
	t.Setenv("PARTYBOT_CHAT_MODEL", "qwen2.5:7b")
	t.Setenv("PARTYBOT_EMBED_MODEL", "bge-m3")
	cfg := llm.ConfigFromEnv()
	if cfg.BaseURL != "http://localhost:11434/v1" || cfg.APIKey != testKey || cfg.ChatModel != "qwen2.5:7b" || cfg.EmbedModel != "bge-m3" {
		t.Errorf("ConfigFromEnv = %v", cfg)
	}
	if cfg.Timeout != llm.DefaultTimeout || cfg.MaxRetries != llm.DefaultMaxRetries {
		t.Errorf("defaults not applied: %v", cfg)
	}
}

func TestConfigEnabled(t *testing.T) {
	tests := []struct {
		name              string
		cfg               llm.Config
		wantChat, wantEmb bool
	}{
		{name: "nothing", cfg: llm.Config{}},
		{name: "models without endpoint or key", cfg: llm.Config{ChatModel: "m", EmbedModel: "e"}},
		{name: "key for the default endpoint", cfg: llm.Config{APIKey: "k", ChatModel: "m"}, wantChat: true},
		{name: "local server without key", cfg: llm.Config{BaseURL: "http://localhost:11434/v1", EmbedModel: "e"}, wantEmb: true},
		{name: "endpoint without models", cfg: llm.Config{BaseURL: "http://x/v1", APIKey: "k"}},
		{name: "both", cfg: llm.Config{BaseURL: "http://x/v1", ChatModel: "m", EmbedModel: "e"}, wantChat: true, wantEmb: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cfg.ChatEnabled(); got != tc.wantChat {
				t.Errorf("ChatEnabled = %v, want %v", got, tc.wantChat)
			}
			if got := tc.cfg.EmbedEnabled(); got != tc.wantEmb {
				t.Errorf("EmbedEnabled = %v, want %v", got, tc.wantEmb)
			}
		})
	}
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	for _, u := range []string{"localhost:11434", "ftp://x/v1", "http://", "http://user:" + testKey + "@x/v1", "://"} {
		t.Run(u, func(t *testing.T) {
			_, err := llm.New(llm.Config{BaseURL: u, ChatModel: "m"})
			if !errors.Is(err, llm.ErrNotConfigured) {
				t.Errorf("err = %v, want ErrNotConfigured", err)
			}
			if err != nil && strings.Contains(err.Error(), testKey) {
				t.Errorf("error shows the key: %v", err)
			}
		})
	}
	c, err := llm.New(llm.Config{ChatModel: "m", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Config(); got.BaseURL != "" || got.Timeout != llm.DefaultTimeout || got.EmbedBatchSize != llm.DefaultEmbedBatchSize {
		t.Errorf("Config() = %v", got)
	}
}

// The key never shows in fmt or slog output of a Config or Client.
func TestConfigRedactsKey(t *testing.T) {
	cfg := llm.DefaultConfig()
	cfg.BaseURL = "https://api.example.com/v1"
	cfg.APIKey = testKey
	cfg.ChatModel = "m"
	c, err := llm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out = append(out, fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, &cfg), fmt.Sprintf(verb, c), fmt.Sprintf(verb, *c))
	}
	out = append(out, fmt.Sprint(cfg), fmt.Sprint([]llm.Config{cfg}), fmt.Sprint(struct{ C llm.Config }{cfg}), cfg.String())
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("start", "llm", cfg)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("start", "llm", cfg)
	out = append(out, buf.String())
	j, _ := json.Marshal(cfg)
	out = append(out, string(j))
	for _, s := range out {
		if strings.Contains(s, testKey) {
			t.Errorf("output shows the key: %s", s)
		}
	}
	if !strings.Contains(fmt.Sprint(cfg), "api.example.com") || !strings.Contains(buf.String(), `"api_key":"[REDACTED]"`) {
		t.Errorf("output lost the useful parts: %s / %s", fmt.Sprint(cfg), buf.String())
	}
}

// No error text carries the key, even when the server echoes it.
func TestErrorsRedactKey(t *testing.T) {
	echo := func(status int) llmtest.Reply { return llmtest.Error(status, "you sent "+testKey) }
	tests := []struct {
		name    string
		replies []llmtest.Reply
		wrongKy bool // the server wants another key and echoes ours in its 401
	}{
		{name: "401 echoing the key", wrongKy: true},
		{name: "400 echoing the key", replies: []llmtest.Reply{echo(400)}},
		{name: "500 storm echoing the key", replies: []llmtest.Reply{echo(500), echo(500), echo(500)}},
		{name: "429 echoing the key", replies: []llmtest.Reply{echo(429), echo(429), echo(429)}},
		{name: "non-JSON body echoing the key", replies: []llmtest.Reply{{Status: 403, Body: "<html>key " + testKey + "</html>"}}},
		{name: "error event mid-stream echoing the key", replies: []llmtest.Reply{{Body: strings.ReplaceAll(sseErrorBody, "upstream overloaded", testKey)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, _ := newTest(t, nil)
			if tc.wrongKy {
				srv.RequireKey("sk-the-right-one")
			}
			var errs []error
			for range 3 {
				srv.EnqueueChat(tc.replies...)
				srv.EnqueueEmbed(tc.replies...)
			}
			_, err := c.Chat(context.Background(), []llm.Message{llm.User("问")}, llm.ChatOptions{})
			errs = append(errs, err)
			_, err = c.ChatStream(context.Background(), []llm.Message{llm.User("问")}, llm.ChatOptions{}, nil)
			errs = append(errs, err)
			var out demand
			errs = append(errs, c.ChatJSON(context.Background(), []llm.Message{llm.User("问")}, "demand", nil, &out))
			_, err = c.Embed(context.Background(), []string{"问"})
			errs = append(errs, err)
			for i, err := range errs {
				if err == nil {
					continue
				}
				for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
					if strings.Contains(s, testKey) {
						t.Errorf("error %d shows the key: %s", i, s)
					}
				}
				var apiErr *openai.APIError
				if errors.As(err, &apiErr) && strings.Contains(apiErr.Message, testKey) {
					t.Errorf("error %d: wrapped APIError shows the key: %s", i, apiErr.Message)
				}
				var reqErr *openai.RequestError
				if errors.As(err, &reqErr) && bytes.Contains(reqErr.Body, []byte(testKey)) {
					t.Errorf("error %d: wrapped RequestError shows the key", i)
				}
				walkErrors(err, func(u error) {
					if strings.Contains(u.Error(), testKey) {
						t.Errorf("error %d: cause %T shows the key: %s", i, u, u)
					}
				})
			}
			if tc.wrongKy && !errors.Is(errs[0], llm.ErrAuth) {
				t.Errorf("err = %v, want ErrAuth", errs[0])
			}
		})
	}
}

func TestDefaultsFillZeroFields(t *testing.T) {
	c, err := llm.New(llm.Config{BaseURL: "http://x/v1", Timeout: time.Second, MaxRetries: -3})
	if err != nil {
		t.Fatal(err)
	}
	got := c.Config()
	if got.Timeout != time.Second || got.StreamIdleTimeout != llm.DefaultStreamIdleTimeout || got.MaxRetries != 0 ||
		got.BackoffBase != llm.DefaultBackoffBase || got.MaxBackoff != llm.DefaultMaxBackoff || got.EmbedBatchRunes != llm.DefaultEmbedBatchRunes {
		t.Errorf("Config() = %+v", got)
	}
}

// walkErrors calls fn on err and every error in its tree.
func walkErrors(err error, fn func(error)) {
	if err == nil {
		return
	}
	fn(err)
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		walkErrors(u.Unwrap(), fn)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			walkErrors(e, fn)
		}
	}
}

// TestErrorsRedactEncodedKey: a key a server echoes back JSON-escaped
// ("\/") or URL-encoded ("%2B", "%2b") is masked like the plain one.
func TestErrorsRedactEncodedKey(t *testing.T) {
	const key = "sk-a+b/c=d-0123456789"
	for name, body := range map[string]string{
		"json slash":   `{"error":{"message":"bad key sk-a+b\/c=d-0123456789"}}`,
		"url-encoded":  `<html>GET /v1?key=sk-a%2Bb%2Fc%3Dd-0123456789</html>`,
		"lower hex":    `<html>GET /v1?key=sk-a%2bb%2fc%3dd-0123456789</html>`,
		"json unicode": `{"error":{"message":"bad key sk-a\u002bb/c\u003dd-0123456789"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := llmtest.NewServer(t)
			cfg := testConfig(srv)
			cfg.APIKey = key
			c, err := llm.New(cfg)
			require.NoError(t, err)
			srv.EnqueueChat(llmtest.Reply{Status: 400, Body: body})
			_, err = c.Chat(context.Background(), []llm.Message{llm.User("问")}, llm.ChatOptions{})
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "0123456789")
			assert.NotContains(t, fmt.Sprintf("%+v", err), "0123456789")
		})
	}
}
