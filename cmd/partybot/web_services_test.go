package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// apiGet requests path of the console at base with the bearer token of
// "web token --user user" and returns the status and body.
func apiGet(t *testing.T, dir, cfg, base, user, path string) (int, string) {
	t.Helper()
	tokOut, err := webCLI(t, dir, cfg, "token", "--user", user)
	require.NoError(t, err)
	req, err := http.NewRequest("GET", base+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+lastLine(tokOut))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// TestWebServices: "partybot web" shows the points the CLI awards, the
// stations imported while it runs and the notices pushed, from the data
// directory's stores; 政策推送 is for administrators.
func TestWebServices(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, webConfig)
	mustCLI(t, dir, cfg, "points", "award", "--user", "5", "--points", "8", "--reason", "协助排查隐患")
	base := serveWeb(t, dir, cfg)
	file := filepath.Join(t.TempDir(), "驿站.csv")
	require.NoError(t, os.WriteFile(file, []byte(stationsCSV), 0o600))
	_, err := stationsCLI(t, dir, "", "import", file, "--crs", "gcj02")
	require.NoError(t, err)

	status, body := apiGet(t, dir, cfg, base, "9", "/api/v1/points/entries")
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, `"total":1`)
	assert.Contains(t, body, "协助排查隐患")
	status, body = apiGet(t, dir, cfg, base, "5", "/api/v1/stations?service=%E5%85%85%E7%94%B5") // 充电
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, `"total":2`, "imported after the console started")
	assert.Contains(t, body, `"source":"驿站.csv"`)
	status, body = apiGet(t, dir, cfg, base, "9", "/api/v1/push/notices")
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, `"total":0`)
	status, _ = apiGet(t, dir, cfg, base, "5", "/api/v1/push/notices")
	assert.Equal(t, http.StatusForbidden, status)
}
