package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"partybot/apperr"
	"partybot/tickets"
)

const ticketsUsage = `用法：partybot tickets 子命令 [参数]
  create --from 姓名 [--contact 电话] [--department 部门] [--urgent] [--key 幂等键]
         [--kind report|suggestion] [--lat 纬度 --lng 经度] [--photo 文件]... 诉求...
                                  录入电话等渠道收到的诉求（或随手拍、建议），成功保存后打印工单编号；
                                  --photo 可重复，最多 5 张，每张不超过 10 MB
  list [--json] [--status 状态] [--kind 类型] [--department 部门] [--overdue] [--limit N]
  show [--json] 编号              工单详情与办理记录
  accept 编号 [--note 备注]       接单
  transfer 编号 --to 部门 --reason 理由
                                  转派
  resolve 编号 --reply 答复       办结
  verify 编号 [--note 备注]       随手拍/线索核实有效（须先接单）
  adopt 编号 --reply 答复 [--partial]
                                  建议或线索采纳（--partial：部分采纳），并答复提交人
  reject 编号 --reply 答复        建议暂不采纳或线索核实无效，并答复提交人
  rate 编号 --score 1-5 [--comment 评价]
                                  评单：录入提交人在电话回访中给出的评价（仅限电话渠道的工单）
  close 编号 [--note 备注]        销号
  supervise 编号 --note 督办意见  督办：管理员对未办结的工单提出督办意见，并通知承办部门
  sweep [--json]                  督办：标记超期、升级督办、排队提醒
  stats [--json] [--from 日期] [--to 日期] [--department 部门]
                                  按部门统计（日期如 2026-03-01，含起止日）
  export --xlsx 文件 | --csv 文件 [--status 状态] [--kind 类型] [--department 部门] [--from 日期] [--to 日期]
                                  导出台账
每个子命令都接受 --as 用户id：以该用户的身份（按配置文件中的管理员、部门工作人员）操作；
不指定时以管理员身份 "cli" 操作。`

// runTickets dispatches "partybot tickets SUBCOMMAND".
func (m *Main) runTickets(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("%s", ticketsUsage)
	}
	sub, rest := args[0], args[1:]
	run := map[string]func(context.Context, []string) error{
		"create":    m.runTicketsCreate,
		"list":      m.runTicketsList,
		"show":      m.runTicketsShow,
		"accept":    m.runTicketsAccept,
		"close":     m.runTicketsClose,
		"transfer":  m.runTicketsTransfer,
		"resolve":   m.runTicketsResolve,
		"verify":    m.runTicketsVerify,
		"adopt":     m.runTicketsAdopt,
		"reject":    m.runTicketsReject,
		"rate":      m.runTicketsRate,
		"sweep":     m.runTicketsSweep,
		"supervise": m.runTicketsSupervise,
		"stats":     m.runTicketsStats,
		"export":    m.runTicketsExport,
	}[sub]
	switch {
	case sub == "help" || sub == "-h" || sub == "--help":
		fmt.Fprintln(m.Stdout, ticketsUsage)
		return nil
	case run == nil:
		return usagef("未知的 tickets 子命令 %q\n\n%s", sub, ticketsUsage)
	}
	return run(ctx, rest)
}

// ticketFlags returns the flag set of "tickets SUB" with the --as flag
// every subcommand takes.
func ticketFlags(sub string) (*flag.FlagSet, *string) {
	fs := newFlagSet("tickets " + sub)
	return fs, fs.String("as", "", "")
}

// ticketArgs parses the flags of a subcommand, checks its positional
// arguments with valid (false: a usage error of usage) and opens the
// ticket store for the --as user.
func (m *Main) ticketArgs(ctx context.Context, fs *flag.FlagSet, as *string, args []string,
	valid func(pos []string) bool, usage string) (*tickets.Store, tickets.Viewer, []string, error) {
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, tickets.Viewer{}, nil, flagError(err, ticketsUsage)
	}
	if !valid(pos) {
		return nil, tickets.Viewer{}, nil, usagef("%s", usage)
	}
	s, v, err := m.openTicketsAs(ctx, *as)
	return s, v, pos, err
}

// none and one are the positional arguments a subcommand takes: none, or
// one ticket number.
func none(pos []string) bool { return len(pos) == 0 }
func one(pos []string) bool  { return len(pos) == 1 }

