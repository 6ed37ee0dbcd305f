//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package tickets_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/tickets"
)

// jpeg is the start of a JPEG file and some bytes.
var jpeg = append([]byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), bytes.Repeat([]byte("照片"), 1000)...)

func TestFilesPut(t *testing.T) {
	withUmask(t, 0o022)
	dir := filepath.Join(t.TempDir(), "attachments")
	f := tickets.Files{Dir: dir}
	a, err := f.Put(bytes.NewReader(jpeg), 0)
	require.NoError(t, err)
	sum := sha256.Sum256(jpeg)
	assert.Equal(t, hex.EncodeToString(sum[:]), a.SHA256, "checksum")
	assert.Equal(t, int64(len(jpeg)), a.Size, "size")
	assert.Equal(t, "image/jpeg", a.MIME, "MIME type")

	r, err := f.Open(a.SHA256)
	require.NoError(t, err)
	got, err := io.ReadAll(r)
	r.Close()
	require.NoError(t, err)
	assert.Equal(t, jpeg, got, "bytes read back")
	assert.Equal(t, os.FileMode(0o700), mode(t, dir), "directory mode")
	assert.Equal(t, os.FileMode(0o700), mode(t, filepath.Join(dir, a.SHA256[:2])), "directory mode")
	assert.Equal(t, os.FileMode(0o600), mode(t, filepath.Join(dir, a.SHA256[:2], a.SHA256)), "file mode")

	again, err := f.Put(bytes.NewReader(jpeg), 0)
	require.NoError(t, err)
	assert.Equal(t, a, again, "the same photo twice")
	assert.Empty(t, leftovers(t, dir), "temporary files left")
}

func TestFilesPutRefuses(t *testing.T) {
	dir := t.TempDir()
	f := tickets.Files{Dir: dir}
	tests := []struct {
		name string
		r    io.Reader
		max  int64
		want string
	}{
		{"one byte too many", bytes.NewReader(make([]byte, 1025)), 1024, "1 KB"},
		{"over the default", io.LimitReader(zeros{}, tickets.MaxPhotoBytes+1), 0, "10 MB"},
		{"empty", strings.NewReader(""), 0, "空"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.Put(tc.r, tc.max)
			wantCode(t, err, apperr.EInvalid)
			assert.Contains(t, apperr.Message(err), tc.want)
		})
	}
	_, err := f.Put(bytes.NewReader(make([]byte, 1024)), 1024)
	assert.NoError(t, err, "exactly the limit")
	assert.Empty(t, leftovers(t, dir), "temporary files left")

	_, err = f.Open(strings.Repeat("a", 64))
	wantCode(t, err, apperr.ENotFound)
	for _, bad := range []string{"", "../../etc/passwd", strings.Repeat("A", 64), strings.Repeat("g", 64)} {
		_, err = f.Open(bad)
		wantCode(t, err, apperr.EInvalid)
	}
}

// zeros reads zero bytes forever.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// leftovers lists the temporary files in dir.
func leftovers(tb testing.TB, dir string) []string {
	tb.Helper()
	tmp, err := filepath.Glob(filepath.Join(dir, ".put-*"))
	require.NoError(tb, err)
	return tmp
}
