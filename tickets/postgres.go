package tickets

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"partybot/apperr"
	"partybot/sqlstore"
)

// postgresEngine runs a [Store] on PostgreSQL, through pgx's database/sql
// driver (github.com/jackc/pgx/v5/stdlib), for a district that outgrows one
// machine: several replicas may share the database.
//
// Writes are committed in batches, as on SQLite ([groupCommit]), in READ
// COMMITTED transactions; reads run on the connection pool. Between
// replicas, what must not interleave is locked: the year's number row
// (ticket_seq) by the upsert that advances it, an idempotency key and a
// submitter's hourly count by transaction-level advisory locks, a ticket by
// its conditional UPDATE (and by FOR UPDATE in the sweep), the outbox rows a
// replica leases by FOR UPDATE SKIP LOCKED, the 督办 sweep by an advisory
// lock only one replica gets. A batch that loses a deadlock or a
// serialization conflict is run again. Times stay integer milliseconds
// (BIGINT), as on SQLite.
type postgresEngine struct{}

var postgresDialect = &dialect{
	name:       "PostgreSQL",
	eng:        sqlstore.Postgres,
	forUpdate:  " FOR UPDATE",
	skipLocked: " FOR UPDATE OF n SKIP LOCKED",
	limitAll:   "LIMIT ALL",
	statsFrom:  " FROM tickets",
}

// IsPostgresURL reports whether dsn names a PostgreSQL database; see
// [sqlstore.IsPostgresURL].
func IsPostgresURL(dsn string) bool { return sqlstore.IsPostgresURL(dsn) }

// NewPostgresStore returns a store on the PostgreSQL database at url
// (postgres://user:password@host:port/database?sslmode=…, or a socket
// directory as ?host=/run/postgresql); call Open before use. The password
// may also come from PGPASSWORD or ~/.pgpass. It never appears in an error.
func NewPostgresStore(url string, opts ...Option) *Store {
	return newStore(postgresEngine{}, postgresDialect, url, sqlstore.Label(url), opts)
}

