package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"partybot/apperr"
	"partybot/tickets"
)

const routeUsage = `用法：partybot route [--json] 诉求...
  判断诉求应交办的部门（不建工单）；诉求为 "-" 时从标准输入逐行读取`

const ticketsUsage = `用法：partybot tickets 子命令 [参数]
  create --from 姓名 [--contact 电话] [--department 部门] [--urgent] [--key 幂等键] 诉求...
                                  录入电话等渠道收到的诉求，成功保存后打印工单编号
  list [--json] [--status 状态] [--department 部门] [--overdue] [--limit N]
  show [--json] 编号              工单详情与办理记录
  accept 编号 [--note 备注]       接单
  transfer 编号 --to 部门 --reason 理由
                                  转派
  resolve 编号 --reply 答复       办结
  rate 编号 --score 1-5 [--comment 评价]
                                  评单：录入提交人在电话回访中给出的评价（仅限电话渠道的工单）
  close 编号 [--note 备注]        销号
  sweep [--json]                  督办：标记超期、升级督办、排队提醒
  stats [--json] [--from 日期] [--to 日期] [--department 部门]
                                  按部门统计（日期如 2026-03-01，含起止日）
  export --xlsx 文件 | --csv 文件 [--status 状态] [--department 部门] [--from 日期] [--to 日期]
                                  导出台账
每个子命令都接受 --as 用户id：以该用户的身份（按配置文件中的管理员、部门工作人员）操作；
不指定时以管理员身份 "cli" 操作。`

// parseInterspersed parses flags that may come before, between or after the
// positional arguments ("show 2026-000001 --json") and returns the
// positional ones. "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// newFlagSet returns a quiet flag set whose errors become usage errors.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func flagError(err error, usage string) error {
	if errors.Is(err, flag.ErrHelp) {
		return usagef("%s", usage)
	}
	return usagef("参数错误：%v\n\n%s", err, usage)
}

// openRouter builds the router from the configured departments.
func (m *Main) openRouter() (*tickets.Router, []tickets.Department, error) {
	if err := m.loadConfig(); err != nil {
		return nil, nil, err
	}
	ds, err := m.Config.TicketDepartments()
	if err != nil {
		return nil, nil, errors.New(apperr.Message(err))
	}
	var opts []tickets.RouterOption
	if m.Config.RouteThreshold > 0 {
		opts = append(opts, tickets.WithThreshold(m.Config.RouteThreshold))
	}
	r, err := tickets.NewRouter(ds, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("初始化分派规则失败：%w", err)
	}
	return r, ds, nil
}

