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

// people keeps, per Telegram user, the assistant's session and a token
// bucket for the rate limit. It holds at most max users; the one idle the
// longest goes first, and anyone idle longer than ttl goes.
type people struct {
	mu     sync.Mutex
	max    int
	ttl    time.Duration
	perSec float64 // tokens added per second; 0: no limit
	burst  float64
	order  *list.List // of *person, most recently seen first
	byID   map[int64]*list.Element
}

// person is one user's state.
type person struct {
	id      int64
	session *bot.Session
	tokens  float64
	filled  time.Time // when tokens was last brought up to date
	seen    time.Time
	warned  bool // told to slow down since the last allowed message
}

func newPeople(max int, ttl time.Duration, perMinute, burst int) *people {
	p := &people{max: max, ttl: ttl, order: list.New(), byID: map[int64]*list.Element{}}
	if perMinute > 0 {
		p.perSec, p.burst = float64(perMinute)/60, float64(max1(burst))
	}
	return p
}

func max1(n int) int { return max(n, 1) }

// get returns u's state, creating it (with a new session) when unknown.
func (p *people) get(u models.User, now time.Time) *person {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expire(now)
	if e, ok := p.byID[u.ID]; ok {
		p.order.MoveToFront(e)
		per := e.Value.(*person)
		per.seen = now
		return per
	}
	per := &person{
		id:      u.ID,
		session: &bot.Session{User: bot.User{ID: strconv.FormatInt(u.ID, 10), Name: displayName(u)}},
		tokens:  p.burst,
		filled:  now,
		seen:    now,
	}
	p.byID[u.ID] = p.order.PushFront(per)
	for p.order.Len() > p.max {
		p.remove(p.order.Back())
	}
	return per
}

// expire drops users idle longer than ttl, oldest first.
func (p *people) expire(now time.Time) {
	for e := p.order.Back(); e != nil && now.Sub(e.Value.(*person).seen) > p.ttl; e = p.order.Back() {
		p.remove(e)
	}
}

func (p *people) remove(e *list.Element) {
	delete(p.byID, e.Value.(*person).id)
	p.order.Remove(e)
}

// len is how many users are kept.
func (p *people) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.order.Len()
}

// verdict is what the rate limit says of a message.
type verdict int

const (
	allowed  verdict = iota
	slowDown         // over the limit: tell the user once
	drop             // over the limit and already told
)

// allow takes a token from per's bucket at now.
func (p *people) allow(per *person, now time.Time) verdict {
	if p.perSec == 0 {
		return allowed
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if d := now.Sub(per.filled); d > 0 {
		per.tokens = min(p.burst, per.tokens+d.Seconds()*p.perSec)
	}
	per.filled = now
	if per.tokens >= 1 {
		per.tokens--
		per.warned = false
		return allowed
	}
	if per.warned {
		return drop
	}
	per.warned = true
	return slowDown
}

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
