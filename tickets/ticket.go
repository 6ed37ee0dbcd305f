package tickets

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"partybot/apperr"
	"strconv"
	"strings"
	"time"
)

// ---- tickets ----

const ticketColumns = `t.id, t.number, t.submitter_id, t.submitter_name, t.channel, t.text, t.summary, t.category,
	t.department, t.urgency, t.location, t.contact, t.confidence, t.manual_dispatch, t.status,
	t.created_at, t.respond_due, t.due_at, t.accepted_at, t.resolved_at, t.rated_at, t.closed_at, t.updated_at,
	t.reply, t.rating, t.comment, t.overdue, t.escalation, t.reopened, t.version,
	t.kind, t.lat, t.lng, t.possible_duplicates, t.outcome, t.verified_at`

type scanner interface{ Scan(dest ...any) error }

func (s *Store) scanTicket(row scanner) (*Ticket, error) {
	var t Ticket
	var created, updated int64
	var respond, due, accepted, resolved, rated, closed, rating, verified sql.NullInt64
	var lat, lng sql.NullFloat64
	var dups string
	if err := row.Scan(&t.ID, &t.Number, &t.SubmitterID, &t.SubmitterName, &t.Channel, &t.Text, &t.Summary, &t.Category,
		&t.Department, &t.Urgency, &t.Location, &t.Contact, &t.Confidence, &t.ManualDispatch, &t.Status,
		&created, &respond, &due, &accepted, &resolved, &rated, &closed, &updated,
		&t.Reply, &rating, &t.Comment, &t.Overdue, &t.Escalation, &t.Reopened, &t.Version,
		&t.Kind, &lat, &lng, &dups, &t.Outcome, &verified); err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = s.fromMS(created), s.fromMS(updated)
	t.RespondDue, t.DueAt = s.fromNull(respond), s.fromNull(due)
	t.AcceptedAt, t.ResolvedAt, t.RatedAt, t.ClosedAt = s.fromNull(accepted), s.fromNull(resolved), s.fromNull(rated), s.fromNull(closed)
	t.VerifiedAt = s.fromNull(verified)
	t.Rating = int(rating.Int64)
	if lat.Valid && lng.Valid {
		t.Coords = &LatLng{Lat: lat.Float64, Lng: lng.Float64}
	}
	if dups != "" {
		t.Duplicates = strings.Split(dups, ",")
	}
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
	n.Kind, _ = ParseKind(string(n.Kind))
	n.Attachments, _ = cleanAttachments(n.Attachments, 0)
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

	var out *Ticket
	err = s.write(ctx, func(tx *sql.Tx) error {
		t, err := s.fileTicket(ctx, tx, n, dept)
		out = t
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// fileTicket is the transaction of [Store.CreateTicket]: the idempotency
// key and the cap checked, the number allocated, the ticket written with
// its history and the department's notification.
func (s *Store) fileTicket(ctx context.Context, tx *sql.Tx, n NewTicket, dept Department) (*Ticket, error) {
	if n.IdempotencyKey != "" {
		// Retries of one submission wait for each other (PostgreSQL:
		// concurrent transactions would otherwise both miss the key).
		if err := s.sql.eng.Lock(ctx, tx, "tickets:key:"+n.IdempotencyKey); err != nil {
			return nil, err
		}
		t, err := s.ticketByKey(ctx, tx, n.IdempotencyKey)
		switch {
		case err == nil && t.SubmitterID == n.SubmitterID && t.Text == n.Text:
			return t, s.fillAttachments(ctx, tx, t)
		case err == nil:
			return nil, apperr.Errorf(apperr.EConflict, "该幂等键已用于另一条诉求")
		case apperr.Code(err) != apperr.ENotFound:
			return nil, err
		}
	}
	now := s.nowTime()
	if n.Channel == ChannelChat {
		if err := s.checkRate(ctx, tx, n.SubmitterID, now); err != nil {
			return nil, err
		}
	}
	t := &Ticket{
		SubmitterID: n.SubmitterID, SubmitterName: n.SubmitterName, Kind: n.Kind,
		Channel: n.Channel, Text: n.Text, Summary: n.Summary, Category: n.Category, Department: dept.Key,
		Urgency: n.Urgency, Location: n.Location, Coords: n.Coords, Contact: n.Contact, Confidence: n.Confidence,
		ManualDispatch: n.ManualDispatch, Status: StatusDispatched, CreatedAt: now, UpdatedAt: now,
		Attachments: n.Attachments, Version: 1,
	}
	t.RespondDue, t.DueAt = deadlines(dept, t.Kind, t.Urgency, now)
	near, err := s.nearbyReports(ctx, tx, t)
	if err != nil {
		return nil, err
	}
	for _, d := range near {
		t.Duplicates = append(t.Duplicates, d.number)
	}
	note := fmt.Sprintf("派至%s（置信度 %.2f）", dept.Name, t.Confidence)
	if t.ManualDispatch {
		note = fmt.Sprintf("未能确定归属部门，转%s人工分派", dept.Name)
	}
	r := newTicketRows{t: t, year: now.Year(), now: now, history: []HistoryEntry{
		{At: now, Actor: cmp.Or(n.Actor, n.SubmitterID), Via: n.Via, Action: ActionCreate, From: "", To: StatusSubmitted, Note: "受理诉求"},
		{At: now, Actor: "system", Via: ViaSystem, Action: ActionDispatch, From: StatusSubmitted, To: StatusDispatched, Note: note},
	}, notices: func() []Notification { return []Notification{s.dispatchNotice(t, dept, duplicateLine(near))} }}
	for _, h := range r.history {
		if _, err := Next(h.From, h.Action); err != nil {
			return nil, err
		}
	}
	if n.IdempotencyKey != "" {
		r.key = n.IdempotencyKey
	}
	if err := s.eng.insertTicket(ctx, s, tx, r); err != nil {
		return nil, err
	}
	return t, nil
}

// newTicketRows is a new ticket with its first history rows and
// notifications, for [engine.insertTicket], which allocates the ticket's
// number in the year's sequence, sets t.Number and t.ID, and writes them.
type newTicketRows struct {
	t       *Ticket
	year    int
	key     any // the idempotency key, nil for none
	now     time.Time
	history []HistoryEntry
	// notices returns the notifications to queue, worded with t.Number.
	notices func() []Notification
}

// values are the values of [ticketInsertColumns] for sequence number seq.
func (r newTicketRows) values(seq int) []any {
	t := r.t
	var lat, lng any
	if t.Coords != nil {
		lat, lng = t.Coords.Lat, t.Coords.Lng
	}
	return []any{t.Number, r.year, seq, r.key, t.SubmitterID, t.SubmitterName, t.Channel, t.Text, t.Summary, t.Category,
		t.Department, t.Urgency, t.Location, t.Contact, t.Confidence, t.ManualDispatch, t.Status,
		ms(t.CreatedAt), ms(t.RespondDue), ms(t.DueAt), ms(t.UpdatedAt), t.Version,
		t.Kind, lat, lng, strings.Join(t.Duplicates, ",")}
}

// insertTicketRows allocates r's number and writes its ticket, history and
// notifications with one statement each: [engine.insertTicket] on SQLite.
func (s *Store) insertTicketRows(ctx context.Context, tx *sql.Tx, r newTicketRows) error {
	var seq int
	if err := s.txStmt(ctx, tx, sqlNextSeq).QueryRowContext(ctx, r.year).Scan(&seq); err != nil {
		return fmt.Errorf("allocate number: %w", err)
	}
	t := r.t
	t.Number = FormatNumber(r.year, seq)
	if err := s.txStmt(ctx, tx, sqlInsertTicket).QueryRowContext(ctx, r.values(seq)...).Scan(&t.ID); err != nil {
		return fmt.Errorf("insert ticket: %w", err)
	}
	for _, h := range r.history {
		if err := s.addHistory(ctx, tx, t.ID, h); err != nil {
			return err
		}
	}
	if err := s.insertAttachments(ctx, tx, t.ID, 0, t.Attachments...); err != nil {
		return err
	}
	return s.queue(ctx, tx, t, r.now, r.notices()...)
}

// checkRate returns apperr.ETooMany when submitter filed the capped number of chat
// tickets in the hour before now.
func (s *Store) checkRate(ctx context.Context, tx *sql.Tx, submitter string, now time.Time) error {
	if s.perHour <= 0 {
		return nil
	}
	// One submitter's tickets are counted one transaction at a time.
	if err := s.sql.eng.Lock(ctx, tx, "tickets:submitter:"+submitter); err != nil {
		return err
	}
	since := now.Add(-time.Hour).UnixMilli()
	var count int
	if err := s.queryRow(ctx, tx, `SELECT count(*) FROM tickets
		WHERE submitter_id = ? AND created_at > ? AND channel = 'chat'`, submitter, since).Scan(&count); err != nil {
		return fmt.Errorf("count recent tickets: %w", err)
	}
	if count < s.perHour {
		return nil
	}
	// The next one is allowed when the cap-th most recent leaves the hour.
	var oldest int64
	if err := s.queryRow(ctx, tx, `SELECT created_at FROM tickets
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

// ticketInsertColumns are the columns a new ticket is written with, and
// their values (the arguments of [Store.insertTicketRows], in order).
const (
	ticketInsertNames = `number, year, seq, idempotency_key, submitter_id,
		submitter_name, channel, text, summary, category, department, urgency, location, contact, confidence,
		manual_dispatch, status, created_at, respond_due, due_at, updated_at, version,
		kind, lat, lng, possible_duplicates`
	ticketInsertColumns = `(` + ticketInsertNames + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

// The hot statements, prepared once in Open.
const (
	sqlNextSeq = `INSERT INTO ticket_seq (year, last) VALUES (?, 1)
		ON CONFLICT (year) DO UPDATE SET last = ticket_seq.last + 1 RETURNING last`
	sqlInsertTicket  = `INSERT INTO tickets ` + ticketInsertColumns + ` RETURNING id`
	sqlInsertHistory = `INSERT INTO ticket_history (ticket_id, at, actor, via, action, from_status, to_status, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
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
	if _, err := s.txStmt(ctx, tx, sqlInsertHistory).ExecContext(ctx, ticketID, h.At.UnixMilli(), h.Actor, h.Via, h.Action, h.From, h.To, h.Note); err != nil {
		return fmt.Errorf("insert history: %w", err)
	}
	return nil
}

func (s *Store) history(ctx context.Context, q querier, ticketID int64) ([]HistoryEntry, error) {
	rows, err := s.query(ctx, q, `SELECT id, at, actor, via, action, from_status, to_status, note
		FROM ticket_history WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer rows.Close()
	var hs []HistoryEntry
	for rows.Next() {
		var h HistoryEntry
		var at int64
		if err := rows.Scan(&h.ID, &at, &h.Actor, &h.Via, &h.Action, &h.From, &h.To, &h.Note); err != nil {
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
	if err := s.fillAttachments(ctx, s.db, t); err != nil {
		return nil, err
	}
	return t, nil
}

var errForbiddenView = apperr.Errorf(apperr.EForbidden, "无权查看该工单")

// FindTickets returns the tickets v may see that match f, newest first.
// Returns EINVALID for an unknown status, kind or department, a negative limit or
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
		q += " " + s.sql.limitAll
	}
	if f.Offset > 0 {
		q += " OFFSET " + strconv.Itoa(f.Offset)
	}
	ts, err := s.scanTickets(ctx, s.db, q, args...)
	if err != nil {
		return nil, fmt.Errorf("find tickets: %w", err)
	}
	if err := s.fillAttachments(ctx, s.db, ts...); err != nil {
		return nil, err
	}
	return ts, nil
}

// visibility returns the SQL condition for the tickets v may see.
func visibility(v Viewer) (string, []any) {
	if v.Admin {
		return "TRUE", nil
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
		return "FALSE", nil
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
	if f.Kind != nil {
		k, err := ParseKind(string(*f.Kind))
		if err != nil {
			return "", nil, err
		}
		conds, args = append(conds, "t.kind = ?"), append(args, string(k))
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