// openTickets opens the ticket database in the data directory; Close closes
// it. A data directory it creates is private (0700); in a read-only one the
// store opens read-only, and only its writes fail. Chat demands are capped
// per user and hour as access.tickets_per_hour says.
func (m *Main) openTickets(ctx context.Context) (*tickets.Store, error) {
	r, ds, err := m.openRouter()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(m.Config.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("无法创建数据目录 %s：%w", m.Config.DataDir, err)
	}
	s, err := tickets.Open(ctx, filepath.Join(m.Config.DataDir, "tickets.db"),
		tickets.WithDepartments(ds), tickets.WithExtractor(r.ExtractContext),
		tickets.WithTicketsPerHour(m.Config.TicketsPerHour()))
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
// user named by --as with the rights the config file gives them.
func (m *Main) cliViewer(as string) tickets.Viewer {
	if as == "" {
		return tickets.Viewer{UserID: "cli", Admin: true}
	}
	return m.Config.Viewer(as)
}

// runRoute implements "partybot route [--json] TEXT...".
func (m *Main) runRoute(ctx context.Context, args []string) error {
	fs := newFlagSet("route")
	asJSON := fs.Bool("json", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return flagError(err, routeUsage)
	}
	var texts []string
	switch {
	case len(pos) == 1 && pos[0] == "-":
		sc := bufio.NewScanner(m.Stdin)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if t := strings.TrimSpace(sc.Text()); t != "" {
				texts = append(texts, t)
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("读取标准输入失败：%w", err)
		}
	default:
		if t := strings.TrimSpace(strings.Join(pos, " ")); t != "" {
			texts = append(texts, t)
		}
	}
	if len(texts) == 0 && !(len(pos) == 1 && pos[0] == "-") {
		return usagef("%s", routeUsage)
	}
	r, _, err := m.openRouter()
	if err != nil {
		return err
	}
	for _, text := range texts {
		if !utf8.ValidString(text) {
			return errors.New("诉求内容不是有效的 UTF-8 文本")
		}
		if utf8.RuneCountInString(text) > tickets.MaxTextRunes {
			return fmt.Errorf("诉求内容过长（不超过 %d 字）", tickets.MaxTextRunes)
		}
		rt, err := r.Route(ctx, text)
		if err != nil {
			return err
		}
		if *asJSON {
			b, err := json.Marshal(struct {
				Text       string  `json:"text"`
				Department string  `json:"department"`
				Confidence float64 `json:"confidence"`
			}{text, rt.Department, rt.Confidence})
			if err != nil {
				return err
			}
			fmt.Fprintln(m.Stdout, string(b))
			continue
		}
		d, _ := findDepartment(r.Departments(), rt.Department)
		line := fmt.Sprintf("%s（%s）置信度 %.2f", d.Name, rt.Department, rt.Confidence)
		if rt.Category != "" {
			line += "，类别：" + rt.Category
		}
		if rt.ManualDispatch {
			line += "，无法确定归属，转人工分派"
		}
		fmt.Fprintf(m.Stdout, "%s\t%s\n", line, text)
	}
	return nil
}

func findDepartment(ds []tickets.Department, key string) (tickets.Department, bool) {
	for _, d := range ds {
		if d.Key == key {
			return d, true
		}
	}
	return tickets.Department{Key: key, Name: key}, false
}

// runEvalRouting implements "partybot eval routing FILE": routing accuracy on
// {"text","department"} lines, printed as one JSON line.
func (m *Main) runEvalRouting(ctx context.Context, args []string) error {
	const usage = "用法：partybot eval routing [-v] 文件（每行一个 {\"text\",\"department\"}）"
	fs := newFlagSet("eval routing")
	verbose := fs.Bool("v", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return flagError(err, usage)
	}
	if len(pos) != 1 {
		return usagef("%s", usage)
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return fmt.Errorf("无法打开 %s：%w", pos[0], err)
	}
	defer f.Close()
	samples, err := tickets.ReadRoutingSamples(f)
	if err != nil {
		return fmt.Errorf("%s：%s", pos[0], apperr.Message(err))
	}
	if len(samples) == 0 {
		return fmt.Errorf("%s 中没有评测样本", pos[0])
	}
	r, ds, err := m.openRouter()
	if err != nil {
		return err
	}
	for _, s := range samples {
		if _, ok := findDepartment(ds, s.Department); !ok {
			return fmt.Errorf("%s：未知部门 %q", pos[0], s.Department)
		}
	}
	rep, err := tickets.EvaluateRouting(ctx, r.Route, samples)
	if err != nil {
		return err
	}
	if *verbose {
		for _, x := range rep.Misrouted {
			fmt.Fprintf(m.Stderr, "误分 %s：应为 %s，分到 %s（%.2f）：%s\n", x.ID, x.Want, x.Got, x.Confidence, x.Text)
		}
	}
	b, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, string(b))
	return nil
}

