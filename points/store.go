package points

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"maps"
	"time"

	"partybot/apperr"
	"partybot/sqlstore"
	"partybot/tickets"
)

// The schema's migrations: migration/sqlite/ and migration/postgres/ hold
// each engine's version of a migration whose SQL differs, migration/NNN_*.sql
// (none yet) one both run. Applied versions are recorded in
// points_migrations. See [sqlstore.Migrations].
//
//go:embed migration/sqlite/*.sql migration/postgres/*.sql
var migrationFS embed.FS

var schema = sqlstore.Migrations{Table: "points_migrations", FS: migrationFS, Dir: "migration"}

// tables are the tables of the schema: a SQLite file with tables but none
// of these is not a points ledger.
var tables = []string{"points_entries", "points_rank_optin", schema.Table}

// pgConns is the most connections a store holds to PostgreSQL: awards are
// rare, and each is one short transaction.
const pgConns = 4

// KnownFunc reports whether a user exists: a submitter of tickets, staff,
// an admin. The ledger cannot know; the program that opens it can.
type KnownFunc func(ctx context.Context, userID string) (bool, error)

// Store is the points ledger on SQLite (one connection, immediate
// transactions) or PostgreSQL (a small pool; awards to one user take an
// advisory lock). Every statement is the same on both but for
// placeholders ([sqlstore.Engine.Bind]). It is safe for concurrent use.
type Store struct {
	db    *sql.DB
	eng   sqlstore.Engine
	rules Rules
	known KnownFunc
	now   func() time.Time
	loc   *time.Location
}

// Option configures a [Store].
type Option func(*Store)

// WithRules sets the rules (default [DefaultRules]); [Open] checks them
// with [Rules.Validate].
func WithRules(r Rules) Option {
	return func(s *Store) {
		s.rules = Rules{Earn: maps.Clone(r.Earn), DailyCap: r.DailyCap, MonthlyCap: r.MonthlyCap}
	}
}

// WithKnown makes [Store.Award] refuse a user known does not know, with
// apperr.ENotFound (default: any user id is taken).
func WithKnown(known KnownFunc) Option { return func(s *Store) { s.known = known } }

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithLocation sets the time zone of days and months: the caps, ranks and
// statements (default China Standard Time, [tickets.DefaultLocation]).
func WithLocation(loc *time.Location) Option { return func(s *Store) { s.loc = loc } }

// Open opens (creating if needed) the points ledger at dsn: a file path
// for SQLite, or a postgres:// URL (see [sqlstore.OpenPostgres]; the
// password never appears in an error). It brings the schema up to date.
//
// A file is checked and kept private as [sqlstore.OpenSQLite] does: an
// empty file or one that is not a points ledger is refused with a message
// (an [apperr.Error]) saying how to recover, and so is a file or directory
// that is not writable (apperr.EReadOnly). A PostgreSQL database that
// cannot be reached is refused with an apperr.EInternal naming it, a
// malformed URL with apperr.EInvalid. Rules that do not validate are
// refused with the error of [Rules.Validate].
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	s := &Store{rules: DefaultRules(), now: time.Now, loc: tickets.DefaultLocation, eng: sqlstore.EngineOf(dsn)}
	for _, o := range opts {
		o(s)
	}
	if err := s.rules.Validate(); err != nil {
		return nil, err
	}
	db, err := sqlstore.Open(ctx, s.eng, dsn, "积分库", tables, pgConns)
	if err != nil {
		if _, coded := errors.AsType[*apperr.Error](err); coded {
			return nil, err // its message names the database and what to do
		}
		return nil, fmt.Errorf("open points store: %w", err)
	}
	s.db = db
	if err := schema.Migrate(ctx, db, s.eng); err != nil {
		db.Close()
		return nil, fmt.Errorf("open points store: %w", err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Rules returns the rules the store awards by.
func (s *Store) Rules() Rules {
	r := s.rules
	r.Earn = maps.Clone(r.Earn)
	return r
}
