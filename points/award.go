package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"partybot/apperr"
	"partybot/sqlstore"
)

// Award asks for a change of a user's points: an award by the rules, an
// administrator's manual award, or a correction.
type Award struct {
	UserID string
	Reason Reason
	// Points is the change of a Manual award (1 to MaxPoints) or of a
	// Correction (either sign, at most MaxPoints either way). It must be 0
	// for the rule reasons, whose points the rules give.
	Points int
	// Corrects is the entry a Correction puts right: one of the same user,
	// not itself a correction.
	Corrects int64
	// TicketNumber is the ticket the award is for, if any.
	TicketNumber string
	// By is who acts (staff or admin user id, or System); required.
	By string
	// Note says why; required for Manual and Correction.
	Note string
	// Key makes the award idempotent ("verify:2026-000123"): an award with
	// a key already used returns the entry made then, so a retried staff
	// action never awards twice. Required for the rule reasons.
	Key string
}

// Result is what [Store.Award] did.
type Result struct {
	// Entry is the entry made, or the one made earlier with the same key.
	Entry Entry
	// New is false when the key had been used: nothing was written.
	New bool
	// Requested is what the award asked for: the rule's points, or
	// Award.Points (for a replay, the entry's points).
	Requested int
	// CutBy is the cap that cut the award to Entry.Points, less than
	// Requested; "" when it was not cut.
	CutBy Cap
}

// Cap names a cap of the [Rules].
type Cap string

// The caps.
const (
	CapDaily   Cap = "daily"
	CapMonthly Cap = "monthly"
)

// Limits of an award's text fields, in bytes but for the note (runes).
const (
	maxID     = 64
	maxTicket = 32
	maxKey    = 200
	maxNote   = 200
)

// Award changes a user's points as a asks, in one transaction that holds
// the user's lock (PostgreSQL: the advisory lock "points:user:ID"), so that
// awards from several replicas neither break the caps nor the balance.
//
// Authorization is the caller's: it must check that a.By is staff (for the
// rule reasons) or an admin (Manual, Correction). The store checks the rest:
//
//   - an award by the rules earns the rule's points, cut to what is left
//     of the daily and monthly cap (Result.CutBy says which cut it); when
//     nothing is left it is refused with apperr.ETooMany, and its key is
//     not used up;
//   - Manual and Correction awards are not capped;
//   - a correction that would make the user's balance, or what the
//     corrected entry came to, negative is refused with apperr.EInvalid.
//
// Returns EINVALID for a missing By, user id or key, an unknown reason, a
// reason the rules give no points, or points out of bounds;
// apperr.ENotFound for a user [WithKnown] does not know or a corrected
// entry that does not exist; apperr.EConflict for a key used for another
// user or reason.
func (s *Store) Award(ctx context.Context, a Award) (Result, error) {
	if err := s.check(a); err != nil {
		return Result{}, err
	}
	if err := s.checkKnown(ctx, a.UserID); err != nil {
		return Result{}, err
	}
	var res Result
	err := s.inUserTx(ctx, a.UserID, func(tx *sql.Tx) error {
		var err error
		res, err = s.award(ctx, tx, a)
		return err
	})
	if sqlstore.IsUniqueViolation(err) && strings.Contains(err.Error(), "idem_key") {
		// Another user's award with the same key, committed meanwhile.
		return Result{}, apperr.Wrap(err, apperr.EConflict, "幂等键 %s 已用于另一条积分记录", a.Key)
	}
	return res, err
}

// check checks a's fields against the rules.
func (s *Store) check(a Award) error {
	switch {
	case a.By == "":
		return apperr.Errorf(apperr.EInvalid, "记积分须注明操作人")
	case a.UserID == "" || len(a.UserID) > maxID || len(a.By) > maxID:
		return apperr.Errorf(apperr.EInvalid, "用户 id 应为 1 到 %d 个字符", maxID)
	case len(a.TicketNumber) > maxTicket || len(a.Key) > maxKey:
		return apperr.Errorf(apperr.EInvalid, "工单编号或幂等键过长")
	case utf8.RuneCountInString(a.Note) > maxNote || !utf8.ValidString(a.Note+a.UserID+a.By+a.Key+a.TicketNumber):
		return apperr.Errorf(apperr.EInvalid, "备注不能超过 %d 个字，且不能含无效字符", maxNote)
	}
	switch {
	case a.Reason.ruled():
		return s.checkRuled(a)
	case a.Reason == Manual:
		return checkManual(a, 1)
	case a.Reason == Correction:
		return checkManual(a, -MaxPoints)
	}
	return apperr.Errorf(apperr.EInvalid, "未知的积分事由 %q", a.Reason)
}

