package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"partybot/internal/pgtest"
	"partybot/points"
)

// pointsCLI runs "partybot points ARGS" in data directory dir with the
// given config file ("" for none).
func pointsCLI(t *testing.T, dir, configFile string, args ...string) (string, error) {
	return runCLI(t, Config{DataDir: dir, ConfigFile: configFile}, append([]string{"points"}, args...)...)
}

// mustPoints is pointsCLI that must succeed.
func mustPoints(t *testing.T, dir, configFile string, args ...string) string {
	t.Helper()
	out, err := pointsCLI(t, dir, configFile, args...)
	require.NoError(t, err, "partybot points %s", strings.Join(args, " "))
	return out
}

// TestPointsCLI: an admin awards a submitter points, corrects them, and
// reads the balance, the rank and the statement.
func TestPointsCLI(t *testing.T) {
	dir := t.TempDir()
	mustCLI(t, dir, "", "tickets", "create", "--from", "张三", "小区门口的井盖松动，电动车差点摔倒")
	const user = "phone:张三"

	out := mustPoints(t, dir, "", "award", "--user", user, "--points", "20", "--reason", "协助排查隐患")
	assert.Contains(t, out, "已记入：用户 phone:张三 +20 分（管理员奖励），余额 20 分，记录编号 1")
	mustPoints(t, dir, "", "award", "--user", user, "--points", "-5", "--corrects", "1", "--reason", "重复计分")

	out = mustPoints(t, dir, "", "show", "--user", user, "--json")
	var got struct {
		UserID  string         `json:"user_id"`
		Balance int            `json:"balance"`
		Entries []points.Entry `json:"entries"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	assert.Equal(t, user, got.UserID)
	assert.Equal(t, 15, got.Balance)
	require.Len(t, got.Entries, 2)
	assert.Equal(t, points.Correction, got.Entries[0].Reason)
	assert.Equal(t, int64(1), got.Entries[0].Corrects)
	assert.Equal(t, "cli", got.Entries[1].By)
	assert.Equal(t, "协助排查隐患", got.Entries[1].Note)

	out = mustPoints(t, dir, "", "show", "--user", "nobody")
	assert.Contains(t, out, "用户 nobody 的红色积分：0 分")
	out = mustPoints(t, dir, "", "rank")
	assert.Contains(t, out, "phone:张三")
	assert.Contains(t, out, "15")

	xlsx := filepath.Join(dir, "积分.xlsx")
	mustPoints(t, dir, "", "export", "--xlsx", xlsx)
	f, err := excelize.OpenFile(xlsx)
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows(points.SheetStatement)
	require.NoError(t, err)
	require.Len(t, rows, 4)
	assert.Equal(t, []string{user, "0", "20", "-5", "15"}, rows[2])
}

// TestPointsCLIRefuses: an unknown user, a non-admin, a deduction that
// names no entry.
func TestPointsCLIRefuses(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "partybot.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("admins: [\"9001\"]\ndepartments:\n  - key: renshe\n    staff: [\"7001\"]\n"), 0o600))

	_, err := pointsCLI(t, dir, cfg, "award", "--user", "u404", "--points", "10", "--reason", "表彰")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "未找到用户 u404")
	assert.False(t, isUsage(err))

	_, err = pointsCLI(t, dir, cfg, "award", "--as", "7001", "--user", "9001", "--points", "10", "--reason", "表彰")
	assert.EqualError(t, err, "只有管理员可以执行该操作")
	out := mustPoints(t, dir, cfg, "award", "--as", "9001", "--user", "7001", "--points", "10", "--reason", "表彰")
	assert.Contains(t, out, "余额 10 分", "configured staff are known users")

	_, err = pointsCLI(t, dir, cfg, "award", "--user", "7001", "--points", "-3", "--reason", "扣分")
	assert.True(t, isUsage(err), "%v", err)
	_, err = pointsCLI(t, dir, cfg, "show", "--as", "7002", "--user", "7001")
	assert.EqualError(t, err, "只能查看本人的积分")
	out = mustPoints(t, dir, cfg, "show", "--as", "7001", "--user", "7001")
	assert.Contains(t, out, "10 分")
	_, err = pointsCLI(t, dir, cfg, "export", "--as", "7001", "--xlsx", filepath.Join(dir, "x.xlsx"))
	assert.EqualError(t, err, "只有管理员可以执行该操作")
	out = mustPoints(t, dir, cfg, "rank", "--as", "7002", "--json")
	var row points.RankRow
	require.NoError(t, json.Unmarshal([]byte(out), &row), out)
	assert.Equal(t, points.RankRow{Rank: 1, Points: 10}, row, "another user's id is not shown")

	for _, args := range [][]string{{}, {"nope"}, {"show"}, {"award", "--user", "x"}, {"rank", "--month", "2026-13"}, {"export"}} {
		_, err := pointsCLI(t, dir, cfg, args...)
		assert.True(t, isUsage(err), "%v: %v", args, err)
	}
}

// TestMigratePoints: the ledger of points.db reaches PostgreSQL, where the
// CLI then reads it; copying again adds nothing.
func TestMigratePoints(t *testing.T) {
	dir := t.TempDir()
	mustCLI(t, dir, "", "tickets", "create", "--from", "李四", "驿站门口积水严重")
	mustPoints(t, dir, "", "award", "--user", "phone:李四", "--points", "30", "--reason", "暴雨天协助疏导")
	url := pgtest.URL(t)

	var out bytes.Buffer
	m := &Main{Config: Config{DataDir: dir, DatabaseURL: url}, Stdout: &out, Stderr: &out}
	require.NoError(t, m.migratePoints(context.Background(), filepath.Join(dir, "points.db"), url))
	require.NoError(t, m.migratePoints(context.Background(), filepath.Join(dir, "points.db"), url))
	assert.Contains(t, out.String(), "积分库 points_entries：读取 1 条，新增 1 条，已存在 0 条")
	assert.Contains(t, out.String(), "积分库 points_entries：读取 1 条，新增 0 条，已存在 1 条")

	var show bytes.Buffer
	m = &Main{Config: Config{DataDir: t.TempDir(), DatabaseURL: url}, Stdout: &show, Stderr: &show}
	require.NoError(t, m.runPoints(context.Background(), []string{"show", "--user", "phone:李四"}))
	require.NoError(t, m.Close())
	assert.Contains(t, show.String(), "用户 phone:李四 的红色积分：30 分")
}
