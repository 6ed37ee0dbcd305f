package telegram

import (
	"context"
	"errors"
	"sync"
)

// Why enqueue refused a job.
var (
	errChatFull = errors.New("telegram: the chat's share of the queue is full")
	errClosed   = errors.New("telegram: the dispatcher is closed")
)

// dispatcher runs jobs (updates) on a fixed number of workers, one job of
// a chat at a time and in the order they came: chats proceed in parallel,
// each chat's messages in sequence. At most max jobs wait, and at most
// perChat of one chat: one busy chat cannot hold up the others. Beyond
// perChat enqueue refuses at once; beyond max it blocks, which holds back
// the intake (long polling asks for no more updates, a webhook call waits).
type dispatcher[T any] struct {
	handle func(T)

	mu       sync.Mutex
	notEmpty *sync.Cond // a chat became ready, or the dispatcher closed
	notFull  *sync.Cond // a job left the queue, or the dispatcher closed
	queues   map[int64][]T
	ready    []int64        // chats with queued jobs and no worker, oldest first
	running  map[int64]bool // chats a worker is on
	queued   int
	max      int
	perChat  int
	closed   bool
	wg       sync.WaitGroup
}

// newDispatcher starts workers that call handle.
func newDispatcher[T any](workers, limit, perChat int, handle func(T)) *dispatcher[T] {
	d := &dispatcher[T]{handle: handle, queues: map[int64][]T{}, running: map[int64]bool{}, max: limit, perChat: max(perChat, 1)}
	d.notEmpty = sync.NewCond(&d.mu)
	d.notFull = sync.NewCond(&d.mu)
	d.wg.Add(workers)
	for range workers {
		go d.work()
	}
	return d
}

// enqueue queues job for chat, waiting while the whole queue is full. It
// returns errChatFull at once when the chat already has perChat jobs
// waiting, and errClosed, or ctx's error, when the dispatcher closes or ctx
// ends first; the job is dropped then.
func (d *dispatcher[T]) enqueue(ctx context.Context, chat int64, job T) error {
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() {
			d.mu.Lock()
			d.notFull.Broadcast()
			d.mu.Unlock()
		})
		defer stop()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.queues[chat]) >= d.perChat {
		return errChatFull
	}
	for d.queued >= d.max && !d.closed && ctx.Err() == nil {
		d.notFull.Wait()
	}
	switch {
	case d.closed:
		return errClosed
	case ctx.Err() != nil:
		return ctx.Err()
	case len(d.queues[chat]) >= d.perChat: // filled while this call waited
		return errChatFull
	}
	q := d.queues[chat]
	d.queues[chat] = append(q, job)
	d.queued++
	if len(q) == 0 && !d.running[chat] {
		d.ready = append(d.ready, chat)
		d.notEmpty.Signal()
	}
	return nil
}

func (d *dispatcher[T]) work() {
	defer d.wg.Done()
	d.mu.Lock()
	defer d.mu.Unlock()
	for {
		for len(d.ready) == 0 && !d.closed {
			d.notEmpty.Wait()
		}
		if len(d.ready) == 0 {
			return // closed and nothing left that this worker could take
		}
		chat := d.ready[0]
		d.ready = d.ready[1:]
		q := d.queues[chat]
		job := q[0]
		if len(q) == 1 {
			delete(d.queues, chat)
		} else {
			d.queues[chat] = q[1:]
		}
		d.queued--
		d.running[chat] = true
		d.notFull.Signal()
		d.mu.Unlock()

		d.handle(job)

		d.mu.Lock()
		delete(d.running, chat)
		if len(d.queues[chat]) > 0 {
			// This worker goes on; it takes the next ready chat itself, so
			// the chat is served even when the others have left.
			d.ready = append(d.ready, chat)
			d.notEmpty.Signal()
		}
	}
}

// close stops taking jobs and waits until every queued and running job is
// handled.
func (d *dispatcher[T]) close() {
	d.mu.Lock()
	d.closed = true
	d.notEmpty.Broadcast()
	d.notFull.Broadcast()
	d.mu.Unlock()
	d.wg.Wait()
}
