package telegram

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/go-telegram/bot/models"

	"partybot/bot"
)

// A conversation's state (bot.Session.MarshalState) lives in the store,
// which is the truth: each update loads it before it is handled and saves
// it, with the update's done mark, after (see claim.go). Consecutive
// messages of one chat may so reach different replicas. The cache (people)
// keeps the session and the version of the state it holds, and decodes a
// stored state only when another replica saved a newer one.
//
// Two saves of one conversation at once — two replicas each handling one
// of its updates; within a replica a chat's updates take turns — do not
// wait for each other: the later save wins. Why not retry or merge: the
// two updates were handled concurrently, so neither order is the true one;
// a retry would handle an update whose effects are made again; and the
// harm is small — a pending step lost (its button says the draft expired,
// and the user sends it again) or brought back (confirmed, it files under
// the idempotency key it had, so nothing is filed twice).

// convo is the cached session of one user in one chat.
type convo struct {
	chat, user int64
	s          *bot.Session
	version    int64  // of the stored state s holds; 0: none stored
	saved      []byte // that state
}

// saving is a conversation state to save.
type saving struct {
	chat, user int64
	state      []byte
}

const sqlLoadSession = "SELECT version, state FROM telegram_sessions WHERE bot_id = ? AND chat_id = ? AND user_id = ?"

// loadSession returns the stored state of user in chat and its version;
// version 0 when none is stored.
func (s *store) loadSession(ctx context.Context, botID, chat, user int64) (state []byte, version int64, err error) {
	var st string
	err = s.queryRow(ctx, nil, sqlLoadSession, botID, chat, user).Scan(&version, &st)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, 0, nil
	case err != nil:
		return nil, 0, fmt.Errorf("load session: %w", err)
	}
	return []byte(st), version, nil
}

const sqlSaveSession = `INSERT INTO telegram_sessions (bot_id, chat_id, user_id, version, state, at)
	VALUES (?, ?, ?, 1, ?, ?)
	ON CONFLICT (bot_id, chat_id, user_id) DO UPDATE SET version = telegram_sessions.version + 1, state = excluded.state, at = excluded.at
	RETURNING version`

// saveSession stores c in tx (or on the pool when nil), over whatever is
// stored, and returns its version.
func (s *store) saveSession(ctx context.Context, tx *sql.Tx, botID int64, c *saving, now time.Time) (int64, error) {
	var version int64
	err := s.queryRow(ctx, tx, sqlSaveSession, botID, c.chat, c.user, string(c.state), now.UnixMilli()).Scan(&version)
	if err != nil {
		return 0, fmt.Errorf("save session: %w", err)
	}
	return version, nil
}

// conversation returns u's session in chat for handling h: as the store
// has it (the cache's when the store fails), its steps keyed by the
// update. h saves it when the update is done.
func (s *Server) conversation(ctx context.Context, h *handling, u models.User, chat int64) *bot.Session {
	c := s.people.session(u, chat, s.now())
	h.convo = c
	c.s.SeedKeys(strconv.FormatInt(s.botID, 10) + ":" + strconv.FormatInt(h.id, 10))
	if !h.claimed {
		return c.s
	}
	state, version, err := s.store.loadSession(ctx, s.botID, chat, u.ID)
	if err != nil {
		s.log.Error("load conversation; using the cached one", "chat", chat, "user", u.ID, "err", err)
		return c.s
	}
	if version != c.version {
		if err := c.s.RestoreState(state); err != nil {
			s.log.Error("stored conversation unreadable; starting afresh", "chat", chat, "user", u.ID, "err", err)
			c.s.RestoreState(nil)
		}
		c.version, c.saved = version, state
		if len(state) == 0 {
			c.saved = emptyState
		}
	}
	return c.s
}

// emptyState is the state of a new conversation, which is not saved.
var emptyState = func() []byte {
	b, err := bot.NewSession(bot.User{}, bot.Chat{}).MarshalState()
	if err != nil {
		panic(err)
	}
	return b
}()

// changed returns what to save of h's conversation, nil when nothing
// changed.
func (h *handling) changed() (*saving, error) {
	c := h.convo
	if c == nil {
		return nil, nil
	}
	state, err := c.s.MarshalState()
	if err != nil || bytes.Equal(state, c.saved) {
		return nil, err
	}
	return &saving{chat: c.chat, user: c.user, state: state}, nil
}
