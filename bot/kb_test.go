package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
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
	segs, err := filepath.Glob(filepath.Join(dir, "index", "*.seg"))
	require.NoError(t, err)
	kb2 := open(t, dir, opt)
	st2, _ := os.Stat(filepath.Join(dir, "index.gob"))
	if kb2.Len() != n || !st2.ModTime().Equal(st.ModTime()) || len(notices) != 0 {
		t.Fatalf("reopen rebuilt: len %d→%d, notices %v", n, kb2.Len(), notices)
	}
	segs2, err := filepath.Glob(filepath.Join(dir, "index", "*.seg"))
	require.NoError(t, err)
	assert.Equal(t, segs, segs2, "segments written at reopen")
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
	if removed, err := kb.Remove(ctx, []string{"/e/c.md"}, nil); err != nil || len(removed) != 1 || names()["/e/c.md"] {
		t.Fatalf("Remove: %v %v", removed, err)
	}
	if removed, err := kb.Remove(ctx, []string{"docs/000_cd24362e620a5886.txt"}, nil); len(removed) != 0 || err == nil {
		t.Fatal("a shipped document was removed")
	}
}

// writeDoc writes a document to disk, where ingested files come from, and
// returns a source reading it under its path.
func writeDoc(tb testing.TB, dir, name, text string) bot.Source {
	tb.Helper()
	path := filepath.Join(dir, name)
	require.NoError(tb, os.WriteFile(path, []byte(text), 0o600))
	return bot.Source{Name: path, Read: func() ([]byte, error) { return os.ReadFile(path) }}
}

// damageIndex truncates the index's manifest in dir.
func damageIndex(tb testing.TB, dir string) {
	tb.Helper()
	path := filepath.Join(dir, "index.gob")
	data, err := os.ReadFile(path)
	require.NoError(tb, err)
	require.NoError(tb, os.WriteFile(path, data[:len(data)/2], 0o600))
}

// recordOf returns the path of the record of the document name in dir,
// found by its content.
func recordOf(tb testing.TB, dir, name string) string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "documents", "*.json"))
	require.NoError(tb, err)
	quoted, err := json.Marshal(name)
	require.NoError(tb, err)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(tb, err)
		if filepath.Base(f) != "manifest.json" && strings.Contains(string(data), `"name":`+string(quoted)) {
			return f
		}
	}
	tb.Fatalf("no record of %s in %v", name, files)
	return ""
}

const (
	dangfeiDoc  = "# 党费收缴管理办法\n\n党员应当按月缴纳党费，党费由党支部按月收缴。\n"
	zhuanjieDoc = "# 组织关系转接办法\n\n党员组织关系转接应当开具介绍信，在规定时间内报到。\n"
)

// cites reports whether the answer to q cites the document titled title.
func cites(tb testing.TB, kb *bot.KnowledgeBase, q, title string) bool {
	tb.Helper()
	hits, err := kb.Search(context.Background(), q, 5)
	require.NoError(tb, err)
	for _, h := range hits {
		if h.Passage.Title == title {
			return true
		}
	}
	return false
}

// TestKnowledgeBaseDamagedIndexKeepsIngestedDocuments: a damaged index
// is rebuilt from the records of the ingested documents, not from the
// shipped corpus alone; a document whose record is gone is re-read from its
// file, and one whose file is gone too is named in a notice.
func TestKnowledgeBaseDamagedIndexKeepsIngestedDocuments(t *testing.T) {
	dir := t.TempDir()
	docs, err := filepath.EvalSymlinks(t.TempDir()) // originals are re-read only by link-free paths
	require.NoError(t, err)
	kb := open(t, dir, bot.KnowledgeBaseOptions{})
	a, b := writeDoc(t, docs, "dangfei.md", dangfeiDoc), writeDoc(t, docs, "zhuanjie.md", zhuanjieDoc)
	_, err = kb.Ingest(context.Background(), []bot.Source{a, b}, bot.IngestOptions{})
	require.NoError(t, err)
	n := kb.Len()

	damageIndex(t, dir)
	var notices []string
	opt := bot.KnowledgeBaseOptions{Notice: func(s string) { notices = append(notices, s) }}
	kb = open(t, dir, opt)
	assert.Equal(t, n, kb.Len())
	assert.True(t, cites(t, kb, "党员每月怎么缴纳党费", "党费收缴管理办法"))
	assert.True(t, cites(t, kb, "组织关系转接要开介绍信吗", "组织关系转接办法"))
	require.NotEmpty(t, notices)
	assert.Contains(t, notices[0], "损坏")
	assert.Contains(t, notices[0], "重建")
	assert.Contains(t, notices[0], "2 个导入文档的记录")

	// The rebuilt index is saved with its records: another damage
	// recovers the same way. Now one record is gone, its file still there,
	// and the other's record and file are both gone.
	damageIndex(t, dir)
	require.NoError(t, os.Remove(recordOf(t, dir, a.Name)))
	require.NoError(t, os.Remove(recordOf(t, dir, b.Name)))
	require.NoError(t, os.Remove(b.Name))
	notices = nil
	kb = open(t, dir, opt)
	all := strings.Join(notices, "\n")
	assert.Contains(t, all, "重建")
	assert.Contains(t, all, "已从原文件重新读取："+a.Name)
	assert.Contains(t, all, "以下导入的文档无法重新读取，需要重新导入："+b.Name)
	assert.True(t, cites(t, kb, "党员每月怎么缴纳党费", "党费收缴管理办法"))
	assert.False(t, cites(t, kb, "组织关系转接要开介绍信吗", "组织关系转接办法"))
}

