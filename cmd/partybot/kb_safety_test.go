package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	dangfeiText = "# 党费收缴管理办法\n\n党员应当按月缴纳党费。\n"
	secretText  = "TELEGRAM_BOT_TOKEN=123456:秘密令牌ABCDEF\n"
)

// write creates the file path with text, and its folder.
func write(tb testing.TB, path, text string) {
	tb.Helper()
	require.NoError(tb, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(tb, os.WriteFile(path, []byte(text), 0o644))
}

// symlink makes link point to target, skipping where links are not allowed.
func symlink(tb testing.TB, target, link string) {
	tb.Helper()
	if err := os.Symlink(target, link); err != nil {
		tb.Skipf("symbolic links: %v", err)
	}
}

// listed returns the names "kb list" shows for ingested documents.
func listed(t *testing.T, dir string) []string {
	t.Helper()
	out, _, err := run(t, dir, "", "kb", "list")
	require.NoError(t, err)
	var names []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "导入" {
			names = append(names, f[1])
		}
	}
	return names
}

// TestIngestSkipsLinksOutsideFolder: a link in an ingested folder that
// points outside it is not followed, and the user is told; links inside
// the folder are followed once each, and a loop ends.
func TestIngestSkipsLinksOutsideFolder(t *testing.T) {
	dir, docs, etc := t.TempDir(), t.TempDir(), t.TempDir()
	secret := filepath.Join(etc, "env")
	write(t, secret, secretText)
	write(t, filepath.Join(etc, "more", "b.txt"), secretText)
	write(t, filepath.Join(docs, "dangfei.md"), dangfeiText)
	write(t, filepath.Join(docs, ".versions", "v2", "zhuanjie.md"), "# 组织关系转接办法\n\n转接应当开具介绍信。\n")
	symlink(t, secret, filepath.Join(docs, "通知.txt"))                                // a file outside
	symlink(t, filepath.Join(etc, "more"), filepath.Join(docs, "more"))              // a folder outside
	symlink(t, "dangfei.md", filepath.Join(docs, "copy.md"))                         // the same file again
	symlink(t, ".", filepath.Join(docs, "loop"))                                     // a loop
	symlink(t, ".versions/v2", filepath.Join(docs, "current"))                       // a hidden folder, inside
	symlink(t, filepath.Join(docs, "gone.txt"), filepath.Join(docs, "dangling.txt")) // nothing

	out, stderr, err := run(t, dir, "", "ingest", docs)
	require.NoError(t, err, "%s\n%s", out, stderr)
	realSecret, err := filepath.EvalSymlinks(secret)
	require.NoError(t, err)
	assert.Contains(t, stderr, "跳过  "+filepath.Join(docs, "通知.txt")+"：符号链接指向导入文件夹之外（"+realSecret+"），为安全起见未导入")
	assert.Contains(t, stderr, "跳过  "+filepath.Join(docs, "more")+"：符号链接指向导入文件夹之外")
	assert.Contains(t, stderr, "跳过  "+filepath.Join(docs, "copy.md")+"：与“"+filepath.Join(docs, "dangfei.md")+"”是同一个文件")
	assert.Contains(t, stderr, "跳过  "+filepath.Join(docs, "dangling.txt")+"：符号链接的目标不存在")
	assert.Contains(t, out, "新增 2")
	assert.ElementsMatch(t, []string{filepath.Join(docs, "dangfei.md"), filepath.Join(docs, "current", "zhuanjie.md")}, listed(t, dir))

	out, _, _ = run(t, dir, "", "ask", "秘密令牌 TELEGRAM_BOT_TOKEN")
	assert.NotContains(t, out, "123456")
}

// TestIngestFollowsLinkNamedOnCommandLine: a link the user names on the
// command line is followed, wherever it points: the user chose it.
func TestIngestFollowsLinkNamedOnCommandLine(t *testing.T) {
	dir, docs, elsewhere := t.TempDir(), t.TempDir(), t.TempDir()
	write(t, filepath.Join(elsewhere, "dangfei.md"), dangfeiText)
	link := filepath.Join(docs, "dangfei.md")
	symlink(t, filepath.Join(elsewhere, "dangfei.md"), link)
	folderLink := filepath.Join(docs, "folder")
	symlink(t, elsewhere, folderLink)

	out, stderr, err := run(t, dir, "", "ingest", link)
	require.NoError(t, err, stderr)
	assert.Contains(t, out, "新增  "+link)
	out, stderr, err = run(t, dir, "", "ingest", folderLink)
	require.NoError(t, err, stderr)
	assert.Contains(t, out, "新增  "+filepath.Join(folderLink, "dangfei.md"))
}

