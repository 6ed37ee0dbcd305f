package telegram

import (
	"container/list"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

	"partybot/bot"
)

// people keeps a token bucket per Telegram user, for the rate limit, and
// the assistant's session per user and chat: a conversation in one chat
// never sees another chat's state. Each holds at most max entries; the one
// idle the longest goes first, and anything idle longer than ttl goes.
type people struct {
	mu       sync.Mutex
	perSec   float64 // tokens added per second; 0: no limit
	burst    float64
	buckets  *lru[int64, *bucket]
	sessions *lru[conversation, *convo]
}

// conversation names a session: one user in one chat.
type conversation struct {
	chat, user int64
}

// bucket is one user's rate limit.
type bucket struct {
	tokens float64
	filled time.Time // when tokens was last brought up to date
	warned bool      // told to slow down since the last allowed update
}

func newPeople(size int, ttl time.Duration, perMinute, burst int) *people {
	p := &people{buckets: newLRU[int64, *bucket](size, ttl), sessions: newLRU[conversation, *convo](size, ttl)}
	if perMinute > 0 {
		p.perSec, p.burst = float64(perMinute)/60, float64(max(burst, 1))
	}
	return p
}

// session returns u's cached session in chat, creating it when unknown. A
// group chat has a negative id.
func (p *people) session(u models.User, chat int64, now time.Time) *convo {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sessions.get(conversation{chat: chat, user: u.ID}, now, func() *convo {
		s := bot.NewSession(bot.User{ID: strconv.FormatInt(u.ID, 10), Name: displayName(u)}, bot.Chat{ID: chat, Group: chat < 0})
		return &convo{chat: chat, user: u.ID, s: s, saved: emptyState}
	})
}

// forget drops c from the cache: the store has what it should hold.
func (p *people) forget(c *convo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.sessions.byKey[conversation{chat: c.chat, user: c.user}]; ok && e.Value.(*entry[conversation, *convo]).val == c {
		p.sessions.remove(e)
	}
}

// len is how many sessions are kept.
func (p *people) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sessions.len()
}

// verdict is what the rate limit says of an update.
type verdict int

const (
	allowed  verdict = iota
	slowDown         // over the limit: tell the user once
	drop             // over the limit and already told
)

// allow takes a token from user's bucket at now.
func (p *people) allow(user int64, now time.Time) verdict {
	if p.perSec == 0 {
		return allowed
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.bucket(user, now)
	if d := now.Sub(b.filled); d > 0 {
		b.tokens = min(p.burst, b.tokens+d.Seconds()*p.perSec)
	}
	b.filled = now
	if b.tokens >= 1 {
		b.tokens--
		b.warned = false
		return allowed
	}
	return p.warn(b)
}

// refuse is the verdict on an update of user that cannot be queued (their
// chat's share of the queue is full): slowDown the first time, then drop
// until an update of theirs is allowed again.
func (p *people) refuse(user int64, now time.Time) verdict {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.warn(p.bucket(user, now))
}

func (p *people) warn(b *bucket) verdict {
	if b.warned {
		return drop
	}
	b.warned = true
	return slowDown
}

func (p *people) bucket(user int64, now time.Time) *bucket {
	return p.buckets.get(user, now, func() *bucket { return &bucket{tokens: p.burst, filled: now} })
}

// lru is a map that keeps at most max entries, dropping the least recently
// used first, and drops entries unused for longer than ttl. Not safe for
// concurrent use. (container/list rather than a library: this is all the
// cache partybot needs.)
type lru[K comparable, V any] struct {
	max   int
	ttl   time.Duration
	order *list.List // of *entry[K, V], most recently used first
	byKey map[K]*list.Element
}

type entry[K comparable, V any] struct {
	key  K
	val  V
	seen time.Time
}

func newLRU[K comparable, V any](size int, ttl time.Duration) *lru[K, V] {
	return &lru[K, V]{max: size, ttl: ttl, order: list.New(), byKey: map[K]*list.Element{}}
}

// get returns the value of k, creating it with create when unknown.
func (c *lru[K, V]) get(k K, now time.Time, create func() V) V {
	c.expire(now)
	if e, ok := c.byKey[k]; ok {
		c.order.MoveToFront(e)
		en := e.Value.(*entry[K, V])
		en.seen = now
		return en.val
	}
	en := &entry[K, V]{key: k, val: create(), seen: now}
	c.byKey[k] = c.order.PushFront(en)
	for c.order.Len() > c.max {
		c.remove(c.order.Back())
	}
	return en.val
}

// expire drops entries idle longer than ttl, oldest first.
func (c *lru[K, V]) expire(now time.Time) {
	for e := c.order.Back(); e != nil && now.Sub(e.Value.(*entry[K, V]).seen) > c.ttl; e = c.order.Back() {
		c.remove(e)
	}
}

func (c *lru[K, V]) remove(e *list.Element) {
	delete(c.byKey, e.Value.(*entry[K, V]).key)
	c.order.Remove(e)
}

func (c *lru[K, V]) len() int { return c.order.Len() }

// displayName is how a Telegram user is named to the assistant.
func displayName(u models.User) string {
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if name == "" {
		name = u.Username
	}
	if name == "" {
		name = strconv.FormatInt(u.ID, 10)
	}
	return name
}
