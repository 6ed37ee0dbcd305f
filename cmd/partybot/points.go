package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"partybot/access"
	"partybot/apperr"
	"partybot/points"
	"partybot/tickets"
)

const pointsUsage = `用法：partybot points 子命令 [参数]
  show --user 用户id [--json] [--limit N]
                                  积分余额与最近的积分记录（默认 20 条，0 为全部）
  award --user 用户id --points N --reason 理由 [--corrects 记录编号] [--key 幂等键]
                                  管理员奖励 N 分（N 为正）；带 --corrects 时为更正该条记录（N 可正可负）
  rank [--month 2026-11] [--limit N] [--json]
                                  月度积分排行（默认本月前 10 名；只显示本人同意公开的昵称）
  export --xlsx 文件 [--month 2026-11]
                                  导出月结单（期初、本月获得、本月更正、期末）与明细
每个子命令都接受 --as 用户id：以该用户的身份（按配置文件中的管理员）操作；
不指定时以管理员身份 "cli" 操作。award 与 export 仅限管理员，show 仅限管理员或本人。`

// runPoints dispatches "partybot points SUBCOMMAND".
func (m *Main) runPoints(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("%s", pointsUsage)
	}
	sub, rest := args[0], args[1:]
	run := map[string]func(context.Context, []string) error{
		"show":   m.runPointsShow,
		"award":  m.runPointsAward,
		"rank":   m.runPointsRank,
		"export": m.runPointsExport,
	}[sub]
	switch {
	case sub == "help" || sub == "-h" || sub == "--help":
		fmt.Fprintln(m.Stdout, pointsUsage)
		return nil
	case run == nil:
		return usagef("未知的 points 子命令 %q\n\n%s", sub, pointsUsage)
	}
	return run(ctx, rest)
}

// pointsArgs parses the flags of "points SUB" (the --as flag included),
// which takes no positional arguments (else a usage error of usage), and
// loads the config; it returns who acts.
func (m *Main) pointsArgs(fs *flag.FlagSet, as *string, args []string, usage string) (tickets.Viewer, error) {
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return tickets.Viewer{}, flagError(err, pointsUsage)
	}
	if len(pos) > 0 {
		return tickets.Viewer{}, usagef("%s", usage)
	}
	if err := m.loadConfig(); err != nil {
		return tickets.Viewer{}, err
	}
	return m.cliViewer(*as), nil
}

// pointsFlags returns the flag set of "points SUB" with the --as flag.
func pointsFlags(sub string) (*flag.FlagSet, *string) {
	fs := newFlagSet("points " + sub)
	return fs, fs.String("as", "", "")
}

// pointsRules are the rules awards follow: the config's "points" section,
// or the defaults.
func (m *Main) pointsRules() points.Rules {
	if m.Config.PointsRules.Earn == nil {
		return points.DefaultRules()
	}
	return m.Config.PointsRules
}

// openPoints opens the points ledger (points.db in the data directory, or
// the shared PostgreSQL database); Close closes it.
func (m *Main) openPoints(ctx context.Context, opts ...points.Option) (*points.Store, error) {
	if err := os.MkdirAll(m.Config.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("无法创建数据目录 %s：%w", m.Config.DataDir, err)
	}
	dsn, err := m.Config.storeDSN("points.db")
	if err != nil {
		return nil, err
	}
	s, err := points.Open(ctx, dsn, append([]points.Option{points.WithRules(m.pointsRules())}, opts...)...)
	if err != nil {
		return nil, pointsError(err)
	}
	m.onClose(s.Close)
	return s, nil
}

// pointsError turns a points error into what main prints after "错误：":
// the user-facing message of a coded error, the detail of an internal one.
func pointsError(err error) error {
	if err == nil {
		return nil
	}
	if code := apperr.Code(err); code != apperr.EInternal {
		return errors.New(apperr.Message(err))
	}
	return fmt.Errorf("积分库操作失败：%w", err)
}

var errPointsAdminOnly = errors.New("只有管理员可以执行该操作")

// pointsShow is what "points show --json" prints.
type pointsShow struct {
	UserID  string         `json:"user_id"`
	Balance int            `json:"balance"`
	Entries []points.Entry `json:"entries"`
}

