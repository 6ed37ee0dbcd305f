package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/llm/llmtest"
)

// TestModelFailureLoggedRedacted: a chat model that fails is logged, and
// the key the endpoint echoes back — URL-encoded and JSON-escaped — is
// masked in the log.
func TestModelFailureLoggedRedacted(t *testing.T) {
	const key = "sk-a+b/c=d-0123456789"
	srv := llmtest.NewServer(t)
	srv.HandleChat(func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Status: 401, Body: `<html>key sk-a%2Bb%2Fc%3Dd-0123456789 or "sk-a+b\/c=d-0123456789" refused</html>`}
	})
	t.Setenv("OPENAI_BASE_URL", srv.URL)
	t.Setenv("OPENAI_API_KEY", key)
	t.Setenv("PARTYBOT_CHAT_MODEL", "fake-chat")
	t.Setenv("PARTYBOT_EMBED_MODEL", "")
	var out, errb bytes.Buffer
	secrets := secretsFromEnv()
	m := &Main{Config: Config{DataDir: t.TempDir()}, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Logger: newLogger(&errb, secrets), Secrets: secrets}
	err := m.Run(context.Background(), []string{"ask", "怎样落实“六同步”机制？"})
	require.NoError(t, m.Close())
	require.NoError(t, err)
	assert.Contains(t, out.String(), "模型服务暂时不可用")
	assert.Contains(t, errb.String(), "chat model failed", "the failure is logged")
	assert.NotContains(t, out.String()+errb.String(), "0123456789")
}

func TestSecretsFromEnv(t *testing.T) {
	t.Setenv("TELEGRAM_BOT_TOKEN", "123456789:AAbbCCdd-eeFF")
	t.Setenv("PARTYBOT_DATABASE_URL", "postgres://bot:pa55word!@db:5432/partybot")
	r := secretsFromEnv()
	for _, s := range []string{"123456789:AAbbCCdd-eeFF", "bot123456789:AAbbCCdd-eeFF/getMe", "AAbbCCdd-eeFF", "pa55word!", "pa55word%21"} {
		assert.NotContains(t, r.String("x "+s+" y"), "AAbbCCdd")
		assert.NotContains(t, r.String("x "+s+" y"), "pa55word")
	}
}