// OpenPostgres opens the PostgreSQL ticket database at url and migrates
// it. See [Store.Open].
func OpenPostgres(ctx context.Context, url string, opts ...Option) (*Store, error) {
	s := NewPostgresStore(url, opts...)
	if err := s.Open(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (postgresEngine) open(ctx context.Context, s *Store) (*sql.DB, bool, error) {
	db, err := sqlstore.OpenPostgres(ctx, s.dsn, "工单库", s.maxConns)
	return db, s.readOnly, err
}

// start starts the writer: optimistic batches (see [groupCommit]), run
// again when they lose a deadlock to another replica's.
func (postgresEngine) start(_ context.Context, s *Store) (committer, error) {
	return newGroupCommit(s, postgresEngine{}, true, sqlstore.Retryable), nil
}

// pgInsertTicket returns the statement that allocates a ticket's number and
// writes the ticket, nh history rows, nn notifications and na attachments: on PostgreSQL
// every statement of a write is a round trip the batch waits for, so a
// creation is one. The number is formatted as [FormatNumber] does
// (TestPostgresNumberFormat) and put into the notifications' text in place
// of [numberMarker].
func pgInsertTicket(nh, nn, na int) string {
	key := [3]int{nh, nn, na}
	if q, ok := pgInsertCache.Load(key); ok {
		return q.(string)
	}
	rows := func(n int, row string) string {
		vs := make([]string, n)
		for i := range vs {
			vs[i] = fmt.Sprintf("(%d, %s)", i, row)
		}
		return strings.Join(vs, ", ")
	}
	q := postgresDialect.bind(`WITH seq AS (INSERT INTO ticket_seq (year, last) VALUES (?, 1)
		ON CONFLICT (year) DO UPDATE SET last = ticket_seq.last + 1 RETURNING last),
	t AS (INSERT INTO tickets (` + ticketInsertNames + `)
		SELECT lpad((?::integer)::text, 4, '0') || '-' || lpad(seq.last::text, greatest(6, length(seq.last::text)), '0'),
			?, seq.last, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
		FROM seq RETURNING id, number, seq),
	h AS (INSERT INTO ticket_history (ticket_id, at, actor, via, action, from_status, to_status, note)
		SELECT t.id, h.at, h.actor, h.via, h.action, h.from_status, h.to_status, h.note
		FROM t, (VALUES ` + rows(nh, "?::bigint, ?, ?, ?, ?, ?, ?") + `) AS h (i, at, actor, via, action, from_status, to_status, note)
		ORDER BY h.i),
	n AS (INSERT INTO notifications (ticket_id, kind, recipient_kind, recipient, department, text, created_at, next_attempt_at)
		SELECT t.id, n.kind, n.recipient_kind, n.recipient, n.department, replace(n.text, n.marker, t.number), n.at, n.at
		FROM t, (VALUES ` + rows(nn, "?, ?, ?, ?, ?, ?, ?::bigint") + `) AS n (i, kind, recipient_kind, recipient, department, text, marker, at)
		ORDER BY n.i)` + pgInsertAttachments(na) + `
	SELECT id, seq FROM t`)
	pgInsertCache.Store(key, q)
	return q
}

// pgInsertAttachments is the part of [pgInsertTicket] that writes na
// attachments.
func pgInsertAttachments(na int) string {
	if na == 0 {
		return ""
	}
	vs := make([]string, na)
	for i := range vs {
		vs[i] = "(?::integer, ?, ?::bigint, ?, ?)"
	}
	return `,
	a AS (INSERT INTO ticket_attachments (ticket_id, position, name, size, sha256, mime)
		SELECT t.id, a.position, a.name, a.size, a.sha256, a.mime
		FROM t, (VALUES ` + strings.Join(vs, ", ") + `) AS a (position, name, size, sha256, mime))`
}

// pgInsertCache holds the statements of pgInsertTicket by shape.
var pgInsertCache sync.Map

// numberMarker stands for a new ticket's number in the text of its
// notifications until [pgInsertTicket] knows it. Its U+2063 can be in no
// ticket field ([CleanText] removes it) and is shown as ⟨U+2063⟩ anywhere
// else ([ShowHidden]), so only the marker is replaced.
const numberMarker = "\u2063№\u2063"

// insertTicket writes r with [pgInsertTicket]: the same rows as
// [Store.insertTicketRows] writes on SQLite, with one round trip.
func (postgresEngine) insertTicket(ctx context.Context, _ *Store, tx *sql.Tx, r newTicketRows) error {
	t := r.t
	t.Number = numberMarker
	ns := r.notices()
	// The year for the sequence, the number and its column, then the
	// values after number, year and seq.
	args := append([]any{r.year, r.year, r.year}, r.values(0)[3:]...)
	for _, h := range r.history {
		args = append(args, h.At.UnixMilli(), h.Actor, string(h.Via), string(h.Action), string(h.From), string(h.To), h.Note)
	}
	for _, n := range ns {
		parts := strings.Split(n.Text, numberMarker)
		for i, p := range parts {
			parts[i] = ShowHidden(p)
		}
		args = append(args, n.Kind, n.RecipientKind, n.Recipient, t.Department, strings.Join(parts, numberMarker), numberMarker, r.now.UnixMilli())
	}
	for i, a := range t.Attachments {
		args = append(args, i+1, a.Name, a.Size, a.SHA256, a.MIME)
	}
	var seq int
	if err := tx.QueryRowContext(ctx, pgInsertTicket(len(r.history), len(ns), len(t.Attachments)), args...).Scan(&t.ID, &seq); err != nil {
		t.Number = ""
		return fmt.Errorf("insert ticket: %w", err)
	}
	t.Number = FormatNumber(r.year, seq)
	return nil
}

func (postgresEngine) readOnlyError(s *Store) error {
	return apperr.Errorf(apperr.EReadOnly, "无法保存更改：工单库 %s 是以只读方式打开的，目前只能查看工单。", s.label)
}

// formatError translates PostgreSQL errors as SQLite's are: a unique
// violation becomes EConflict, a deadlock, a serialization failure or a
// lock not available an EConflict asking to retry, each over the driver's
// error. Other errors pass through.
func (postgresEngine) formatError(err error) error {
	switch {
	case sqlstore.IsUniqueViolation(err):
		return apperr.Wrap(err, apperr.EConflict, "数据冲突，请刷新后重试")
	case sqlstore.IsBusy(err):
		return apperr.Wrap(err, apperr.EConflict, "系统繁忙，请稍后重试")
	}
	return err
}