// runPointsShow is "points show": a user's balance and latest entries.
func (m *Main) runPointsShow(ctx context.Context, args []string) error {
	fs, as := pointsFlags("show")
	user := fs.String("user", "", "")
	asJSON := fs.Bool("json", false, "")
	limit := fs.Int("limit", 20, "")
	v, err := m.pointsArgs(fs, as, args, "用法：partybot points show --user 用户id [--json] [--limit N]")
	if err != nil {
		return err
	}
	if strings.TrimSpace(*user) == "" || *limit < 0 {
		return usagef("用法：partybot points show --user 用户id [--json] [--limit N]（N 不能为负数）")
	}
	if !v.Admin && v.UserID != *user {
		return errors.New("只能查看本人的积分")
	}
	s, err := m.openPoints(ctx)
	if err != nil {
		return err
	}
	out := pointsShow{UserID: *user, Entries: []points.Entry{}}
	if out.Balance, err = s.Balance(ctx, *user); err != nil {
		return pointsError(err)
	}
	es, err := s.Entries(ctx, *user, *limit)
	if err != nil {
		return pointsError(err)
	}
	out.Entries = append(out.Entries, es...)
	if *asJSON {
		return writeJSONLine(m.Stdout, out)
	}
	return m.printPoints(out)
}

// printPoints prints a balance and its entries as a table.
func (m *Main) printPoints(p pointsShow) error {
	fmt.Fprintf(m.Stdout, "用户 %s 的红色积分：%d 分\n", p.UserID, p.Balance)
	if len(p.Entries) == 0 {
		fmt.Fprintln(m.Stdout, "暂无积分记录。")
		return nil
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "编号\t时间\t积分\t余额\t事由\t工单\t操作人\t备注")
	for _, e := range p.Entries {
		reason := e.Reason.Label()
		if e.Corrects != 0 {
			reason += fmt.Sprintf("（第 %d 条）", e.Corrects)
		}
		fmt.Fprintf(tw, "%d\t%s\t%+d\t%d\t%s\t%s\t%s\t%s\n", e.ID, e.At.Format("2006-01-02 15:04"), e.Points, e.Balance,
			reason, e.TicketNumber, e.By, e.Note)
	}
	return tw.Flush()
}

// runPointsAward is "points award": an admin's manual award, or a
// correction of an entry (--corrects).
func (m *Main) runPointsAward(ctx context.Context, args []string) error {
	const usage = "用法：partybot points award --user 用户id --points N --reason 理由 [--corrects 记录编号] [--key 幂等键]"
	fs, as := pointsFlags("award")
	user := fs.String("user", "", "")
	n := fs.Int("points", 0, "")
	reason := fs.String("reason", "", "")
	corrects := fs.Int64("corrects", 0, "")
	key := fs.String("key", "", "")
	valid := func() bool { return strings.TrimSpace(*user) != "" && *n != 0 && strings.TrimSpace(*reason) != "" }
	v, err := m.pointsArgs(fs, as, args, usage)
	if err != nil {
		return err
	}
	switch {
	case !valid():
		return usagef("%s", usage)
	case *n < 0 && *corrects == 0:
		return usagef("扣减积分须用 --corrects 指明被更正的积分记录编号（见 partybot points show）\n\n%s", usage)
	case !v.Admin:
		return errPointsAdminOnly
	}
	a := points.Award{UserID: strings.TrimSpace(*user), Reason: points.Manual, Points: *n, By: v.UserID,
		Note: strings.TrimSpace(*reason), Key: *key, Corrects: *corrects}
	if a.Corrects != 0 {
		a.Reason = points.Correction
	}
	return m.award(ctx, a)
}

// award makes a and reports it; a user nobody knows is refused.
func (m *Main) award(ctx context.Context, a points.Award) error {
	known, err := m.knownUsers(ctx)
	if err != nil {
		return err
	}
	s, err := m.openPoints(ctx, points.WithKnown(known))
	if err != nil {
		return err
	}
	res, err := s.Award(ctx, a)
	if err != nil {
		return pointsError(err)
	}
	e := res.Entry
	if !res.New {
		fmt.Fprintf(m.Stdout, "幂等键 %s 已记过（记录编号 %d），未重复记分；用户 %s 现有 %d 分\n", a.Key, e.ID, e.UserID, e.Balance)
		return nil
	}
	fmt.Fprintf(m.Stdout, "已记入：用户 %s %+d 分（%s），余额 %d 分，记录编号 %d\n", e.UserID, e.Points, e.Reason.Label(), e.Balance, e.ID)
	return nil
}