// openTicketsAs opens the ticket store for the user as (see cliViewer).
func (m *Main) openTicketsAs(ctx context.Context, as string) (*tickets.Store, tickets.Viewer, error) {
	r, err := m.openRouter()
	if err != nil {
		return nil, tickets.Viewer{}, err
	}
	s, err := m.openTickets(ctx, r)
	if err != nil {
		return nil, tickets.Viewer{}, err
	}
	return s, m.cliViewer(as), nil
}

// openTickets opens the ticket database in the data directory, drafting
// demands with router r; Close closes it. A data directory it creates is
// private (0700); in a read-only one the store opens read-only, and only
// its writes fail. Chat demands are capped per user and hour as
// access.tickets_per_hour says.
func (m *Main) openTickets(ctx context.Context, r *tickets.Router) (*tickets.Store, error) {
	if err := os.MkdirAll(m.Config.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("无法创建数据目录 %s：%w", m.Config.DataDir, err)
	}
	dsn, err := m.Config.storeDSN("tickets.db")
	if err != nil {
		return nil, err
	}
	s, err := openTicketStore(ctx, dsn,
		tickets.WithDepartments(r.Departments()), tickets.WithExtractor(r.ExtractContext),
		tickets.WithTicketsPerHour(m.Config.policy.TicketsPerHour()))
	if err != nil {
		return nil, ticketError(err)
	}
	m.onClose(s.Close)
	return s, nil
}

// ticketError turns a tickets error into what main prints after "错误：":
// the user-facing message of a coded error, the detail of an internal one.
func ticketError(err error) error {
	if err == nil {
		return nil
	}
	if code := apperr.Code(err); code != apperr.EInternal {
		return errors.New(apperr.Message(err))
	}
	return fmt.Errorf("工单库操作失败：%w", err)
}

// cliViewer is who the command acts as: the admin "cli" by default, or the
// user named by --as with the rights the config file gives them. The
// config must be loaded.
func (m *Main) cliViewer(as string) tickets.Viewer {
	v := tickets.Viewer{UserID: "cli", Admin: true}
	if as != "" {
		v = m.Config.policy.Viewer(as)
	}
	v.Via = tickets.ViaCLI
	return v
}

const createUsage = "用法：partybot tickets create --from 姓名 [--contact 电话] [--department 部门] [--urgent] [--key 幂等键] " +
	"[--kind report|suggestion] [--lat 纬度 --lng 经度] [--photo 文件]... 诉求..."

// runTicketsCreate is "tickets create": a demand, report or suggestion
// received by phone or in person, filed for its submitter with its photos
// and coordinates; it prints the number once it is saved.
func (m *Main) runTicketsCreate(ctx context.Context, args []string) error {
	fs, as := ticketFlags("create")
	from := fs.String("from", "", "")
	contact := fs.String("contact", "", "")
	dept := fs.String("department", "", "")
	urgent := fs.Bool("urgent", false, "")
	key := fs.String("key", "", "")
	kind := fs.String("kind", "", "")
	lat, lng := fs.String("lat", "", ""), fs.String("lng", "", "")
	var photos []string
	fs.Func("photo", "", func(p string) error { photos = append(photos, p); return nil })
	valid := func(pos []string) bool {
		return strings.TrimSpace(*from) != "" && strings.TrimSpace(strings.Join(pos, " ")) != ""
	}
	s, v, pos, err := m.ticketArgs(ctx, fs, as, args, valid, createUsage)
	if err != nil {
		return err
	}
	name, text := strings.TrimSpace(*from), strings.TrimSpace(strings.Join(pos, " "))
	if err := tickets.CheckText(text); err != nil {
		return ticketError(err)
	}
	n := tickets.NewTicket{
		SubmitterID: "phone:" + name, SubmitterName: name, Channel: tickets.ChannelPhone, Text: text,
		Contact: strings.TrimSpace(*contact), Department: *dept, IdempotencyKey: *key, Actor: v.UserID, Via: tickets.ViaCLI,
	}
	if err := m.reportFields(&n, *kind, *lat, *lng, photos); err != nil {
		return err
	}
	if n.Department != "" {
		n.Confidence = 1
	}
	if *urgent {
		n.Urgency = tickets.UrgencyUrgent
	}
	t, err := s.CreateTicket(ctx, n)
	if err != nil {
		return ticketError(err)
	}
	// committed: now, and only now, the number
	fmt.Fprintln(m.Stdout, t.Number)
	d, _ := s.Department(t.Department)
	note := ""
	if t.ManualDispatch {
		note = "，未能确定归属部门，待人工分派"
	}
	due := tickets.FormatTime(t.DueAt) + "前办结"
	if t.DueAt.IsZero() {
		due = "不设办结期限"
	}
	if len(t.Duplicates) > 0 {
		note += "，疑似与 " + strings.Join(t.Duplicates, "、") + " 重复"
	}
	fmt.Fprintf(m.Stderr, "已派至%s（%s），%s前接单，%s%s\n", d.Name, t.Urgency.Label(),
		tickets.FormatTime(t.RespondDue), due, note)
	return nil
}

