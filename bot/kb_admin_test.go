package bot_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/retrieval"
)

// TestKBRemoveInChatTakesOnlyListedNames: /kb remove takes one document by
// the name /kb lists; "/", a folder-like prefix or an unknown name removes
// nothing and says how to see the names.
func TestKBRemoveInChatTakesOnlyListedNames(t *testing.T) {
	f := newDeskFixture(t)
	admin := &bot.Session{User: bot.User{ID: "admin", Name: "管理员"}}
	ctx := context.Background()
	_, err := f.asst.Upload(ctx, admin, "dangfei.md", []byte(dangfeiDoc))
	require.NoError(t, err)
	_, err = f.asst.Upload(ctx, admin, "zhuanjie.md", []byte(zhuanjieDoc))
	require.NoError(t, err)

	tests := []struct{ name, arg string }{
		{"root", "/"},
		{"prefix", "upload"},
		{"folder-like prefix", "upload/"},
		{"file name without prefix", "dangfei.md"},
		{"unknown", "upload/nope.md"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.say(t, admin, "/kb remove "+tc.arg)
			assert.Contains(t, r.Text, "没有名为")
			assert.Contains(t, r.Text, "发送 /kb 查看")
			list := f.say(t, admin, "/kb").Text
			assert.Contains(t, list, "（upload/dangfei.md）")
			assert.Contains(t, list, "（upload/zhuanjie.md）")
		})
	}
	r := f.say(t, admin, "/kb remove upload/dangfei.md")
	assert.Contains(t, r.Text, "已从知识库移除 1 个文档：upload/dangfei.md")
	assert.Contains(t, f.say(t, admin, "/kb").Text, "（upload/zhuanjie.md）")
}

// TestUploadNameCannotEscape: an upload named with folders, ".." or
// control characters is stored under its plain file name.
func TestUploadNameCannotEscape(t *testing.T) {
	f := newDeskFixture(t)
	admin := &bot.Session{User: bot.User{ID: "admin", Name: "管理员"}}
	r, err := f.asst.Upload(context.Background(), admin, "../../etc/\x1b[2J通知.md", []byte(dangfeiDoc))
	require.NoError(t, err)
	assert.Contains(t, r.Text, "已将“[2J通知.md”加入知识库")
	list := f.say(t, admin, "/kb").Text
	assert.Contains(t, list, "（upload/[2J通知.md）")
	assert.NotContains(t, list, "..")
	assert.NotContains(t, list, "\x1b")
}

// permissionsEnforced reports whether dir, made read-only, refuses writes:
// not when running as root or on a file system that ignores modes.
func permissionsEnforced(tb testing.TB, dir string) bool {
	tb.Helper()
	f, err := os.CreateTemp(dir, "probe-")
	if err != nil {
		return true
	}
	f.Close()
	os.Remove(f.Name())
	return false
}

// TestKnowledgeBaseFilePermissions: the data directory partybot creates
// is private (0700), and so are the index, the records and their folder.
func TestKnowledgeBaseFilePermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "partybot")
	kb := open(t, dir, bot.KnowledgeBaseOptions{})
	ingestOne(t, kb, "/docs/dangfei.md", dangfeiDoc)
	mode := func(path string) os.FileMode {
		st, err := os.Stat(path)
		require.NoError(t, err)
		return st.Mode().Perm()
	}
	assert.Equal(t, os.FileMode(0o700), mode(dir))
	assert.Equal(t, os.FileMode(0o600), mode(filepath.Join(dir, "index.gob")))
	assert.Equal(t, os.FileMode(0o700), mode(filepath.Join(dir, "index")))
	segs, err := filepath.Glob(filepath.Join(dir, "index", "*"))
	require.NoError(t, err)
	require.NotEmpty(t, segs)
	for _, f := range segs {
		assert.Equal(t, os.FileMode(0o600), mode(f), f)
	}
	assert.Equal(t, os.FileMode(0o700), mode(filepath.Join(dir, "documents")))
	files, err := filepath.Glob(filepath.Join(dir, "documents", "*"))
	require.NoError(t, err)
	require.Len(t, files, 2) // the manifest and one record
	for _, f := range files {
		assert.Equal(t, os.FileMode(0o600), mode(f), f)
	}
}

// TestKnowledgeBaseReadOnlyDataDir: a read-only data directory still
// serves searches: a current index is opened without writing, and an
// index that must be rebuilt is built in memory with a notice that it
// could not be saved.
func TestKnowledgeBaseReadOnlyDataDir(t *testing.T) {
	dir := t.TempDir()
	kb := open(t, dir, bot.KnowledgeBaseOptions{})
	ingestOne(t, kb, "/docs/dangfei.md", dangfeiDoc)
	readOnly := func() {
		require.NoError(t, os.Chmod(dir, 0o500))
		require.NoError(t, os.Chmod(filepath.Join(dir, "documents"), 0o500))
	}
	writable := func() {
		require.NoError(t, os.Chmod(dir, 0o700))
		require.NoError(t, os.Chmod(filepath.Join(dir, "documents"), 0o700))
	}
	t.Cleanup(writable)
	readOnly()
	if !permissionsEnforced(t, dir) {
		t.Skip("file permissions are not enforced here (running as root?)")
	}
	var notices []string
	opt := bot.KnowledgeBaseOptions{Notice: func(s string) { notices = append(notices, s) }}

	t.Run("current index", func(t *testing.T) {
		notices = nil
		kb := open(t, dir, opt)
		assert.Empty(t, notices)
		assert.True(t, cites(t, kb, "党员每月怎么缴纳党费", "党费收缴管理办法"))
		_, err := kb.Ingest(context.Background(), []bot.Source{source("/docs/zhuanjie.md", zhuanjieDoc)}, bot.IngestOptions{})
		assert.Error(t, err, "an ingest that cannot be saved fails")
	})
	t.Run("settings changed", func(t *testing.T) {
		notices = nil
		opt := opt
		opt.Embedder = retrieval.HashEmbedder{Dim: 32}
		kb := open(t, dir, opt)
		assert.Contains(t, strings.Join(notices, "\n"), "无法保存索引")
		assert.True(t, cites(t, kb, "党员每月怎么缴纳党费", "党费收缴管理办法"))
	})
	t.Run("damaged index", func(t *testing.T) {
		writable()
		damageIndex(t, dir)
		readOnly()
		notices = nil
		kb := open(t, dir, opt)
		all := strings.Join(notices, "\n")
		assert.Contains(t, all, "损坏")
		assert.Contains(t, all, "无法保存索引")
		assert.True(t, cites(t, kb, "党员每月怎么缴纳党费", "党费收缴管理办法"))
	})
}