// checkRuled checks an award by the rules.
func (s *Store) checkRuled(a Award) error {
	switch {
	case a.Points != 0 || a.Corrects != 0:
		return apperr.Errorf(apperr.EInvalid, "“%s”的积分由规则决定，不能指定分值", a.Reason.Label())
	case s.rules.Earn[a.Reason] == 0:
		return apperr.Errorf(apperr.EInvalid, "“%s”目前不计积分", a.Reason.Label())
	case a.Key == "":
		return apperr.Errorf(apperr.EInvalid, "按规则记积分须带幂等键，以免重复记分")
	}
	return nil
}

// checkManual checks a manual award or a correction, whose points must be
// from least to MaxPoints and not 0.
func checkManual(a Award, least int) error {
	switch {
	case a.Points == 0 || a.Points < least || a.Points > MaxPoints:
		return apperr.Errorf(apperr.EInvalid, "%s的分值应在 %d 到 %d 之间且不为 0", a.Reason.Label(), least, MaxPoints)
	case a.Note == "":
		return apperr.Errorf(apperr.EInvalid, "%s须写明理由", a.Reason.Label())
	case a.Reason == Correction && a.Corrects <= 0:
		return apperr.Errorf(apperr.EInvalid, "更正须注明被更正的积分记录编号")
	case a.Reason == Manual && a.Corrects != 0:
		return apperr.Errorf(apperr.EInvalid, "更正请使用“更正”事由")
	}
	return nil
}

// checkKnown refuses a user the known hook does not know.
func (s *Store) checkKnown(ctx context.Context, userID string) error {
	if s.known == nil {
		return nil
	}
	ok, err := s.known(ctx, userID)
	if err != nil {
		return fmt.Errorf("award: check user: %w", err)
	}
	if !ok {
		return apperr.Errorf(apperr.ENotFound, "未找到用户 %s：只能给提交过工单的用户或已配置的工作人员、管理员记积分，请核对用户 id", userID)
	}
	return nil
}

// inUserTx runs fn in a transaction that holds userID's lock, and commits
// it when fn returns nil.
func (s *Store) inUserTx(ctx context.Context, userID string, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("award: %w", err)
	}
	defer tx.Rollback()
	if err := s.eng.Lock(ctx, tx, "points:user:"+userID); err != nil {
		return fmt.Errorf("award: %w", err)
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("award: %w", err)
	}
	return nil
}

// award writes a's entry in tx, or returns the one of its key.
func (s *Store) award(ctx context.Context, tx *sql.Tx, a Award) (Result, error) {
	if a.Key != "" {
		e, err := s.findEntry(ctx, tx, "idem_key = ?", a.Key)
		if err == nil {
			return replay(e, a)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return Result{}, fmt.Errorf("award: %w", err)
		}
	}
	seq, balance, err := s.last(ctx, tx, a.UserID)
	if err != nil {
		return Result{}, err
	}
	now := s.now()
	res := Result{New: true, Requested: a.Points}
	pts := a.Points
	switch a.Reason {
	case Correction:
		err = s.checkCorrection(ctx, tx, a, balance)
	case Manual:
	default:
		res.Requested = s.rules.Earn[a.Reason]
		pts, res.CutBy, err = s.capped(ctx, tx, a.UserID, res.Requested, now)
	}
	if err != nil {
		return Result{}, err
	}
	res.Entry, err = s.insert(ctx, tx, a, seq+1, pts, balance+pts, now)
	return res, err
}

// replay is the result of an award whose key was used by entry e.
func replay(e Entry, a Award) (Result, error) {
	if e.UserID != a.UserID || e.Reason != a.Reason {
		return Result{}, apperr.Errorf(apperr.EConflict, "幂等键 %s 已用于另一条积分记录（%d）", a.Key, e.ID)
	}
	return Result{Entry: e, Requested: e.Points}, nil
}

// last returns the seq and balance of userID's newest entry, 0 and 0 for
// none.
func (s *Store) last(ctx context.Context, tx *sql.Tx, userID string) (seq int64, balance int, err error) {
	err = tx.QueryRowContext(ctx, s.eng.Bind("SELECT seq, balance FROM points_entries WHERE user_id = ? ORDER BY seq DESC LIMIT 1"),
		userID).Scan(&seq, &balance)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	} else if err != nil {
		return 0, 0, fmt.Errorf("award: read balance: %w", err)
	}
	return seq, balance, nil
}