// TestIngestReadRefusesLinkSwappedIn: a file replaced by a link out of the
// folder after the folder was listed is refused when it is read, not read
// through the link.
func TestIngestReadRefusesLinkSwappedIn(t *testing.T) {
	docs, etc := t.TempDir(), t.TempDir()
	secret := filepath.Join(etc, "env")
	write(t, secret, secretText)
	path := filepath.Join(docs, "通知.txt")
	write(t, path, dangfeiText)
	c := newCollector()
	defer c.close()
	_, ok := c.add(docs, func(p string, err error) { t.Errorf("%s: %v", p, err) })
	require.True(t, ok)
	require.Len(t, c.sources, 1)

	require.NoError(t, os.Remove(path))
	symlink(t, secret, path)
	data, err := c.sources[0].Read()
	assert.ErrorIs(t, err, errLinkOutside)
	assert.NotContains(t, string(data), "123456")
	assert.Contains(t, loadErrorMessage(err), "符号链接指向导入文件夹之外")
}

// TestIngestPruneKeepsUnreadFolder: --prune removes documents only under a
// folder that was read; a folder that is gone removes nothing.
func TestIngestPruneKeepsUnreadFolder(t *testing.T) {
	dir, docs := t.TempDir(), t.TempDir()
	write(t, filepath.Join(docs, "a", "dangfei.md"), dangfeiText)
	_, _, err := run(t, dir, "", "ingest", docs)
	require.NoError(t, err)
	require.NoError(t, os.Rename(filepath.Join(docs, "a"), filepath.Join(docs, "b")))
	_, _, err = run(t, dir, "", "ingest", "--prune", filepath.Join(docs, "a"))
	assert.Error(t, err)
	assert.Equal(t, []string{filepath.Join(docs, "a", "dangfei.md")}, listed(t, dir))
}

// TestKBRemoveRequiresListedName: kb remove takes listed names, or the
// documents of a folder that exists; "", "/", a bare prefix or an unknown
// name removes nothing and says how to see the names.
func TestKBRemoveRequiresListedName(t *testing.T) {
	dir, docs := t.TempDir(), t.TempDir()
	a, b := filepath.Join(docs, "sub", "a.md"), filepath.Join(docs, "sub", "b.txt")
	write(t, a, dangfeiText)
	write(t, b, "组织关系转接办法\n\n党员组织关系转接应当开具介绍信。\n")
	_, _, err := run(t, dir, "", "ingest", docs)
	require.NoError(t, err)
	all := []string{a, b}

	tests := []struct{ name, arg string }{
		{"empty", ""},
		{"root", "/"},
		{"bare prefix", filepath.Join(docs, "su")},
		{"name without extension", filepath.Join(docs, "sub", "a")},
		{"shipped", "docs/000_cd24362e620a5886.txt"},
		{"unknown", "nope.md"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := run(t, dir, "", "kb", "remove", tc.arg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "没有移除任何文档")
			assert.Contains(t, err.Error(), "partybot kb list")
			assert.ElementsMatch(t, all, listed(t, dir))
		})
	}
	// One unknown name among known ones removes nothing.
	_, _, err = run(t, dir, "", "kb", "remove", a, "nope.md")
	require.Error(t, err)
	assert.ElementsMatch(t, all, listed(t, dir))

	// A relative path to a listed file is its name.
	rel, err := filepath.Rel(mustGetwd(t), a)
	require.NoError(t, err)
	out, _, err := run(t, dir, "", "kb", "remove", rel)
	require.NoError(t, err)
	assert.Contains(t, out, "移除  "+a)
	assert.Contains(t, out, "已移除 1 个文档。")

	// A folder that exists takes what was ingested from it.
	out, _, err = run(t, dir, "", "kb", "remove", docs)
	require.NoError(t, err)
	assert.Contains(t, out, "已移除 1 个文档。")
	assert.Empty(t, listed(t, dir))
}

func mustGetwd(tb testing.TB) string {
	tb.Helper()
	wd, err := os.Getwd()
	require.NoError(tb, err)
	return wd
}

// TestDataDirIsPrivate: the data directory partybot creates, and the
// index and document records in it, are readable by their owner only.
func TestDataDirIsPrivate(t *testing.T) {
	dir, docs := filepath.Join(t.TempDir(), "data"), t.TempDir()
	write(t, filepath.Join(docs, "dangfei.md"), dangfeiText)
	_, _, err := run(t, dir, "", "ingest", docs)
	require.NoError(t, err)
	for path, want := range map[string]os.FileMode{
		dir:                             0o700,
		filepath.Join(dir, "index.gob"): 0o600,
		filepath.Join(dir, "documents"): 0o700,
		filepath.Join(dir, "documents", "manifest.json"): 0o600,
	} {
		st, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, want, st.Mode().Perm(), path)
	}
}

// TestAskOnReadOnlyDataDir: partybot ask works on a data directory it may
// not write, and writes nothing there.
func TestAskOnReadOnlyDataDir(t *testing.T) {
	dir, docs := t.TempDir(), t.TempDir()
	write(t, filepath.Join(docs, "dangfei.md"), dangfeiText)
	_, _, err := run(t, dir, "", "ingest", docs)
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o500))
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	if f, err := os.CreateTemp(dir, "probe-"); err == nil {
		f.Close()
		os.Remove(f.Name())
		t.Skip("file permissions are not enforced here (running as root?)")
	}
	out, stderr, err := run(t, dir, "", "ask", "党员怎么缴纳党费")
	require.NoError(t, err, stderr)
	assert.Contains(t, out, "党费收缴管理办法")
	assert.Empty(t, stderr)
}
