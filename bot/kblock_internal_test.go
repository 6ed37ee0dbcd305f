package bot

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
)

// DirLocked tells the external tests whether two instances are kept apart
// by the lock file (see kblock_unix.go).
const DirLocked = dirLocked

func openKB(tb testing.TB, dir string, notice func(string)) *KnowledgeBase {
	tb.Helper()
	kb, err := OpenKnowledgeBase(context.Background(), dir, KnowledgeBaseOptions{Notice: notice})
	require.NoError(tb, err)
	return kb
}

// TestLockExcludesAnotherInstance: two knowledge bases open on one data
// directory in one process exclude each other's writes, as flock locks
// belong to the open file, not the process; waiting ends with ctx, with
// an EConflict error that says so; and the lock is free again once
// released.
func TestLockExcludesAnotherInstance(t *testing.T) {
	dir := t.TempDir()
	var notices []string
	a := openKB(t, dir, nil)
	b := openKB(t, dir, func(s string) { notices = append(notices, s) })
	unlock, err := a.lock(context.Background())
	require.NoError(t, err)

	t.Run("same instance", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := a.lock(ctx)
		assert.Equal(t, apperr.EConflict, apperr.Code(err))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, apperr.Message(err), "等待超时")
	})
	t.Run("other instance", func(t *testing.T) {
		if !dirLocked {
			t.Skip("no flock here: instances are not kept apart")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err := b.lock(ctx)
		assert.Equal(t, apperr.EConflict, apperr.Code(err))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, []string{"知识库正由另一个进程更新，等待其完成……"}, notices, "said once")
	})
	t.Run("cancelled", func(t *testing.T) {
		if !dirLocked {
			t.Skip("no flock here: instances are not kept apart")
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := b.lock(ctx)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Contains(t, apperr.Message(err), "已取消")
	})
	unlock()
	unlockB, err := b.lock(context.Background())
	require.NoError(t, err)
	unlockB()
}

// holdLockEnv names the data directory whose lock the helper process of
// TestLockExcludesAnotherProcess holds.
const holdLockEnv = "PARTYBOT_TEST_HOLD_KB_LOCK"

// TestLockExcludesAnotherProcess: while another process holds the data
// directory's lock, an ingest waits and times out, writing nothing; once
// that process lets go, it goes through. The test runs itself as the
// other process, which holds the lock until its stdin closes.
func TestLockExcludesAnotherProcess(t *testing.T) {
	if dir := os.Getenv(holdLockEnv); dir != "" {
		holdLock(t, dir)
		return
	}
	if !dirLocked {
		t.Skip("no flock here: processes are not kept apart")
	}
	dir := t.TempDir()
	kb := openKB(t, dir, nil)
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockExcludesAnotherProcess$")
	cmd.Env = append(os.Environ(), holdLockEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer cmd.Wait()
	defer stdin.Close()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "locked\n", line)

	src := []Source{{Name: "/docs/dangfei.md", Read: func() ([]byte, error) {
		return []byte("# 党费收缴管理办法\n\n党员应当按月缴纳党费。\n"), nil
	}}}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = kb.Ingest(ctx, src, IngestOptions{})
	assert.Equal(t, apperr.EConflict, apperr.Code(err))
	for _, d := range openKB(t, dir, nil).Documents() {
		assert.NotEqual(t, "/docs/dangfei.md", d.Name, "written while locked")
	}

	require.NoError(t, stdin.Close())
	go io.Copy(io.Discard, stdout)
	res, err := kb.Ingest(context.Background(), src, IngestOptions{})
	require.NoError(t, err)
	assert.Equal(t, IngestAdded, res[0].Status)
}

// holdLock is the other process of TestLockExcludesAnotherProcess: it
// takes the lock of dir, says so and holds it until stdin closes.
func holdLock(t *testing.T, dir string) {
	kb := openKB(t, dir, nil)
	unlock, err := kb.lock(context.Background())
	require.NoError(t, err)
	defer unlock()
	os.Stdout.WriteString("locked\n")
	io.Copy(io.Discard, os.Stdin)
}

// BenchmarkBeginWrite measures what every change pays to start: the lock
// file opened and locked, and the generation on disk read.
func BenchmarkBeginWrite(b *testing.B) {
	kb := openKB(b, b.TempDir(), nil)
	ctx := context.Background()
	for b.Loop() {
		done, err := kb.beginWrite(ctx)
		if err != nil {
			b.Fatal(err)
		}
		done()
	}
}
