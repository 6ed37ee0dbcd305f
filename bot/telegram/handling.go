package telegram

import (
	"context"
	"encoding/json"
	"time"

	"github.com/go-telegram/bot/models"
)

// handling is one update in hand: its claim, its conversation, and the
// Bot API calls made for it, numbered in the order made (see claim.go).
type handling struct {
	id      int64
	claimed bool         // the store holds the claim; false: handled without the store, which failed
	made    map[int]bool // the calls an earlier handling made; nil on the first
	seq     int          // the calls numbered so far
	convo   *convo       // the conversation loaded, saved by finish
}

// replay reports whether an earlier handling of the update began.
func (h *handling) replay() bool { return h != nil && h.made != nil }

// claim claims u as it arrives; ok is false when a copy of it is done or
// in hand. When the store fails, u is handled all the same, unclaimed:
// better to answer than to drop, and a duplicate needs a second delivery
// and this failure at once.
func (s *Server) claim(ctx context.Context, u *models.Update) (claimed, ok bool) {
	payload, err := json.Marshal(u)
	if err == nil {
		claimed, err = s.store.claim(ctx, s.botID, u.ID, s.claimant, payload, s.now(), s.cfg.UpdateLease)
	}
	if err != nil {
		s.log.Error("claim update; handling it unclaimed", "update", u.ID, "err", err)
		return false, true
	}
	if !claimed {
		s.log.Info("update already handled or in hand; skipped", "update", u.ID)
	}
	return claimed, claimed
}

// begin starts handling j: nil when j's update is no longer ours to
// handle (done, taken over, or given up).
func (s *Server) begin(ctx context.Context, j job) *handling {
	h := &handling{id: j.u.ID, claimed: j.claimed}
	if !j.claimed {
		return h
	}
	n, ok, err := s.store.begin(ctx, s.botID, h.id, s.claimant, s.now(), s.cfg.UpdateLease)
	switch {
	case err != nil:
		s.log.Error("begin update; handling it unclaimed", "update", h.id, "err", err)
		h.claimed = false
	case !ok:
		s.log.Info("update done or taken over by another replica; skipped", "update", h.id)
		return nil
	case n > maxHandlings:
		s.log.Error("update given up: its handlings never finished", "update", h.id, "handlings", n-1)
		s.finish(ctx, h)
		return nil
	case n > 1:
		if h.made, err = s.store.calls(ctx, s.botID, h.id); err != nil {
			s.log.Error("read the calls of an update handled before; retried later", "update", h.id, "err", err)
			s.abandon(ctx, h)
			return nil
		}
	}
	return h
}

// finish marks h's update done and saves its conversation. When that
// fails the update will be handled again, from the stored conversation.
func (s *Server) finish(ctx context.Context, h *handling) {
	if !h.claimed {
		return
	}
	ctx = context.WithoutCancel(ctx)
	sv, err := h.changed()
	if err != nil {
		s.log.Error("save conversation", "update", h.id, "err", err)
	}
	version, err := s.store.finish(ctx, s.botID, h.id, sv, s.now())
	switch {
	case err != nil:
		s.log.Error("finish update; it will be handled again", "update", h.id, "err", err)
		s.forget(h)
	case sv != nil:
		c := h.convo
		if version != c.version+1 {
			s.log.Info("conversation saved over a concurrent save", "chat", c.chat, "user", c.user)
		}
		c.version, c.saved = version, sv.state
	}
}

// abandon gives h's update back, not done, to be handled again by any
// replica; its conversation as cached is dropped.
func (s *Server) abandon(ctx context.Context, h *handling) {
	s.forget(h)
	if !h.claimed {
		return
	}
	if err := s.store.release(context.WithoutCancel(ctx), s.botID, h.id, s.claimant, s.now()); err != nil {
		s.log.Error("release update", "update", h.id, "err", err)
	}
}

func (s *Server) forget(h *handling) {
	if h.convo != nil {
		s.people.forget(h.convo)
	}
}

// once makes call, the next Bot API call of handling h, unless an earlier
// handling of the update made it; it records the call once Telegram
// answered it. With a nil h it just makes the call.
func (s *Server) once(ctx context.Context, h *handling, call func() error) error {
	if h == nil || !h.claimed {
		return call()
	}
	h.seq++
	if h.made[h.seq] {
		return nil
	}
	if err := call(); err != nil {
		return err
	}
	if err := s.store.recordCall(context.WithoutCancel(ctx), s.botID, h.id, h.seq, s.now()); err != nil {
		s.log.Error("record a call made", "update", h.id, "err", err)
	}
	return nil
}

// recoverEvery is how often the store is searched for updates whose
// handling never finished: every 30 s, or four times a lease when the
// lease is shorter than two minutes.
func (s *Server) recoverEvery() time.Duration { return min(30*time.Second, s.cfg.UpdateLease/4) }

// recoverUpdates takes over the updates of this bot whose claim ended
// before they were done — their replica died, or gave them back — and
// queues them. It returns how many it took.
func (s *Server) recoverUpdates(ctx context.Context) (int, error) {
	os, err := s.store.orphans(ctx, s.botID, s.now(), 100)
	if err != nil {
		return 0, err
	}
	taken := 0
	for _, o := range os {
		var u models.Update
		if err := json.Unmarshal(o.payload, &u); err != nil {
			s.log.Error("orphaned update unreadable; given up", "update", o.id, "err", err)
			s.finish(ctx, &handling{id: o.id, claimed: true})
			continue
		}
		ok, err := s.store.claim(ctx, s.botID, o.id, s.claimant, o.payload, s.now(), s.cfg.UpdateLease)
		if err != nil {
			return taken, err
		}
		if !ok {
			continue // another replica was faster
		}
		s.log.Warn("taking over an update whose handling did not finish", "update", o.id)
		if !s.queue(ctx, job{u: &u, v: allowed, claimed: true}) {
			s.abandon(ctx, &handling{id: o.id, claimed: true})
			continue
		}
		taken++
	}
	return taken, nil
}

// recoverLoop runs recoverUpdates every recoverEvery until ctx ends.
func (s *Server) recoverLoop(ctx context.Context) {
	t := time.NewTicker(s.recoverEvery())
	defer t.Stop()
	for {
		if _, err := s.recoverUpdates(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("recover updates", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
