package tickets

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// Store keeps demand tickets — with their history, numbering, the
// notification outbox and the 督办 ledger — in SQLite ([Open]) or in
// PostgreSQL ([OpenPostgres]). Every state change is one transaction
// together with its history rows and the notifications it queues, and a
// change is durable when the call returns.
//
// Both databases are reached through database/sql with the same statements;
// an engine supplies what differs (see engine.go): on SQLite a group commit
// writer, read-only opening and the checks of the file (sqlite.go); on
// PostgreSQL a transaction per write and locks between replicas
// (postgres.go). Permissions, wording and deadlines are the Store's own.
type Store struct {
	eng   engine
	sql   *dialect
	dsn   string // the SQLite file, or the PostgreSQL URL (it may hold a password: never in a message)
	label string // what messages call the database: the file, or host and database name
	db    *sql.DB

	depts   departmentIndex
	extract ExtractFunc
	now     func() time.Time
	loc     *time.Location

	// Lifecycle timings.
	seriousAfter   time.Duration // past the due date: escalation level 3
	closeRated     time.Duration // a satisfied rating closes the ticket after this
	closeUnrated   time.Duration // a resolved ticket nobody rates closes after this
	maxAttempts    int           // notification delivery attempts
	maxBatch       int           // writes one SQLite group commit takes at most
	maxConns       int           // PostgreSQL connections at most
	deptsOverrides []Department
	perHour        int  // chat tickets one submitter may file per hour; 0: no cap
	readOnly       bool // opened (or asked to open) read-only: writes return apperr.EReadOnly

	stmts map[string]*sql.Stmt // prepared hot statements, by their SQL as written

	w         committer
	quit      chan struct{}
	closeOnce sync.Once
}

// Option configures a [Store].
type Option func(*Store)

// WithDepartments sets the departments (default [DefaultDepartments]).
func WithDepartments(ds []Department) Option { return func(s *Store) { s.deptsOverrides = ds } }

// WithExtractor sets how demands are routed and their fields extracted when
// [NewTicket] leaves them empty (default: a [Router] over the departments).
func WithExtractor(fn ExtractFunc) Option { return func(s *Store) { s.extract = fn } }

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithLocation sets the time zone of ticket years, dates and exports
// (default China Standard Time, UTC+8).
func WithLocation(loc *time.Location) Option { return func(s *Store) { s.loc = loc } }

// WithTicketsPerHour caps the tickets one submitter may file through chat
// in any hour at n (0, the default: no cap). Demands staff enter for
// others (ChannelPhone) are not capped. See [Store.CreateTicket].
func WithTicketsPerHour(n int) Option { return func(s *Store) { s.perHour = max(n, 0) } }

// WithReadOnly opens the database read-only even when it could be written:
// reads work, and every write returns apperr.EReadOnly. [Store.Open] also opens
// a SQLite file read-only by itself when it or its directory is not writable.
func WithReadOnly() Option { return func(s *Store) { s.readOnly = true } }

// WithMaxConns sets how many connections a PostgreSQL store opens at most
// (default 32); writes beyond it wait for a connection. SQLite ignores it.
func WithMaxConns(n int) Option {
	return func(s *Store) {
		if n > 0 {
			s.maxConns = n
		}
	}
}

// DefaultLocation is China Standard Time. It does not need tzdata.
var DefaultLocation = time.FixedZone("CST", 8*3600)

