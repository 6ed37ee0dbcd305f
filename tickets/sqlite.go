package tickets

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"partybot/apperr"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migration/*.sql
var migrationFS embed.FS

// Store keeps tickets in SQLite (modernc.org/sqlite): WAL, synchronous=FULL
// (a commit is durable when it returns), a busy timeout, foreign keys and
// embedded migrations. Every state change is one transaction together with
// its history rows and the notifications it queues.
//
// Writes go through one writer goroutine that commits concurrent writes
// together (group commit): each write runs in its own savepoint, so one
// failing write does not undo the others, and each caller returns only after
// the shared COMMIT. Reads run concurrently on the connection pool.
type Store struct {
	path    string
	db      *sql.DB
	depts   departmentIndex
	extract ExtractFunc
	now     func() time.Time
	loc     *time.Location

	// Lifecycle timings.
	seriousAfter   time.Duration // past the due date: escalation level 3
	closeRated     time.Duration // a satisfied rating closes the ticket after this
	closeUnrated   time.Duration // a resolved ticket nobody rates closes after this
	maxAttempts    int           // notification delivery attempts
	maxBatch       int
	deptsOverrides []Department
	perHour        int  // chat tickets one submitter may file per hour; 0: no cap
	readOnly       bool // opened (or asked to open) read-only: writes return apperr.EReadOnly

	stmts map[string]*sql.Stmt // prepared hot statements, by their SQL

	writes    chan *writeJob
	quit      chan struct{}
	done      chan struct{}
	started   bool
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
// read-only by itself when the file or its directory is not writable.
func WithReadOnly() Option { return func(s *Store) { s.readOnly = true } }

// DefaultLocation is China Standard Time. It does not need tzdata.
var DefaultLocation = time.FixedZone("CST", 8*3600)

// NewStore returns a store on the SQLite file at path; call Open before use.
func NewStore(path string, opts ...Option) *Store {
	s := &Store{
		path:         path,
		now:          time.Now,
		loc:          DefaultLocation,
		seriousAfter: 72 * time.Hour,
		closeRated:   72 * time.Hour,
		closeUnrated: 7 * 24 * time.Hour,
		maxAttempts:  10,
		maxBatch:     256,
		writes:       make(chan *writeJob),
		quit:         make(chan struct{}),
		done:         make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Open opens (creating if needed) the ticket database at path and migrates it.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	s := NewStore(path, opts...)
	if err := s.Open(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// ticketTables are the tables of the ticket schema: a database file with
// tables but none of these is not a ticket store.
var ticketTables = []string{"tickets", "ticket_history", "ticket_seq", "notifications", "schema_migrations"}

// Open opens the database, applies pending migrations and starts the writer.
// The file is checked first (see [OpenSQLite]): an empty file, or one that
// is not a ticket database, is refused with a message saying how to recover.
//
// When the file or its directory is not writable (or with [WithReadOnly])
// the database is opened read-only: reads work, writes return apperr.EReadOnly,
// and a database that needs a migration is refused with apperr.EReadOnly.
//
// Returns EINVALID for bad departments and for a path SQLite cannot take.
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
	if s.path == "" || strings.ContainsAny(s.path, "?#") || s.path == ":memory:" {
		return apperr.Errorf(apperr.EInvalid, "工单数据库路径无效：%q", s.path)
	}
	db, ro, err := OpenSQLite(ctx, SQLiteFile{
		Path: s.path, Name: "工单库", Tables: ticketTables,
		Params:   "_txlock=immediate&_busy_timeout=10000&_foreign_keys=on&_journal_mode=WAL&_synchronous=FULL",
		ReadOnly: s.readOnly, AllowReadOnly: true,
	})
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	s.db, s.readOnly = db, ro
	if ro {
		err = s.checkSchema(ctx)
	} else {
		err = s.migrate(ctx)
	}
	if err != nil {
		db.Close()
		return err
	}
	s.stmts = map[string]*sql.Stmt{}
	for _, q := range []string{sqlNextSeq, sqlInsertTicket, sqlInsertHistory, sqlInsertNotification, sqlTicketByKey, sqlTicketByNumber} {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			db.Close()
			return fmt.Errorf("prepare statement: %w", err)
		}
		s.stmts[q] = st
	}
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		db.Close()
		return fmt.Errorf("check journal mode: %w", err)
	}
	// Read-only, an immutable database reports "delete": nothing is written.
	if !ro && !strings.EqualFold(mode, "wal") {
		db.Close()
		return fmt.Errorf("open ticket database: journal mode is %q, want wal", mode)
	}
	s.started = true
	go s.writer()
	return nil
}

// Close stops the writer (after the writes already queued) and closes the
// database. It is safe to call more than once.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.quit)
		if !s.started {
			return
		}
		<-s.done
		for _, st := range s.stmts {
			st.Close()
		}
		err = s.db.Close()
	})
	return err
}

// DB returns the underlying database, for tests and maintenance.
func (s *Store) DB() *sql.DB { return s.db }

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

// migrations returns the embedded migration files in order and the latest
// version among them.
func migrations() (names []string, latest int, err error) {
	names, err = fs.Glob(migrationFS, "migration/*.sql")
	if err != nil {
		return nil, 0, fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		v, err := migrationVersion(name)
		if err != nil {
			return nil, 0, err
		}
		latest = max(latest, v)
	}
	return names, latest, nil
}

func migrationVersion(name string) (int, error) {
	base := filepath.Base(name)
	v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
	if err != nil {
		return 0, fmt.Errorf("migrate: bad migration name %q", base)
	}
	return v, nil
}

// checkSchema is migrate for a read-only store: it applies nothing, and
// refuses a database that needs a migration (apperr.EReadOnly) or is newer than
// this program.
func (s *Store) checkSchema(ctx context.Context) error {
	_, latest, err := migrations()
	if err != nil {
		return err
	}
	var have int
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").Scan(&n); err != nil {
		return fmt.Errorf("check schema: %w", err)
	}
	if n > 0 {
		if err := s.db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&have); err != nil {
			return fmt.Errorf("check schema: %w", err)
		}
	}
	switch {
	case have > latest:
		return fmt.Errorf("migrate: database schema version %d is newer than this program's %d", have, latest)
	case have == 0:
		return apperr.Errorf(apperr.EReadOnly, "工单库 %s 尚未初始化，而数据目录只读，无法初始化。请在数据目录可写时运行一次 partybot（例如 partybot tickets list）。", s.path)
	case have < latest:
		return apperr.Errorf(apperr.EReadOnly, "工单库 %s 需要升级（数据结构版本 %d → %d），而数据目录只读，无法升级。请在数据目录可写时运行一次 partybot（例如 partybot tickets list）完成升级后再试。", s.path, have, latest)
	}
	return nil
}

// migrate applies the embedded migrations not yet recorded in
// schema_migrations, all in one immediate transaction, so two processes
// opening a new database do not both apply them.
func (s *Store) migrate(ctx context.Context) error {
	names, latest, err := migrations()
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var have int
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&have); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, name := range names {
		base := filepath.Base(name)
		v, err := migrationVersion(name)
		if err != nil {
			return err
		}
		if v <= have {
			continue
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("migrate %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			v, base, time.Now().UnixMilli()); err != nil {
			return fmt.Errorf("migrate %s: %w", base, err)
		}
	}
	if have > latest {
		return fmt.Errorf("migrate: database schema version %d is newer than this program's %d", have, latest)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// SchemaVersion returns the highest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}

// ---- the writer: group commit ----

type writeJob struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan error
}

// write runs fn in a transaction shared with concurrent writes and returns
// after that transaction committed (nil) or failed. fn's effects are rolled
// back when it returns an error, leaving the other writes intact. Once a
// write is queued, write waits for its outcome even if ctx ends, so that the
// caller never sees "cancelled" for a change that was in fact committed.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.readOnly {
		return apperr.Errorf(apperr.EReadOnly, "数据目录只读，无法保存更改：工单库 %s 是以只读方式打开的（该文件或其所在目录不可写），目前只能查看工单。请检查数据目录及其中文件的权限。", s.path)
	}
	j := &writeJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.writes <- j:
	case <-s.quit:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-j.done
}

func (s *Store) writer() {
	defer close(s.done)
	for {
		select {
		case j := <-s.writes:
			batch := []*writeJob{j}
		drain:
			for len(batch) < s.maxBatch {
				select {
				case j := <-s.writes:
					batch = append(batch, j)
				default:
					break drain
				}
			}
			s.commit(batch)
		case <-s.quit:
			return
		}
	}
}

// commit runs a batch of writes in one transaction, each in a savepoint.
func (s *Store) commit(batch []*writeJob) {
	errs := make([]error, len(batch))
	defer func() {
		for i, j := range batch {
			j.done <- errs[i]
		}
	}()
	failAll := func(err error) {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	live := 0
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			errs[i] = err
		} else {
			live++
		}
	}
	if live == 0 {
		return
	}
	// The batch is not tied to any one caller's context.
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		failAll(formatError(fmt.Errorf("begin: %w", err)))
		return
	}
	useSavepoints := live > 1
	ok := 0
	for i, j := range batch {
		if errs[i] != nil {
			continue
		}
		if useSavepoints {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT job"); err != nil {
				tx.Rollback()
				failAll(formatError(fmt.Errorf("savepoint: %w", err)))
				return
			}
		}
		if err := runJob(j.fn, tx); err != nil {
			errs[i] = formatError(err)
			if !useSavepoints {
				tx.Rollback()
				return
			}
			if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO job"); rerr != nil {
				tx.Rollback()
				failAll(formatError(fmt.Errorf("rollback to savepoint: %w", rerr)))
				return
			}
		} else {
			ok++
		}
		if useSavepoints {
			if _, err := tx.ExecContext(ctx, "RELEASE job"); err != nil {
				tx.Rollback()
				failAll(formatError(fmt.Errorf("release savepoint: %w", err)))
				return
			}
		}
	}
	if ok == 0 {
		tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		failAll(formatError(fmt.Errorf("commit: %w", err)))
	}
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

// formatError translates SQLite errors: a UNIQUE failure becomes
// EConflict, a busy database an EConflict asking to retry, each over the
// driver's error. Other errors pass through.
func formatError(err error) error {
	var se *sqlite.Error
	if err == nil || !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CONSTRAINT:
		if strings.Contains(se.Error(), "UNIQUE") || se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE {
			return apperr.Wrap(err, apperr.EConflict, "数据冲突，请刷新后重试")
		}
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return apperr.Wrap(err, apperr.EConflict, "系统繁忙，请稍后重试")
	}
	return err
}

// ---- tickets ----

const ticketColumns = `t.id, t.number, t.submitter_id, t.submitter_name, t.channel, t.text, t.summary, t.category,
	t.department, t.urgency, t.location, t.contact, t.confidence, t.manual_dispatch, t.status,
	t.created_at, t.respond_due, t.due_at, t.accepted_at, t.resolved_at, t.rated_at, t.closed_at, t.updated_at,
	t.reply, t.rating, t.comment, t.overdue, t.escalation, t.reopened, t.version`

type scanner interface{ Scan(dest ...any) error }

func (s *Store) scanTicket(row scanner) (*Ticket, error) {
	var t Ticket
	var created, updated int64
	var respond, due, accepted, resolved, rated, closed, rating sql.NullInt64
	if err := row.Scan(&t.ID, &t.Number, &t.SubmitterID, &t.SubmitterName, &t.Channel, &t.Text, &t.Summary, &t.Category,
		&t.Department, &t.Urgency, &t.Location, &t.Contact, &t.Confidence, &t.ManualDispatch, &t.Status,
		&created, &respond, &due, &accepted, &resolved, &rated, &closed, &updated,
		&t.Reply, &rating, &t.Comment, &t.Overdue, &t.Escalation, &t.Reopened, &t.Version); err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = s.fromMS(created), s.fromMS(updated)
	t.RespondDue, t.DueAt = s.fromNull(respond), s.fromNull(due)
	t.AcceptedAt, t.ResolvedAt, t.RatedAt, t.ClosedAt = s.fromNull(accepted), s.fromNull(resolved), s.fromNull(rated), s.fromNull(closed)
	t.Rating = int(rating.Int64)
	return &t, nil
}

func (s *Store) fromMS(ms int64) time.Time { return time.UnixMilli(ms).In(s.loc) }

func (s *Store) fromNull(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return s.fromMS(n.Int64)
}

// ms returns t as Unix milliseconds, or nil (SQL NULL) for the zero time.
func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// nowTime is the store's clock, truncated to the millisecond the database keeps.
func (s *Store) nowTime() time.Time { return s.now().Truncate(time.Millisecond).In(s.loc) }

// CreateTicket files a demand: it routes it and fills the empty fields with
// the store's extractor, allocates the number, sets the deadlines, and writes
// the ticket (dispatched), its two history rows (点单, 派单) and the
// department's notification in one transaction. It returns after the commit.
// With an IdempotencyKey already used for the same submitter and text it
// returns the existing ticket.
//
// Zero-width and bidirectional control characters are removed from the
// text and the other fields first ([CleanText]).
//
// With a cap ([WithTicketsPerHour]), a submitter who filed that many chat
// tickets in the last hour gets apperr.ETooMany, saying when they may submit
// again; the count is taken in the creating transaction. A retry with the
// same IdempotencyKey still returns the existing ticket, and demands entered
// by staff (ChannelPhone) are not capped.
//
// Returns EINVALID for empty or oversized text and unknown departments,
// apperr.EConflict when the idempotency key was used for a different demand,
// apperr.ETooMany over the cap and apperr.EReadOnly on a read-only store.
func (s *Store) CreateTicket(ctx context.Context, n NewTicket) (*Ticket, error) {
	n.clean()
	if err := n.Validate(); err != nil {
		return nil, err
	}
	n.Text = strings.TrimSpace(n.Text)
	if n.Channel == "" {
		n.Channel = ChannelChat
	}
	if n.Department == "" || n.Urgency == "" || n.Category == "" || n.Location == "" || n.Contact == "" || n.Summary == "" {
		d, err := s.extract(ctx, n.Text)
		if err != nil {
			return nil, fmt.Errorf("extract demand: %w", err)
		}
		if n.Department == "" {
			n.Department, n.Confidence, n.ManualDispatch, n.Category = d.Department, d.Confidence, d.ManualDispatch, d.Category
			if _, ok := s.depts.get(n.Department); !ok {
				n.Department, n.ManualDispatch, n.Category = FallbackDepartment, true, ""
			}
		}
		n.Urgency = cmp.Or(n.Urgency, d.Urgency, UrgencyNormal)
		n.Category = cmp.Or(n.Category, d.Category)
		n.Location = cmp.Or(n.Location, d.Location)
		n.Contact = cmp.Or(n.Contact, d.Contact)
		n.Summary = cmp.Or(n.Summary, d.Summary)
	}
	dept, err := s.depts.mustGet(n.Department)
	if err != nil {
		return nil, err
	}
	actor := cmp.Or(n.Actor, n.SubmitterID)

	var out *Ticket
	err = s.write(ctx, func(tx *sql.Tx) error {
		if n.IdempotencyKey != "" {
			t, err := s.ticketByKey(ctx, tx, n.IdempotencyKey)
			switch {
			case err == nil && t.SubmitterID == n.SubmitterID && t.Text == n.Text:
				out = t
				return nil
			case err == nil:
				return apperr.Errorf(apperr.EConflict, "该幂等键已用于另一条诉求")
			case apperr.Code(err) != apperr.ENotFound:
				return err
			}
		}
		now := s.nowTime()
		if n.Channel == ChannelChat {
			if err := s.checkRate(ctx, tx, n.SubmitterID, now); err != nil {
				return err
			}
		}
		year := now.Year()
		var seq int
		if err := s.txStmt(ctx, tx, sqlNextSeq).QueryRowContext(ctx, year).Scan(&seq); err != nil {
			return fmt.Errorf("allocate number: %w", err)
		}
		respond, resolve := dept.Deadlines(n.Urgency)
		t := &Ticket{
			Number: FormatNumber(year, seq), SubmitterID: n.SubmitterID, SubmitterName: n.SubmitterName,
			Channel: n.Channel, Text: n.Text, Summary: n.Summary, Category: n.Category, Department: dept.Key,
			Urgency: n.Urgency, Location: n.Location, Contact: n.Contact, Confidence: n.Confidence,
			ManualDispatch: n.ManualDispatch, Status: StatusDispatched, CreatedAt: now, UpdatedAt: now,
			RespondDue: now.Add(respond), DueAt: now.Add(resolve), Version: 1,
		}
		var key any
		if n.IdempotencyKey != "" {
			key = n.IdempotencyKey
		}
		if err := s.txStmt(ctx, tx, sqlInsertTicket).QueryRowContext(ctx,
			t.Number, year, seq, key, t.SubmitterID, t.SubmitterName, t.Channel, t.Text, t.Summary, t.Category,
			t.Department, t.Urgency, t.Location, t.Contact, t.Confidence, t.ManualDispatch, t.Status,
			ms(now), ms(t.RespondDue), ms(t.DueAt), ms(now), t.Version).Scan(&t.ID); err != nil {
			return fmt.Errorf("insert ticket: %w", err)
		}
		note := fmt.Sprintf("派至%s（置信度 %.2f）", dept.Name, t.Confidence)
		if t.ManualDispatch {
			note = fmt.Sprintf("未能确定归属部门，转%s人工分派", dept.Name)
		}
		for _, h := range []HistoryEntry{
			{At: now, Actor: actor, Action: ActionCreate, From: "", To: StatusSubmitted, Note: "受理诉求"},
			{At: now, Actor: "system", Action: ActionDispatch, From: StatusSubmitted, To: StatusDispatched, Note: note},
		} {
			if _, err := Next(h.From, h.Action); err != nil {
				return err
			}
			if err := s.addHistory(ctx, tx, t.ID, h); err != nil {
				return err
			}
		}
		if err := s.queue(ctx, tx, t, now, s.dispatchNotice(t, dept, "")); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkRate returns apperr.ETooMany when submitter filed the capped number of chat
// tickets in the hour before now.
func (s *Store) checkRate(ctx context.Context, tx *sql.Tx, submitter string, now time.Time) error {
	if s.perHour <= 0 {
		return nil
	}
	since := now.Add(-time.Hour).UnixMilli()
	var count int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM tickets
		WHERE submitter_id = ? AND created_at > ? AND channel = 'chat'`, submitter, since).Scan(&count); err != nil {
		return fmt.Errorf("count recent tickets: %w", err)
	}
	if count < s.perHour {
		return nil
	}
	// The next one is allowed when the cap-th most recent leaves the hour.
	var oldest int64
	if err := tx.QueryRowContext(ctx, `SELECT created_at FROM tickets
		WHERE submitter_id = ? AND created_at > ? AND channel = 'chat'
		ORDER BY created_at DESC LIMIT 1 OFFSET ?`, submitter, since, s.perHour-1).Scan(&oldest); err != nil {
		return fmt.Errorf("count recent tickets: %w", err)
	}
	again := s.fromMS(oldest).Add(time.Hour)
	if t := again.Truncate(time.Minute); t.Before(again) {
		again = t.Add(time.Minute) // a minute the user can read, not before the time
	}
	return apperr.Errorf(apperr.ETooMany, "提交过于频繁：每人每小时最多提交 %d 条诉求，您在过去一小时内已提交 %d 条。请于 %s 后再提交；情况紧急的，请直接联系相关部门。",
		s.perHour, count, s.fmtTime(again))
}

// The hot statements, prepared once in Open.
const (
	sqlNextSeq = `INSERT INTO ticket_seq (year, last) VALUES (?, 1)
		ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last`
	sqlInsertTicket = `INSERT INTO tickets (number, year, seq, idempotency_key, submitter_id,
		submitter_name, channel, text, summary, category, department, urgency, location, contact, confidence,
		manual_dispatch, status, created_at, respond_due, due_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	sqlInsertHistory = `INSERT INTO ticket_history (ticket_id, at, actor, action, from_status, to_status, note)
		VALUES (?, ?, ?, ?, ?, ?, ?)`
	sqlInsertNotification = `INSERT INTO notifications (ticket_id, kind, recipient_kind, recipient, department,
		text, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	sqlTicketByKey    = "SELECT " + ticketColumns + " FROM tickets t WHERE t.idempotency_key = ?"
	sqlTicketByNumber = "SELECT " + ticketColumns + " FROM tickets t WHERE t.number = ?"
)

// txStmt returns the prepared statement q bound to tx.
func (s *Store) txStmt(ctx context.Context, tx *sql.Tx, q string) *sql.Stmt {
	return tx.StmtContext(ctx, s.stmts[q])
}

func (s *Store) ticketByKey(ctx context.Context, tx *sql.Tx, key string) (*Ticket, error) {
	t, err := s.scanTicket(s.txStmt(ctx, tx, sqlTicketByKey).QueryRowContext(ctx, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.Errorf(apperr.ENotFound, "工单不存在")
	}
	return t, err
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// ticketByNumber reads a ticket in tx, or outside any transaction when tx is nil.
func (s *Store) ticketByNumber(ctx context.Context, tx *sql.Tx, number string) (*Ticket, error) {
	st := s.stmts[sqlTicketByNumber]
	if tx != nil {
		st = tx.StmtContext(ctx, st)
	}
	t, err := s.scanTicket(st.QueryRowContext(ctx, number))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.Errorf(apperr.ENotFound, "工单 %s 不存在", number)
	}
	if err != nil {
		return nil, fmt.Errorf("find ticket: %w", err)
	}
	return t, nil
}

func (s *Store) addHistory(ctx context.Context, tx *sql.Tx, ticketID int64, h HistoryEntry) error {
	if _, err := s.txStmt(ctx, tx, sqlInsertHistory).ExecContext(ctx, ticketID, h.At.UnixMilli(), h.Actor, h.Action, h.From, h.To, h.Note); err != nil {
		return fmt.Errorf("insert history: %w", err)
	}
	return nil
}

func (s *Store) history(ctx context.Context, q querier, ticketID int64) ([]HistoryEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, at, actor, action, from_status, to_status, note
		FROM ticket_history WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer rows.Close()
	var hs []HistoryEntry
	for rows.Next() {
		var h HistoryEntry
		var at int64
		if err := rows.Scan(&h.ID, &at, &h.Actor, &h.Action, &h.From, &h.To, &h.Note); err != nil {
			return nil, fmt.Errorf("read history: %w", err)
		}
		h.At = s.fromMS(at)
		hs = append(hs, h)
	}
	return hs, rows.Err()
}

// normalizeNumber parses and re-formats a ticket number.
func normalizeNumber(number string) (string, error) {
	y, n, err := ParseNumber(number)
	if err != nil {
		return "", err
	}
	return FormatNumber(y, n), nil
}

// FindTicketByNumber returns the ticket with its history.
//
// Returns EINVALID for a malformed number, apperr.ENotFound when no ticket has it,
// and apperr.EForbidden ("无权查看该工单", nothing of the content) when v may not see
// it. Telling "not found" from "forbidden" reveals only that the number was
// issued; numbers are sequential, so that is no secret worth hiding, while a
// clear "无权查看" spares staff the confusion of a ticket that "does not exist".
func (s *Store) FindTicketByNumber(ctx context.Context, v Viewer, number string) (*Ticket, error) {
	num, err := normalizeNumber(number)
	if err != nil {
		return nil, err
	}
	t, err := s.ticketByNumber(ctx, nil, num)
	if err != nil {
		return nil, err
	}
	if !v.CanView(t) {
		return nil, errForbiddenView
	}
	if t.History, err = s.history(ctx, s.db, t.ID); err != nil {
		return nil, err
	}
	return t, nil
}

var errForbiddenView = apperr.Errorf(apperr.EForbidden, "无权查看该工单")

// FindTickets returns the tickets v may see that match f, newest first.
// Returns EINVALID for an unknown status or department, a negative limit or
// offset, or dates out of range.
func (s *Store) FindTickets(ctx context.Context, v Viewer, f TicketFilter) ([]*Ticket, error) {
	where, args, err := s.filterSQL(v, f)
	if err != nil {
		return nil, err
	}
	q := "SELECT " + ticketColumns + " FROM tickets t WHERE " + where + " ORDER BY t.created_at DESC, t.id DESC"
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit)
	} else if f.Offset > 0 {
		q += " LIMIT -1"
	}
	if f.Offset > 0 {
		q += " OFFSET " + strconv.Itoa(f.Offset)
	}
	ts, err := s.scanTickets(ctx, s.db, q, args...)
	if err != nil {
		return nil, fmt.Errorf("find tickets: %w", err)
	}
	return ts, nil
}

// visibility returns the SQL condition for the tickets v may see.
func visibility(v Viewer) (string, []any) {
	if v.Admin {
		return "1", nil
	}
	var conds []string
	var args []any
	if v.UserID != "" {
		conds = append(conds, "t.submitter_id = ?")
		args = append(args, v.UserID)
	}
	if len(v.Departments) > 0 {
		conds = append(conds, "t.department IN ("+placeholders(len(v.Departments))+")")
		for _, d := range v.Departments {
			args = append(args, d)
		}
	}
	if len(conds) == 0 {
		return "0", nil
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func (s *Store) filterSQL(v Viewer, f TicketFilter) (string, []any, error) {
	if f.Limit < 0 || f.Offset < 0 {
		return "", nil, apperr.Errorf(apperr.EInvalid, "分页参数不能为负数")
	}
	where, args := visibility(v)
	conds := []string{where}
	if f.Status != nil {
		if _, err := ParseStatus(string(*f.Status)); err != nil {
			return "", nil, err
		}
		conds, args = append(conds, "t.status = ?"), append(args, string(*f.Status))
	}
	if f.Department != nil {
		if _, err := s.depts.mustGet(*f.Department); err != nil {
			return "", nil, err
		}
		conds, args = append(conds, "t.department = ?"), append(args, *f.Department)
	}
	if f.SubmitterID != nil {
		conds, args = append(conds, "t.submitter_id = ?"), append(args, *f.SubmitterID)
	}
	if f.Overdue != nil {
		conds, args = append(conds, "t.overdue = ?"), append(args, *f.Overdue)
	}
	if f.Open != nil {
		c := "t.status IN ('submitted', 'dispatched', 'accepted')"
		if !*f.Open {
			c = "t.status NOT IN ('submitted', 'dispatched', 'accepted')"
		}
		conds = append(conds, c)
	}
	if f.From != nil {
		if err := checkDate(*f.From); err != nil {
			return "", nil, err
		}
		conds, args = append(conds, "t.created_at >= ?"), append(args, f.From.UnixMilli())
	}
	if f.To != nil {
		if err := checkDate(*f.To); err != nil {
			return "", nil, err
		}
		conds, args = append(conds, "t.created_at < ?"), append(args, f.To.UnixMilli())
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return "", nil, apperr.Errorf(apperr.EInvalid, "开始日期应早于结束日期")
	}
	return strings.Join(conds, " AND "), args, nil
}

// checkDate rejects dates outside 2000–2100: typos, not history.
func checkDate(t time.Time) error {
	if t.IsZero() || t.Year() < 2000 || t.Year() > 2100 {
		return apperr.Errorf(apperr.EInvalid, "日期超出范围（应在 2000 年至 2100 年之间）")
	}
	return nil
}

// ---- transitions ----

// step is one move of the state machine applied to a loaded ticket.
type step struct {
	action Action
	note   string
	apply  func(t *Ticket, now time.Time) // sets the fields the move changes
	notify func(t *Ticket, now time.Time) []Notification
}

// change loads the ticket with number, checks that v may see it and that
// allow permits v to act, then applies the steps (each checked against the
// state machine and recorded in the history), writes the ticket with a
// conditional UPDATE (same status and version as loaded: a concurrent change
// makes it fail with apperr.EConflict) and queues the steps' notifications, all in
// one transaction.
func (s *Store) change(ctx context.Context, v Viewer, number string, allow func(t *Ticket) error, steps ...step) (*Ticket, error) {
	num, err := normalizeNumber(number)
	if err != nil {
		return nil, err
	}
	var out *Ticket
	err = s.write(ctx, func(tx *sql.Tx) error {
		t, err := s.ticketByNumber(ctx, tx, num)
		if err != nil {
			return err
		}
		if !v.CanView(t) {
			return errForbiddenView
		}
		if err := allow(t); err != nil {
			return err
		}
		now := s.nowTime()
		from, version := t.Status, t.Version
		var notes []Notification
		for _, st := range steps {
			to, err := Next(t.Status, st.action)
			if err != nil {
				return err
			}
			prev := t.Status
			st.apply(t, now)
			t.Status = to
			if err := s.addHistory(ctx, tx, t.ID, HistoryEntry{At: now, Actor: v.actor(), Action: st.action, From: prev, To: to, Note: st.note}); err != nil {
				return err
			}
			if st.notify != nil {
				notes = append(notes, st.notify(t, now)...)
			}
		}
		t.UpdatedAt, t.Version = now, version+1
		if err := s.updateTicket(ctx, tx, t, from, version); err != nil {
			return err
		}
		if err := s.queue(ctx, tx, t, now, notes...); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// updateTicket writes t's mutable fields if the row still has status from
// and version; otherwise someone else changed it first: apperr.EConflict.
func (s *Store) updateTicket(ctx context.Context, tx *sql.Tx, t *Ticket, from Status, version int) error {
	var rating any
	if t.Rating > 0 {
		rating = t.Rating
	}
	res, err := tx.ExecContext(ctx, `UPDATE tickets SET department = ?, category = ?, manual_dispatch = ?, status = ?,
		respond_due = ?, due_at = ?, accepted_at = ?, resolved_at = ?, rated_at = ?, closed_at = ?, updated_at = ?,
		reply = ?, rating = ?, comment = ?, overdue = ?, escalation = ?, reopened = ?, version = ?
		WHERE id = ? AND status = ? AND version = ?`,
		t.Department, t.Category, t.ManualDispatch, t.Status, ms(t.RespondDue), ms(t.DueAt), ms(t.AcceptedAt),
		ms(t.ResolvedAt), ms(t.RatedAt), ms(t.ClosedAt), ms(t.UpdatedAt), t.Reply, rating, t.Comment, t.Overdue,
		t.Escalation, t.Reopened, t.Version, t.ID, from, version)
	if err != nil {
		return fmt.Errorf("update ticket: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update ticket: %w", err)
	} else if n != 1 {
		return apperr.Errorf(apperr.EConflict, "工单已被他人更新，请刷新后重试")
	}
	return nil
}

// checkNote trims and cleans ([CleanText]) a reason, reply or comment and
// checks it is there when required and not too long.
func checkNote(what, note string, required bool) (string, error) {
	note = strings.TrimSpace(note)
	switch {
	case !utf8.ValidString(note):
		return "", apperr.Errorf(apperr.EInvalid, "%s含有无效字符", what)
	case hasHidden(note):
		return checkNote(what, CleanText(note), required)
	case required && note == "":
		return "", apperr.Errorf(apperr.EInvalid, "必须填写%s", what)
	case utf8.RuneCountInString(note) > MaxNoteRunes:
		return "", apperr.Errorf(apperr.EInvalid, "%s过长（不超过 %d 字）", what, MaxNoteRunes)
	}
	return note, nil
}

func canHandle(v Viewer, verb string) func(t *Ticket) error {
	return func(t *Ticket) error {
		if !v.CanHandle(t) {
			return apperr.Errorf(apperr.EForbidden, "无权%s该工单：只有承办部门工作人员或管理员可以%s", verb, verb)
		}
		return nil
	}
}

// Accept records that the ticket's department took it on (接单).
// Returns apperr.ENotFound, apperr.EForbidden unless v is the department's staff or an
// admin, and apperr.EConflict unless the ticket is dispatched (e.g. when another
// staff member accepted it first).
func (s *Store) Accept(ctx context.Context, v Viewer, number, note string) (*Ticket, error) {
	note, err := checkNote("备注", note, false)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, v, number, canHandle(v, "接单"), step{
		action: ActionAccept, note: note,
		apply: func(t *Ticket, now time.Time) { t.AcceptedAt = now },
		notify: func(t *Ticket, now time.Time) []Notification {
			return s.userNotice(t, "accepted", fmt.Sprintf("您的诉求 %s 已由%s接单，将于 %s 前办结。",
				t.Number, s.depts.name(t.Department), s.fmtTime(t.DueAt)))
		},
	})
}

// Transfer sends the ticket to another department (转派) with a reason; the
// new department gets fresh deadlines from now, and any overdue flag is
// cleared. Returns EINVALID without a reason, for an unknown department or
// the current one; apperr.EForbidden unless v handles the ticket; apperr.EConflict unless
// it is dispatched or accepted.
func (s *Store) Transfer(ctx context.Context, v Viewer, number, to, reason string) (*Ticket, error) {
	reason, err := checkNote("转派理由", reason, true)
	if err != nil {
		return nil, err
	}
	dept, err := s.depts.mustGet(to)
	if err != nil {
		return nil, err
	}
	var fromName string
	return s.change(ctx, v, number, func(t *Ticket) error {
		if err := canHandle(v, "转派")(t); err != nil {
			return err
		}
		if t.Department == to && t.Status.Open() {
			return apperr.Errorf(apperr.EInvalid, "工单已在%s，无需转派", dept.Name)
		}
		fromName = s.depts.name(t.Department)
		return nil
	}, step{
		action: ActionTransfer, note: "转派至" + dept.Name + "：" + reason,
		apply: func(t *Ticket, now time.Time) {
			respond, resolve := dept.Deadlines(t.Urgency)
			t.Department, t.ManualDispatch, t.Category = dept.Key, false, ""
			t.AcceptedAt, t.RespondDue, t.DueAt = time.Time{}, now.Add(respond), now.Add(resolve)
			t.Overdue, t.Escalation = false, 0
		},
		notify: func(t *Ticket, now time.Time) []Notification {
			return []Notification{s.dispatchNotice(t, dept, fmt.Sprintf("由%s转派，理由：%s", fromName, reason))}
		},
	})
}

// Resolve records the department's answer (办结) and asks the submitter to
// rate it. Returns EINVALID without a reply, apperr.EForbidden unless v handles the
// ticket, apperr.EConflict unless it is accepted.
func (s *Store) Resolve(ctx context.Context, v Viewer, number, reply string) (*Ticket, error) {
	reply, err := checkNote("办理答复", reply, true)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, v, number, canHandle(v, "办结"), step{
		action: ActionResolve, note: reply,
		apply: func(t *Ticket, now time.Time) { t.ResolvedAt, t.Reply = now, reply },
		notify: func(t *Ticket, now time.Time) []Notification {
			return s.userNotice(t, "resolved", fmt.Sprintf("您的诉求 %s 已办结。\n答复：%s\n请对办理结果评分（1–5 分）。", t.Number, reply))
		},
	})
}

// Rate records the submitter's rating (评单) of 1–5 and a comment. A rating
// of 1 or 2 reopens the ticket (重办): it goes back to its department,
// dispatched, with fresh deadlines.
//
// The rating is the submitter's: only they may rate a chat ticket, not an
// administrator, nor the department whose work is rated. A demand that came
// by phone has no chat user behind it; an administrator records the rating
// the citizen gave on a return call, and the history says it was on the
// submitter's behalf.
//
// Returns EINVALID for a rating outside 1–5, apperr.EForbidden when v may not
// rate the ticket, apperr.EConflict unless it is resolved (including a second
// rating).
func (s *Store) Rate(ctx context.Context, v Viewer, number string, rating int, comment string) (*Ticket, error) {
	if rating < 1 || rating > 5 {
		return nil, apperr.Errorf(apperr.EInvalid, "评分应为 1 到 5 分")
	}
	comment, err := checkNote("评价", comment, false)
	if err != nil {
		return nil, err
	}
	note := fmt.Sprintf("%d 分 %s", rating, comment)
	steps := []step{{
		action: ActionRate, note: note,
		apply: func(t *Ticket, now time.Time) { t.Rating, t.Comment, t.RatedAt = rating, comment, now },
	}}
	allow := func(t *Ticket) error {
		switch {
		case v.owns(t):
			steps[0].note = note
		case v.Admin && t.Channel == ChannelPhone:
			steps[0].note = "代" + cmp.Or(t.SubmitterName, t.SubmitterID) + "评价（电话回访）：" + note
		default:
			return apperr.Errorf(apperr.EForbidden, "无权评价该工单：只有提交人可以评价")
		}
		return nil
	}
	if rating <= 2 {
		steps = append(steps, step{
			action: ActionReopen, note: "评价不满意，重新办理",
			apply: func(t *Ticket, now time.Time) {
				d, _ := s.depts.get(t.Department)
				respond, resolve := d.Deadlines(t.Urgency)
				if d.Key == "" { // the department is no longer configured
					respond, resolve = 24*time.Hour, 5*24*time.Hour
				}
				t.Reopened++
				t.AcceptedAt, t.ResolvedAt = time.Time{}, time.Time{}
				t.RespondDue, t.DueAt = now.Add(respond), now.Add(resolve)
				t.Overdue, t.Escalation = false, 0
			},
			notify: func(t *Ticket, now time.Time) []Notification {
				return []Notification{s.deptNotice(t, "reopened", fmt.Sprintf("【重办】工单 %s 评价不满意（%d 分）：%s\n评价：%s\n请于 %s 前重新接单，%s 前办结。",
					t.Number, rating, t.Summary, cmp.Or(comment, "无"), s.fmtTime(t.RespondDue), s.fmtTime(t.DueAt)))}
			},
		})
	} else {
		steps[0].notify = func(t *Ticket, now time.Time) []Notification {
			return []Notification{s.deptNotice(t, "rated", fmt.Sprintf("工单 %s 已评价：%d 分。%s", t.Number, rating, comment))}
		}
	}
	// change runs allow before the steps: steps[0].note is set by then.
	return s.change(ctx, v, number, allow, steps...)
}

// CloseTicket closes a resolved or rated ticket (销号). Returns apperr.EForbidden unless v
// is an admin, the department's staff or the submitter; apperr.EConflict in any
// other state.
func (s *Store) CloseTicket(ctx context.Context, v Viewer, number, note string) (*Ticket, error) {
	note, err := checkNote("备注", note, false)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, v, number, func(t *Ticket) error {
		if !v.CanHandle(t) && !v.owns(t) {
			return apperr.Errorf(apperr.EForbidden, "无权销号该工单")
		}
		return nil
	}, step{action: ActionClose, note: note, apply: func(t *Ticket, now time.Time) { t.ClosedAt = now }})
}

// ---- notifications ----

func (s *Store) fmtTime(t time.Time) string { return t.In(s.loc).Format("2006-01-02 15:04") }

func (s *Store) dispatchNotice(t *Ticket, d Department, extra string) Notification {
	head := "【新工单】"
	if t.ManualDispatch {
		head = "【待人工分派】系统未能确定归属部门，请核实后接单或转派。\n"
	}
	text := fmt.Sprintf("%s%s（%s，%s）\n诉求：%s", head, t.Number, t.Urgency.Label(), cmp.Or(t.Category, "未分类"), t.Summary)
	if t.Location != "" {
		text += "\n地点：" + t.Location
	}
	if extra != "" {
		text += "\n" + extra
	}
	text += fmt.Sprintf("\n请于 %s 前接单，%s 前办结。", s.fmtTime(t.RespondDue), s.fmtTime(t.DueAt))
	return Notification{Kind: "dispatched", RecipientKind: RecipientDepartment, Recipient: d.Key, Text: text}
}

func (s *Store) deptNotice(t *Ticket, kind, text string) Notification {
	return Notification{Kind: kind, RecipientKind: RecipientDepartment, Recipient: t.Department, Text: text}
}

// userNotice tells the submitter, when the demand came through chat.
func (s *Store) userNotice(t *Ticket, kind, text string) []Notification {
	if t.Channel != ChannelChat {
		return nil
	}
	return []Notification{{Kind: kind, RecipientKind: RecipientUser, Recipient: t.SubmitterID, Text: text}}
}

// queue adds notifications to the outbox. Their text shows any hidden
// character of an old ticket's fields ([ShowHidden]).
func (s *Store) queue(ctx context.Context, tx *sql.Tx, t *Ticket, now time.Time, ns ...Notification) error {
	for _, n := range ns {
		if _, err := s.txStmt(ctx, tx, sqlInsertNotification).ExecContext(ctx, t.ID, n.Kind, n.RecipientKind, n.Recipient, t.Department, ShowHidden(n.Text), now.UnixMilli(), now.UnixMilli()); err != nil {
			return fmt.Errorf("queue notification: %w", err)
		}
	}
	return nil
}

// PendingNotifications returns up to limit undelivered notifications whose
// next attempt is due, oldest first. Notifications that failed
// [Store.MaxAttempts] times are no longer returned.
func (s *Store) PendingNotifications(ctx context.Context, limit int) ([]Notification, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, `SELECT n.id, n.ticket_id, t.number, n.kind, n.recipient_kind, n.recipient,
		n.department, n.text, n.attempts, n.next_attempt_at, n.created_at, n.last_error
		FROM notifications n JOIN tickets t ON t.id = n.ticket_id
		WHERE n.delivered_at IS NULL AND n.next_attempt_at <= ? AND n.attempts < ?
		ORDER BY n.next_attempt_at, n.id LIMIT ?`, s.nowTime().UnixMilli(), s.maxAttempts, limit)
	if err != nil {
		return nil, fmt.Errorf("pending notifications: %w", err)
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var n Notification
		var next, created int64
		if err := rows.Scan(&n.ID, &n.TicketID, &n.Number, &n.Kind, &n.RecipientKind, &n.Recipient, &n.Department,
			&n.Text, &n.Attempts, &next, &created, &n.LastError); err != nil {
			return nil, fmt.Errorf("pending notifications: %w", err)
		}
		n.NextAttemptAt, n.CreatedAt = s.fromMS(next), s.fromMS(created)
		out = append(out, n)
	}
	return out, rows.Err()
}

// MaxAttempts is how many times a notification is tried before it is given up.
func (s *Store) MaxAttempts() int { return s.maxAttempts }

// MarkDelivered records that notification id was delivered. Marking it
// twice is not an error. Returns apperr.ENotFound for an unknown id.
func (s *Store) MarkDelivered(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE notifications SET delivered_at = coalesce(delivered_at, ?) WHERE id = ?",
			s.nowTime().UnixMilli(), id)
		if err != nil {
			return fmt.Errorf("mark delivered: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Errorf(apperr.ENotFound, "通知 %d 不存在", id)
		}
		return nil
	})
}

// MarkFailed records a failed delivery of notification id: the attempt count
// goes up and the next attempt is delayed with exponential backoff (30 s,
// 1 min, 2 min … at most 1 h). Returns apperr.ENotFound for an unknown id.
func (s *Store) MarkFailed(ctx context.Context, id int64, cause error) error {
	msg := "unknown error"
	if cause != nil {
		msg = cause.Error()
	}
	if rs := []rune(msg); len(rs) > 500 {
		msg = string(rs[:500])
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var attempts int
		err := tx.QueryRowContext(ctx, "SELECT attempts FROM notifications WHERE id = ? AND delivered_at IS NULL", id).Scan(&attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Errorf(apperr.ENotFound, "通知 %d 不存在或已送达", id)
		} else if err != nil {
			return fmt.Errorf("mark failed: %w", err)
		}
		attempts++
		next := s.nowTime().Add(Backoff(attempts))
		if _, err := tx.ExecContext(ctx, "UPDATE notifications SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
			attempts, next.UnixMilli(), msg, id); err != nil {
			return fmt.Errorf("mark failed: %w", err)
		}
		return nil
	})
}

// Backoff is the delay before the next delivery attempt after the given
// number of failed attempts: 30 s doubling up to 1 h.
func Backoff(attempts int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// ---- sweep (督办) ----

// SweepResult counts what a sweep did.
type SweepResult struct {
	Escalated int `json:"escalated"` // tickets whose escalation level went up
	Closed    int `json:"closed"`    // resolved or rated tickets closed automatically
	Queued    int `json:"queued"`    // reminders queued
}

// EscalationLevel returns the escalation level an open ticket deserves at
// now: 1 when it was not accepted by its response deadline, 2 when it is past
// its due date, 3 when it is more than 72 hours past it. It depends only on
// the stored deadlines, so a sweep after a restart agrees with one before.
func (s *Store) EscalationLevel(t *Ticket, now time.Time) int {
	if !t.Status.Open() {
		return 0
	}
	switch {
	case !t.DueAt.IsZero() && !now.Before(t.DueAt.Add(s.seriousAfter)):
		return 3
	case !t.DueAt.IsZero() && !now.Before(t.DueAt):
		return 2
	case t.Status == StatusDispatched && !t.RespondDue.IsZero() && !now.Before(t.RespondDue):
		return 1
	}
	return 0
}

// Sweep is the periodic 督办 pass at time now: it flags open tickets past a
// deadline as overdue and raises their escalation level, queueing a reminder
// to the department (and to the administrators from level 2) for each level
// reached; and it closes tickets rated 3–5 more than 72 hours ago and
// resolved tickets left unrated for 7 days. All of it is one transaction and
// depends only on the database, so it is idempotent and correct across
// restarts: a second sweep at the same time does nothing.
// Returns EINVALID when now is out of range.
func (s *Store) Sweep(ctx context.Context, now time.Time) (SweepResult, error) {
	if err := checkDate(now); err != nil {
		return SweepResult{}, err
	}
	now = now.Truncate(time.Millisecond).In(s.loc)
	var res SweepResult
	err := s.write(ctx, func(tx *sql.Tx) error {
		res = SweepResult{}
		n := now.UnixMilli()
		late, err := s.scanTickets(ctx, tx, `SELECT `+ticketColumns+` FROM tickets t
			WHERE t.status IN ('submitted', 'dispatched', 'accepted')
			AND (t.due_at <= ? OR (t.status = 'dispatched' AND t.respond_due <= ?)) AND t.escalation < 3`, n, n)
		if err != nil {
			return err
		}
		for _, t := range late {
			level := s.EscalationLevel(t, now)
			if level <= t.Escalation {
				continue
			}
			version := t.Version
			t.Overdue, t.Escalation, t.UpdatedAt, t.Version = true, level, now, version+1
			if err := s.updateTicket(ctx, tx, t, t.Status, version); err != nil {
				return err
			}
			var what string
			switch level {
			case 1:
				what = fmt.Sprintf("超过响应期限（%s）未接单", s.fmtTime(t.RespondDue))
			case 2:
				what = fmt.Sprintf("超过办结期限（%s）未办结", s.fmtTime(t.DueAt))
			default:
				what = fmt.Sprintf("超过办结期限（%s）%d 小时仍未办结，挂牌督办", s.fmtTime(t.DueAt), int(s.seriousAfter.Hours()))
			}
			note := fmt.Sprintf("%d 级督办：%s", level, what)
			if err := s.addHistory(ctx, tx, t.ID, HistoryEntry{At: now, Actor: "system", Action: ActionEscalate, From: t.Status, To: t.Status, Note: note}); err != nil {
				return err
			}
			text := fmt.Sprintf("【督办】工单 %s %s。\n诉求：%s\n承办：%s", t.Number, what, t.Summary, s.depts.name(t.Department))
			ns := []Notification{s.deptNotice(t, "escalated", text)}
			if level >= 2 {
				ns = append(ns, Notification{Kind: "escalated", RecipientKind: RecipientAdmins, Text: text})
			}
			if err := s.queue(ctx, tx, t, now, ns...); err != nil {
				return err
			}
			res.Escalated++
			res.Queued += len(ns)
		}
		done, err := s.scanTickets(ctx, tx, `SELECT `+ticketColumns+` FROM tickets t
			WHERE (t.status = 'rated' AND t.rated_at <= ?) OR (t.status = 'resolved' AND t.resolved_at <= ?)`,
			now.Add(-s.closeRated).UnixMilli(), now.Add(-s.closeUnrated).UnixMilli())
		if err != nil {
			return err
		}
		for _, t := range done {
			note := "评价后自动销号"
			if t.Status == StatusResolved {
				note = "逾期未评价，自动销号"
			}
			from, version := t.Status, t.Version
			to, err := Next(from, ActionClose)
			if err != nil {
				return err
			}
			t.Status, t.ClosedAt, t.UpdatedAt, t.Version = to, now, now, version+1
			if err := s.updateTicket(ctx, tx, t, from, version); err != nil {
				return err
			}
			if err := s.addHistory(ctx, tx, t.ID, HistoryEntry{At: now, Actor: "system", Action: ActionClose, From: from, To: to, Note: note}); err != nil {
				return err
			}
			res.Closed++
		}
		return nil
	})
	return res, err
}

func (s *Store) scanTickets(ctx context.Context, q querier, query string, args ...any) ([]*Ticket, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query tickets: %w", err)
	}
	defer rows.Close()
	var ts []*Ticket
	for rows.Next() {
		t, err := s.scanTicket(rows)
		if err != nil {
			return nil, fmt.Errorf("query tickets: %w", err)
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}
