package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serveWeb runs "partybot web" on dir and cfg until the end of the test
// and returns its base URL.
func serveWeb(t *testing.T, dir, cfg string) string { return startConsole(t, dir, cfg).base }

// TestWebStatsJSON: GET /api/v1/stats is the object "tickets stats --json"
// prints for the same period and user, byte for byte: an administrator's
// with the platform's figures, a department's staff's with their
// department alone.
func TestWebStatsJSON(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, webConfig)
	n := strings.TrimSpace(mustCLI(t, dir, cfg, "tickets", "create", "--from", "张三", "--department", "renshe", "老板拖欠工资"))
	mustCLI(t, dir, cfg, "tickets", "create", "--from", "李四", "--department", "sifa", "想申请法律援助")
	mustCLI(t, dir, cfg, "tickets", "accept", n)
	base := serveWeb(t, dir, cfg)

	now := time.Now()
	from := now.AddDate(0, 0, -3).Format(time.DateOnly)
	to := now.AddDate(0, 0, 3).Format(time.DateOnly)
	for _, tc := range []struct{ user, as string }{{"9", ""}, {"5", "5"}} {
		t.Run("user "+tc.user, func(t *testing.T) {
			status, body := apiGet(t, dir, cfg, base, tc.user, "/api/v1/stats?from="+from+"&to="+to)
			require.Equal(t, http.StatusOK, status, body)

			args := []string{"tickets", "stats", "--json", "--from", from, "--to", to}
			if tc.as != "" {
				args = append(args, "--as", tc.as)
			}
			cli := mustCLI(t, dir, cfg, args...)
			assert.Equal(t, strings.TrimSpace(cli), strings.TrimSpace(body))
			if tc.as == "" {
				assert.Contains(t, body, `"platform":{"points_awarded":0`)
			} else {
				assert.NotContains(t, body, "platform")
				assert.NotContains(t, body, "sifa")
			}
		})
	}
}
