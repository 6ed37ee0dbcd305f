package telegram

import (
	"context"
	"errors"
	"fmt"
	"time"

	tgbot "github.com/go-telegram/bot"

	"partybot/bot"
	"partybot/tickets"
)

// noticeBatch is how many notices one outbox read takes.
const noticeBatch = 50

// errNoChat is the failure of a notice nobody can receive on Telegram: a
// department without a chat and no admins, a submitter who did not come
// through Telegram.
var errNoChat = errors.New("telegram: no chat to deliver to")

// noDeptChat heads a department notice sent to the admins because the
// department has no chat configured.
const noDeptChat = "（承办部门未配置工作群，本通知转给管理员）\n"

// DeliverNotices drains the assistant's outbox once: it sends every notice
// due — to its department's chat, to its user's private chat, to each
// admin and the admin chat — and records each as delivered right after it
// is sent, or as failed (the outbox retries it later, with backoff). A
// notice for several chats is never sent twice to one of them. It returns
// how many notices were delivered.
//
// Replicas draining one outbox never send a notice twice: each batch is
// leased ([bot.Assistant.NoticeLease]), so no other replica gets it until the lease
// ends, and a batch is given up once half its lease is gone; the chats
// each notice reached are recorded besides, in case a lease ran out all
// the same.
func (s *Server) DeliverNotices(ctx context.Context) (int, error) {
	s.noticeMu.Lock()
	defer s.noticeMu.Unlock()
	delivered := 0
	for range 100 { // bounded, in case the outbox does not move
		if s.held == nil {
			ns, err := s.asst.PendingNotices(ctx, noticeBatch)
			if err != nil {
				return delivered, fmt.Errorf("pending notices: %w", err)
			}
			if len(ns) == 0 {
				break
			}
			s.held = &leased{notices: ns, until: s.now().Add(s.asst.NoticeLease() / 2), full: len(ns) == noticeBatch}
		}
		full := s.held.full
		n, err := s.deliverHeld(ctx)
		delivered += n
		if err != nil || !full {
			return delivered, err
		}
	}
	return delivered, nil
}

// leased is a batch of notices leased from the outbox, delivered in turn.
type leased struct {
	notices []bot.Notice
	until   time.Time // half the lease: no notice of the batch is begun after it
	full    bool      // the outbox may hold more
}

// deliverHeld delivers the held batch. On an error — ctx ended, the outbox
// failed — the notices not done stay held for the next call (the final
// flush at shutdown); once half their lease is gone they are dropped, to
// come back with a later lease.
func (s *Server) deliverHeld(ctx context.Context) (int, error) {
	b := s.held
	delivered := 0
	for ; len(b.notices) > 0; b.notices = b.notices[1:] {
		if s.now().After(b.until) {
			s.log.Warn("notice lease half gone; the rest of the batch left to a later lease", "left", len(b.notices))
			break
		}
		if err := ctx.Err(); err != nil {
			return delivered, err
		}
		ok, err := s.deliverNotice(ctx, b.notices[0])
		if err != nil {
			return delivered, err
		}
		if ok {
			delivered++
		}
	}
	s.held = nil
	return delivered, nil
}

// deliverNotice sends n to each of its chats not yet reached and records
// the outcome in the outbox. It reports whether n was delivered; the error
// is the outbox's own, or ctx's when it ended before a send (the notice
// stays pending, untouched). What was sent is recorded even after ctx
// ends: a send that happened must never be repeated.
func (s *Server) deliverNotice(ctx context.Context, n bot.Notice) (bool, error) {
	record := context.WithoutCancel(ctx)
	chats, prefix := s.recipients(n)
	if len(chats) == 0 {
		return false, s.noticeFailed(record, n, errNoChat)
	}
	key := noticeKey(n.ID, n.Text)
	r := bot.Reply{Text: prefix + n.Text, Buttons: n.Buttons, Photos: n.Photos, Venues: n.Venues}
	for _, chat := range chats {
		done, err := s.store.sent(ctx, key, chat)
		if err != nil {
			return false, err
		}
		if done {
			continue
		}
		if err := s.sendNotice(ctx, chat, r); err != nil {
			if ctx.Err() != nil {
				return false, ctx.Err() // shutting down: the final flush takes it
			}
			s.log.Warn("notice not delivered; retried later", "notice", n.ID, "chat", chat, "err", s.redact(err))
			return false, s.noticeFailed(record, n, errors.New(s.redact(err)))
		}
		if err := s.store.markSent(record, key, chat, s.now()); err != nil {
			// Sent all the same: go on to record the notice delivered.
			s.log.Error("record notice sent", "notice", n.ID, "chat", chat, "err", err)
		}
	}
	if err := s.asst.NoticeDelivered(record, n); err != nil {
		return false, fmt.Errorf("notice %d delivered: %w", n.ID, err)
	}
	return true, nil
}

func (s *Server) noticeFailed(ctx context.Context, n bot.Notice, cause error) error {
	if err := s.asst.NoticeFailed(ctx, n, cause); err != nil {
		return fmt.Errorf("notice %d failed: %w", n.ID, err)
	}
	return nil
}

// recipients are the chats of notice n, and a line to put before its text.
func (s *Server) recipients(n bot.Notice) ([]int64, string) {
	admins := func() []int64 {
		out := append([]int64(nil), s.admins...)
		if s.cfg.AdminChatID != 0 {
			out = append(out, s.cfg.AdminChatID)
		}
		return out
	}
	switch n.RecipientKind {
	case tickets.RecipientDepartment:
		if n.ChatID != 0 {
			return []int64{n.ChatID}, ""
		}
		if a := admins(); len(a) > 0 {
			return a, noDeptChat
		}
	case tickets.RecipientUser:
		if n.ChatID != 0 {
			return []int64{n.ChatID}, ""
		}
	case tickets.RecipientAdmins:
		return admins(), ""
	}
	return nil, ""
}

// sendNotice sends a notice to chat; a group that became a supergroup is
// followed to its new id (and the admin told, through the log, to update
// the configuration).
func (s *Server) sendNotice(ctx context.Context, chat int64, r bot.Reply) error {
	err := s.send(ctx, target{chat: chat, group: chat < 0}, r)
	var moved *tgbot.MigrateError
	if errors.As(err, &moved) && moved.MigrateToChatID != 0 {
		s.log.Warn("chat moved to a supergroup: update its chat_id in the configuration", "old", chat, "new", moved.MigrateToChatID)
		err = s.send(ctx, target{chat: int64(moved.MigrateToChatID), group: true}, r)
	}
	return err
}

// noticeLoop delivers notices until ctx ends: after each update and every
// Config.NoticeEvery.
func (s *Server) noticeLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.NoticeEvery)
	defer t.Stop()
	for {
		if _, err := s.DeliverNotices(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("deliver notices", "err", s.redact(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

// sweepLoop runs the 督办 sweep every Config.SweepEvery until ctx ends,
// and forgets updates too old to come back and idle conversations.
func (s *Server) sweepLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.SweepEvery)
	defer t.Stop()
	for {
		now := s.now()
		if s.cfg.Sweep != nil {
			if err := s.cfg.Sweep(ctx, now); err != nil && ctx.Err() == nil {
				s.log.Error("sweep", "err", err)
			}
			s.kickNotices()
		}
		if err := s.store.prune(ctx, now.Add(-keepUpdates), now.Add(-s.cfg.SessionTTL)); err != nil && ctx.Err() == nil {
			s.log.Error("prune", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