// TestKnowledgeBaseRecordsForOldDataDir: a data directory made before the
// records (an index, no documents/) gets them on first open, so that a
// later damage loses nothing.
func TestKnowledgeBaseRecordsForOldDataDir(t *testing.T) {
	dir := t.TempDir()
	kb := open(t, dir, bot.KnowledgeBaseOptions{})
	ingestOne(t, kb, "/docs/dangfei.md", dangfeiDoc)
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "documents")))

	var notices []string
	open(t, dir, bot.KnowledgeBaseOptions{Notice: func(s string) { notices = append(notices, s) }})
	assert.Empty(t, notices, "a healthy index is opened without a rebuild")
	assert.FileExists(t, filepath.Join(dir, "documents", "manifest.json"))

	damageIndex(t, dir)
	kb = open(t, dir, bot.KnowledgeBaseOptions{})
	assert.True(t, cites(t, kb, "党员每月怎么缴纳党费", "党费收缴管理办法"))
}

// TestKnowledgeBaseRecordsFollowRemoval: a removed document does not come
// back when the index is later rebuilt from the records.
func TestKnowledgeBaseRecordsFollowRemoval(t *testing.T) {
	dir := t.TempDir()
	kb := open(t, dir, bot.KnowledgeBaseOptions{})
	ingestOne(t, kb, "/docs/dangfei.md", dangfeiDoc)
	ingestOne(t, kb, "/docs/zhuanjie.md", zhuanjieDoc)
	_, err := kb.Remove(context.Background(), []string{"/docs/zhuanjie.md"}, nil)
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(dir, "documents", "*.json"))
	require.NoError(t, err)
	assert.Len(t, files, 2, "the manifest and one record: %v", files)

	damageIndex(t, dir)
	kb = open(t, dir, bot.KnowledgeBaseOptions{})
	var names []string
	for _, d := range kb.Documents() {
		if !d.Shipped {
			names = append(names, d.Name)
		}
	}
	assert.Equal(t, []string{"/docs/dangfei.md"}, names)
}

// TestKnowledgeBaseDamagedManifest: with the manifest damaged as well, the
// sound records still rebuild the index.
func TestKnowledgeBaseDamagedManifest(t *testing.T) {
	dir := t.TempDir()
	kb := open(t, dir, bot.KnowledgeBaseOptions{})
	ingestOne(t, kb, "/docs/dangfei.md", dangfeiDoc)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "documents", "manifest.json"), []byte("{\"version\": 1, \"docu"), 0o600))
	damageIndex(t, dir)
	kb = open(t, dir, bot.KnowledgeBaseOptions{})
	assert.True(t, cites(t, kb, "党员每月怎么缴纳党费", "党费收缴管理办法"))
}

// TestKnowledgeBaseDamagedRecordIsNotTrusted: a record whose text was
// altered is detected by its checksum and the document re-read or named.
func TestKnowledgeBaseDamagedRecordIsNotTrusted(t *testing.T) {
	dir := t.TempDir()
	kb := open(t, dir, bot.KnowledgeBaseOptions{})
	ingestOne(t, kb, "/nonexistent-partybot-docs/dangfei.md", dangfeiDoc)
	rec := recordOf(t, dir, "/nonexistent-partybot-docs/dangfei.md")
	data, err := os.ReadFile(rec)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(rec, []byte(strings.Replace(string(data), "按月", "按年", 1)), 0o600))
	damageIndex(t, dir)
	var notices []string
	kb = open(t, dir, bot.KnowledgeBaseOptions{Notice: func(s string) { notices = append(notices, s) }})
	assert.Contains(t, strings.Join(notices, "\n"), "需要重新导入：/nonexistent-partybot-docs/dangfei.md")
	assert.False(t, cites(t, kb, "党员每年怎么缴纳党费", "党费收缴管理办法"))
}

