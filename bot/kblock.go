package bot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"partybot/apperr"
	"partybot/retrieval"
)

// Several processes (replicas) may share one data directory. A reader
// needs no lock: a save lists new segments in a manifest renamed into
// place last, so a reader opens one generation or the next. Writers do: one
// building on an index another has since replaced would save without the
// other's change, and a save deletes the files it does not list, another
// writer's half-written ones included. So every writer holds lockFile,
// locked with flock(2) where there is one, and makes the newest generation
// current before it changes anything (beginWrite).
const (
	// lockFile is the lock file inside the data directory. It is never
	// deleted: a lock file removed while held would let the next writer
	// lock a new one.
	lockFile = "index.lock"
	// lockPoll is how often a writer tries the lock while another holds
	// it: flock cannot wait on ctx, so the lock is tried without waiting.
	lockPoll = 50 * time.Millisecond
	// lockWait is the longest a writer waits, whatever ctx allows: a chat
	// upload's handler has no deadline of its own.
	lockWait = 2 * time.Minute
)

// errNoLock is returned by lock when the lock file cannot be opened or
// locked, as in a read-only data directory.
var errNoLock = errors.New("bot: cannot lock the data directory")

// beginWrite takes the write lock (lock) and makes the newest index saved
// in the data directory current, so that what the caller changes next
// builds on every other process's changes; done releases the lock.
// Returns an error, holding nothing, when the lock cannot be had or the
// index saved cannot be read: writing over it would lose what it holds.
func (kb *KnowledgeBase) beginWrite(ctx context.Context) (done func(), err error) {
	unlock, err := kb.lock(ctx)
	if errors.Is(err, errNoLock) {
		return nil, fmt.Errorf("无法写入数据目录 %s：%w", kb.dir, err)
	}
	if err != nil {
		return nil, err
	}
	if _, err := kb.refresh(); err != nil && !errors.Is(err, retrieval.ErrNoIndex) {
		unlock()
		return nil, fmt.Errorf("无法载入其他进程保存的最新索引，知识库未作修改：%w", err)
	}
	return unlock, nil
}

// lock takes the write lock: this process's (kb.writing), then the data
// directory's lock file, which the other processes sharing it take too.
// It waits while another holds either, for at most lockWait and until ctx
// ends, and says once that it waits for another process. Returns an error
// wrapping errNoLock when the lock file cannot be used, and an
// [*apperr.Error] (apperr.EConflict, wrapping ctx's error) when the wait
// ends first.
func (kb *KnowledgeBase) lock(ctx context.Context) (unlock func(), err error) {
	ctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	select {
	case kb.writing <- struct{}{}:
	case <-ctx.Done():
		return nil, lockWaitError(ctx)
	}
	f, err := kb.lockDir(ctx)
	if err != nil {
		<-kb.writing
		return nil, err
	}
	return func() {
		f.Close() // releases the flock
		<-kb.writing
	}, nil
}

// lockDir opens the lock file and waits for its exclusive lock, as lock
// describes; closing the file releases it.
func (kb *KnowledgeBase) lockDir(ctx context.Context) (*os.File, error) {
	path := filepath.Join(kb.dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		// A read-only data directory: a lock file already there still
		// locks, as flock needs no write access.
		if f, err = os.Open(path); err != nil {
			return nil, fmt.Errorf("%w: %w", errNoLock, err)
		}
	}
	for said := false; ; said = true {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%w: %s: %w", errNoLock, path, err)
		}
		if ok {
			return f, nil
		}
		if !said {
			kb.notice("知识库正由另一个进程更新，等待其完成……")
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, lockWaitError(ctx)
		case <-time.After(lockPoll):
		}
	}
}

// lockWaitError says why waiting for the write lock ended: ctx is done.
func lockWaitError(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return apperr.Wrap(ctx.Err(), apperr.EConflict, "已取消：知识库正由另一项操作更新")
	}
	return apperr.Wrap(ctx.Err(), apperr.EConflict, "知识库正由另一项操作更新，等待超时，请稍后再试")
}
