package telegram

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/tickets"
)

// store is the adapter's own state in a small SQLite file: the update ids
// already taken (so that a redelivered update is never handled twice) and
// the chats each notice has reached (so that a notice retried for one
// recipient is not sent again to another).
//
// WAL with synchronous=NORMAL: a commit survives the process crashing at
// once; only a power cut can lose the last ones (see the README).
type store struct {
	db    *sql.DB
	claim *sql.Stmt // the hot statement, prepared once
}

const storeSchema = `CREATE TABLE IF NOT EXISTS updates (
	bot_id    INTEGER NOT NULL,
	update_id INTEGER NOT NULL,
	at        INTEGER NOT NULL, -- unix milliseconds
	PRIMARY KEY (bot_id, update_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS updates_at ON updates (at);
CREATE TABLE IF NOT EXISTS notice_sends (
	notice  TEXT    NOT NULL, -- notice id and a digest of its text
	chat_id INTEGER NOT NULL,
	at      INTEGER NOT NULL,
	PRIMARY KEY (notice, chat_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS notice_sends_at ON notice_sends (at);`

// openStore opens (creating if needed) the database at path. The file is
// checked and kept private as [tickets.OpenSQLite] does: an empty file or
// one that is not ours is refused with a message saying how to recover, and
// so is a file or directory that is not writable (apperr.EReadOnly).
func openStore(ctx context.Context, path string) (*store, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open telegram store: invalid path %q", path)
	}
	db, _, err := tickets.OpenSQLite(ctx, tickets.SQLiteFile{
		Path: path, Name: "Telegram 状态库", Tables: []string{"updates", "notice_sends"},
		Params: "_txlock=immediate&_busy_timeout=10000&_journal_mode=WAL&_synchronous=NORMAL",
	})
	if err != nil {
		if _, coded := errors.AsType[*apperr.Error](err); coded {
			return nil, err // its message names the file and what to do
		}
		return nil, fmt.Errorf("open telegram store: %w", err)
	}
	// One connection: writes are serialized here rather than by SQLite's
	// busy handler, and each is one short statement.
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, storeSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("open telegram store: %w", err)
	}
	claim, err := db.PrepareContext(ctx, "INSERT OR IGNORE INTO updates (bot_id, update_id, at) VALUES (?, ?, ?)")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open telegram store: %w", err)
	}
	return &store{db: db, claim: claim}, nil
}

func (s *store) close() error {
	s.claim.Close()
	return s.db.Close()
}

// take records update id of bot botID as taken and reports whether it was
// new: false means it was taken before and must not be handled again.
func (s *store) take(ctx context.Context, botID, id int64, now time.Time) (bool, error) {
	res, err := s.claim.ExecContext(ctx, botID, id, now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("claim update: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim update: %w", err)
	}
	return n == 1, nil
}

// noticeKey names a notice in notice_sends: its id and a digest of its
// text, so that a ticket database rebuilt from scratch, whose ids start
// again, is not mistaken for the old one.
func noticeKey(id int64, text string) string {
	sum := sha256.Sum256([]byte(text))
	return strconv.FormatInt(id, 10) + ":" + hex.EncodeToString(sum[:8])
}

// sent reports whether notice key reached chat.
func (s *store) sent(ctx context.Context, key string, chat int64) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM notice_sends WHERE notice = ? AND chat_id = ?", key, chat).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("notice sent: %w", err)
	}
	return n > 0, nil
}

// markSent records that notice key reached chat.
func (s *store) markSent(ctx context.Context, key string, chat int64, now time.Time) error {
	_, err := s.db.ExecContext(ctx, "INSERT OR IGNORE INTO notice_sends (notice, chat_id, at) VALUES (?, ?, ?)", key, chat, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("mark notice sent: %w", err)
	}
	return nil
}

// prune forgets update ids and notice deliveries older than before.
// Telegram keeps an undelivered update for 24 hours, so ids older than
// that cannot come back.
func (s *store) prune(ctx context.Context, before time.Time) error {
	ms := before.UnixMilli()
	if _, err := s.db.ExecContext(ctx, "DELETE FROM updates WHERE at < ?", ms); err != nil {
		return fmt.Errorf("prune updates: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, "DELETE FROM notice_sends WHERE at < ?", ms); err != nil {
		return fmt.Errorf("prune notice sends: %w", err)
	}
	return nil
}
