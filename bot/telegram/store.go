package telegram

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"partybot/apperr"
	"partybot/sqlstore"
)

// store is the adapter's own state: in a SQLite file (one process), or in
// the PostgreSQL database the replicas of the bot share. It holds
//   - telegram_updates: each update claimed for handling, with a lease,
//     until it is done (claim.go);
//   - telegram_update_calls: the Bot API calls made while handling each
//     (claim.go);
//   - telegram_sessions: the conversation of each user in each chat
//     (conversation.go);
//   - telegram_notice_sends: the chats each notice has reached, so that a
//     notice retried for one recipient is not sent again to another.
//
// SQLite runs WAL with synchronous=NORMAL: a commit survives the process
// crashing at once; only a power cut can lose the last ones (see the
// README).
type store struct {
	db    *sql.DB
	eng   sqlstore.Engine
	stmts map[string]*sql.Stmt // the hot statements, by their text
}

// hot are the statements of every update, prepared once as the store
// opens: modernc.org/sqlite would parse them for every call. (pgx caches
// what it prepares by itself.)
var hot = []string{sqlClaim, sqlBegin, sqlDone, sqlRecordCall, sqlLoadSession, sqlSaveSession, sqlCountUpdate}

// The schema's migrations: migration/sqlite/001 is the schema of the
// telegram.db files written before versions were recorded (it adopts them
// as they are), 002 the replicas' (on PostgreSQL, the whole schema so
// far), 003 the shared rate limit. See [sqlstore.Migrations].
//
//go:embed migration/*.sql migration/sqlite/*.sql migration/postgres/*.sql
var migrationFS embed.FS

var schema = sqlstore.Migrations{Table: "telegram_migrations", FS: migrationFS, Dir: "migration"}

// storeTables are the tables of a state store, old names included: a
// SQLite file holding none of them belongs to something else.
var storeTables = []string{"telegram_migrations", "telegram_updates", "telegram_update_calls", "telegram_sessions",
	"telegram_notice_sends", "telegram_rate", "updates", "notice_sends"}

// openStore opens the state store at dsn — a SQLite file path or a
// postgres:// URL — and migrates it; a PostgreSQL pool holds up to maxConns
// connections. A SQLite file is checked and kept private as
// [sqlstore.OpenSQLite] does: an empty file or one that is not ours is
// refused with a message saying how to recover, and so is a file or
// directory that is not writable (apperr.EReadOnly).
func openStore(ctx context.Context, dsn string, maxConns int) (*store, error) {
	e := sqlstore.EngineOf(dsn)
	db, err := sqlstore.Open(ctx, e, dsn, "Telegram 状态库", storeTables, maxConns)
	if err != nil {
		if _, coded := errors.AsType[*apperr.Error](err); coded {
			return nil, err // its message names the database and what to do
		}
		return nil, fmt.Errorf("open telegram store: %w", err)
	}
	s := &store{db: db, eng: e, stmts: map[string]*sql.Stmt{}}
	if err := s.start(ctx); err != nil {
		s.close()
		return nil, fmt.Errorf("open telegram store: %w", err)
	}
	return s, nil
}

// start migrates the schema and prepares the hot statements.
func (s *store) start(ctx context.Context) error {
	if err := schema.Migrate(ctx, s.db, s.eng); err != nil {
		return err
	}
	for _, q := range hot {
		st, err := s.db.PrepareContext(ctx, s.eng.Bind(q))
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		s.stmts[q] = st
	}
	return nil
}

func (s *store) close() error {
	for _, st := range s.stmts {
		st.Close()
	}
	return s.db.Close()
}

// exec runs query, written with ? placeholders, in tx or, when nil, on
// the pool.
func (s *store) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := s.prepared(ctx, tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	if tx != nil {
		return tx.ExecContext(ctx, s.eng.Bind(query), args...)
	}
	return s.db.ExecContext(ctx, s.eng.Bind(query), args...)
}

// queryRow is exec for a query of one row.
func (s *store) queryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := s.prepared(ctx, tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	if tx != nil {
		return tx.QueryRowContext(ctx, s.eng.Bind(query), args...)
	}
	return s.db.QueryRowContext(ctx, s.eng.Bind(query), args...)
}

// query runs a query of rows on the pool.
func (s *store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.db.QueryContext(ctx, s.eng.Bind(query), args...)
}

// prepared returns the hot statement query, in tx when not nil; nil for a
// statement that is not hot.
func (s *store) prepared(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	st := s.stmts[query]
	if st != nil && tx != nil {
		return tx.StmtContext(ctx, st)
	}
	return st
}

// noticeKey names a notice in telegram_notice_sends: its id and a digest
// of its text, so that a ticket database rebuilt from scratch, whose ids
// start again, is not mistaken for the old one.
func noticeKey(id int64, text string) string {
	sum := sha256.Sum256([]byte(text))
	return strconv.FormatInt(id, 10) + ":" + hex.EncodeToString(sum[:8])
}

// sent reports whether notice key reached chat.
func (s *store) sent(ctx context.Context, key string, chat int64) (bool, error) {
	var n int
	err := s.queryRow(ctx, nil, "SELECT count(*) FROM telegram_notice_sends WHERE notice = ? AND chat_id = ?", key, chat).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("notice sent: %w", err)
	}
	return n > 0, nil
}

// markSent records that notice key reached chat.
func (s *store) markSent(ctx context.Context, key string, chat int64, now time.Time) error {
	_, err := s.exec(ctx, nil, "INSERT INTO telegram_notice_sends (notice, chat_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		key, chat, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("mark notice sent: %w", err)
	}
	return nil
}

// prune forgets updates, their calls and notice deliveries older than
// before, and conversations and rate counts idle since idle. Telegram keeps an undelivered
// update for 24 hours, so ids older than that cannot come back.
func (s *store) prune(ctx context.Context, before, idle time.Time) error {
	for _, p := range []struct {
		table string
		at    time.Time
	}{{"telegram_updates", before}, {"telegram_update_calls", before}, {"telegram_notice_sends", before}, {"telegram_sessions", idle}} {
		if _, err := s.exec(ctx, nil, "DELETE FROM "+p.table+" WHERE at < ?", p.at.UnixMilli()); err != nil {
			return fmt.Errorf("prune %s: %w", p.table, err)
		}
	}
	return s.pruneRate(ctx, idle)
}
