package retrieval

import (
	"bufio"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Document is a source document of the index: what it was built from, so
// that unchanged documents are skipped and changed ones replaced.
type Document struct {
	Name    string // path or shipped name; unique
	Title   string
	Hash    string // SHA-256 of the document's bytes
	Shipped bool   // part of the built-in corpus
	Text    string // normalised text, kept to re-chunk without the file
}

// Snapshot is the single-file index written before segments
// (SnapshotVersion): the documents, their passages and the passages'
// vectors, decoded whole at every open. It is read to carry an index over
// to the current format without re-embedding ([Build] its documents,
// passages and vectors).
type Snapshot struct {
	Version  int
	Key      string // what built it: embedder, chunking and shipped-corpus identity
	Docs     []Document
	Passages []Passage
	Vectors  [][]float32
}

// WriteSnapshot writes s to path in the format before segments, for tests
// of the carrying over. It writes atomically: to a temporary file in the same
// directory, synced, then renamed over path, and the directory synced. A
// crash at any point leaves either the old or the new snapshot.
func WriteSnapshot(path string, s *Snapshot) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	if err := gob.NewEncoder(w).Encode(s); err != nil {
		return fmt.Errorf("encode index: %w", err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync index: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close index: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("replace index: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: not every file system syncs directories
		d.Close()
	}
	return nil
}

// ReadSnapshot reads the snapshot at path. Returns ErrNoIndex when the
// file does not exist, and an error when it is unreadable or damaged.
func ReadSnapshot(path string) (*Snapshot, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoIndex
	}
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	defer f.Close()
	var s Snapshot
	if err := gob.NewDecoder(bufio.NewReaderSize(f, 1<<20)).Decode(&s); err != nil {
		return nil, fmt.Errorf("decode index %s: %w", path, err)
	}
	if len(s.Vectors) != len(s.Passages) {
		return nil, fmt.Errorf("decode index %s: %d vectors for %d passages", path, len(s.Vectors), len(s.Passages))
	}
	return &s, nil
}
