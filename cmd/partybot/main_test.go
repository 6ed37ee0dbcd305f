package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run executes partybot with args and stdin in data directory dir.
func run(t *testing.T, dir, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Config: Config{DataDir: dir}, Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Logger: NewMain().Logger}
	err = m.Run(context.Background(), args)
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	return out.String(), errb.String(), err
}

func TestAskJSON(t *testing.T) {
	dir := t.TempDir()
	out, _, err := run(t, dir, "", "ask", "--json", "怎样落实“六同步”机制？")
	if err != nil {
		t.Fatal(err)
	}
	var got askJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Refused || got.Mode != "extractive" || len(got.Sources) == 0 || got.Sources[0].Rank != 1 ||
		!strings.Contains(got.Answer, "[1]") || got.Sources[0].Title == "" || got.Sources[0].Text == "" {
		t.Fatalf("unexpected answer: %+v", got)
	}
}

func TestAskStdin(t *testing.T) {
	out, _, err := run(t, t.TempDir(), "怎样落实“六同步”机制？\n\n党费应该怎么缴纳？\n", "ask", "--json", "-")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %d:\n%s", len(lines), out)
	}
	var a, b askJSON
	json.Unmarshal([]byte(lines[0]), &a)
	json.Unmarshal([]byte(lines[1]), &b)
	if a.Refused || !b.Refused {
		t.Fatalf("refused: %v, %v", a.Refused, b.Refused)
	}
}

func TestAskBadInput(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"no question", []string{"ask"}, "", "用法"},
		{"empty question", []string{"ask", "  "}, "", "问题是空的"},
		{"huge question", []string{"ask", strings.Repeat("党", 1<<20)}, "", "问题太长"},
		{"broken utf-8", []string{"ask", "党建\xff"}, "", "UTF-8"},
		{"bad k", []string{"ask", "-k", "0", "党建"}, "", "-k"},
		{"unknown command", []string{"frobnicate"}, "", "未知命令"},
		{"unknown eval", []string{"eval", "nope"}, "", "未知评测"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := run(t, t.TempDir(), tc.stdin, tc.args...)
			if err == nil {
				t.Fatal("want an error (non-zero exit)")
			}
			if msg := err.Error() + stderr; !strings.Contains(msg, tc.want) {
				t.Fatalf("message %q lacks %q", msg, tc.want)
			}
		})
	}
}

func TestIngest(t *testing.T) {
	dir, docs := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(docs, "dangfei.md"), []byte("# 党费收缴管理办法\n\n党员应当按月缴纳党费。\n"), 0o644)
	os.WriteFile(filepath.Join(docs, "binary.txt"), []byte("\x00\x01\x02\x03"), 0o644)
	out, stderr, err := run(t, dir, "", "ingest", docs)
	if err == nil || !strings.Contains(stderr, "二进制") || !strings.Contains(out, "新增 1") {
		t.Fatalf("err=%v\nout=%s\nstderr=%s", err, out, stderr)
	}
	out, _, _ = run(t, dir, "", "ingest", filepath.Join(docs, "dangfei.md"))
	if !strings.Contains(out, "未变跳过 1") {
		t.Fatalf("unchanged file not skipped:\n%s", out)
	}
	out, _, err = run(t, dir, "", "ask", "党员怎么缴纳党费")
	if err != nil || !strings.Contains(out, "党费收缴管理办法") {
		t.Fatalf("ingested document not cited: %v\n%s", err, out)
	}
}

func TestChatPiped(t *testing.T) {
	out, _, err := run(t, t.TempDir(), "/help\n怎样落实“六同步”机制？\n/sources\n/quit\n这一行不会被读到\n", "chat")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"党务助手", "[1]", "依据以下原文", "再见"} {
		if !strings.Contains(out, want) {
			t.Fatalf("chat output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "这一行不会被读到") {
		t.Fatal("read past /quit")
	}
}

func TestEvalRetrieval(t *testing.T) {
	bench := t.TempDir()
	os.WriteFile(filepath.Join(bench, "passages.jsonl"), []byte(
		`{"id":"p1","title":"泡泡战士","text":"玩家以水枪、小枪、锤子或是水炸弹泡封敌人。"}`+"\n"+
			`{"id":"p2","title":"尤金袋鼠","text":"尤金袋鼠分布在澳洲南部的岛屿。"}`+"\n"), 0o644)
	os.WriteFile(filepath.Join(bench, "queries.jsonl"), []byte(
		`{"id":"q1","question":"玩家用什么泡封敌人？","gold":["p1"]}`+"\n"+
			`{"id":"q2","question":"尤金袋鼠分布在哪些地区？","gold":["p2"]}`+"\n"), 0o644)
	runFile := filepath.Join(t.TempDir(), "run.txt")
	out, _, err := run(t, t.TempDir(), "", "eval", "retrieval", bench, "--run", runFile)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]float64
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got["recall@1"] != 1 || got["passages"] != 2 || got["queries"] != 2 {
		t.Fatalf("metrics: %v", got)
	}
	trec, _ := os.ReadFile(runFile)
	if !strings.HasPrefix(string(trec), "q1 Q0 p1 1 ") || !strings.Contains(string(trec), " partybot\n") {
		t.Fatalf("run file:\n%s", trec)
	}
}

