package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/llm/llmtest"
)

// TestAskWithModel runs ask --json against a fake OpenAI-compatible
// endpoint configured the way a deployer would, through the environment.
func TestAskWithModel(t *testing.T) {
	srv := llmtest.NewServer(t)
	srv.HandleChat(func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Stream("应建立登记、章程核准、年检年报等“六同步”机制[1]。")
	})
	t.Setenv("OPENAI_BASE_URL", srv.URL)
	t.Setenv("OPENAI_API_KEY", "sk-secret-key")
	t.Setenv("PARTYBOT_CHAT_MODEL", "fake-chat")
	t.Setenv("PARTYBOT_EMBED_MODEL", "fake-embed")
	out, stderr, err := run(t, t.TempDir(), "", "ask", "--json", "怎样落实“六同步”机制？")
	require.NoError(t, err, stderr)
	var got askJSON
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	assert.Equal(t, "llm", got.Mode, "answer: %+v", got)
	assert.False(t, got.Refused, "answer: %+v", got)
	assert.Contains(t, got.Answer, "[1]")
	assert.NotEmpty(t, got.Sources, "answer: %+v", got)
	assert.NotEmpty(t, srv.EmbedRequests(), "passages were not embedded by the endpoint")
	assert.NotContains(t, out+stderr, "sk-secret-key", "the API key reached the output")
}

// TestAskModelDown falls back to the extractive answer, saying so.
func TestAskModelDown(t *testing.T) {
	srv := llmtest.NewServer(t)
	srv.HandleChat(func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Error(503, "overloaded") })
	t.Setenv("OPENAI_BASE_URL", srv.URL)
	t.Setenv("OPENAI_API_KEY", "sk-secret-key")
	t.Setenv("PARTYBOT_CHAT_MODEL", "fake-chat")
	t.Setenv("PARTYBOT_EMBED_MODEL", "")
	out, _, err := run(t, t.TempDir(), "", "ask", "怎样落实“六同步”机制？")
	require.NoError(t, err)
	assert.Contains(t, out, "模型服务暂时不可用")
	assert.Contains(t, out, "年检年报")
}

// TestModelTimeoutsFromConfig: the config file's llm section bounds a hung
// endpoint; the answer falls back within it.
func TestModelTimeoutsFromConfig(t *testing.T) {
	srv := llmtest.NewServer(t)
	srv.HandleChat(func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Hang() })
	t.Setenv("OPENAI_BASE_URL", srv.URL)
	t.Setenv("OPENAI_API_KEY", "k")
	t.Setenv("PARTYBOT_CHAT_MODEL", "fake-chat")
	t.Setenv("PARTYBOT_EMBED_MODEL", "")
	cfg := filepath.Join(t.TempDir(), "partybot.yaml")
	os.WriteFile(cfg, []byte("llm:\n  timeout_seconds: 0.5\n  answer_timeout_seconds: 1\n  max_retries: 0\n"), 0o644)
	start := time.Now()
	out, _, err := run(t, t.TempDir(), "", "--config", cfg, "ask", "怎样落实“六同步”机制？")
	require.NoError(t, err)
	assert.Contains(t, out, "模型服务暂时不可用")
	assert.LessOrEqual(t, time.Since(start), 5*time.Second, "took too long with a 1 s answer limit")
}
