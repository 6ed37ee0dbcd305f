package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/feedback"
	"partybot/internal/pgtest"
)

// dbCLI runs partybot in data directory dir with the database URL set.
func dbCLI(t *testing.T, dir, dbURL string, args ...string) (string, error) {
	return runCLI(t, Config{DataDir: dir, DatabaseURL: dbURL}, args...)
}

// runCLI runs "partybot ARGS" with configuration c and no input, and
// returns what it printed.
func runCLI(t *testing.T, c Config, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Config: c, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Logger: NewMain().Logger}
	err := m.Run(context.Background(), args)
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	return out.String(), err
}

// TestMigrate: a district's SQLite tickets reach PostgreSQL, where the
// CLI then finds them; running migrate again copies nothing twice.
func TestMigrate(t *testing.T) {
	dir := t.TempDir()
	a := strings.TrimSpace(mustCLI(t, dir, "", "tickets", "create", "--from", "张三", "老板拖欠我们三个月工资"))
	b := strings.TrimSpace(mustCLI(t, dir, "", "tickets", "create", "--from", "李四", "小区楼道里电动车充电太危险"))
	mustCLI(t, dir, "", "tickets", "accept", a)
	fb, err := feedback.Open(context.Background(), filepath.Join(dir, "feedback.db"))
	require.NoError(t, err)
	_, err = fb.RecordAnswer(context.Background(), feedback.Answer{UserID: "1001", Question: "六同步是什么？", Mode: "extractive"})
	require.NoError(t, err)
	require.NoError(t, fb.Close())

	url := pgtest.URL(t)
	out, err := dbCLI(t, dir, url, "migrate")
	require.NoError(t, err)
	assert.Contains(t, out, "工单库 tickets：读取 2 条，新增 2 条，已存在 0 条")
	assert.Contains(t, out, "反馈库 answers：读取 1 条，新增 1 条，已存在 0 条")

	out, err = dbCLI(t, t.TempDir(), url, "tickets", "list")
	require.NoError(t, err)
	assert.Contains(t, out, a)
	assert.Contains(t, out, b)

	out, err = dbCLI(t, dir, url, "migrate")
	require.NoError(t, err)
	assert.Contains(t, out, "工单库 tickets：读取 2 条，新增 0 条，已存在 2 条")
	assert.Contains(t, out, "反馈库 answers：读取 1 条，新增 0 条，已存在 1 条")
}

func TestMigrateErrors(t *testing.T) {
	_, err := dbCLI(t, t.TempDir(), "", "migrate")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "PARTYBOT_DATABASE_URL")

	_, err = dbCLI(t, t.TempDir(), "mysql://u:pw@h/db", "tickets", "list")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "应为 PostgreSQL 地址")
	assert.NotContains(t, err.Error(), "pw@", "the URL may hold a password")

	_, err = dbCLI(t, t.TempDir(), "postgres://u@h/db", "migrate", "extra")
	require.Error(t, err)
	assert.True(t, isUsage(err))
}
