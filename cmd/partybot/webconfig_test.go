package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWebConfig: web.listen and web.url come from the file, the
// environment wins, and the defaults stand when neither is set.
func TestWebConfig(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, envListen, envURL string
		listen, url                   string
		set                           bool
	}{
		{"defaults", "", "", "", "127.0.0.1:8080", "http://127.0.0.1:8080", false},
		{"file", "web:\n  listen: :9090\n  url: https://console.example.org/\n", "", "",
			":9090", "https://console.example.org", true},
		{"environment wins", "web: {listen: \":9090\", url: \"https://file.example.org\"}", "0.0.0.0:7070", "http://env.example.org:7070",
			"0.0.0.0:7070", "http://env.example.org:7070", true},
		{"url alone does not start the console", "web: {url: \"https://console.example.org\"}", "", "",
			"127.0.0.1:8080", "https://console.example.org", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PARTYBOT_WEB_LISTEN", tc.envListen)
			t.Setenv("PARTYBOT_WEB_URL", tc.envURL)
			c := DefaultConfig()
			require.NoError(t, c.ReadFile(writeConfig(t, tc.yaml+"\n")))
			listen, set, err := c.webListen()
			require.NoError(t, err)
			assert.Equal(t, tc.listen, listen)
			assert.Equal(t, tc.set, set)
			u, err := c.webURL()
			require.NoError(t, err)
			assert.Equal(t, tc.url, u)
		})
	}
}

// TestWebConfigEnvErrors: a malformed PARTYBOT_WEB_URL or
// PARTYBOT_WEB_LISTEN is an error naming the variable.
func TestWebConfigEnvErrors(t *testing.T) {
	c := DefaultConfig()
	t.Setenv("PARTYBOT_WEB_URL", "ftp://console.example.org")
	_, err := c.webURL()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "PARTYBOT_WEB_URL 应为 http(s) 地址")

	t.Setenv("PARTYBOT_WEB_LISTEN", "8080")
	_, _, err = c.webListen()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "PARTYBOT_WEB_LISTEN 应为“主机:端口”")

	_, err = webCLI(t, t.TempDir(), writeConfig(t, webConfig), "link", "--user", "9")
	require.Error(t, err, "web link prints no link to a bad URL")
	assert.Contains(t, err.Error(), "PARTYBOT_WEB_URL")
}