// knownUsers returns who may be given points: a configured admin or staff
// member, an allowed user of an allowlist, or a submitter of a ticket in
// the ticket store. The config must be loaded.
func (m *Main) knownUsers(ctx context.Context) (points.KnownFunc, error) {
	ts, _, err := m.openTicketsAs(ctx, "")
	if err != nil {
		return nil, err
	}
	p := m.Config.policy
	admin := tickets.Viewer{UserID: "cli", Admin: true}
	return func(ctx context.Context, id string) (bool, error) {
		if p.IsAdmin(id) || len(p.Viewer(id).Departments) > 0 || (p.Mode() == access.Allowlist && p.Allowed(id)) {
			return true, nil
		}
		found, err := ts.FindTickets(ctx, admin, tickets.TicketFilter{SubmitterID: &id, Limit: 1})
		return len(found) > 0, err
	}, nil
}

// parseMonth parses --month (2026-11) in China Standard Time; "" is the
// current month.
func parseMonth(s string) (time.Time, error) {
	if s == "" {
		return time.Now().In(tickets.DefaultLocation), nil
	}
	t, err := time.ParseInLocation("2006-01", s, tickets.DefaultLocation)
	if err != nil || t.Year() < 2000 || t.Year() > 9998 {
		return time.Time{}, usagef("--month 应为年月，例如 2026-11")
	}
	return t, nil
}

// runPointsRank is "points rank": the month's rank. Only admins see the
// user ids of those who did not opt in to be named.
func (m *Main) runPointsRank(ctx context.Context, args []string) error {
	fs, as := pointsFlags("rank")
	month := fs.String("month", "", "")
	limit := fs.Int("limit", 10, "")
	asJSON := fs.Bool("json", false, "")
	v, err := m.pointsArgs(fs, as, args, "用法：partybot points rank [--month 2026-11] [--limit N] [--json]")
	if err != nil {
		return err
	}
	t, err := parseMonth(*month)
	if err != nil {
		return err
	}
	s, err := m.openPoints(ctx)
	if err != nil {
		return err
	}
	rows, err := s.MonthRank(ctx, t, *limit)
	if err != nil {
		return pointsError(err)
	}
	for i := range rows {
		if !v.Admin && rows[i].UserID != v.UserID {
			rows[i].UserID = ""
		}
	}
	if *asJSON {
		return writeJSONLines(m.Stdout, rows)
	}
	return m.printRank(t, rows)
}

// writeJSONLines writes each row as one line of JSON.
func writeJSONLines[T any](w io.Writer, rows []T) error {
	for _, r := range rows {
		if err := writeJSONLine(w, r); err != nil {
			return err
		}
	}
	return nil
}

// printRank prints the rank of the month of t as a table.
func (m *Main) printRank(t time.Time, rows []points.RankRow) error {
	fmt.Fprintf(m.Stdout, "%d年%d月 红色积分排行\n", t.Year(), t.Month())
	if len(rows) == 0 {
		fmt.Fprintln(m.Stdout, "本月暂无积分。")
		return nil
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "名次\t昵称\t用户\t积分")
	for _, r := range rows {
		name := r.DisplayName
		if name == "" {
			name = "（未公开）"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\n", r.Rank, name, r.UserID, r.Points)
	}
	return tw.Flush()
}

// runPointsExport is "points export": the month's statement as .xlsx.
func (m *Main) runPointsExport(ctx context.Context, args []string) error {
	fs, as := pointsFlags("export")
	path := fs.String("xlsx", "", "")
	month := fs.String("month", "", "")
	v, err := m.pointsArgs(fs, as, args, "用法：partybot points export --xlsx 文件 [--month 2026-11]")
	if err != nil {
		return err
	}
	if *path == "" {
		return usagef("用法：partybot points export --xlsx 文件 [--month 2026-11]")
	}
	if !v.Admin {
		return errPointsAdminOnly
	}
	t, err := parseMonth(*month)
	if err != nil {
		return err
	}
	s, err := m.openPoints(ctx)
	if err != nil {
		return err
	}
	st, err := s.MonthStatement(ctx, t)
	if err != nil {
		return pointsError(err)
	}
	if err := writeFileAtomic(*path, func(w io.Writer) error { return points.WriteXLSX(w, st) }); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "已导出 %s 红色积分月结单（%d 人，%d 条记录）到 %s\n", st.Label, len(st.Users), len(st.Entries), *path)
	return nil
}

// migratePoints copies the points ledger at path into the PostgreSQL
// database at url ("partybot migrate").
func (m *Main) migratePoints(ctx context.Context, path, url string) error {
	err := copyStore(ctx, m, "积分库", path, url,
		func(ctx context.Context, dsn string) (*points.Store, error) { return points.Open(ctx, dsn) },
		(*points.Store).CopyTo)
	return pointsError(err)
}
