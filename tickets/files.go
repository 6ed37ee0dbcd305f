package tickets

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"

	"partybot/apperr"
)

// MaxPhotoBytes is the default largest photo [Files.Put] takes: 10 MB.
const MaxPhotoBytes = 10 << 20

// Files keeps the bytes of attachments in the directory Dir, each in a
// file named by its SHA-256 (Dir/ab/ab12…): the same photo is kept once,
// and replicas sharing the data directory agree on every name. Files are
// private (0600) in private directories (0700).
type Files struct {
	Dir string
}

// Put reads r to its end and keeps its bytes, at most max of them (0 or
// less: [MaxPhotoBytes]), returning the attachment without a name. It
// writes a temporary file and renames it into place, so that no reader
// ever sees part of a file. Returns EINVALID for an empty reader or one
// longer than max, naming the limit.
func (f Files) Put(r io.Reader, max int64) (Attachment, error) {
	if max <= 0 {
		max = MaxPhotoBytes
	}
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return Attachment{}, fmt.Errorf("store attachment: %w", err)
	}
	tmp, err := os.CreateTemp(f.Dir, ".put-*") // 0600
	if err != nil {
		return Attachment{}, fmt.Errorf("store attachment: %w", err)
	}
	defer os.Remove(tmp.Name()) // gone once renamed
	defer tmp.Close()
	h, head := sha256.New(), &headWriter{}
	n, err := io.Copy(io.MultiWriter(tmp, h, head), io.LimitReader(r, max+1))
	switch {
	case err != nil:
		return Attachment{}, fmt.Errorf("store attachment: %w", err)
	case n > max:
		return Attachment{}, apperr.Errorf(apperr.EInvalid, "照片过大：每张照片不能超过 %s", formatBytes(max))
	case n == 0:
		return Attachment{}, apperr.Errorf(apperr.EInvalid, "照片是空文件")
	}
	a := Attachment{Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), MIME: http.DetectContentType(head.b)}
	if err := f.place(tmp, a.SHA256); err != nil {
		return Attachment{}, fmt.Errorf("store attachment: %w", err)
	}
	return a, nil
}

// place syncs tmp and renames it to the file of sum, unless that is
// already there.
func (f Files) place(tmp *os.File, sum string) error {
	path := f.path(sum)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil { // make the rename durable where the system can
		d.Sync()
		d.Close()
	}
	return nil
}

// Open opens the file of the attachment with checksum sum.
// Returns EINVALID for a malformed checksum, apperr.ENotFound when no
// file has it.
func (f Files) Open(sum string) (*os.File, error) {
	if !validSHA256(sum) {
		return nil, apperr.Errorf(apperr.EInvalid, "照片校验值无效（应为 64 位十六进制 SHA-256）")
	}
	fh, err := os.Open(f.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, apperr.Errorf(apperr.ENotFound, "照片 %s 不存在", sum[:12])
	}
	if err != nil {
		return nil, fmt.Errorf("open attachment: %w", err)
	}
	return fh, nil
}

func (f Files) path(sum string) string { return filepath.Join(f.Dir, sum[:2], sum) }

// validSHA256 reports whether s is a SHA-256 in lower-case hex.
func validSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// headWriter keeps the first 512 bytes written, for content sniffing.
type headWriter struct{ b []byte }

func (w *headWriter) Write(p []byte) (int, error) {
	if n := 512 - len(w.b); n > 0 {
		w.b = append(w.b, p[:min(n, len(p))]...)
	}
	return len(p), nil
}

// formatBytes writes n bytes for people: 10 MB, 512 KB, 100 字节.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d 字节", n)
}