// runTickets dispatches "partybot tickets SUBCOMMAND".
func (m *Main) runTickets(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("%s", ticketsUsage)
	}
	sub, rest := args[0], args[1:]
	fs := newFlagSet("tickets " + sub)
	as := fs.String("as", "", "")
	var run func(s *tickets.Store, v tickets.Viewer, pos []string) error
	switch sub {
	case "create":
		from := fs.String("from", "", "")
		contact := fs.String("contact", "", "")
		dept := fs.String("department", "", "")
		urgent := fs.Bool("urgent", false, "")
		key := fs.String("key", "", "")
		run = func(s *tickets.Store, v tickets.Viewer, pos []string) error {
			text := strings.TrimSpace(strings.Join(pos, " "))
			if strings.TrimSpace(*from) == "" || text == "" {
				return usagef("用法：partybot tickets create --from 姓名 [--contact 电话] [--department 部门] [--urgent] [--key 幂等键] 诉求...")
			}
			n := tickets.NewTicket{
				SubmitterID: "phone:" + strings.TrimSpace(*from), SubmitterName: strings.TrimSpace(*from),
				Channel: tickets.ChannelPhone, Text: text, Contact: strings.TrimSpace(*contact),
				Department: *dept, IdempotencyKey: *key, Actor: v.UserID,
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
			fmt.Fprintf(m.Stderr, "已派至%s（%s），%s前接单，%s前办结%s\n", d.Name, t.Urgency.Label(),
				tickets.FormatTime(t.RespondDue), tickets.FormatTime(t.DueAt), note)
			return nil
		}
	case "list":
		asJSON := fs.Bool("json", false, "")
		status := fs.String("status", "", "")
		dept := fs.String("department", "", "")
		overdue := fs.Bool("overdue", false, "")
		limit := fs.Int("limit", 50, "")
		run = func(s *tickets.Store, v tickets.Viewer, pos []string) error {
			if len(pos) > 0 {
				return usagef("用法：partybot tickets list [--json] [--status 状态] [--department 部门] [--overdue] [--limit N]")
			}
			if *limit < 0 {
				return usagef("--limit 不能为负数")
			}
			f, err := ticketFilter(*status, *dept)
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
				fmt.Fprintf(tw, "%s\t%s%s\t%s\t%s\t%s\t%s\n", t.Number, t.Status.Label(), flag, cmp.Or(d.Name, t.Department),
					t.Urgency.Label(), tickets.FormatTime(t.CreatedAt), tickets.ShowHidden(t.Summary))
			}
			return tw.Flush()
		}
	case "show":
		asJSON := fs.Bool("json", false, "")
		run = func(s *tickets.Store, v tickets.Viewer, pos []string) error {
			if len(pos) != 1 {
				return usagef("用法：partybot tickets show [--json] 编号")
			}
			t, err := s.FindTicketByNumber(ctx, v, pos[0])
			if err != nil {
				return ticketError(err)
			}
			if *asJSON {
				return writeJSONLine(m.Stdout, t)
			}
			m.printTicket(s, t)
			return nil
		}
	case "accept", "close":
		note := fs.String("note", "", "")
		run = func(s *tickets.Store, v tickets.Viewer, pos []string) error {
			if len(pos) != 1 {
				return usagef("用法：partybot tickets %s 编号 [--note 备注]", sub)
			}
			var t *tickets.Ticket
			var err error
			if sub == "accept" {
				t, err = s.Accept(ctx, v, pos[0], *note)
			} else {
				t, err = s.CloseTicket(ctx, v, pos[0], *note)
			}
			return m.reportChange(s, t, err)
		}
	case "transfer":
		to := fs.String("to", "", "")
		reason := fs.String("reason", "", "")
		run = func(s *tickets.Store, v tickets.Viewer, pos []string) error {
			if len(pos) != 1 || *to == "" {
				return usagef("用法：partybot tickets transfer 编号 --to 部门 --reason 理由")
			}
			t, err := s.Transfer(ctx, v, pos[0], *to, *reason)
			return m.reportChange(s, t, err)
		}
	case "resolve":
		reply := fs.String("reply", "", "")
		run = func(s *tickets.Store, v tickets.Viewer, pos []string) error {
			if len(pos) != 1 {
				return usagef("用法：partybot tickets resolve 编号 --reply 答复")
			}
			t, err := s.Resolve(ctx, v, pos[0], *reply)
			return m.reportChange(s, t, err)
		}
	case "rate":
		score := fs.Int("score", 0, "")
		comment := fs.String("comment", "", "")
		run = func(s *tickets.Store, v tickets.Viewer, pos []string) error {
			if len(pos) != 1 || *score == 0 {
				return usagef("用法：partybot tickets rate 编号 --score 1-5 [--comment 评价]")
			}
			t, err := s.Rate(ctx, v, pos[0], *score, *comment)
			return m.reportChange(s, t, err)
		}
	case "sweep":
		asJSON := fs.Bool("json", false, "")
		run = func(s *tickets.Store, v tickets.Viewer, pos []string) error {
			if len(pos) > 0 {
				return usagef("用法：partybot tickets sweep [--json]")
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
	case "stats":
		asJSON := fs.Bool("json", false, "")
		from := fs.String("from", "", "")
		to := fs.String("to", "", "")
		dept := fs.String("department", "", "")
		run = func(s *tickets.Store, v tickets.Viewer, pos []string) error {
			if len(pos) > 0 {
				return usagef("用法：partybot tickets stats [--json] [--from 日期] [--to 日期] [--department 部门]")
			}
			f := tickets.StatsFilter{}
			var err error
			if f.From, f.To, err = parsePeriod(*from, *to, s.Location()); err != nil {
				return err
			}
			if *dept != "" {
				f.Department = dept
			}
			st, err := s.Stats(ctx, v, f)
			if err != nil {
				return ticketError(err)
			}
			if *asJSON {
				return writeJSONLine(m.Stdout, st)
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "部门\t受理\t响应率\t按期办结率\t满意率\t在办\t超期\t")
			pct := func(r float64, d int) string {
				if d == 0 {
					return "—"
				}
				return fmt.Sprintf("%.1f%%", r*100)
			}
			for _, d := range append(st.Departments, st.Total) {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%d\t\n", d.Name, d.Received, pct(d.ResponseRate, d.ResponseDue),
					pct(d.OnTimeRate, d.ResolutionDue), pct(d.SatisfactionRate, d.Rated), d.Open, d.Overdue)
			}
			return tw.Flush()
		}
	case "export":
		xlsx := fs.String("xlsx", "", "")
		csvPath := fs.String("csv", "", "")
		status := fs.String("status", "", "")
		dept := fs.String("department", "", "")
		from := fs.String("from", "", "")
		to := fs.String("to", "", "")
		run = func(s *tickets.Store, v tickets.Viewer, pos []string) error {
			if len(pos) > 0 || (*xlsx == "") == (*csvPath == "") {
				return usagef("用法：partybot tickets export --xlsx 文件 | --csv 文件 [--status 状态] [--department 部门] [--from 日期] [--to 日期]")
			}
			f, err := ticketFilter(*status, *dept)
			if err != nil {
				return err
			}
			fromT, toT, err := parsePeriod(*from, *to, s.Location())
			if err != nil {
				return err
			}
			if !fromT.IsZero() {
				f.From = &fromT
			}
			if !toT.IsZero() {
				f.To = &toT
			}
			ts, err := s.ExportTickets(ctx, v, f)
			if err != nil {
				return ticketError(err)
			}
			path, write := *xlsx, s.WriteXLSX
			if path == "" {
				path, write = *csvPath, s.WriteCSV
			}
			if err := writeFileAtomic(path, func(w io.Writer) error { return write(w, ts) }); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "已导出 %d 件工单到 %s\n", len(ts), path)
			return nil
		}
	case "help", "-h", "--help":
		fmt.Fprintln(m.Stdout, ticketsUsage)
		return nil
	default:
		return usagef("未知的 tickets 子命令 %q\n\n%s", sub, ticketsUsage)
	}
	pos, err := parseInterspersed(fs, rest)
	if err != nil {
		return flagError(err, ticketsUsage)
	}
	if err := m.loadConfig(); err != nil {
		return err
	}
	s, err := m.openTickets(ctx)
	if err != nil {
		return err
	}
	return run(s, m.cliViewer(*as), pos)
}