// reportFields sets the kind, coordinates and photos of n from the flags
// of "tickets create", storing the photos in the data directory.
func (m *Main) reportFields(n *tickets.NewTicket, kind, lat, lng string, photos []string) error {
	k, err := tickets.ParseKind(kind)
	if err != nil {
		return usagef("%s", apperr.Message(err))
	}
	n.Kind = k
	if n.Coords, err = parseCoords(lat, lng); err != nil {
		return err
	}
	if len(photos) > tickets.MaxAttachments {
		return usagef("--photo 最多 %d 张", tickets.MaxAttachments)
	}
	for _, p := range photos {
		a, err := m.putPhoto(p)
		if err != nil {
			return err
		}
		n.Attachments = append(n.Attachments, a)
	}
	return nil
}

// parseCoords parses --lat and --lng: both or neither.
func parseCoords(lat, lng string) (*tickets.LatLng, error) {
	if lat == "" && lng == "" {
		return nil, nil
	}
	la, err1 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
	ln, err2 := strconv.ParseFloat(strings.TrimSpace(lng), 64)
	if err1 != nil || err2 != nil {
		return nil, usagef("--lat 和 --lng 须同时给出，且为以度为单位的数字（如 --lat 39.9042 --lng 116.4074）")
	}
	p := &tickets.LatLng{Lat: la, Lng: ln}
	if err := p.Validate(); err != nil {
		return nil, ticketError(err)
	}
	return p, nil
}

// ticketFiles is where the photos of tickets are kept: the attachments
// folder of the data directory.
func (m *Main) ticketFiles() tickets.Files {
	return tickets.Files{Dir: filepath.Join(m.Config.DataDir, "attachments")}
}

// putPhoto stores the photo at path with the ticket files.
func (m *Main) putPhoto(path string) (tickets.Attachment, error) {
	f, err := os.Open(path)
	if err != nil {
		return tickets.Attachment{}, fmt.Errorf("无法读取照片 %s：%w", path, err)
	}
	defer f.Close()
	a, err := m.ticketFiles().Put(f, tickets.MaxPhotoBytes)
	if err != nil {
		return a, fmt.Errorf("照片 %s：%w", path, ticketError(err))
	}
	a.Name = filepath.Base(path)
	return a, nil
}

// runTicketsList is "tickets list": the tickets the user may see, as a
// table or as JSON lines.
func (m *Main) runTicketsList(ctx context.Context, args []string) error {
	fs, as := ticketFlags("list")
	asJSON := fs.Bool("json", false, "")
	status := fs.String("status", "", "")
	dept := fs.String("department", "", "")
	overdue := fs.Bool("overdue", false, "")
	kind := fs.String("kind", "", "")
	limit := fs.Int("limit", 50, "")
	s, v, _, err := m.ticketArgs(ctx, fs, as, args, none,
		"用法：partybot tickets list [--json] [--status 状态] [--kind 类型] [--department 部门] [--overdue] [--limit N]")
	if err != nil {
		return err
	}
	if *limit < 0 {
		return usagef("--limit 不能为负数")
	}
	f, err := ticketFilter(*status, *kind, *dept)
	if err != nil {
		return err
	}
	f.Limit = *limit
	if *overdue {
		f.Overdue = overdue
	}
	ts, err := s.FindTickets(ctx, v, f)
	if err != nil {
		return ticketError(err)
	}
	if *asJSON {
		for _, t := range ts {
			if err := writeJSONLine(m.Stdout, t); err != nil {
				return err
			}
		}
		return nil
	}
	return m.printTicketList(s, ts)
}