func TestEvalQA(t *testing.T) {
	qa := filepath.Join(t.TempDir(), "qa.jsonl")
	os.WriteFile(qa, []byte(`{"id":"a","question":"怎样落实“六同步”机制？","evidence":["年检年报"]}`+"\n"+
		`{"id":"b","question":"帮我写一首诗","evidence":[]}`+"\n"), 0o644)
	out, _, err := run(t, t.TempDir(), "", "eval", "qa", qa)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]float64
	json.Unmarshal([]byte(out), &got)
	if got["recall@1"] != 1 || got["refusal_accuracy"] != 1 || got["false_refusals"] != 0 {
		t.Fatalf("metrics: %s", out)
	}
}

func TestChatDemand(t *testing.T) {
	dir := t.TempDir()
	out, _, err := run(t, dir, "/demand 小区门口的井盖丢了，晚上很危险\n确认\n/mytickets\n", "chat")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"拟交办部门：区城管局", "紧急程度：急", "工单号", "已派单"} {
		if !strings.Contains(out, want) {
			t.Fatalf("chat output lacks %q:\n%s", want, out)
		}
	}
	// The ticket is durable: the staff command line sees it.
	out, _, err = run(t, dir, "", "tickets", "list")
	if err != nil || !strings.Contains(out, "井盖") {
		t.Fatalf("ticket not stored: %v\n%s", err, out)
	}
}

func TestIngestPruneAndKB(t *testing.T) {
	dir, docs := t.TempDir(), t.TempDir()
	a, b := filepath.Join(docs, "a.md"), filepath.Join(docs, "b.txt")
	os.WriteFile(a, []byte("# 党费收缴办法\n\n党员应当按月缴纳党费。\n"), 0o644)
	os.WriteFile(b, []byte("组织关系转接办法\n\n党员组织关系转接应当开具介绍信。\n"), 0o644)
	if _, _, err := run(t, dir, "", "ingest", docs); err != nil {
		t.Fatal(err)
	}
	out, _, _ := run(t, dir, "", "kb", "list")
	if !strings.Contains(out, "内置") || !strings.Contains(out, a) || !strings.Contains(out, b) {
		t.Fatalf("kb list:\n%s", out)
	}
	os.Remove(b)
	out, _, err := run(t, dir, "", "ingest", "--prune", docs)
	if err != nil || !strings.Contains(out, "移除  "+b) || !strings.Contains(out, "未变跳过 1") {
		t.Fatalf("prune: %v\n%s", err, out)
	}
	if out, _, err = run(t, dir, "", "kb", "remove", a); err != nil || !strings.Contains(out, "已移除 1") {
		t.Fatalf("kb remove: %v\n%s", err, out)
	}
	if _, _, err = run(t, dir, "", "kb", "remove", "docs/000_cd24362e620a5886.txt"); err == nil {
		t.Fatal("removing a shipped document succeeded")
	}
	if out, _, _ = run(t, dir, "", "kb", "list"); strings.Contains(out, a) {
		t.Fatalf("removed document still listed:\n%s", out)
	}
}

func TestChatChecklistSavesFile(t *testing.T) {
	dir := t.TempDir()
	out, _, err := run(t, dir, "/checklist 社会组织换届\n", "chat")
	if err != nil || !strings.Contains(out, "附件已保存") {
		t.Fatalf("err=%v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "files", "*.xlsx"))
	if len(files) != 1 {
		t.Fatalf("saved files: %v", files)
	}
}

func TestGlobalConfigFlag(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "partybot.yaml")
	os.WriteFile(cfg, []byte("departments:\n  - key: renshe\n    keywords: [讨要血汗钱]\n"), 0o644)
	out, _, err := run(t, t.TempDir(), "", "--config", cfg, "route", "--json", "讨要血汗钱")
	if err != nil || !strings.Contains(out, `"department":"renshe"`) {
		t.Fatalf("err=%v out=%s", err, out)
	}
	if _, _, err := run(t, t.TempDir(), "", "--config"); err == nil {
		t.Fatal("a --config without a file was accepted")
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("departments: [\n"), 0o644)
	if _, _, err := run(t, t.TempDir(), "", "--config", bad, "route", "井盖"); err == nil || !strings.Contains(err.Error(), "bad.yaml") {
		t.Fatalf("a broken config file: %v", err)
	}
}
