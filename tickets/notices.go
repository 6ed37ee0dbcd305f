package tickets

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"partybot/apperr"
	"time"
)

// FindSubmitterNotifications returns the notifications of ticket number
// meant for its submitter, oldest first, delivered or not, for a viewer
// who may see the ticket: a submitter who never opened a private chat with
// the bot receives none of them, and reads them here. Returns apperr.ENotFound
// for an unknown ticket and apperr.EForbidden when v may not see it.
func (s *Store) FindSubmitterNotifications(ctx context.Context, v Viewer, number string) ([]Notification, error) {
	t, err := s.FindTicketByNumber(ctx, v, number)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, s.db, `SELECT id, kind, recipient, text, attempts, created_at, delivered_at, last_error
		FROM notifications WHERE ticket_id = ? AND recipient_kind = ? ORDER BY id`, t.ID, RecipientUser)
	if err != nil {
		return nil, fmt.Errorf("find notifications: %w", err)
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		n := Notification{TicketID: t.ID, Number: t.Number, RecipientKind: RecipientUser}
		var created int64
		var delivered sql.NullInt64
		if err := rows.Scan(&n.ID, &n.Kind, &n.Recipient, &n.Text, &n.Attempts, &created, &delivered, &n.LastError); err != nil {
			return nil, fmt.Errorf("find notifications: %w", err)
		}
		n.CreatedAt, n.DeliveredAt = s.fromMS(created), s.fromNull(delivered)
		out = append(out, n)
	}
	return out, rows.Err()
}

// ---- notifications ----

func (s *Store) fmtTime(t time.Time) string { return t.In(s.loc).Format("2006-01-02 15:04") }

func (s *Store) dispatchNotice(t *Ticket, d Department, extra string) Notification {
	head := map[Kind]string{KindReport: "【新随手拍】", KindSuggestion: "【新建议】"}[t.Kind]
	head = cmp.Or(head, "【新工单】")
	if t.ManualDispatch {
		head = "【待人工分派】系统未能确定归属部门，请核实后接单或转派。\n"
	}
	text := fmt.Sprintf("%s%s（%s，%s）\n%s：%s", head, t.Number, t.Urgency.Label(), cmp.Or(t.Category, "未分类"), t.Kind.Label(), t.Summary)
	if t.Location != "" {
		text += "\n地点：" + t.Location
	}
	if t.Coords != nil {
		text += "\n位置：" + t.Coords.String()
	}
	if len(t.Attachments) > 0 {
		text += fmt.Sprintf("\n照片：%d 张", len(t.Attachments))
	}
	if extra != "" {
		text += "\n" + extra
	}
	text += "\n" + s.deadlineLine(t, "")
	return Notification{Kind: "dispatched", RecipientKind: RecipientDepartment, Recipient: d.Key, Text: text}
}

// deadlineLine asks the department to accept (again: "重新") and resolve
// by t's deadlines.
func (s *Store) deadlineLine(t *Ticket, again string) string {
	if t.DueAt.IsZero() {
		return fmt.Sprintf("请于 %s 前%s接单；建议不设办结期限，研究后请答复是否采纳。", s.fmtTime(t.RespondDue), again)
	}
	return fmt.Sprintf("请于 %s 前%s接单，%s 前办结。", s.fmtTime(t.RespondDue), again, s.fmtTime(t.DueAt))
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
// next attempt is due, oldest first, without those another caller holds
// leased ([Store.LeaseNotifications]). Notifications that failed
// [Store.MaxAttempts] times are no longer returned. It leases nothing: with
// several replicas delivering, use LeaseNotifications.
func (s *Store) PendingNotifications(ctx context.Context, limit int) ([]Notification, error) {
	return s.dueNotifications(ctx, s.db, s.nowTime(), limit, "")
}

// LeaseNotifications takes up to limit notifications due for delivery,
// oldest first, for the duration lease: until it ends, or until
// [Store.MarkDelivered] or [Store.MarkFailed] releases one, no other call of
// LeaseNotifications or PendingNotifications — in this process or in
// another replica on the same database — returns them. A replica killed
// mid-send leaves the notices it held to the others once their lease ends.
// Deliver each, then mark it; let the lease outlast a delivery (Telegram's
// retry_after alone may wait 60 s).
//
// On PostgreSQL concurrent leases skip the rows another transaction is
// leasing (FOR UPDATE SKIP LOCKED) instead of waiting for them; SQLite
// leases one transaction at a time. Returns EINVALID for a lease under a
// second.
func (s *Store) LeaseNotifications(ctx context.Context, limit int, lease time.Duration) ([]Notification, error) {
	if lease < time.Second {
		return nil, apperr.Errorf(apperr.EInvalid, "通知租约不能短于 1 秒")
	}
	var out []Notification
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := s.nowTime()
		ns, err := s.dueNotifications(ctx, tx, now, limit, s.sql.skipLocked)
		if err != nil || len(ns) == 0 {
			out = nil
			return err
		}
		until := now.Add(lease)
		args := []any{until.UnixMilli()}
		for i := range ns {
			ns[i].LeasedUntil = until
			args = append(args, ns[i].ID)
		}
		if _, err := s.exec(ctx, tx, "UPDATE notifications SET leased_until = ? WHERE id IN ("+placeholders(len(ns))+")", args...); err != nil {
			return fmt.Errorf("lease notifications: %w", err)
		}
		out = ns
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// dueNotifications reads up to limit notifications due at now and not
// leased, oldest first; lock is the dialect's locking clause when leasing.
func (s *Store) dueNotifications(ctx context.Context, q querier, now time.Time, limit int, lock string) ([]Notification, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.query(ctx, q, `SELECT n.id, n.ticket_id, t.number, n.kind, n.recipient_kind, n.recipient,
		n.department, n.text, n.attempts, n.next_attempt_at, n.created_at, n.last_error
		FROM notifications n JOIN tickets t ON t.id = n.ticket_id
		WHERE n.delivered_at IS NULL AND n.next_attempt_at <= ? AND n.attempts < ?
		AND (n.leased_until IS NULL OR n.leased_until <= ?)
		ORDER BY n.next_attempt_at, n.id LIMIT ?`+lock, now.UnixMilli(), s.maxAttempts, now.UnixMilli(), limit)
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

// MarkDelivered records that notification id was delivered and releases its
// lease. Marking it twice is not an error. Returns apperr.ENotFound for an
// unknown id.
func (s *Store) MarkDelivered(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, "UPDATE notifications SET delivered_at = coalesce(delivered_at, ?), leased_until = NULL WHERE id = ?",
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

// MarkFailed records a failed delivery of notification id and releases its
// lease: the attempt count goes up and the next attempt is delayed with
// exponential backoff (30 s, 1 min, 2 min … at most 1 h). Returns
// apperr.ENotFound for an unknown id.
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
		err := s.queryRow(ctx, tx, "SELECT attempts FROM notifications WHERE id = ? AND delivered_at IS NULL"+s.sql.forUpdate, id).Scan(&attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Errorf(apperr.ENotFound, "通知 %d 不存在或已送达", id)
		} else if err != nil {
			return fmt.Errorf("mark failed: %w", err)
		}
		attempts++
		next := s.nowTime().Add(Backoff(attempts))
		if _, err := s.exec(ctx, tx, "UPDATE notifications SET attempts = ?, next_attempt_at = ?, last_error = ?, leased_until = NULL WHERE id = ?",
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
