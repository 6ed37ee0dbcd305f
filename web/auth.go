// Package web is partybot's web console (工作台): the sign-in links,
// sessions and bearer tokens of department staff and administrators, and
// the HTTP server of the console's pages and its JSON API under /api/v1.
package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/sqlstore"
)

// Lifetimes of the secrets the store hands out.
const (
	// LinkTTL is how long a sign-in link may be redeemed (once).
	LinkTTL = 10 * time.Minute
	// SessionIdle is how long a session lives without a request.
	SessionIdle = 12 * time.Hour
)

// keepSessions is how long an ended session is kept (for who signed in
// when) before a sign-in drops it.
const keepSessions = 30 * 24 * time.Hour

// DefaultNext is where a sign-in link leads when it names no local path.
const DefaultNext = "/tickets"

// pgConns is the most connections the store holds to PostgreSQL.
const pgConns = 4

// The schema: migration/NNN_name.sql, the same SQL on both engines,
// recorded in web_migrations. See [sqlstore.Migrations].
//
//go:embed migration/*.sql
var migrationFS embed.FS

var schema = sqlstore.Migrations{Table: "web_migrations", FS: migrationFS, Dir: "migration"}

// Store keeps the console's sign-in links, sessions and bearer tokens in a
// SQLite file (web.db) or a PostgreSQL database. It keeps only SHA-256
// hashes of the secrets; the secrets themselves (32 bytes of crypto/rand)
// are shown once, to whoever asked for them.
type Store struct {
	db  *sql.DB
	eng sqlstore.Engine
	now func() time.Time
}

// Open opens (creating if needed) the web database at dsn: a file path
// for SQLite (checked and kept private as [sqlstore.OpenSQLite] does), or a
// postgres:// URL ([sqlstore.OpenPostgres]), and brings its schema up to
// date. Errors are [apperr.Error]s where the user can act on them.
func Open(ctx context.Context, dsn string) (*Store, error) {
	eng := sqlstore.EngineOf(dsn)
	db, err := sqlstore.Open(ctx, eng, dsn, "工作台登录库", []string{"web_links", "web_sessions", "web_tokens", schema.Table}, pgConns)
	if err != nil {
		if _, coded := errors.AsType[*apperr.Error](err); coded {
			return nil, err
		}
		return nil, fmt.Errorf("open web store: %w", err)
	}
	if err := schema.Migrate(ctx, db, eng); err != nil {
		db.Close()
		return nil, fmt.Errorf("open web store: %w", err)
	}
	return &Store{db: db, eng: eng, now: time.Now}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// SetNow replaces the clock, for tests.
func (s *Store) SetNow(now func() time.Time) { s.now = now }

var (
	errLink    = apperr.Errorf(apperr.EForbidden, "登录链接无效、已使用或已过期，请重新获取。")
	errSession = apperr.Errorf(apperr.EForbidden, "登录已失效，请重新获取登录链接。")
	errToken   = apperr.Errorf(apperr.EForbidden, "访问令牌无效或已撤销。")
	errNoUser  = apperr.Errorf(apperr.EInvalid, "请指定用户 id")
)

// newSecret returns a fresh secret (32 random bytes, hex) and its hash.
func newSecret() (secret, hash string) {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	secret = hex.EncodeToString(b)
	return secret, hashSecret(secret)
}

// hashSecret returns the hex SHA-256 of secret, as stored. Secrets are
// looked up by their hash, so a timing difference in the lookup says
// nothing about the secret.
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// LocalPath returns next when it is a path on this site ("/tickets/1"),
// and [DefaultNext] for anything else: empty, relative, another host
// ("//evil.example", "/\evil.example") or a URL with a scheme.
func LocalPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t\x00") {
		return DefaultNext
	}
	return next
}