// TestKnowledgeBaseRemoveNeedsExactName: removing takes a document by its
// listed name, or the documents of a folder that exists; never "", "/",
// or a bare prefix, and an unknown name removes nothing at all.
func TestKnowledgeBaseRemoveNeedsExactName(t *testing.T) {
	folder := t.TempDir()
	tests := []struct {
		name     string
		names    []string
		folders  []string
		wantCode string
		want     []string // removed
	}{
		{"empty name", []string{""}, nil, apperr.EInvalid, nil},
		{"slash", []string{"/"}, nil, apperr.ENotFound, nil},
		{"bare prefix", []string{folder}, nil, apperr.ENotFound, nil},
		{"prefix of a name", []string{folder + "/a"}, nil, apperr.ENotFound, nil},
		{"shipped", []string{"docs/000_cd24362e620a5886.txt"}, nil, apperr.ENotFound, nil},
		{"one unknown among known", []string{folder + "/a.md", "/nope.md"}, nil, apperr.ENotFound, nil},
		{"root folder", nil, []string{"/"}, apperr.EInvalid, nil},
		{"empty folder", nil, []string{""}, apperr.EInvalid, nil},
		{"relative folder", nil, []string{"docs"}, apperr.EInvalid, nil},
		{"missing folder", nil, []string{folder + "-gone"}, apperr.EInvalid, nil},
		{"exact name", []string{folder + "/a.md"}, nil, "", []string{folder + "/a.md"}},
		{"existing folder", nil, []string{folder}, "", []string{folder + "/a.md", folder + "/sub/b.md"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kb := open(t, t.TempDir(), bot.KnowledgeBaseOptions{})
			ctx := context.Background()
			_, err := kb.Ingest(ctx, []bot.Source{source(folder+"/a.md", dangfeiDoc), source(folder+"/sub/b.md", zhuanjieDoc),
				source("upload/x.md", policyDoc), source("/elsewhere/c.md", policyDoc)}, bot.IngestOptions{})
			require.NoError(t, err)
			before := len(kb.Documents())

			removed, err := kb.Remove(ctx, tc.names, tc.folders)
			if tc.wantCode != "" {
				assert.Equal(t, tc.wantCode, apperr.Code(err), "err=%v", err)
				assert.Empty(t, removed)
				assert.Len(t, kb.Documents(), before, "nothing may be removed")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, removed)
			assert.Len(t, kb.Documents(), before-len(tc.want))
		})
	}
}

// TestKnowledgeBaseRebuildsForNewRules: a data directory built before the
// errata or the splitting rules changed is rebuilt, not served stale; so
// is one built with other settings.
func TestKnowledgeBaseRebuildsForNewRules(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	kb, err := bot.OpenKnowledgeBase(ctx, dir, bot.KnowledgeBaseOptions{})
	require.NoError(t, err)
	require.NotZero(t, kb.Len())
	ingestOne(t, kb, "/docs/dangfei.md", dangfeiDoc)
	path := filepath.Join(dir, "index.gob")
	idx, err := retrieval.OpenIndex(path, retrieval.HashEmbedder{Dim: retrieval.DefaultHashDim}, nil)
	require.NoError(t, err)
	key := idx.Key()
	// An index of the format before segments, built under older rules.
	old := &retrieval.Snapshot{Version: retrieval.SnapshotVersion, Key: "a build under older rules", Docs: idx.Documents(true)}
	require.NoError(t, retrieval.WriteSnapshot(path, old))
	var notices []string
	opt := bot.KnowledgeBaseOptions{Notice: func(s string) { notices = append(notices, s) }}
	kb, err = bot.OpenKnowledgeBase(ctx, dir, opt)
	require.NoError(t, err)
	assert.NotEmpty(t, notices, "an index of other rules was served without a rebuild")
	assert.True(t, cites(t, kb, "党员每月怎么缴纳党费", "党费收缴管理办法"), "the ingested document is kept")
	again, err := retrieval.OpenIndex(path, retrieval.HashEmbedder{Dim: retrieval.DefaultHashDim}, nil)
	require.NoError(t, err)
	assert.Equal(t, key, again.Key())

	// Other settings (the chunk size is part of the key).
	notices = nil
	opt.ChunkRunes = 80
	kb, err = bot.OpenKnowledgeBase(ctx, dir, opt)
	require.NoError(t, err)
	assert.Contains(t, strings.Join(notices, "\n"), "设置已变化")
	assert.True(t, cites(t, kb, "党员每月怎么缴纳党费", "党费收缴管理办法"), "the ingested document is kept")
	again, err = retrieval.OpenIndex(path, retrieval.HashEmbedder{Dim: retrieval.DefaultHashDim}, nil)
	require.NoError(t, err)
	assert.NotEqual(t, key, again.Key())
}