// capped returns the points of an award by the rules of earn at now, cut
// to what the caps leave, and the cap that cut it. Returns ETooMany when
// nothing is left.
func (s *Store) capped(ctx context.Context, tx *sql.Tx, userID string, earn int, now time.Time) (int, Cap, error) {
	day, month, err := s.earned(ctx, tx, userID, now)
	if err != nil {
		return 0, "", err
	}
	left, by := math.MaxInt, Cap("")
	if r := s.rules.DailyCap; r > 0 {
		left, by = r-day, CapDaily
	}
	if r := s.rules.MonthlyCap; r > 0 && r-month < left {
		left, by = r-month, CapMonthly
	}
	switch {
	case left <= 0 && by == CapDaily:
		return 0, by, apperr.Errorf(apperr.ETooMany, "今日红色积分已达上限（%d 分），本次不再计分", s.rules.DailyCap)
	case left <= 0:
		return 0, by, apperr.Errorf(apperr.ETooMany, "本月红色积分已达上限（%d 分），本次不再计分", s.rules.MonthlyCap)
	case earn <= left:
		return earn, "", nil
	}
	return left, by, nil
}

// earned returns the points userID earned by the rules on the day and in
// the month of now.
func (s *Store) earned(ctx context.Context, tx *sql.Tx, userID string, now time.Time) (day, month int, err error) {
	dayFrom, dayTo := dayBounds(now, s.loc)
	from, to := monthBounds(now, s.loc)
	err = tx.QueryRowContext(ctx, s.eng.Bind(`SELECT
		coalesce(sum(CASE WHEN created_at >= ? AND created_at < ? THEN points END), 0), coalesce(sum(points), 0)
		FROM points_entries WHERE user_id = ? AND created_at >= ? AND created_at < ? AND reason NOT IN ('manual', 'correction')`),
		dayFrom.UnixMilli(), dayTo.UnixMilli(), userID, from.UnixMilli(), to.UnixMilli()).Scan(&day, &month)
	if err != nil {
		return 0, 0, fmt.Errorf("award: read caps: %w", err)
	}
	return day, month, nil
}

// checkCorrection checks correction a against the entry it corrects and
// the user's balance.
func (s *Store) checkCorrection(ctx context.Context, tx *sql.Tx, a Award, balance int) error {
	e, err := s.findEntry(ctx, tx, "id = ?", a.Corrects)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return apperr.Errorf(apperr.ENotFound, "积分记录 %d 不存在", a.Corrects)
	case err != nil:
		return fmt.Errorf("award: read corrected entry: %w", err)
	case e.UserID != a.UserID:
		return apperr.Errorf(apperr.EInvalid, "积分记录 %d 不属于用户 %s", a.Corrects, a.UserID)
	case e.Reason == Correction:
		return apperr.Errorf(apperr.EInvalid, "积分记录 %d 本身是更正，请更正原记录 %d", e.ID, e.Corrects)
	case balance+a.Points < 0:
		return apperr.Errorf(apperr.EInvalid, "更正后用户 %s 的积分余额将为负数（现有 %d 分，更正 %d 分）", a.UserID, balance, a.Points)
	}
	var net int
	if err := tx.QueryRowContext(ctx, s.eng.Bind("SELECT coalesce(sum(points), 0) FROM points_entries WHERE id = ? OR corrects = ?"),
		e.ID, e.ID).Scan(&net); err != nil {
		return fmt.Errorf("award: read corrected entry: %w", err)
	}
	if net+a.Points < 0 {
		return apperr.Errorf(apperr.EInvalid, "更正后积分记录 %d 将为负数（原记 %d 分，更正后现为 %d 分）", e.ID, e.Points, net)
	}
	return nil
}

// insert writes the entry of a with seq, pts and balance at now.
func (s *Store) insert(ctx context.Context, tx *sql.Tx, a Award, seq int64, pts, balance int, now time.Time) (Entry, error) {
	e := Entry{UserID: a.UserID, Points: pts, Reason: a.Reason, TicketNumber: a.TicketNumber, By: a.By,
		Note: a.Note, Key: a.Key, Corrects: a.Corrects, Balance: balance, At: time.UnixMilli(now.UnixMilli()).In(s.loc)}
	err := tx.QueryRowContext(ctx, s.eng.Bind(`INSERT INTO points_entries
		(user_id, seq, points, balance, reason, ticket_number, by_user, note, idem_key, corrects, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		e.UserID, seq, e.Points, e.Balance, string(e.Reason), e.TicketNumber, e.By, e.Note,
		sql.NullString{String: e.Key, Valid: e.Key != ""}, sql.NullInt64{Int64: e.Corrects, Valid: e.Corrects != 0},
		now.UnixMilli()).Scan(&e.ID)
	if err != nil {
		return Entry{}, fmt.Errorf("award: %w", err)
	}
	return e, nil
}

// dayBounds returns the day of t in loc: its start and the next day's.
func dayBounds(t time.Time, loc *time.Location) (from, to time.Time) {
	t = t.In(loc)
	from = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	return from, from.AddDate(0, 0, 1)
}

// monthBounds returns the month of t in loc: its start and the next
// month's.
func monthBounds(t time.Time, loc *time.Location) (from, to time.Time) {
	t = t.In(loc)
	from = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
	return from, from.AddDate(0, 1, 0)
}