// reportChange prints the outcome of a transition.
func (m *Main) reportChange(s *tickets.Store, t *tickets.Ticket, err error) error {
	if err != nil {
		return ticketError(err)
	}
	d, _ := s.Department(t.Department)
	msg := fmt.Sprintf("工单 %s 现为“%s”（%s）", t.Number, t.Status.Label(), cmp.Or(d.Name, t.Department))
	if t.Reopened > 0 && t.Status == tickets.StatusDispatched {
		msg += "，评价不满意，已退回重办"
	}
	fmt.Fprintln(m.Stdout, msg)
	return nil
}

func (m *Main) printTicket(s *tickets.Store, t *tickets.Ticket) {
	d, _ := s.Department(t.Department)
	fmt.Fprintln(m.Stdout, t.Describe(d.Name))
}

// ticketFilter builds the filter of --status and --department; a status
// that does not parse is a usage error.
func ticketFilter(status, dept string) (tickets.TicketFilter, error) {
	var f tickets.TicketFilter
	if status != "" {
		st, err := tickets.ParseStatus(status)
		if err != nil {
			return f, usagef("%s", apperr.Message(err))
		}
		f.Status = &st
	}
	if dept != "" {
		f.Department = &dept
	}
	return f, nil
}

// writeJSONLine writes v as one line of JSON.
func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}

// parsePeriod parses --from and --to dates (YYYY-MM-DD, both inclusive) into
// a half-open interval [from, to+1 day). A malformed date is a usage error.
func parsePeriod(from, to string, loc *time.Location) (time.Time, time.Time, error) {
	var f, t time.Time
	var err error
	if from != "" {
		if f, err = time.ParseInLocation("2006-01-02", from, loc); err != nil {
			return f, t, usagef("日期格式应为 2026-03-01，而不是 %q", from)
		}
	}
	if to != "" {
		if t, err = time.ParseInLocation("2006-01-02", to, loc); err != nil {
			return f, t, usagef("日期格式应为 2026-03-01，而不是 %q", to)
		}
		t = t.AddDate(0, 0, 1)
	}
	return f, t, nil
}

// writeFileAtomic writes path through a temporary file in the same folder,
// renamed into place only when complete. The file is private (0600),
// whatever the umask: exports and saved attachments hold citizens' data.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("无法写入 %s：%w", path, err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	if err := write(bw); err != nil {
		tmp.Close()
		return fmt.Errorf("导出失败：%w", err)
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("无法写入 %s：%w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("无法写入 %s：%w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("无法写入 %s：%w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return fmt.Errorf("无法写入 %s：%w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("无法写入 %s：%w", path, err)
	}
	return nil
}