// TestKnowledgeBaseDamagedSegment: a segment file cut short is found at
// open, and the index rebuilt from the records like a damaged manifest.
func TestKnowledgeBaseDamagedSegment(t *testing.T) {
	dir := t.TempDir()
	kb := open(t, dir, bot.KnowledgeBaseOptions{})
	ingestOne(t, kb, "/docs/dangfei.md", dangfeiDoc)
	segs, err := filepath.Glob(filepath.Join(dir, "index", "*.seg"))
	require.NoError(t, err)
	require.NotEmpty(t, segs)
	for _, seg := range segs {
		data, err := os.ReadFile(seg)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(seg, data[:len(data)-100], 0o600))
	}
	var notices []string
	kb = open(t, dir, bot.KnowledgeBaseOptions{Notice: func(s string) { notices = append(notices, s) }})
	require.NotEmpty(t, notices)
	assert.Contains(t, notices[0], "损坏")
	assert.True(t, cites(t, kb, "党员每月怎么缴纳党费", "党费收缴管理办法"))
	kb = open(t, dir, bot.KnowledgeBaseOptions{Notice: func(s string) { t.Errorf("notice after the rebuild: %s", s) }})
	assert.True(t, cites(t, kb, "党员每月怎么缴纳党费", "党费收缴管理办法"))
}

// TestKnowledgeBaseIngestWritesADelta: ingesting or removing a document
// writes a small segment and a new manifest, never the whole index again,
// and another process opening the data directory sees the change.
func TestKnowledgeBaseIngestWritesADelta(t *testing.T) {
	dir := t.TempDir()
	kb := open(t, dir, bot.KnowledgeBaseOptions{})
	ingestOne(t, kb, "/docs/dangfei.md", policyDoc+strings.Repeat("党员应当按时参加组织生活。\n", 60))
	segFiles := func() map[string]int64 {
		entries, err := os.ReadDir(filepath.Join(dir, "index"))
		require.NoError(t, err)
		m := map[string]int64{}
		for _, e := range entries {
			info, err := e.Info()
			require.NoError(t, err)
			m[e.Name()] = info.Size()
		}
		return m
	}
	before := segFiles()
	ingestOne(t, kb, "/docs/zhuanjie.md", zhuanjieDoc)
	after := segFiles()
	var added []string
	for name, size := range after {
		if _, ok := before[name]; !ok {
			added = append(added, name)
			assert.Less(t, size, int64(16<<10), "the new segment holds one small document")
		}
	}
	assert.Len(t, added, 1, "one new segment: %v → %v", before, after)
	other := open(t, dir, bot.KnowledgeBaseOptions{})
	assert.True(t, cites(t, other, "组织关系转接要开介绍信吗", "组织关系转接办法"))

	_, err := kb.Remove(context.Background(), []string{"/docs/zhuanjie.md"}, nil)
	require.NoError(t, err)
	assert.False(t, cites(t, kb, "组织关系转接要开介绍信吗", "组织关系转接办法"))
	other = open(t, dir, bot.KnowledgeBaseOptions{})
	assert.False(t, cites(t, other, "组织关系转接要开介绍信吗", "组织关系转接办法"))
	assert.True(t, cites(t, other, "党员每月怎么缴纳党费", "党费收缴管理办法"))
}

// TestKnowledgeBaseRefresh: a knowledge base open in one process picks up
// a document another ingested into the same data directory, without a
// restart, and nothing when nothing changed.
func TestKnowledgeBaseRefresh(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	replica := open(t, dir, bot.KnowledgeBaseOptions{})
	writer := open(t, dir, bot.KnowledgeBaseOptions{})
	changed, err := replica.Refresh(ctx)
	require.NoError(t, err)
	assert.False(t, changed)

	ingestOne(t, writer, "/docs/dangfei.md", dangfeiDoc)
	assert.False(t, cites(t, replica, "党员每月怎么缴纳党费", "党费收缴管理办法"))
	changed, err = replica.Refresh(ctx)
	require.NoError(t, err)
	assert.True(t, changed)
	assert.True(t, cites(t, replica, "党员每月怎么缴纳党费", "党费收缴管理办法"))
	assert.Equal(t, writer.Len(), replica.Len())
	changed, err = replica.Refresh(ctx)
	require.NoError(t, err)
	assert.False(t, changed)
}
