//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/access"
	"partybot/apperr"
	"partybot/tickets"
)

func fileMode(tb testing.TB, path string) os.FileMode {
	tb.Helper()
	st, err := os.Stat(path)
	require.NoError(tb, err)
	return st.Mode().Perm()
}

// permissionsEnforced reports whether this process is refused writes to a
// directory it may only read (false for root, which ignores permissions).
func permissionsEnforced(tb testing.TB) bool {
	tb.Helper()
	dir := tb.TempDir()
	require.NoError(tb, os.Chmod(dir, 0o500))
	defer os.Chmod(dir, 0o700)
	f, err := os.Create(filepath.Join(dir, "probe"))
	if err == nil {
		f.Close()
		return false
	}
	return true
}

// TestChatTicketsCappedPerHour: the ticket store the assistant gets caps
// chat demands as configured, while staff entering phone demands with
// "tickets create --from" are not capped.
func TestChatTicketsCappedPerHour(t *testing.T) {
	dir := t.TempDir()
	m := &Main{Config: Config{DataDir: dir}, Stdout: &strings.Builder{}, Stderr: &strings.Builder{}, Logger: NewMain().Logger}
	r, err := m.openRouter()
	require.NoError(t, err)
	s, err := m.openTickets(context.Background(), r)
	require.NoError(t, err)
	assert.Equal(t, access.DefaultTicketsPerHour, s.TicketsPerHour())
	ctx := context.Background()
	for range access.DefaultTicketsPerHour {
		_, err := s.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "tg:1", Text: "井盖丢了"})
		require.NoError(t, err)
	}
	_, err = s.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "tg:1", Text: "井盖丢了"})
	assert.Equal(t, apperr.ETooMany, apperr.Code(err))
	require.NoError(t, m.Close())

	for range access.DefaultTicketsPerHour + 2 {
		mustCLI(t, dir, "", "tickets", "create", "--from", "张三", "井盖丢了")
	}
}

// TestTicketFilesArePrivate: whatever the umask, the data directory
// partybot creates is 0700, the ticket database 0600, and so are the 台账
// exports, also when they replace a file that was 0644.
func TestTicketFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	number := strings.TrimSpace(mustCLI(t, dir, "", "tickets", "create", "--from", "张三", "--contact", "13812345678", "老板拖欠工资"))
	require.NotEmpty(t, number)

	assert.Equal(t, os.FileMode(0o700), fileMode(t, dir))
	for _, p := range []string{"tickets.db", "tickets.db-wal", "tickets.db-shm"} {
		if p == "tickets.db" || fileExists(filepath.Join(dir, p)) {
			assert.Equal(t, os.FileMode(0o600), fileMode(t, filepath.Join(dir, p)), p)
		}
	}
	csvPath, xlsxPath := filepath.Join(root, "台账.csv"), filepath.Join(root, "台账.xlsx")
	require.NoError(t, os.WriteFile(csvPath, []byte("old"), 0o644))
	mustCLI(t, dir, "", "tickets", "export", "--csv", csvPath)
	mustCLI(t, dir, "", "tickets", "export", "--xlsx", xlsxPath)
	for _, p := range []string{csvPath, xlsxPath} {
		assert.Equal(t, os.FileMode(0o600), fileMode(t, p), p)
	}
}

// TestTicketsReadOnlyDataDir: with the data directory 0500 and its files
// 0400, list, show, stats and export work and a change says the directory
// is read-only.
func TestTicketsReadOnlyDataDir(t *testing.T) {
	if !permissionsEnforced(t) {
		t.Skip("file permissions are not enforced for this user (root?)")
	}
	dir := filepath.Join(t.TempDir(), "data")
	number := strings.TrimSpace(mustCLI(t, dir, "", "tickets", "create", "--from", "张三", "老板拖欠工资"))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		require.NoError(t, os.Chmod(filepath.Join(dir, e.Name()), 0o400))
	}
	require.NoError(t, os.Chmod(dir, 0o500))
	t.Cleanup(func() { os.Chmod(dir, 0o700) })

	assert.Contains(t, mustCLI(t, dir, "", "tickets", "list"), number)
	assert.Contains(t, mustCLI(t, dir, "", "tickets", "show", number), "老板拖欠工资")
	assert.Contains(t, mustCLI(t, dir, "", "tickets", "stats"), "合计")
	out := filepath.Join(t.TempDir(), "台账.csv")
	assert.Contains(t, mustCLI(t, dir, "", "tickets", "export", "--csv", out), "已导出 1 件")

	_, _, err = ticketsCLI(t, dir, "", "", "tickets", "accept", number)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "数据目录只读")
	_, _, err = ticketsCLI(t, dir, "", "", "tickets", "create", "--from", "李四", "井盖丢了")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "数据目录只读")
}

// TestTicketsRefusesEmptyDatabase: "tickets list" on a zero-length
// tickets.db says which file and how to recover, instead of starting over.
func TestTicketsRefusesEmptyDatabase(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tickets.db")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	_, _, err := ticketsCLI(t, dir, "", "", "tickets", "list")
	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
	assert.Contains(t, err.Error(), "备份恢复")
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Zero(t, st.Size())
}

// TestTicketsRateCLI: the command line records a phone demand's rating on
// the submitter's behalf, but an administrator cannot rate a chat
// submitter's ticket; the submitter can.
func TestTicketsRateCLI(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := tickets.Open(ctx, filepath.Join(dir, "tickets.db"))
	require.NoError(t, err)
	tk, err := s.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "tg:7", Text: "井盖丢了"})
	require.NoError(t, err)
	_, err = s.Accept(ctx, tickets.Viewer{UserID: "a", Admin: true}, tk.Number, "")
	require.NoError(t, err)
	_, err = s.Resolve(ctx, tickets.Viewer{UserID: "a", Admin: true}, tk.Number, "已补装")
	require.NoError(t, err)
	require.NoError(t, s.Close())

	_, _, err = ticketsCLI(t, dir, "", "", "tickets", "rate", tk.Number, "--score", "5")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "只有提交人")
	assert.Contains(t, mustCLI(t, dir, "", "tickets", "rate", tk.Number, "--score", "5", "--as", "tg:7"), "已评价")
}