// NewLink returns the secret of a new sign-in link for userID that leads
// to next (see [LocalPath]) and may be redeemed once within [LinkTTL].
// Returns EINVALID for an empty user id.
func (s *Store) NewLink(ctx context.Context, userID, next string) (string, error) {
	if userID == "" {
		return "", errNoUser
	}
	token, hash := newSecret()
	now := s.now()
	if _, err := s.db.ExecContext(ctx, s.eng.Bind(`INSERT INTO web_links (token_hash, user_id, next, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
		hash, userID, LocalPath(next), now.UnixMilli(), now.Add(LinkTTL).UnixMilli()); err != nil {
		return "", fmt.Errorf("new link: %w", err)
	}
	// Drop the links nobody can redeem any more.
	if _, err := s.db.ExecContext(ctx, s.eng.Bind(`DELETE FROM web_links WHERE expires_at < ?`), now.Add(-24*time.Hour).UnixMilli()); err != nil {
		return "", fmt.Errorf("new link: %w", err)
	}
	return token, nil
}

// Redeem uses the sign-in link token and starts a session: it returns the
// session's secret id, the link's user and where it leads. Returns
// EFORBIDDEN for a link that is unknown, used or expired.
func (s *Store) Redeem(ctx context.Context, token string) (sessionID, userID, next string, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", "", "", fmt.Errorf("redeem link: %w", err)
	}
	defer tx.Rollback()
	now := s.now().UnixMilli()
	// One UPDATE marks the link used only if it was not: of two requests
	// racing with the same link, one gets the row.
	err = tx.QueryRowContext(ctx, s.eng.Bind(`UPDATE web_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING user_id, next`),
		now, hashSecret(token), now).Scan(&userID, &next)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", "", errLink
	} else if err != nil {
		return "", "", "", fmt.Errorf("redeem link: %w", err)
	}
	sessionID, hash := newSecret()
	if _, err := tx.ExecContext(ctx, s.eng.Bind(`INSERT INTO web_sessions (id_hash, user_id, created_at, last_seen) VALUES (?, ?, ?, ?)`),
		hash, userID, now, now); err != nil {
		return "", "", "", fmt.Errorf("redeem link: %w", err)
	}
	// Drop the sessions that ended long ago.
	if _, err := tx.ExecContext(ctx, s.eng.Bind(`DELETE FROM web_sessions WHERE last_seen < ?`),
		now-keepSessions.Milliseconds()); err != nil {
		return "", "", "", fmt.Errorf("redeem link: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", "", "", fmt.Errorf("redeem link: %w", err)
	}
	return sessionID, userID, next, nil
}

// Session returns the user of the live session id and marks it seen now.
// Returns EFORBIDDEN for a session that is unknown, revoked or idle for
// longer than [SessionIdle].
func (s *Store) Session(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", errSession
	}
	now := s.now()
	var userID string
	err := s.db.QueryRowContext(ctx, s.eng.Bind(`UPDATE web_sessions SET last_seen = ? WHERE id_hash = ? AND revoked_at IS NULL AND last_seen > ? RETURNING user_id`),
		now.UnixMilli(), hashSecret(id), now.Add(-SessionIdle).UnixMilli()).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errSession
	} else if err != nil {
		return "", fmt.Errorf("find session: %w", err)
	}
	return userID, nil
}

// Logout revokes every session of userID and returns how many were live.
// Its bearer tokens stay valid: see [Store.RevokeUserTokens].
func (s *Store) Logout(ctx context.Context, userID string) (int, error) {
	if userID == "" {
		return 0, errNoUser
	}
	now := s.now()
	res, err := s.db.ExecContext(ctx, s.eng.Bind(`UPDATE web_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND last_seen > ?`),
		now.UnixMilli(), userID, now.Add(-SessionIdle).UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("logout: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("logout: %w", err)
	}
	return int(n), nil
}

// NewToken returns a new bearer token for userID, valid until revoked.
// Returns EINVALID for an empty user id.
func (s *Store) NewToken(ctx context.Context, userID string) (string, error) {
	if userID == "" {
		return "", errNoUser
	}
	token, hash := newSecret()
	if _, err := s.db.ExecContext(ctx, s.eng.Bind(`INSERT INTO web_tokens (token_hash, user_id, created_at) VALUES (?, ?, ?)`),
		hash, userID, s.now().UnixMilli()); err != nil {
		return "", fmt.Errorf("new token: %w", err)
	}
	return token, nil
}

// RevokeToken revokes the bearer token token. Returns ENOTFOUND for a
// token that is unknown or already revoked.
func (s *Store) RevokeToken(ctx context.Context, token string) error {
	res, err := s.db.ExecContext(ctx, s.eng.Bind(`UPDATE web_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL`),
		s.now().UnixMilli(), hashSecret(token))
	return sqlstore.Changed(res, err, "revoke token", apperr.Errorf(apperr.ENotFound, "没有这个有效的访问令牌"))
}

// RevokeUserTokens revokes every bearer token of userID and returns how
// many there were.
func (s *Store) RevokeUserTokens(ctx context.Context, userID string) (int, error) {
	if userID == "" {
		return 0, errNoUser
	}
	res, err := s.db.ExecContext(ctx, s.eng.Bind(`UPDATE web_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`),
		s.now().UnixMilli(), userID)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("revoke tokens: %w", err)
	}
	return int(n), nil
}

// TokenUser returns the user of the bearer token token. Returns
// EFORBIDDEN for a token that is unknown or revoked.
func (s *Store) TokenUser(ctx context.Context, token string) (string, error) {
	if token == "" {
		return "", errToken
	}
	var userID string
	err := s.db.QueryRowContext(ctx, s.eng.Bind(`SELECT user_id FROM web_tokens WHERE token_hash = ? AND revoked_at IS NULL`),
		hashSecret(token)).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errToken
	} else if err != nil {
		return "", fmt.Errorf("find token: %w", err)
	}
	return userID, nil
}
