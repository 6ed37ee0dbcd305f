// Package push tells users of the documents added to the knowledge base
// that concern them (政策精准推送): users subscribe as who they are — an
// audience of the [Vocabulary] (快递员, 外卖骑手, 社会组织 …) — and to
// topics, words matched through the glossary; a new document is judged on
// its text ([Rules]) and each subscriber it concerns gets one notice —
// title, 文号 and date, a two-sentence extract citing its passages — at
// most once, outside quiet hours and within a daily limit ([Config]).
//
// The [Store] keeps subscriptions, documents and deliveries in a SQLite
// file (push.db) in the data directory or in a PostgreSQL database that
// several replicas share, and leases due notices to whichever replica
// sends them.
package push

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"partybot/apperr"
	"partybot/sqlstore"
	"partybot/tickets"
)

// Store keeps subscriptions, pushed documents and deliveries. Every
// statement is the same on SQLite and PostgreSQL but for placeholders
// ([sqlstore.Engine.Bind]) and the locking clause of [Store.Due].
type Store struct {
	db    *sql.DB
	eng   sqlstore.Engine
	rules *Rules
	cfg   Config
	quiet QuietHours
	limit int
	loc   *time.Location
	lease time.Duration
	now   func() time.Time

	mu     sync.Mutex // guards the cached index
	idx    *Index
	idxRev int64
}

// Option is an optional setting of [Open].
type Option func(*Store)

// WithConfig sets quiet hours and the daily limit (default: [Config]'s).
func WithConfig(c Config) Option { return func(s *Store) { s.cfg = c } }

// WithRules sets the rules documents are judged by (default:
// [DefaultRules]).
func WithRules(r *Rules) Option { return func(s *Store) { s.rules = r } }

// WithLocation sets where days and quiet hours are counted (default:
// [tickets.DefaultLocation], China Standard Time).
func WithLocation(loc *time.Location) Option { return func(s *Store) { s.loc = loc } }

// WithLease sets how long [Store.Due] leases a notice (default 2 min).
func WithLease(d time.Duration) Option { return func(s *Store) { s.lease = d } }

// WithClock sets the clock of the times the store records itself
// (subscriptions, marks); default time.Now.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// maxAttempts is how many times a notice is leased before it is given up.
const maxAttempts = 5

// pgConns is the most connections a store holds to PostgreSQL.
const pgConns = 4

// tables are the store's tables, by which a SQLite file is recognised.
var tables = []string{"push_subscriptions", "push_documents", "push_deliveries", schema.Table}

// Open opens (creating if needed) the push database at dsn: a file path
// for SQLite, or a postgres:// URL ([sqlstore.OpenPostgres]; the password
// never appears in an error), and brings its schema up to date.
//
// Returns an apperr.EInvalid error for invalid options (a malformed
// quiet_hours …) or a malformed URL; a file that is not a push database,
// or not writable, is refused as [sqlstore.OpenSQLite] refuses it, and an
// unreachable PostgreSQL with apperr.EInternal naming it.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	s := &Store{loc: tickets.DefaultLocation, lease: 2 * time.Minute, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	if err := s.configure(); err != nil {
		return nil, err
	}
	s.eng = sqlstore.EngineOf(dsn)
	db, err := sqlstore.Open(ctx, s.eng, dsn, "推送库", tables, pgConns)
	if err != nil {
		if _, coded := errors.AsType[*apperr.Error](err); coded {
			return nil, err
		}
		return nil, fmt.Errorf("open push store: %w", err)
	}
	s.db = db
	if err := schema.Migrate(ctx, db, s.eng); err != nil {
		db.Close()
		return nil, fmt.Errorf("open push store: %w", err)
	}
	return s, nil
}

// configure checks the options and fills in the defaults.
func (s *Store) configure() error {
	if err := s.cfg.Validate(); err != nil {
		return apperr.Wrap(err, apperr.EInvalid, "推送设置有误：%s", err.Error())
	}
	s.quiet, _ = s.cfg.Quiet()
	s.limit = s.cfg.Limit()
	if s.lease < time.Second {
		return apperr.Errorf(apperr.EInvalid, "推送租约不能短于 1 秒")
	}
	if s.rules == nil {
		r, err := DefaultRules()
		if err != nil {
			return err
		}
		s.rules = r
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Rules returns the rules the store judges documents by.
func (s *Store) Rules() *Rules { return s.rules }

// write runs fn in a transaction, under the lock named lock ("" for none;
// see [sqlstore.Engine.Lock]), and commits; on PostgreSQL it runs again
// after losing a deadlock or a serialization conflict.
func (s *Store) write(ctx context.Context, lock string, fn func(tx *sql.Tx) error) error {
	var err error
	for range 3 {
		if err = s.try(ctx, lock, fn); !sqlstore.Retryable(err) {
			return err
		}
	}
	return err
}

func (s *Store) try(ctx context.Context, lock string, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if lock != "" {
		if err := s.eng.Lock(ctx, tx, lock); err != nil {
			return err
		}
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// fromMS is the time v Unix milliseconds name, in the store's location;
// fromNull the same of a nullable column, zero for NULL.
func (s *Store) fromMS(v int64) time.Time { return time.UnixMilli(v).In(s.loc) }

func (s *Store) fromNull(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return s.fromMS(v.Int64)
}
