package tickets

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"partybot/apperr"
)

// ---- transitions ----

// step is one move of the state machine applied to a loaded ticket.
type step struct {
	action Action
	note   string
	apply  func(t *Ticket, now time.Time) // sets the fields the move changes
	notify func(t *Ticket, now time.Time) []Notification
	// write, when set, writes what the move adds besides the ticket's row.
	write func(ctx context.Context, tx *sql.Tx, t *Ticket) error
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
			if st.write != nil {
				if err := st.write(ctx, tx, t); err != nil {
					return err
				}
			}
			if err := s.addHistory(ctx, tx, t.ID, HistoryEntry{At: now, Actor: v.actor(), Via: v.Via, Action: st.action, From: prev, To: to, Note: st.note}); err != nil {
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
	res, err := s.exec(ctx, tx, `UPDATE tickets SET department = ?, category = ?, manual_dispatch = ?, status = ?,
		respond_due = ?, due_at = ?, accepted_at = ?, resolved_at = ?, rated_at = ?, closed_at = ?, updated_at = ?,
		reply = ?, rating = ?, comment = ?, overdue = ?, escalation = ?, reopened = ?, version = ?,
		outcome = ?, verified_at = ?
		WHERE id = ? AND status = ? AND version = ?`,
		t.Department, t.Category, t.ManualDispatch, t.Status, ms(t.RespondDue), ms(t.DueAt), ms(t.AcceptedAt),
		ms(t.ResolvedAt), ms(t.RatedAt), ms(t.ClosedAt), ms(t.UpdatedAt), t.Reply, rating, t.Comment, t.Overdue,
		t.Escalation, t.Reopened, t.Version, t.Outcome, ms(t.VerifiedAt), t.ID, from, version)
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
			by := "将于 " + s.fmtTime(t.DueAt) + " 前办结。"
			if t.DueAt.IsZero() {
				by = "研究后将答复您。"
			}
			return s.userNotice(t, "accepted", fmt.Sprintf("%s %s 已由%s接单，%s", yours(t), t.Number, s.depts.name(t.Department), by))
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
			t.Department, t.ManualDispatch, t.Category = dept.Key, false, ""
			t.AcceptedAt = time.Time{}
			t.RespondDue, t.DueAt = deadlines(dept, t.Kind, t.Urgency, now)
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
			return s.userNotice(t, "resolved", fmt.Sprintf("%s %s 已办结。\n答复：%s\n请对办理结果评分（1–5 分）。", yours(t), t.Number, reply))
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
				t.Reopened++
				t.AcceptedAt, t.ResolvedAt = time.Time{}, time.Time{}
				t.RespondDue, t.DueAt = deadlines(d, t.Kind, t.Urgency, now)
				t.Overdue, t.Escalation = false, 0
				t.Outcome = reopenedOutcome(t)
			},
			notify: func(t *Ticket, now time.Time) []Notification {
				return []Notification{s.deptNotice(t, "reopened", fmt.Sprintf("【重办】工单 %s 评价不满意（%d 分）：%s\n评价：%s\n%s",
					t.Number, rating, t.Summary, cmp.Or(comment, "无"), s.deadlineLine(t, "重新")))}
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

// canJudge is what [Store.Verify], [Store.Adopt] and [Store.Reject]
// allow: v handles t (apperr.EForbidden), and t is of one of kinds
// (EINVALID: wrong, given t's number and kind, says why).
func canJudge(v Viewer, verb string, kinds []Kind, wrong string) func(t *Ticket) error {
	return func(t *Ticket) error {
		if err := canHandle(v, verb)(t); err != nil {
			return err
		}
		if !slices.Contains(kinds, t.Kind) {
			return apperr.Errorf(apperr.EInvalid, wrong, t.Number, t.Kind.Label())
		}
		return nil
	}
}

// The kinds staff judge.
var (
	reportsOnly = []Kind{KindReport}
	judgedKinds = []Kind{KindSuggestion, KindReport}
)

// Verify records that a report was found true (核实有效): it sets
// VerifiedAt and the outcome [OutcomeVerified] and tells the submitter;
// the report stays accepted until it is resolved.
// Returns EINVALID for a ticket that is not a report, apperr.ENotFound,
// apperr.EForbidden unless v is the department's staff or an admin, and
// apperr.EConflict unless the report is accepted and not yet verified.
func (s *Store) Verify(ctx context.Context, v Viewer, number, note string) (*Ticket, error) {
	note, err := checkNote("备注", note, false)
	if err != nil {
		return nil, err
	}
	allow := canJudge(v, "核实", reportsOnly, "工单 %s 是%s，不能核实：只有随手拍/线索需要核实")
	return s.change(ctx, v, number, func(t *Ticket) error {
		if err := allow(t); err != nil {
			return err
		}
		if !t.VerifiedAt.IsZero() {
			return apperr.Errorf(apperr.EConflict, "该线索已于 %s 核实，无需重复核实", s.fmtTime(t.VerifiedAt))
		}
		return nil
	}, step{
		action: ActionVerify, note: note,
		apply: func(t *Ticket, now time.Time) { t.VerifiedAt, t.Outcome = now, OutcomeVerified },
		notify: func(t *Ticket, now time.Time) []Notification {
			return s.userNotice(t, "verified", fmt.Sprintf("%s %s 经%s核实属实，正在处理。感谢您的反映！", yours(t), t.Number, s.depts.name(t.Department)))
		},
	})
}

// Adopt resolves a suggestion, or a report taken as a 线索, as adopted
// (采纳) or partly adopted (部分采纳), with the reply to the submitter,
// who is asked to rate it as after [Store.Resolve]. An adopted report
// counts as verified. Returns EINVALID without a reply or for a demand,
// apperr.ENotFound, apperr.EForbidden unless v handles the ticket, and
// apperr.EConflict unless it is accepted.
func (s *Store) Adopt(ctx context.Context, v Viewer, number, reply string, partial bool) (*Ticket, error) {
	reply, err := checkNote("答复", reply, true)
	if err != nil {
		return nil, err
	}
	o, verb := OutcomeAdopted, "采纳"
	if partial {
		o, verb = OutcomePartlyAdopted, "部分采纳"
	}
	allow := canJudge(v, "采纳", judgedKinds, "工单 %s 是%s，不能采纳：只有建议和随手拍/线索可以采纳，诉求请直接办结")
	return s.change(ctx, v, number, allow, step{
		action: ActionAdopt, note: verb + "：" + reply,
		apply: func(t *Ticket, now time.Time) {
			t.ResolvedAt, t.Reply, t.Outcome = now, reply, o
			if t.Kind == KindReport && t.VerifiedAt.IsZero() {
				t.VerifiedAt = now
			}
		},
		notify: func(t *Ticket, now time.Time) []Notification {
			return s.userNotice(t, "resolved", fmt.Sprintf("%s %s 已被%s%s。\n答复：%s\n请对办理结果评分（1–5 分）。",
				yours(t), t.Number, s.depts.name(t.Department), verb, reply))
		},
	})
}

// Reject resolves a suggestion as not adopted (暂不采纳), or a report as
// found untrue (核实无效), with the reply to the submitter, who is asked to
// rate it as after [Store.Resolve]. Returns EINVALID without a reply or for
// a demand, apperr.ENotFound, apperr.EForbidden unless v handles the
// ticket, and apperr.EConflict unless it is accepted.
func (s *Store) Reject(ctx context.Context, v Viewer, number, reply string) (*Ticket, error) {
	reply, err := checkNote("答复", reply, true)
	if err != nil {
		return nil, err
	}
	steps := []step{{
		action: ActionReject,
		apply:  func(t *Ticket, now time.Time) { t.ResolvedAt, t.Reply, t.Outcome = now, reply, OutcomeRejected },
		notify: func(t *Ticket, now time.Time) []Notification {
			what := "经研究，暂不采纳"
			if t.Kind == KindReport {
				what = "经核实，情况不属实（核实无效）"
			}
			return s.userNotice(t, "resolved", fmt.Sprintf("%s %s %s。\n答复：%s\n请对办理结果评分（1–5 分）。", yours(t), t.Number, what, reply))
		},
	}}
	judge := canJudge(v, "答复", judgedKinds, "工单 %s 是%s，不能作“暂不采纳/核实无效”答复：只有建议和随手拍/线索可以，诉求请直接办结")
	// change runs allow before the step: its note is set by then.
	return s.change(ctx, v, number, func(t *Ticket) error {
		steps[0].note = OutcomeRejected.Label(t.Kind) + "：" + reply
		return judge(t)
	}, steps...)
}

// reopenedOutcome is t's outcome once reopened: a verdict that resolved it
// is withdrawn, a verification stands.
func reopenedOutcome(t *Ticket) Outcome {
	if !t.VerifiedAt.IsZero() {
		return OutcomeVerified
	}
	return ""
}

// Supervise records an administrator's 督办 note on an open ticket
// (督办意见) and sends it to the department's chat through the outbox; the
// state stays. Returns EINVALID without a note, apperr.ENotFound,
// apperr.EForbidden unless v is an administrator, and apperr.EConflict
// unless the ticket is dispatched or accepted (办结 or 销号 already).
func (s *Store) Supervise(ctx context.Context, v Viewer, number, note string) (*Ticket, error) {
	note, err := checkNote("督办意见", note, true)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, v, number, func(t *Ticket) error {
		if !v.Admin {
			return apperr.Errorf(apperr.EForbidden, "无权督办该工单：只有管理员可以督办")
		}
		return nil
	}, step{
		action: ActionSupervise, note: note,
		apply: func(*Ticket, time.Time) {},
		notify: func(t *Ticket, now time.Time) []Notification {
			return []Notification{s.deptNotice(t, "supervised", fmt.Sprintf("【督办】工单 %s：%s\n督办意见：%s\n%s请抓紧办理并及时反馈。",
				t.Number, cmp.Or(t.Summary, clipRunes(t.Text, 60)), note, s.dueLine(t)))}
		},
	})
}

// dueLine reminds the department of open ticket t's next deadline.
func (s *Store) dueLine(t *Ticket) string {
	switch {
	case t.Status == StatusDispatched:
		return "尚未接单，响应期限 " + s.fmtTime(t.RespondDue) + "。"
	case !t.DueAt.IsZero():
		return "办结期限 " + s.fmtTime(t.DueAt) + "。"
	}
	return ""
}