// printTicketList prints tickets as a table.
func (m *Main) printTicketList(s *tickets.Store, ts []*tickets.Ticket) error {
	if len(ts) == 0 {
		fmt.Fprintln(m.Stdout, "没有符合条件的工单。")
		return nil
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "编号\t状态\t承办部门\t紧急\t提交时间\t诉求")
	for _, t := range ts {
		d, _ := s.Department(t.Department)
		flag := ""
		if t.Overdue {
			flag = fmt.Sprintf(" [超期·%d级督办]", t.Escalation)
		}
		kind := ""
		if t.Kind != tickets.KindDemand {
			kind = "［" + t.Kind.Label() + "］"
		}
		fmt.Fprintf(tw, "%s\t%s%s\t%s\t%s\t%s\t%s%s\n", t.Number, t.Status.Label(), flag, cmp.Or(d.Name, t.Department),
			t.Urgency.Label(), tickets.FormatTime(t.CreatedAt), kind, tickets.ShowHidden(t.Summary))
	}
	return tw.Flush()
}

// runTicketsShow is "tickets show": one ticket with its history.
func (m *Main) runTicketsShow(ctx context.Context, args []string) error {
	fs, as := ticketFlags("show")
	asJSON := fs.Bool("json", false, "")
	s, v, pos, err := m.ticketArgs(ctx, fs, as, args, one, "用法：partybot tickets show [--json] 编号")
	if err != nil {
		return err
	}
	t, err := s.FindTicketByNumber(ctx, v, pos[0])
	if err != nil {
		return ticketError(err)
	}
	if *asJSON {
		return writeJSONLine(m.Stdout, t)
	}
	d, _ := s.Department(t.Department)
	fmt.Fprintln(m.Stdout, t.Describe(d.Name))
	return nil
}

// runTicketsAccept is "tickets accept": 接单.
func (m *Main) runTicketsAccept(ctx context.Context, args []string) error {
	return m.runTicketsNoted(ctx, "accept", args, (*tickets.Store).Accept)
}

// runTicketsClose is "tickets close": 销号.
func (m *Main) runTicketsClose(ctx context.Context, args []string) error {
	return m.runTicketsNoted(ctx, "close", args, (*tickets.Store).CloseTicket)
}

// runTicketsSupervise is "tickets supervise": an administrator's 督办
// note, sent to the department.
func (m *Main) runTicketsSupervise(ctx context.Context, args []string) error {
	return m.runTicketsNoted(ctx, "supervise", args, (*tickets.Store).Supervise)
}

// runTicketsNoted runs the transition act, which takes an optional
// --note, on one ticket.
func (m *Main) runTicketsNoted(ctx context.Context, sub string, args []string,
	act func(*tickets.Store, context.Context, tickets.Viewer, string, string) (*tickets.Ticket, error)) error {
	fs, as := ticketFlags(sub)
	note := fs.String("note", "", "")
	s, v, pos, err := m.ticketArgs(ctx, fs, as, args, one, fmt.Sprintf("用法：partybot tickets %s 编号 [--note 备注]", sub))
	if err != nil {
		return err
	}
	t, err := act(s, ctx, v, pos[0], *note)
	return m.reportChange(s, t, err)
}

// runTicketsTransfer is "tickets transfer": 转派 to another department.
func (m *Main) runTicketsTransfer(ctx context.Context, args []string) error {
	fs, as := ticketFlags("transfer")
	to := fs.String("to", "", "")
	reason := fs.String("reason", "", "")
	valid := func(pos []string) bool { return one(pos) && *to != "" }
	s, v, pos, err := m.ticketArgs(ctx, fs, as, args, valid, "用法：partybot tickets transfer 编号 --to 部门 --reason 理由")
	if err != nil {
		return err
	}
	t, err := s.Transfer(ctx, v, pos[0], *to, *reason)
	return m.reportChange(s, t, err)
}

// runTicketsResolve is "tickets resolve": 办结 with a reply.
func (m *Main) runTicketsResolve(ctx context.Context, args []string) error {
	fs, as := ticketFlags("resolve")
	reply := fs.String("reply", "", "")
	s, v, pos, err := m.ticketArgs(ctx, fs, as, args, one, "用法：partybot tickets resolve 编号 --reply 答复")
	if err != nil {
		return err
	}
	t, err := s.Resolve(ctx, v, pos[0], *reply)
	return m.reportChange(s, t, err)
}

