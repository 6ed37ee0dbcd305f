package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWebAsk runs "partybot web" and asks through POST /api/v1/ask: the
// object is the one "partybot ask --json" prints for the same question
// and knowledge base, and the question is in the log the administrator
// reads (GET /api/v1/questions), which department staff may not.
func TestWebAsk(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, webConfig)
	base := startConsole(t, dir, cfg).base

	token := func(user string) string {
		s, err := webCLI(t, dir, cfg, "token", "--user", user)
		require.NoError(t, err)
		return lastLine(s)
	}
	admin, staff := token("9"), token("5")
	call := func(method, path, bearer, body string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+bearer)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, strings.TrimSpace(string(b))
	}

	for _, q := range []string{"怎样落实“六同步”机制？", "食堂几点开门？"} {
		in, _ := json.Marshal(map[string]string{"question": q})
		resp, body := call("POST", "/api/v1/ask", staff, string(in))
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Equal(t, strings.TrimSpace(mustCLI(t, dir, cfg, "ask", "--json", q)), body, "the object ask --json prints")
	}

	resp, body := call("GET", "/api/v1/questions?channel=web", admin, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var log struct {
		Total     int
		Questions []struct{ Question, Channel, Outcome string }
	}
	require.NoError(t, json.Unmarshal([]byte(body), &log))
	assert.Equal(t, 2, log.Total)
	require.Len(t, log.Questions, 2)
	assert.Equal(t, "食堂几点开门？", log.Questions[0].Question)
	assert.Equal(t, "refused", log.Questions[0].Outcome)
	resp, _ = call("GET", "/api/v1/questions/gaps", admin, "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = call("GET", "/api/v1/questions", staff, "")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "staff do not read the log")
}
