package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	require.NoError(t, err, "partybot %s\n%s", strings.Join(args, " "), stderr)
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
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	assert.Equal(t, "renshe", got.Department, "route --json: %+v", got)
	assert.Equal(t, "老板拖欠我们快递员三个月工资了，怎么办？", got.Text, "route --json: %+v", got)
	assert.Greater(t, got.Confidence, 0.0, "route --json: %+v", got)
	assert.LessOrEqual(t, got.Confidence, 1.0, "route --json: %+v", got)

	out, _, err := ticketsCLI(t, dir, "", "人行道上的地砖翘起来了\n\n  \n孩子暑假想参加托管班\n", "route", "-", "--json")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2, "route - : %q", out)
	assert.Contains(t, lines[0], `"chengguan"`, "route - : first line")
	assert.Contains(t, lines[1], `"jiaoyu"`, "route - : second line")

	out = mustCLI(t, dir, "", "route", "小区", "电梯", "坏了")
	assert.Contains(t, out, "区住建局（zhujian）", "readable route")
	assert.Contains(t, out, "小区 电梯 坏了", "readable route")
	assert.Contains(t, mustCLI(t, dir, "", "route", "你好"), "人工分派", "vague demand")
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
			require.Error(t, err)
			assert.Equal(t, tc.usage, isUsage(err), "err=%v is a usage error", err)
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
	require.Equal(t, 1, strings.Count(out, "\n"), "want one line: %q", out)
	var rep tickets.RoutingReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, 3, rep.N, "report %+v", rep)
	assert.Equal(t, 2, rep.Correct, "report %+v", rep)
	assert.Equal(t, 0.667, rep.Accuracy, "report %+v", rep)
	assert.Equal(t, 2, rep.Departments["chengguan"].Predicted, "report %+v", rep)
	assert.Len(t, rep.Misrouted, 1, "report %+v", rep)

	if dev := "../../../shared/eval/demands-dev.jsonl"; fileExists(dev) {
		out := mustCLI(t, dir, "", "eval", "routing", dev)
		json.Unmarshal([]byte(out), &rep)
		assert.GreaterOrEqual(t, rep.Accuracy, 0.9, "dev accuracy")
	}

	os.WriteFile(file, []byte("{not json\n"), 0o644)
	_, _, err := ticketsCLI(t, dir, "", "", "eval", "routing", file)
	require.Error(t, err, "malformed file")
	assert.False(t, isUsage(err), "malformed file: %v", err)
	os.WriteFile(file, []byte(`{"text":"井盖丢了","department":"nosuch"}`), 0o644)
	_, _, err = ticketsCLI(t, dir, "", "", "eval", "routing", file)
	assert.ErrorContains(t, err, "未知部门", "unknown department")
	_, _, err = ticketsCLI(t, dir, "", "", "eval", "routing")
	assert.True(t, isUsage(err), "no file: %v", err)
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func TestTicketsLifecycleCLI(t *testing.T) {
	dir := t.TempDir()
	out, stderr, err := ticketsCLI(t, dir, "", "", "tickets", "create", "--from", "张三", "--contact", "13812345678",
		"老板拖欠我们快递员三个月工资了，怎么办？")
	require.NoError(t, err, stderr)
	number := strings.TrimSpace(out)
	_, _, err = tickets.ParseNumber(number)
	require.NoError(t, err, "create printed %q", out)
	assert.Equal(t, 1, strings.Count(out, "\n"), "create printed %q", out)
	assert.Contains(t, stderr, "区人社局", "create stderr")
	assert.FileExists(t, filepath.Join(dir, "tickets.db"), "ticket database")

	out = mustCLI(t, dir, "", "tickets", "list", "--json")
	var tk tickets.Ticket
	require.NoError(t, json.Unmarshal([]byte(out), &tk), out)
	assert.Equal(t, number, tk.Number, "list --json: %+v", tk)
	assert.Equal(t, "renshe", tk.Department, "list --json: %+v", tk)
	assert.Equal(t, "13812345678", tk.Contact, "list --json: %+v", tk)
	assert.Equal(t, tickets.ChannelPhone, tk.Channel, "list --json: %+v", tk)
	assert.Equal(t, "张三", tk.SubmitterName, "list --json: %+v", tk)
	assert.Contains(t, mustCLI(t, dir, "", "tickets", "list", "--status", "accepted"), "没有", "list --status accepted")

	for _, args := range [][]string{
		{"tickets", "supervise", number, "--note", "请三日内约谈企业"},
		{"tickets", "accept", number, "--note", "已联系企业"},
		{"tickets", "resolve", number, "--reply", "已责令企业发放工资"},
		{"tickets", "rate", number, "--score", "5", "--comment", "满意"},
	} {
		assert.Contains(t, mustCLI(t, dir, "", args...), number, "%v", args)
	}
	out = mustCLI(t, dir, "", "tickets", "show", number)
	for _, want := range []string{"已评价", "老板拖欠", "已责令企业发放工资", "5 分 满意", "接单", "办结", "评单",
		"cli（经命令行） 接单", "system（系统自动） 派单", "督办意见：已派单→已派单（请三日内约谈企业）"} {
		assert.Contains(t, out, want, "show")
	}
	require.NoError(t, json.Unmarshal([]byte(mustCLI(t, dir, "", "tickets", "show", "--json", number)), &tk))
	for _, h := range tk.History {
		want := tickets.ViaCLI
		if h.Actor == "system" {
			want = tickets.ViaSystem
		}
		assert.Equal(t, want, h.Via, "show --json: %s by %s", h.Action, h.Actor)
	}

	out = mustCLI(t, dir, "", "tickets", "stats", "--json")
	var st tickets.Stats
	require.NoError(t, json.Unmarshal([]byte(out), &st), out)
	assert.Equal(t, 1, st.Total.Received, "stats %+v", st.Total)
	assert.Equal(t, 1, st.Total.Rated, "stats %+v", st.Total)
	assert.Equal(t, 1.0, st.Total.SatisfactionRate, "stats %+v", st.Total)
	assert.Contains(t, mustCLI(t, dir, "", "tickets", "stats", "--from", "2020-01-01", "--to", "2020-12-31"), "合计", "stats table")
	assert.Contains(t, mustCLI(t, dir, "", "tickets", "sweep"), "督办完成", "sweep")

	xlsx := filepath.Join(dir, "台账.xlsx")
	assert.Contains(t, mustCLI(t, dir, "", "tickets", "export", "--xlsx", xlsx), "已导出 1 件", "export")
	f, err := excelize.OpenFile(xlsx)
	require.NoError(t, err)
	rows, _ := f.GetRows("台账")
	f.Close()
	require.Len(t, rows, 2, "xlsx rows %v", rows)
	assert.Equal(t, number, rows[1][0], "xlsx rows %v", rows)
	assert.Contains(t, rows[1], "已责令企业发放工资", "xlsx rows")
	csvPath := filepath.Join(dir, "台账.csv")
	mustCLI(t, dir, "", "tickets", "export", "--csv", csvPath)
	b, _ := os.ReadFile(csvPath)
	assert.True(t, bytes.HasPrefix(b, []byte("\uFEFF工单编号")), "csv %q", b)
	assert.Contains(t, string(b), number, "csv")
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
	assert.EqualError(t, err, "无权查看该工单", "stranger show")
	assert.NotContains(t, out, "讨说法", "stranger show")
	_, _, err = ticketsCLI(t, dir, cfg, "", "tickets", "accept", number, "--as", "2002")
	assert.ErrorContains(t, err, "无权", "stranger accept")
	assert.Contains(t, mustCLI(t, dir, cfg, "tickets", "list", "--as", "2002"), "没有", "stranger list")
	_, _, err = ticketsCLI(t, dir, cfg, "", "tickets", "stats", "--as", "2002")
	assert.Error(t, err, "stranger stats")
	_, _, err = ticketsCLI(t, dir, cfg, "", "tickets", "sweep", "--as", "3003")
	assert.Error(t, err, "staff sweep")
	mustCLI(t, dir, cfg, "tickets", "accept", number, "--as", "3003")
	assert.Contains(t, mustCLI(t, dir, cfg, "tickets", "list", "--as", "3003"), number, "staff list")
	mustCLI(t, dir, cfg, "tickets", "transfer", number, "--to", "sifa", "--reason", "属于民间纠纷", "--as", "1001")
	_, _, err = ticketsCLI(t, dir, cfg, "", "tickets", "show", number, "--as", "3003")
	assert.Error(t, err, "former department still sees the ticket")
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
			require.Error(t, err)
			assert.Equal(t, tc.usage, isUsage(err), "err=%q is a usage error", err)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	// nothing of the above left a ticket behind
	out := mustCLI(t, dir, "", "tickets", "list", "--json")
	assert.Equal(t, 1, strings.Count(out, "\n"), "tickets after bad input: %q", out)
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
		assert.NoError(t, err, "%v", tc.args)
		assert.Equal(t, tc.pos, pos, "%v: positional arguments", tc.args)
		assert.Equal(t, tc.json, *j, "%v: --json", tc.args)
	}
}
