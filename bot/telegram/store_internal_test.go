//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package telegram

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/tickets"
)

// TestOpenStoreRefusesEmptyFile: a zero-length telegram.db is not made a
// new store (every update id would look new again); the refusal names the
// file and how to recover.
func TestOpenStoreRefusesEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "telegram.db")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	_, err := openStore(context.Background(), path, 1)
	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
	assert.Contains(t, err.Error(), "空文件")
	assert.Contains(t, err.Error(), "备份恢复")
}

// TestOpenStoreRefusesForeignDatabase: the ticket database (or anything
// else) at the Telegram store's path is refused and left untouched.
func TestOpenStoreRefusesForeignDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "telegram.db")
	s, err := tickets.Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	before, err := os.ReadFile(path)
	require.NoError(t, err)

	_, err = openStore(ctx, path, 1)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "其他程序")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, before, after)
}

// TestStoreFilesArePrivate: whatever the umask, telegram.db and its -wal
// and -shm files are 0600 in a 0700 directory the store creates; a store
// reopens with its data.
func TestStoreFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "telegram.db")
	st, err := openStore(ctx, path, 1)
	require.NoError(t, err)
	fresh, err := st.claim(ctx, 1, 100, "a", nil, time.Now(), time.Minute)
	require.NoError(t, err)
	require.True(t, fresh)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), p)
	}
	fi, err := os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
	require.NoError(t, st.close())

	st, err = openStore(ctx, path, 1)
	require.NoError(t, err)
	defer st.close()
	fresh, err = st.claim(ctx, 1, 100, "b", nil, time.Now(), time.Minute)
	require.NoError(t, err)
	assert.False(t, fresh, "the update claimed before the reopening looks new")
	var n int
	require.NoError(t, st.db.QueryRowContext(ctx, "SELECT count(*) FROM telegram_updates").Scan(&n))
	assert.Equal(t, 1, n)
}
