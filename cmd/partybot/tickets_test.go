package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"partybot/tickets"
)

// ticketsCLI runs partybot with args in data directory dir and the given
// config file ("" for none).
func ticketsCLI(t *testing.T, dir, configFile, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Config: Config{DataDir: dir, ConfigFile: configFile}, Stdin: strings.NewReader(stdin),
		Stdout: &out, Stderr: &errb, Logger: NewMain().Logger}
	err = m.Run(context.Background(), args)
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	return out.String(), errb.String(), err
}

func mustCLI(t *testing.T, dir, configFile string, args ...string) string {
	t.Helper()
	out, stderr, err := ticketsCLI(t, dir, configFile, "", args...)
	if err != nil {
		t.Fatalf("partybot %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return out
}

func isUsage(err error) bool {
	var ue usageError
	return errors.As(err, &ue)
}

func TestRoute(t *testing.T) {
	dir := t.TempDir()
	out := mustCLI(t, dir, "", "route", "--json", "老板拖欠我们快递员三个月工资了，怎么办？")
	var got struct {
		Text       string  `json:"text"`
		Department string  `json:"department"`
		Confidence float64 `json:"confidence"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if got.Department != "renshe" || got.Text != "老板拖欠我们快递员三个月工资了，怎么办？" || got.Confidence <= 0 || got.Confidence > 1 {
		t.Fatalf("route --json: %+v", got)
	}

	out, _, err := ticketsCLI(t, dir, "", "人行道上的地砖翘起来了\n\n  \n孩子暑假想参加托管班\n", "route", "-", "--json")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"chengguan"`) || !strings.Contains(lines[1], `"jiaoyu"`) {
		t.Fatalf("route - : %q", out)
	}

	out = mustCLI(t, dir, "", "route", "小区", "电梯", "坏了")
	if !strings.Contains(out, "区住建局（zhujian）") || !strings.Contains(out, "小区 电梯 坏了") {
		t.Fatalf("readable route: %q", out)
	}
	out = mustCLI(t, dir, "", "route", "你好")
	if !strings.Contains(out, "人工分派") {
		t.Fatalf("vague demand: %q", out)
	}
}

func TestRouteBadInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		usage bool
	}{
		{"no text", []string{"route"}, true},
		{"blank text", []string{"route", "  "}, true},
		{"bad flag", []string{"route", "--nope", "x"}, true},
		{"broken utf-8", []string{"route", "欠薪\xff"}, false},
		{"too long", []string{"route", strings.Repeat("欠薪", 5000)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ticketsCLI(t, t.TempDir(), "", "", tc.args...)
			if err == nil || isUsage(err) != tc.usage {
				t.Fatalf("err=%v usage=%v, want usage=%v", err, isUsage(err), tc.usage)
			}
		})
	}
}

