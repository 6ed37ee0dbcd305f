package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// groupCommit commits a store's writes through one goroutine that takes the
// writes waiting at the time together into one transaction (group commit),
// on both engines. Each caller returns only after the shared COMMIT; one
// failing write does not undo the others.
//
// On SQLite one fsync then serves many writes. On PostgreSQL it also keeps
// the one row every creation locks — the year's number in ticket_seq —
// away from a queue of transactions: measured on this project's 2-core
// machine, a transaction per creation fell from 800 tickets/s with one
// creator to 350/s with 32 (PostgreSQL's own pgbench, from 2,600 to 650 on
// that row alone), while batches hold it once per batch, per replica.
//
// A write runs in a savepoint of its own when the batch has several
// (savepoints), so that a failing write is undone alone. Optimistic
// batches (PostgreSQL, where a savepoint is a round trip) run without
// them; when a write fails there, the batch is rolled back and run again
// with savepoints. A batch that loses a deadlock or a serialization
// conflict to another replica is run again (retryable).
type groupCommit struct {
	db         *sql.DB
	maxBatch   int
	quit       <-chan struct{} // the store's: closed by Close
	optimistic bool
	retryable  func(error) bool
	format     func(error) error // the engine's formatError
	writes     chan *writeJob
	done       chan struct{} // closed when run returns
}

type writeJob struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan error
}

// newGroupCommit starts the writer of e's store s.
func newGroupCommit(s *Store, e engine, optimistic bool, retryable func(error) bool) *groupCommit {
	g := &groupCommit{
		db: s.db, maxBatch: s.maxBatch, quit: s.quit, optimistic: optimistic, retryable: retryable,
		format: e.formatError, writes: make(chan *writeJob), done: make(chan struct{}),
	}
	go g.run()
	return g
}

// commit queues fn for the writer and waits for its outcome. Once a write
// is queued, commit waits for its outcome even if ctx ends, so that the
// caller never sees "cancelled" for a change that was in fact committed.
func (g *groupCommit) commit(ctx context.Context, fn func(tx *sql.Tx) error) error {
	j := &writeJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case g.writes <- j:
	case <-g.quit:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-j.done
}

// stop waits for the writer, which returns once the store's quit is closed.
func (g *groupCommit) stop() { <-g.done }

func (g *groupCommit) run() {
	defer close(g.done)
	for {
		select {
		case j := <-g.writes:
			batch := []*writeJob{j}
		drain:
			for len(batch) < g.maxBatch {
				select {
				case j := <-g.writes:
					batch = append(batch, j)
				default:
					break drain
				}
			}
			g.commitBatch(batch)
		case <-g.quit:
			return
		}
	}
}

// maxRetries is how many times a batch that lost a deadlock or a
// serialization conflict is run again.
const maxRetries = 5

// errWriteFailed ends an optimistic batch in which a write failed.
var errWriteFailed = errors.New("a write of the batch failed")

// commitBatch runs a batch of writes in one transaction and gives each
// caller its outcome.
func (g *groupCommit) commitBatch(batch []*writeJob) {
	errs := make([]error, len(batch))
	defer func() {
		for i, j := range batch {
			j.done <- errs[i]
		}
	}()
	live := 0
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			errs[i] = err
		} else {
			live++
		}
	}
	if live == 0 {
		return
	}
	savepoints := live > 1 && !g.optimistic
	for attempt := 0; ; attempt++ {
		jobErrs, err := g.try(batch, errs, savepoints)
		switch {
		case errors.Is(err, errWriteFailed) && live > 1:
			savepoints = true // run them again, each write undone alone
			continue
		case err != nil && g.retryable != nil && g.retryable(err) && attempt < maxRetries:
			time.Sleep(time.Duration(1+rand.IntN(4<<attempt)) * time.Millisecond)
			continue
		}
		for i := range errs {
			switch {
			case errs[i] != nil:
			case jobErrs[i] != nil:
				errs[i] = g.format(jobErrs[i])
			case err != nil && !errors.Is(err, errWriteFailed):
				errs[i] = g.format(err)
			}
		}
		return
	}
}

// try runs the live writes of batch (those without an error in done) in
// one transaction. It returns each write's own error and the batch's:
// errWriteFailed when a write failed in an optimistic batch (rolled back),
// or the error that rolled the batch back. A write that fails on a
// retryable error fails the batch, to be run again whole.
func (g *groupCommit) try(batch []*writeJob, done []error, savepoints bool) ([]error, error) {
	errs := make([]error, len(batch))
	// The batch is not tied to any one caller's context.
	ctx := context.Background()
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return errs, fmt.Errorf("begin: %w", err)
	}
	ok := 0
	for i, j := range batch {
		if done[i] != nil {
			continue
		}
		if savepoints {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT job"); err != nil {
				tx.Rollback()
				return errs, fmt.Errorf("savepoint: %w", err)
			}
		}
		if err := runJob(j.fn, tx); err != nil {
			errs[i] = err
			if g.retryable != nil && g.retryable(err) {
				tx.Rollback()
				return errs, err
			}
			if !savepoints {
				tx.Rollback()
				return errs, errWriteFailed
			}
			if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO job"); rerr != nil {
				tx.Rollback()
				return errs, fmt.Errorf("rollback to savepoint: %w", rerr)
			}
		} else {
			ok++
		}
		if savepoints {
			if _, err := tx.ExecContext(ctx, "RELEASE job"); err != nil {
				tx.Rollback()
				return errs, fmt.Errorf("release savepoint: %w", err)
			}
		}
	}
	if ok == 0 {
		tx.Rollback()
		return errs, nil
	}
	if err := tx.Commit(); err != nil {
		return errs, fmt.Errorf("commit: %w", err)
	}
	return errs, nil
}
