package telegram

import (
	"context"
	"sync"

	"github.com/go-telegram/bot/models"
)

// dispatcher runs updates on a fixed number of workers, one update of a
// chat at a time and in the order they came: chats proceed in parallel,
// each chat's messages in sequence. At most max updates wait; enqueue
// blocks beyond that, which holds back the intake (long polling asks for
// no more updates, a webhook call waits).
type dispatcher struct {
	handle func(*models.Update)

	mu       sync.Mutex
	notEmpty *sync.Cond // a chat became ready, or the dispatcher closed
	notFull  *sync.Cond // an update left the queue, or the dispatcher closed
	queues   map[int64][]*models.Update
	ready    []int64        // chats with queued updates and no worker, oldest first
	running  map[int64]bool // chats a worker is on
	queued   int
	max      int
	closed   bool
	wg       sync.WaitGroup
}

// newDispatcher starts workers that call handle.
func newDispatcher(workers, max int, handle func(*models.Update)) *dispatcher {
	d := &dispatcher{handle: handle, queues: map[int64][]*models.Update{}, running: map[int64]bool{}, max: max}
	d.notEmpty = sync.NewCond(&d.mu)
	d.notFull = sync.NewCond(&d.mu)
	d.wg.Add(workers)
	for range workers {
		go d.work()
	}
	return d
}

// enqueue queues u for chat, waiting while the queue is full. It reports
// false, dropping u, when the dispatcher is closed or ctx ends first.
func (d *dispatcher) enqueue(ctx context.Context, chat int64, u *models.Update) bool {
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
	for d.queued >= d.max && !d.closed && ctx.Err() == nil {
		d.notFull.Wait()
	}
	if d.closed || ctx.Err() != nil {
		return false
	}
	q := d.queues[chat]
	d.queues[chat] = append(q, u)
	d.queued++
	if len(q) == 0 && !d.running[chat] {
		d.ready = append(d.ready, chat)
		d.notEmpty.Signal()
	}
	return true
}

func (d *dispatcher) work() {
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
		u := q[0]
		if len(q) == 1 {
			delete(d.queues, chat)
		} else {
			d.queues[chat] = q[1:]
		}
		d.queued--
		d.running[chat] = true
		d.notFull.Signal()
		d.mu.Unlock()

		d.handle(u)

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

// close stops taking updates and waits until every queued and running
// update is handled.
func (d *dispatcher) close() {
	d.mu.Lock()
	d.closed = true
	d.notEmpty.Broadcast()
	d.notFull.Broadcast()
	d.mu.Unlock()
	d.wg.Wait()
}