func TestEvalRouting(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "d.jsonl")
	os.WriteFile(file, []byte(`{"id":"a","text":"井盖丢了","department":"chengguan"}

{"id":"b","text":"想加入工会","department":"gonghui"}
{"id":"c","text":"井盖丢了","department":"sifa"}
`), 0o644)
	out := mustCLI(t, dir, "", "eval", "routing", file)
	if strings.Count(out, "\n") != 1 {
		t.Fatalf("want one line: %q", out)
	}
	var rep tickets.RoutingReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.N != 3 || rep.Correct != 2 || rep.Accuracy != 0.667 || rep.Departments["chengguan"].Predicted != 2 || len(rep.Misrouted) != 1 {
		t.Fatalf("report %+v", rep)
	}

	if dev := "../../../shared/eval/demands-dev.jsonl"; fileExists(dev) {
		out := mustCLI(t, dir, "", "eval", "routing", dev)
		json.Unmarshal([]byte(out), &rep)
		if rep.Accuracy < 0.9 {
			t.Fatalf("dev accuracy %.3f", rep.Accuracy)
		}
	}

	os.WriteFile(file, []byte("{not json\n"), 0o644)
	if _, _, err := ticketsCLI(t, dir, "", "", "eval", "routing", file); err == nil || isUsage(err) {
		t.Fatalf("malformed file: %v", err)
	}
	os.WriteFile(file, []byte(`{"text":"井盖丢了","department":"nosuch"}`), 0o644)
	if _, _, err := ticketsCLI(t, dir, "", "", "eval", "routing", file); err == nil || !strings.Contains(err.Error(), "未知部门") {
		t.Fatalf("unknown department: %v", err)
	}
	if _, _, err := ticketsCLI(t, dir, "", "", "eval", "routing"); !isUsage(err) {
		t.Fatalf("no file: %v", err)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func TestTicketsLifecycleCLI(t *testing.T) {
	dir := t.TempDir()
	out, stderr, err := ticketsCLI(t, dir, "", "", "tickets", "create", "--from", "张三", "--contact", "13812345678",
		"老板拖欠我们快递员三个月工资了，怎么办？")
	if err != nil {
		t.Fatal(err, stderr)
	}
	number := strings.TrimSpace(out)
	if _, _, err := tickets.ParseNumber(number); err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("create printed %q", out)
	}
	if !strings.Contains(stderr, "区人社局") {
		t.Fatalf("create stderr %q", stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "tickets.db")); err != nil {
		t.Fatalf("ticket database: %v", err)
	}

	out = mustCLI(t, dir, "", "tickets", "list", "--json")
	var tk tickets.Ticket
	if err := json.Unmarshal([]byte(out), &tk); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if tk.Number != number || tk.Department != "renshe" || tk.Contact != "13812345678" || tk.Channel != tickets.ChannelPhone || tk.SubmitterName != "张三" {
		t.Fatalf("list --json: %+v", tk)
	}
	if out := mustCLI(t, dir, "", "tickets", "list", "--status", "accepted"); !strings.Contains(out, "没有") {
		t.Fatalf("list --status accepted: %q", out)
	}

	for _, args := range [][]string{
		{"tickets", "accept", number, "--note", "已联系企业"},
		{"tickets", "resolve", number, "--reply", "已责令企业发放工资"},
		{"tickets", "rate", number, "--score", "5", "--comment", "满意"},
	} {
		if out := mustCLI(t, dir, "", args...); !strings.Contains(out, number) {
			t.Fatalf("%v: %q", args, out)
		}
	}
	out = mustCLI(t, dir, "", "tickets", "show", number)
	for _, want := range []string{"已评价", "老板拖欠", "已责令企业发放工资", "5 分 满意", "接单", "办结", "评单"} {
		if !strings.Contains(out, want) {
			t.Fatalf("show lacks %q:\n%s", want, out)
		}
	}

	out = mustCLI(t, dir, "", "tickets", "stats", "--json")
	var st tickets.Stats
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if st.Total.Received != 1 || st.Total.Rated != 1 || st.Total.SatisfactionRate != 1 {
		t.Fatalf("stats %+v", st.Total)
	}
	if out := mustCLI(t, dir, "", "tickets", "stats", "--from", "2020-01-01", "--to", "2020-12-31"); !strings.Contains(out, "合计") {
		t.Fatalf("stats table: %q", out)
	}
	if out := mustCLI(t, dir, "", "tickets", "sweep"); !strings.Contains(out, "督办完成") {
		t.Fatalf("sweep: %q", out)
	}

	xlsx := filepath.Join(dir, "台账.xlsx")
	if out := mustCLI(t, dir, "", "tickets", "export", "--xlsx", xlsx); !strings.Contains(out, "已导出 1 件") {
		t.Fatalf("export: %q", out)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("台账")
	f.Close()
	if len(rows) != 2 || rows[1][0] != number || !slices.Contains(rows[1], "已责令企业发放工资") {
		t.Fatalf("xlsx rows %v", rows)
	}
	csvPath := filepath.Join(dir, "台账.csv")
	mustCLI(t, dir, "", "tickets", "export", "--csv", csvPath)
	b, _ := os.ReadFile(csvPath)
	if !bytes.HasPrefix(b, []byte("\uFEFF工单编号")) || !bytes.Contains(b, []byte(number)) {
		t.Fatalf("csv %q", b)
	}
}

func TestTicketsAccessCLI(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "partybot.yaml")
	os.WriteFile(cfg, []byte(`
access:
  mode: allowlist
  admins: [1001]
  allowed_users: ["2002"]
departments:
  - key: renshe
    staff: [3003]
    chat_id: -100777
    keywords: [讨说法]
`), 0o644)
	number := strings.TrimSpace(mustCLI(t, dir, cfg, "tickets", "create", "--from", "李四", "我们找老板讨说法，工资三个月没发"))

	out, _, err := ticketsCLI(t, dir, cfg, "", "tickets", "show", number, "--as", "2002")
	if err == nil || err.Error() != "无权查看该工单" || strings.Contains(out, "讨说法") {
		t.Fatalf("stranger show: %v %q", err, out)
	}
	if _, _, err := ticketsCLI(t, dir, cfg, "", "tickets", "accept", number, "--as", "2002"); err == nil || !strings.Contains(err.Error(), "无权") {
		t.Fatalf("stranger accept: %v", err)
	}
	if out := mustCLI(t, dir, cfg, "tickets", "list", "--as", "2002"); !strings.Contains(out, "没有") {
		t.Fatalf("stranger list: %q", out)
	}
	if _, _, err := ticketsCLI(t, dir, cfg, "", "tickets", "stats", "--as", "2002"); err == nil {
		t.Fatal("stranger stats: no error")
	}
	if _, _, err := ticketsCLI(t, dir, cfg, "", "tickets", "sweep", "--as", "3003"); err == nil {
		t.Fatal("staff sweep: no error")
	}
	mustCLI(t, dir, cfg, "tickets", "accept", number, "--as", "3003")
	if out := mustCLI(t, dir, cfg, "tickets", "list", "--as", "3003"); !strings.Contains(out, number) {
		t.Fatalf("staff list: %q", out)
	}
	mustCLI(t, dir, cfg, "tickets", "transfer", number, "--to", "sifa", "--reason", "属于民间纠纷", "--as", "1001")
	if _, _, err := ticketsCLI(t, dir, cfg, "", "tickets", "show", number, "--as", "3003"); err == nil {
		t.Fatal("former department still sees the ticket")
	}
}

