package bot_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"partybot/bot"
	"partybot/knowledge"
	"partybot/retrieval"
)

const policyDoc = "# 党费收缴管理办法\n\n党员应当按月缴纳党费。月工资收入3000元以下的，缴纳月工资收入的0.5%。\n"

func open(tb testing.TB, dir string, opt bot.KnowledgeBaseOptions) *bot.KnowledgeBase {
	tb.Helper()
	kb, err := bot.OpenKnowledgeBase(context.Background(), dir, opt)
	if err != nil {
		tb.Fatal(err)
	}
	return kb
}

func TestKnowledgeBaseReopensWithoutRebuild(t *testing.T) {
	dir := t.TempDir()
	var notices []string
	opt := bot.KnowledgeBaseOptions{Notice: func(s string) { notices = append(notices, s) }}
	kb := open(t, dir, opt)
	n := kb.Len()
	if n == 0 {
		t.Fatal("no passages from the shipped corpus")
	}
	st, err := os.Stat(filepath.Join(dir, "index.gob"))
	if err != nil {
		t.Fatal(err)
	}
	kb2 := open(t, dir, opt)
	st2, _ := os.Stat(filepath.Join(dir, "index.gob"))
	if kb2.Len() != n || !st2.ModTime().Equal(st.ModTime()) || len(notices) != 0 {
		t.Fatalf("reopen rebuilt: len %d→%d, notices %v", n, kb2.Len(), notices)
	}
}

func TestKnowledgeBaseIngest(t *testing.T) {
	dir := t.TempDir()
	kb := open(t, dir, bot.KnowledgeBaseOptions{})
	n := kb.Len()
	ctx := context.Background()
	tests := []struct {
		name, doc, data string
		want            bot.IngestStatus
		wantErr         error
	}{
		{"added", "/docs/dangfei.md", policyDoc, bot.IngestAdded, nil},
		{"unchanged", "/docs/dangfei.md", policyDoc, bot.IngestUnchanged, nil},
		{"updated", "/docs/dangfei.md", policyDoc + "党费应当用于党的活动。\n", bot.IngestUpdated, nil},
		{"binary", "/docs/x.txt", "abc\x00\x01\x02def", "", knowledge.ErrBinary},
		{"broken utf-8", "/docs/y.txt", "\xff\xfe\xfd党建", "", knowledge.ErrEncoding},
		{"empty", "/docs/z.txt", " \n\n ", "", knowledge.ErrEmpty},
		{"unsupported", "/docs/a.pdf", "%PDF-1.4", "", knowledge.ErrUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := kb.Ingest(ctx, tc.doc, []byte(tc.data))
			if !errors.Is(err, tc.wantErr) || got != tc.want {
				t.Fatalf("Ingest = %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
	if kb.Len() <= n {
		t.Fatalf("passages %d → %d", n, kb.Len())
	}
	a := bot.NewAnswerer(kb)
	ans, err := a.Ask(ctx, "党员每月怎么缴纳党费")
	if err != nil || ans.Refused || !strings.Contains(ans.Text, "党费收缴管理办法") {
		t.Fatalf("ingested document not cited: %v\n%s", err, ans.Text)
	}
	// The ingested document survives a reopen and a change of embedder.
	kb2 := open(t, dir, bot.KnowledgeBaseOptions{Embedder: retrieval.HashEmbedder{Dim: 32}})
	found := false
	for _, d := range kb2.Documents() {
		found = found || d.Name == "/docs/dangfei.md"
	}
	if !found || kb2.Len() != kb.Len() {
		t.Fatalf("after rebuild: found=%v len %d, want %d", found, kb2.Len(), kb.Len())
	}
}

func TestKnowledgeBaseDamagedIndex(t *testing.T) {
	dir := t.TempDir()
	open(t, dir, bot.KnowledgeBaseOptions{})
	path := filepath.Join(dir, "index.gob")
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	var notices []string
	kb := open(t, dir, bot.KnowledgeBaseOptions{Notice: func(s string) { notices = append(notices, s) }})
	if kb.Len() == 0 || len(notices) != 1 || !strings.Contains(notices[0], "损坏") {
		t.Fatalf("len=%d notices=%v", kb.Len(), notices)
	}
	aside, _ := filepath.Glob(path + ".damaged-*")
	if len(aside) != 1 {
		t.Fatalf("damaged index not kept aside: %v", aside)
	}
}

func TestKnowledgeBaseUnusableDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// A data "directory" that is a file cannot be created or read.
	_, err := bot.OpenKnowledgeBase(context.Background(), filepath.Join(file, "data"), bot.KnowledgeBaseOptions{})
	if err == nil || !strings.Contains(err.Error(), "数据目录") {
		t.Fatalf("err=%v, want a message about the data directory", err)
	}
}
