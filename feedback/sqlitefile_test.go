//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package feedback_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/feedback"
)

// TestFeedbackStoreRefusesEmptyFile: a zero-length feedback.db is not made
// a new store; the refusal names the file and how to recover.
func TestFeedbackStoreRefusesEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feedback.db")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	_, err := feedback.Open(context.Background(), path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
	assert.Contains(t, err.Error(), "空文件")
	assert.Contains(t, err.Error(), "备份恢复")
}

// TestFeedbackStoreRefusesForeignFile: a file that is not a feedback
// database is refused and left as it was.
func TestFeedbackStoreRefusesForeignFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feedback.db")
	require.NoError(t, os.WriteFile(path, []byte("not a database, but someone's notes"), 0o600))
	_, err := feedback.Open(context.Background(), path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "不是 SQLite 数据库")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "not a database, but someone's notes", string(data))
}

// TestFeedbackFilesArePrivate: whatever the umask, feedback.db and its
// -wal and -shm files are 0600 in a 0700 directory the store creates.
func TestFeedbackFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "feedback.db")
	store, err := feedback.Open(ctx, path)
	require.NoError(t, err)
	defer store.Close()
	_, err = store.RecordAnswer(ctx, feedback.Answer{UserID: "u", Question: "怎样落实“六同步”机制？", Mode: "extractive"})
	require.NoError(t, err)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), p)
	}
	fi, err := os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
}