func TestTicketsUsageCLI(t *testing.T) {
	dir := t.TempDir()
	number := strings.TrimSpace(mustCLI(t, dir, "", "tickets", "create", "--from", "王五", "井盖丢了"))
	tests := []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"no subcommand", []string{"tickets"}, true, "用法"},
		{"unknown subcommand", []string{"tickets", "frob"}, true, "未知"},
		{"create without --from", []string{"tickets", "create", "井盖丢了"}, true, "--from"},
		{"create without text", []string{"tickets", "create", "--from", "x"}, true, "用法"},
		{"create empty text", []string{"tickets", "create", "--from", "x", " "}, true, "用法"},
		{"create 100 KB", []string{"tickets", "create", "--from", "x", strings.Repeat("欠薪", 50000)}, false, "过长"},
		{"create unknown department", []string{"tickets", "create", "--from", "x", "--department", "nosuch", "欠薪"}, false, "未知部门"},
		{"show without number", []string{"tickets", "show"}, true, "用法"},
		{"show bad number", []string{"tickets", "show", "abc"}, false, "编号"},
		{"show missing", []string{"tickets", "show", "2026-999999"}, false, "不存在"},
		{"list bad status", []string{"tickets", "list", "--status", "lost"}, true, "状态"},
		{"list unknown department", []string{"tickets", "list", "--department", "nosuch"}, false, "未知部门"},
		{"transfer without --to", []string{"tickets", "transfer", number}, true, "--to"},
		{"transfer without reason", []string{"tickets", "transfer", number, "--to", "sifa"}, false, "理由"},
		{"rate out of range", []string{"tickets", "rate", number, "--score", "9"}, false, "1 到 5"},
		{"rate unresolved", []string{"tickets", "rate", number, "--score", "5"}, false, "尚未办结"},
		{"resolve before accept", []string{"tickets", "resolve", number, "--reply", "好"}, false, "接单"},
		{"stats bad date", []string{"tickets", "stats", "--from", "2026-13-01"}, true, "日期格式"},
		{"stats date out of range", []string{"tickets", "stats", "--from", "1990-01-01"}, false, "日期超出范围"},
		{"stats reversed", []string{"tickets", "stats", "--from", "2026-05-01", "--to", "2026-04-01"}, false, "早于"},
		{"export neither", []string{"tickets", "export"}, true, "用法"},
		{"export both", []string{"tickets", "export", "--xlsx", "a", "--csv", "b"}, true, "用法"},
		{"export to a missing folder", []string{"tickets", "export", "--csv", filepath.Join(dir, "no", "such", "x.csv")}, false, "无法写入"},
		{"bad flag", []string{"tickets", "list", "--frob"}, true, "参数错误"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ticketsCLI(t, dir, "", "", tc.args...)
			if err == nil {
				t.Fatal("no error")
			}
			if isUsage(err) != tc.usage || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err=%q usage=%v, want usage=%v containing %q", err, isUsage(err), tc.usage, tc.want)
			}
		})
	}
	// nothing of the above left a ticket behind
	out := mustCLI(t, dir, "", "tickets", "list", "--json")
	if strings.Count(out, "\n") != 1 {
		t.Fatalf("tickets after bad input: %q", out)
	}
}

func TestParseInterspersed(t *testing.T) {
	for _, tc := range []struct {
		args []string
		pos  []string
		json bool
	}{
		{[]string{"a", "--json", "b"}, []string{"a", "b"}, true},
		{[]string{"--json", "a"}, []string{"a"}, true},
		{[]string{"a", "--", "--json"}, []string{"a", "--json"}, false},
		{[]string{"-"}, []string{"-"}, false},
		{nil, nil, false},
	} {
		fs := newFlagSet("x")
		j := fs.Bool("json", false, "")
		pos, err := parseInterspersed(fs, tc.args)
		if err != nil || !slices.Equal(pos, tc.pos) || *j != tc.json {
			t.Errorf("%v: pos=%v json=%v err=%v", tc.args, pos, *j, err)
		}
	}
}
