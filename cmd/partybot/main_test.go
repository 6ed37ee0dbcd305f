package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	require.NoError(t, err)
	var got askJSON
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	assert.False(t, got.Refused, "answer: %+v", got)
	assert.Equal(t, "extractive", got.Mode, "answer: %+v", got)
	assert.Contains(t, got.Answer, "[1]")
	require.NotEmpty(t, got.Sources, "answer: %+v", got)
	assert.Equal(t, 1, got.Sources[0].Rank, "first source: %+v", got.Sources[0])
	assert.NotEmpty(t, got.Sources[0].Title, "first source: %+v", got.Sources[0])
	assert.NotEmpty(t, got.Sources[0].Text, "first source: %+v", got.Sources[0])
}

func TestAskStdin(t *testing.T) {
	out, _, err := run(t, t.TempDir(), "怎样落实“六同步”机制？\n\n党费应该怎么缴纳？\n", "ask", "--json", "-")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2, "JSON lines:\n%s", out)
	var a, b askJSON
	json.Unmarshal([]byte(lines[0]), &a)
	json.Unmarshal([]byte(lines[1]), &b)
	assert.False(t, a.Refused, "the answerable question refused")
	assert.True(t, b.Refused, "the unanswerable question answered")
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
			require.Error(t, err, "want an error (non-zero exit)")
			assert.Contains(t, err.Error()+stderr, tc.want, "message")
		})
	}
}

func TestIngest(t *testing.T) {
	dir, docs := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(docs, "dangfei.md"), []byte("# 党费收缴管理办法\n\n党员应当按月缴纳党费。\n"), 0o644)
	os.WriteFile(filepath.Join(docs, "binary.txt"), []byte("\x00\x01\x02\x03"), 0o644)
	out, stderr, err := run(t, dir, "", "ingest", docs)
	assert.Error(t, err, "a binary file ingested without an error")
	assert.Contains(t, stderr, "二进制", "the binary file is reported")
	assert.Contains(t, out, "新增 1", "the good file is added")
	out, _, _ = run(t, dir, "", "ingest", filepath.Join(docs, "dangfei.md"))
	assert.Contains(t, out, "未变跳过 1", "unchanged file not skipped")
	out, _, err = run(t, dir, "", "ask", "党员怎么缴纳党费")
	require.NoError(t, err)
	assert.Contains(t, out, "党费收缴管理办法", "ingested document not cited")
}

func TestChatPiped(t *testing.T) {
	out, _, err := run(t, t.TempDir(), "/help\n怎样落实“六同步”机制？\n/sources\n/quit\n这一行不会被读到\n", "chat")
	require.NoError(t, err)
	for _, want := range []string{"党务助手", "[1]", "依据以下原文", "再见"} {
		assert.Contains(t, out, want, "chat output")
	}
	assert.NotContains(t, out, "这一行不会被读到", "read past /quit")
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
	require.NoError(t, err)
	var got map[string]float64
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	assert.Equal(t, 1.0, got["recall@1"], "metrics: %v", got)
	assert.Equal(t, 2.0, got["passages"], "metrics: %v", got)
	assert.Equal(t, 2.0, got["queries"], "metrics: %v", got)
	trec, _ := os.ReadFile(runFile)
	assert.True(t, strings.HasPrefix(string(trec), "q1 Q0 p1 1 "), "run file:\n%s", trec)
	assert.Contains(t, string(trec), " partybot\n", "run file")
}

func TestEvalQA(t *testing.T) {
	qa := filepath.Join(t.TempDir(), "qa.jsonl")
	os.WriteFile(qa, []byte(`{"id":"a","question":"怎样落实“六同步”机制？","evidence":["年检年报"]}`+"\n"+
		`{"id":"b","question":"帮我写一首诗","evidence":[]}`+"\n"), 0o644)
	out, _, err := run(t, t.TempDir(), "", "eval", "qa", qa)
	require.NoError(t, err)
	var got map[string]float64
	json.Unmarshal([]byte(out), &got)
	assert.Equal(t, 1.0, got["recall@1"], "metrics: %s", out)
	assert.Equal(t, 1.0, got["refusal_accuracy"], "metrics: %s", out)
	assert.Equal(t, 0.0, got["false_refusals"], "metrics: %s", out)
}

func TestChatDemand(t *testing.T) {
	dir := t.TempDir()
	out, _, err := run(t, dir, "/demand 小区门口的井盖丢了，晚上很危险\n确认\n/mytickets\n", "chat")
	require.NoError(t, err)
	for _, want := range []string{"拟交办部门：区城管局", "紧急程度：急", "工单号", "已派单"} {
		assert.Contains(t, out, want, "chat output")
	}
	// The ticket is durable: the staff command line sees it.
	out, _, err = run(t, dir, "", "tickets", "list")
	require.NoError(t, err)
	assert.Contains(t, out, "井盖", "ticket not stored")
}

func TestIngestPruneAndKB(t *testing.T) {
	dir, docs := t.TempDir(), t.TempDir()
	a, b := filepath.Join(docs, "a.md"), filepath.Join(docs, "b.txt")
	os.WriteFile(a, []byte("# 党费收缴办法\n\n党员应当按月缴纳党费。\n"), 0o644)
	os.WriteFile(b, []byte("组织关系转接办法\n\n党员组织关系转接应当开具介绍信。\n"), 0o644)
	_, _, err := run(t, dir, "", "ingest", docs)
	require.NoError(t, err)
	out, _, _ := run(t, dir, "", "kb", "list")
	assert.Contains(t, out, "内置", "kb list")
	assert.Contains(t, out, a, "kb list")
	assert.Contains(t, out, b, "kb list")
	os.Remove(b)
	out, _, err = run(t, dir, "", "ingest", "--prune", docs)
	require.NoError(t, err, "prune")
	assert.Contains(t, out, "移除  "+b, "prune")
	assert.Contains(t, out, "未变跳过 1", "prune")
	out, _, err = run(t, dir, "", "kb", "remove", a)
	require.NoError(t, err, "kb remove")
	assert.Contains(t, out, "已移除 1", "kb remove")
	_, _, err = run(t, dir, "", "kb", "remove", "docs/000_cd24362e620a5886.txt")
	assert.Error(t, err, "removing a shipped document succeeded")
	out, _, _ = run(t, dir, "", "kb", "list")
	assert.NotContains(t, out, a, "removed document still listed")
}

func TestChatChecklistSavesFile(t *testing.T) {
	dir := t.TempDir()
	out, _, err := run(t, dir, "/checklist 社会组织换届\n", "chat")
	require.NoError(t, err)
	assert.Contains(t, out, "附件已保存")
	files, _ := filepath.Glob(filepath.Join(dir, "files", "*.xlsx"))
	assert.Len(t, files, 1, "saved files")
}

func TestGlobalConfigFlag(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "partybot.yaml")
	os.WriteFile(cfg, []byte("departments:\n  - key: renshe\n    keywords: [讨要血汗钱]\n"), 0o644)
	out, _, err := run(t, t.TempDir(), "", "--config", cfg, "route", "--json", "讨要血汗钱")
	require.NoError(t, err)
	assert.Contains(t, out, `"department":"renshe"`)
	_, _, err = run(t, t.TempDir(), "", "--config")
	assert.Error(t, err, "a --config without a file was accepted")
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("departments: [\n"), 0o644)
	_, _, err = run(t, t.TempDir(), "", "--config", bad, "route", "井盖")
	assert.ErrorContains(t, err, "bad.yaml", "a broken config file")
}
