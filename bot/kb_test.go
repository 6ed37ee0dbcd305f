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

// source is an in-memory document to ingest.
func source(name, data string) bot.Source {
	return bot.Source{Name: name, Read: func() ([]byte, error) { return []byte(data), nil }}
}

func ingestOne(tb testing.TB, kb *bot.KnowledgeBase, name, data string) bot.IngestResult {
	tb.Helper()
	res, err := kb.Ingest(context.Background(), []bot.Source{source(name, data)}, bot.IngestOptions{})
	if err != nil || len(res) != 1 {
		tb.Fatalf("Ingest: %v %v", res, err)
	}
	return res[0]
}

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
		{"unsupported", "/docs/a.doc", "\xd0\xcf\x11\xe0", "", knowledge.ErrUnsupported},
		{"corrupt", "/docs/a.docx", "PK\x03\x04 truncated", "", knowledge.ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if tc.wantErr != nil {
				want = bot.IngestFailed
			}
			got := ingestOne(t, kb, tc.doc, tc.data)
			if !errors.Is(got.Err, tc.wantErr) || got.Status != want {
				t.Fatalf("Ingest = %q, %v; want %q, %v", got.Status, got.Err, want, tc.wantErr)
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

func TestKnowledgeBaseIngestBatch(t *testing.T) {
	kb := open(t, t.TempDir(), bot.KnowledgeBaseOptions{})
	ctx := context.Background()
	var calls []int
	srcs := []bot.Source{
		source("/d/a.md", "# 甲\n\n党员应当按月缴纳党费。\n"),
		source("/d/bad.txt", "\x00\x01\x02"),
		{Name: "/d/gone.txt", Read: func() ([]byte, error) { return nil, os.ErrNotExist }},
		source("/d/sub/b.md", "# 乙\n\n党费由党支部按月收缴。\n"),
		source("/e/c.md", "# 丙\n\n组织关系转接的手续。\n"),
	}
	res, err := kb.Ingest(ctx, srcs, bot.IngestOptions{Progress: func(done, total int) { calls = append(calls, done) }})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bot.IngestStatus{}
	for _, r := range res {
		got[r.Name] = r.Status
	}
	want := map[string]bot.IngestStatus{"/d/a.md": bot.IngestAdded, "/d/bad.txt": bot.IngestFailed, "/d/gone.txt": bot.IngestFailed,
		"/d/sub/b.md": bot.IngestAdded, "/e/c.md": bot.IngestAdded}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s: %s, want %s (all: %v)", k, got[k], v, got)
		}
	}
	if len(calls) != len(srcs) || calls[len(calls)-1] != len(srcs) {
		t.Fatalf("progress calls %v", calls)
	}
	// Prune /d: a.md is still there, sub/b.md is gone, /e is untouched.
	res, err = kb.Ingest(ctx, []bot.Source{source("/d/a.md", "# 甲\n\n党员应当按月缴纳党费。\n")}, bot.IngestOptions{Prune: []string{"/d"}})
	if err != nil {
		t.Fatal(err)
	}
	names := func() map[string]bool {
		m := map[string]bool{}
		for _, d := range kb.Documents() {
			m[d.Name] = true
		}
		return m
	}
	if n := names(); !n["/d/a.md"] || n["/d/sub/b.md"] || !n["/e/c.md"] {
		t.Fatalf("after prune: %v (results %v)", n, res)
	}
	if removed, err := kb.Remove(ctx, []string{"/e/c.md"}); err != nil || removed != 1 || names()["/e/c.md"] {
		t.Fatalf("Remove: %d %v", removed, err)
	}
	if removed, _ := kb.Remove(ctx, []string{"docs/000_cd24362e620a5886.txt"}); removed != 0 {
		t.Fatal("a shipped document was removed")
	}
}