// runTicketsVerify is "tickets verify": a report 核实有效.
func (m *Main) runTicketsVerify(ctx context.Context, args []string) error {
	return m.runTicketsNoted(ctx, "verify", args, (*tickets.Store).Verify)
}

// runTicketsAdopt is "tickets adopt": a suggestion or 线索 采纳, or with
// --partial 部分采纳.
func (m *Main) runTicketsAdopt(ctx context.Context, args []string) error {
	fs, as := ticketFlags("adopt")
	reply := fs.String("reply", "", "")
	partial := fs.Bool("partial", false, "")
	s, v, pos, err := m.ticketArgs(ctx, fs, as, args, one, "用法：partybot tickets adopt 编号 --reply 答复 [--partial]")
	if err != nil {
		return err
	}
	t, err := s.Adopt(ctx, v, pos[0], *reply, *partial)
	return m.reportChange(s, t, err)
}

// runTicketsReject is "tickets reject": a suggestion 暂不采纳, a report
// 核实无效.
func (m *Main) runTicketsReject(ctx context.Context, args []string) error {
	fs, as := ticketFlags("reject")
	reply := fs.String("reply", "", "")
	s, v, pos, err := m.ticketArgs(ctx, fs, as, args, one, "用法：partybot tickets reject 编号 --reply 答复")
	if err != nil {
		return err
	}
	t, err := s.Reject(ctx, v, pos[0], *reply)
	return m.reportChange(s, t, err)
}

// runTicketsRate is "tickets rate": 评单, the rating a submitter gave on a
// return call.
func (m *Main) runTicketsRate(ctx context.Context, args []string) error {
	fs, as := ticketFlags("rate")
	score := fs.Int("score", 0, "")
	comment := fs.String("comment", "", "")
	valid := func(pos []string) bool { return one(pos) && *score != 0 }
	s, v, pos, err := m.ticketArgs(ctx, fs, as, args, valid, "用法：partybot tickets rate 编号 --score 1-5 [--comment 评价]")
	if err != nil {
		return err
	}
	t, err := s.Rate(ctx, v, pos[0], *score, *comment)
	return m.reportChange(s, t, err)
}

// runTicketsSweep is "tickets sweep": 督办, for admins.
func (m *Main) runTicketsSweep(ctx context.Context, args []string) error {
	fs, as := ticketFlags("sweep")
	asJSON := fs.Bool("json", false, "")
	s, v, _, err := m.ticketArgs(ctx, fs, as, args, none, "用法：partybot tickets sweep [--json]")
	if err != nil {
		return err
	}
	if !v.Admin {
		return errors.New("只有管理员可以执行督办")
	}
	res, err := s.Sweep(ctx, time.Now())
	if err != nil {
		return ticketError(err)
	}
	if *asJSON {
		return writeJSONLine(m.Stdout, res)
	}
	fmt.Fprintf(m.Stdout, "督办完成：升级督办 %d 件，自动销号 %d 件，排队提醒 %d 条。\n", res.Escalated, res.Closed, res.Queued)
	return nil
}

// reportChange prints the outcome of a transition.
func (m *Main) reportChange(s *tickets.Store, t *tickets.Ticket, err error) error {
	if err != nil {
		return ticketError(err)
	}
	d, _ := s.Department(t.Department)
	msg := fmt.Sprintf("工单 %s 现为“%s”（%s）", t.Number, t.Status.Label(), cmp.Or(d.Name, t.Department))
	if t.Outcome != "" {
		msg += "，" + t.Outcome.Label(t.Kind)
	}
	if t.Reopened > 0 && t.Status == tickets.StatusDispatched {
		msg += "，评价不满意，已退回重办"
	}
	fmt.Fprintln(m.Stdout, msg)
	return nil
}

// ticketFilter builds the filter of --status, --kind and --department;
// a status or kind that does not parse is a usage error.
func ticketFilter(status, kind, dept string) (tickets.TicketFilter, error) {
	var f tickets.TicketFilter
	if status != "" {
		st, err := tickets.ParseStatus(status)
		if err != nil {
			return f, usagef("%s", apperr.Message(err))
		}
		f.Status = &st
	}
	if kind != "" {
		k, err := tickets.ParseKind(kind)
		if err != nil {
			return f, usagef("%s", apperr.Message(err))
		}
		f.Kind = &k
	}
	if dept != "" {
		f.Department = &dept
	}
	return f, nil
}