// newStore returns a store of engine eng on dsn, with the defaults and opts.
func newStore(eng engine, d *dialect, dsn, label string, opts []Option) *Store {
	s := &Store{
		eng:          eng,
		sql:          d,
		dsn:          dsn,
		label:        label,
		now:          time.Now,
		loc:          DefaultLocation,
		seriousAfter: 72 * time.Hour,
		closeRated:   72 * time.Hour,
		closeUnrated: 7 * 24 * time.Hour,
		maxAttempts:  10,
		maxBatch:     256,
		maxConns:     32,
		quit:         make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// NewStore returns a store on the SQLite file at path; call Open before use.
func NewStore(path string, opts ...Option) *Store {
	return newStore(sqliteEngine{}, sqliteDialect, path, path, opts)
}

// Open opens (creating if needed) the SQLite ticket database at path and
// migrates it. See [Store.Open].
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	s := NewStore(path, opts...)
	if err := s.Open(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// ticketTables are the tables of the ticket schema: a database file with
// tables but none of these is not a ticket store.
var ticketTables = []string{"tickets", "ticket_history", "ticket_seq", "notifications", "ticket_escalations", "ticket_attachments", "schema_migrations"}

// Open opens the database, applies pending migrations and starts
// committing writes.
//
// A SQLite file is checked first (see [sqlstore.OpenSQLite]): an empty file, or one
// that is not a ticket database, is refused with a message saying how to
// recover. When the file or its directory is not writable (or with
// [WithReadOnly]) it is opened read-only: reads work, writes return
// apperr.EReadOnly, and a database that needs a migration is refused with
// apperr.EReadOnly.
//
// A PostgreSQL database is migrated under a lock, so that replicas
// starting together apply each migration once. Its errors never hold the
// URL's password.
//
// Returns EINVALID for bad departments and for a path or URL the engine
// cannot take.
func (s *Store) Open(ctx context.Context) error {
	ds := s.deptsOverrides
	if ds == nil {
		ds = DefaultDepartments()
	}
	if err := ValidateDepartments(ds); err != nil {
		return err
	}
	s.depts = newDepartmentIndex(ds)
	if s.extract == nil {
		r, err := NewRouter(ds)
		if err != nil {
			return err
		}
		s.extract = r.ExtractContext
	}
	db, ro, err := s.eng.open(ctx, s)
	if err != nil {
		return err
	}
	s.db, s.readOnly = db, ro
	if err := s.ready(ctx); err != nil {
		db.Close()
		return err
	}
	return nil
}

// ready migrates (or, read-only, checks) the opened database, prepares the
// hot statements and starts committing writes.
func (s *Store) ready(ctx context.Context) error {
	var err error
	if s.readOnly {
		err = s.checkSchema(ctx)
	} else {
		err = s.migrate(ctx)
	}
	if err != nil {
		return err
	}
	s.stmts = map[string]*sql.Stmt{}
	for _, q := range []string{sqlNextSeq, sqlInsertTicket, sqlInsertHistory, sqlInsertNotification, sqlTicketByKey, sqlTicketByNumber} {
		st, err := s.db.PrepareContext(ctx, s.sql.bind(q))
		if err != nil {
			return fmt.Errorf("prepare statement: %w", s.eng.formatError(err))
		}
		s.stmts[q] = st
	}
	w, err := s.eng.start(ctx, s)
	if err != nil {
		return err
	}
	s.w = w
	return nil
}

// Close finishes the writes already begun and closes the database. It is
// safe to call more than once.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.quit)
		if s.w == nil {
			return
		}
		s.w.stop()
		for _, st := range s.stmts {
			st.Close()
		}
		err = s.db.Close()
	})
	return err
}

// DB returns the underlying database, for tests and maintenance.
func (s *Store) DB() *sql.DB { return s.db }

// Engine names the database the store runs on: "SQLite" or "PostgreSQL".
func (s *Store) Engine() string { return s.sql.name }

// Departments returns the store's departments.
func (s *Store) Departments() []Department { return append([]Department(nil), s.depts.list...) }

// Department returns the department with key.
func (s *Store) Department(key string) (Department, bool) { return s.depts.get(key) }

// Location returns the store's time zone.
func (s *Store) Location() *time.Location { return s.loc }

// ReadOnly reports whether the store was opened read-only: its writes
// return apperr.EReadOnly.
func (s *Store) ReadOnly() bool { return s.readOnly }

// TicketsPerHour is the cap on the chat tickets one submitter may file in
// an hour, 0 for none ([WithTicketsPerHour]).
func (s *Store) TicketsPerHour() int { return s.perHour }

// write runs fn in a write transaction and returns after it committed
// (nil) or failed; fn's effects are rolled back when it returns an error.
// On SQLite concurrent writes share a transaction (see [groupCommit]).
// Returns apperr.EReadOnly on a read-only store and [ErrClosed] after Close.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.readOnly {
		return s.eng.readOnlyError(s)
	}
	select {
	case <-s.quit:
		return ErrClosed
	default:
	}
	return s.w.commit(ctx, fn)
}

// runJob runs fn, turning a panic into an error so that one bad write cannot
// take the writer down.
func runJob(fn func(*sql.Tx) error, tx *sql.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in write: %v", r)
		}
	}()
	return fn(tx)
}

// exec runs a statement written with ? placeholders in tx.
func (s *Store) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	return tx.ExecContext(ctx, s.sql.bind(q), args...)
}

// queryRow runs a query written with ? placeholders on q.
func (s *Store) queryRow(ctx context.Context, q querier, query string, args ...any) *sql.Row {
	return q.QueryRowContext(ctx, s.sql.bind(query), args...)
}

// query runs a query written with ? placeholders on q.
func (s *Store) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	return q.QueryContext(ctx, s.sql.bind(query), args...)
}
