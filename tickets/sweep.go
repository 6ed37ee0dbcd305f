package tickets

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// SweepResult counts what a sweep did.
type SweepResult struct {
	Escalated int `json:"escalated"` // tickets whose escalation level went up
	Closed    int `json:"closed"`    // resolved or rated tickets closed automatically
	Queued    int `json:"queued"`    // reminders queued
	// Busy: another replica was sweeping the database; this sweep did
	// nothing, and the next one will look again.
	Busy bool `json:"busy,omitempty"`
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
// to the department (and to the administrators from level 2) for the level
// reached; and it closes tickets rated 3–5 more than 72 hours ago and
// resolved tickets left unrated for 7 days. All of it is one transaction and
// depends only on the database, so it is idempotent and correct across
// restarts: a second sweep at the same time does nothing.
//
// Replicas may all sweep: one sweep of a database runs at a time (on
// PostgreSQL under an advisory lock; a sweep that finds it taken does
// nothing and reports Busy), the tickets it changes are locked, and the
// 督办 ledger (ticket_escalations) records each ticket, level and
// deadline escalated, so a reminder is queued once per deadline whatever
// the clocks of the replicas say.
// Returns EINVALID when now is out of range.
func (s *Store) Sweep(ctx context.Context, now time.Time) (SweepResult, error) {
	if err := checkDate(now); err != nil {
		return SweepResult{}, err
	}
	now = now.Truncate(time.Millisecond).In(s.loc)
	var res SweepResult
	err := s.write(ctx, func(tx *sql.Tx) error {
		res = SweepResult{}
		if ok, err := s.sql.eng.TryLock(ctx, tx, "tickets:sweep"); err != nil || !ok {
			res.Busy = !ok && err == nil
			return err
		}
		n := now.UnixMilli()
		late, err := s.scanTickets(ctx, tx, `SELECT `+ticketColumns+` FROM tickets t
			WHERE t.status IN ('submitted', 'dispatched', 'accepted')
			AND (t.due_at <= ? OR (t.status = 'dispatched' AND t.respond_due <= ?)) AND t.escalation < 3
			ORDER BY t.id`+s.sql.forUpdate, n, n)
		if err != nil {
			return err
		}
		for _, t := range late {
			level := s.EscalationLevel(t, now)
			if level <= t.Escalation {
				continue
			}
			queued, err := s.escalate(ctx, tx, t, level, now)
			if err != nil {
				return err
			}
			res.Escalated++
			res.Queued += queued
		}
		done, err := s.scanTickets(ctx, tx, `SELECT `+ticketColumns+` FROM tickets t
			WHERE (t.status = 'rated' AND t.rated_at <= ?) OR (t.status = 'resolved' AND t.resolved_at <= ?)
			ORDER BY t.id`+s.sql.forUpdate,
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
			if err := s.addHistory(ctx, tx, t.ID, HistoryEntry{At: now, Actor: "system", Via: ViaSystem, Action: ActionClose, From: from, To: to, Note: note}); err != nil {
				return err
			}
			res.Closed++
		}
		return nil
	})
	return res, err
}

// escalate raises open ticket t to level (督办): it flags it overdue,
// records the escalation in its history and, unless the ledger shows this
// level of this deadline escalated before, queues the reminders. It returns
// how many it queued.
func (s *Store) escalate(ctx context.Context, tx *sql.Tx, t *Ticket, level int, now time.Time) (int, error) {
	version := t.Version
	t.Overdue, t.Escalation, t.UpdatedAt, t.Version = true, level, now, version+1
	if err := s.updateTicket(ctx, tx, t, t.Status, version); err != nil {
		return 0, err
	}
	deadline := t.DueAt
	if level == 1 {
		deadline = t.RespondDue
	}
	res, err := s.exec(ctx, tx, `INSERT INTO ticket_escalations (ticket_id, level, deadline, at) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, t.ID, level, deadline.UnixMilli(), now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("record escalation: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, fmt.Errorf("record escalation: %w", err)
	} else if n == 0 {
		return 0, nil // this deadline was escalated to this level before
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
	if err := s.addHistory(ctx, tx, t.ID, HistoryEntry{At: now, Actor: "system", Via: ViaSystem, Action: ActionEscalate, From: t.Status, To: t.Status, Note: note}); err != nil {
		return 0, err
	}
	text := fmt.Sprintf("【督办】工单 %s %s。\n诉求：%s\n承办：%s", t.Number, what, t.Summary, s.depts.name(t.Department))
	ns := []Notification{s.deptNotice(t, "escalated", text)}
	if level >= 2 {
		ns = append(ns, Notification{Kind: "escalated", RecipientKind: RecipientAdmins, Text: text})
	}
	if err := s.queue(ctx, tx, t, now, ns...); err != nil {
		return 0, err
	}
	return len(ns), nil
}

func (s *Store) scanTickets(ctx context.Context, q querier, query string, args ...any) ([]*Ticket, error) {
	rows, err := s.query(ctx, q, query, args...)
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
