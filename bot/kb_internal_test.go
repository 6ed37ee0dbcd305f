package bot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUploadNameIsSafe: the name a chat user gives an upload is kept
// without folders, "..", control characters, and is never empty.
func TestUploadNameIsSafe(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "党费收缴办法.docx", "党费收缴办法.docx"},
		{"traversal", "../../etc/partybot/env.txt", "env.txt"},
		{"windows path", `C:\Users\张三\通知.txt`, "通知.txt"},
		{"only dots", "..", "未命名文档.txt"},
		{"trailing slash", "docs/", "未命名文档.txt"},
		{"empty", "", "未命名文档.txt"},
		{"spaces", "   ", "未命名文档.txt"},
		{"dots inside", "a..b...md", "a.b.md"},
		{"control characters", "通\x00知\n\r.txt", "通知.txt"},
		{"right-to-left override", "通知\u202Etxt.exe", "通知txt.exe"},
		{"broken utf-8", "通知\xff.txt", "通知.txt"},
		{"long", strings.Repeat("长", 300) + ".pdf", strings.Repeat("长", 96) + ".pdf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, uploadName(tc.in))
		})
	}
}

// FuzzUploadName: whatever a sender calls a file, the stored name is one
// valid, printable path element other than "." and "..".
func FuzzUploadName(f *testing.F) {
	for _, s := range []string{"a.md", "../x", `..\..\y.txt`, "\x00", "\u202e", ". .", "a/b/.."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := uploadName(in)
		assert.NotEmpty(t, got)
		assert.True(t, utf8.ValidString(got))
		assert.NotContains(t, got, "/")
		assert.NotContains(t, got, `\`)
		assert.NotContains(t, got, "..")
		assert.NotEqual(t, ".", got)
		assert.LessOrEqual(t, utf8.RuneCountInString(got), 100)
		for _, r := range got {
			assert.False(t, unicode.IsControl(r) || unicode.Is(unicode.Cf, r), "%q in %q", r, got)
		}
	})
}

// TestReadOriginalRefusesLinks: a document whose record is lost is
// re-read only from a link-free path to a regular file, so a link planted
// where an ingested file was cannot pull in another file.
func TestReadOriginalRefusesLinks(t *testing.T) {
	base, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	secret := filepath.Join(base, "secret.txt")
	require.NoError(t, os.WriteFile(secret, []byte("TELEGRAM_BOT_TOKEN=123456:秘密\n"), 0o600))
	docs := filepath.Join(base, "docs")
	require.NoError(t, os.MkdirAll(filepath.Join(docs, "real"), 0o700))
	plain := filepath.Join(docs, "real", "a.txt")
	require.NoError(t, os.WriteFile(plain, []byte("党员应当按月缴纳党费。\n"), 0o600))
	if err := os.Symlink(secret, filepath.Join(docs, "b.txt")); err != nil {
		t.Skipf("symbolic links: %v", err)
	}
	require.NoError(t, os.Symlink(filepath.Join(docs, "real"), filepath.Join(docs, "current")))

	d, err := readOriginal(plain)
	require.NoError(t, err)
	assert.Contains(t, d.Text, "党费")
	for _, name := range []string{filepath.Join(docs, "b.txt"), filepath.Join(docs, "current", "a.txt"), "upload/a.txt", docs + "/real/../real/a.txt", docs} {
		_, err := readOriginal(name)
		assert.Error(t, err, name)
	}
}
