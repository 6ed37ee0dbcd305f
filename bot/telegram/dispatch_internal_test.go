package telegram

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDispatcherOrder: each chat's updates run one at a time and in order,
// different chats in parallel, never more than the workers at once; close
// waits for everything queued.
func TestDispatcherOrder(t *testing.T) {
	const workers, chats, perChat = 3, 7, 40
	var (
		mu        sync.Mutex
		seen      = map[int64][]int64{}
		busy      = map[int64]bool{}
		running   int
		maxActive int
	)
	d := newDispatcher(workers, 5, perChat, func(u *models.Update) {
		chat := u.Message.Chat.ID
		mu.Lock()
		if busy[chat] {
			t.Errorf("chat %d handled twice at once", chat)
		}
		busy[chat] = true
		running++
		maxActive = max(maxActive, running)
		mu.Unlock()
		for range 1000 { // a little work, so that handlers overlap
			_ = time.Now()
		}
		mu.Lock()
		busy[chat] = false
		running--
		seen[chat] = append(seen[chat], u.ID)
		mu.Unlock()
	})
	var id int64
	for i := range perChat {
		for c := range int64(chats) {
			id++
			if err := d.enqueue(context.Background(), c, &models.Update{ID: id, Message: &models.Message{ID: i, Chat: models.Chat{ID: c}}}); err != nil {
				t.Fatal("enqueue refused")
			}
		}
	}
	d.close()
	if maxActive > workers {
		t.Fatalf("%d handlers at once, want at most %d", maxActive, workers)
	}
	for c := range int64(chats) {
		got := seen[c]
		if len(got) != perChat {
			t.Fatalf("chat %d: %d updates handled, want %d", c, len(got), perChat)
		}
		for i := 1; i < len(got); i++ {
			if got[i] < got[i-1] {
				t.Fatalf("chat %d out of order: %v", c, got)
			}
		}
	}
	if err := d.enqueue(context.Background(), 1, &models.Update{}); err == nil {
		t.Fatal("a closed dispatcher took an update")
	}
}

// TestDispatcherFull: enqueue waits while the queue is full and gives up
// when its context ends.
func TestDispatcherFull(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	d := newDispatcher(1, 1, 2, func(*models.Update) { started <- struct{}{}; <-release })
	u := func(id int64) *models.Update { return &models.Update{ID: id, Message: &models.Message{}} }
	d.enqueue(context.Background(), 1, u(1))
	<-started                                // the worker holds update 1
	d.enqueue(context.Background(), 1, u(2)) // queued: the queue is full
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bool)
	go func() { done <- d.enqueue(ctx, 2, u(3)) == nil }()
	cancel()
	if <-done {
		t.Fatal("enqueue into a full queue succeeded after its context ended")
	}
	close(release)
	d.close()
}

// TestDispatcherChatShare: one chat cannot queue more than its share; it
// is refused at once while the other chats still get in.
func TestDispatcherChatShare(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	d := newDispatcher(1, 100, 3, func(int) { started <- struct{}{}; <-release })
	defer func() { close(release); d.close() }()
	require.NoError(t, d.enqueue(context.Background(), 1, 0))
	<-started // the worker holds job 0; three more fill the share
	for i := 1; i <= 3; i++ {
		require.NoError(t, d.enqueue(context.Background(), 1, i))
	}
	require.ErrorIs(t, d.enqueue(context.Background(), 1, 9), errChatFull)
	assert.NoError(t, d.enqueue(context.Background(), 2, 10), "another chat is refused")
}
