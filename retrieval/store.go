package retrieval

import (
	"bytes"
	"crypto/rand"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// An index on disk is a manifest and the segments it lists. The manifest
// (a small gob file, e.g. data/index.gob) names the generation, the key the
// index was built with, its segment files in the folder beside it named
// like the manifest without its extension (data/index/), and the
// documents removed from them since. Segment files are written once under
// names never reused and never modified; a change writes its new segments,
// then a new manifest to a temporary file that is synced and renamed over
// the old one. A reader therefore sees one generation or the next, never a
// mix, and a crash at any point leaves the previous generation whole.
// Segment files no longer listed by the current or the previous manifest
// are deleted after a save, so a process still reading the previous
// generation keeps its files.

// FormatVersion is the version of the index files: a manifest of another
// version is not read (see [ErrOldFormat]).
const FormatVersion = 2

// SnapshotVersion is the version of the single-file snapshots written
// before segments ([ReadSnapshot]).
const SnapshotVersion = 1

// AnalysisVersion changes when the lexical analysis or the passages'
// embedding text changes, so that an index built before is rebuilt: it
// belongs in the key callers build indexes with ([Batch.Key]).
const AnalysisVersion = 1

// ErrNoIndex is returned when there is no index (and no snapshot) yet.
var ErrNoIndex = errors.New("retrieval: no index")

// ErrOldFormat is returned by [OpenIndex] for an index of another format
// version, such as a snapshot written before segments, which
// [ReadSnapshot] reads.
var ErrOldFormat = errors.New("retrieval: index of another format")

// manifest lists a generation's segments.
type manifest struct {
	Version    int
	Key        string
	Generation uint64
	Segments   []manifestSegment
	Removed    []DocRef
}

// manifestSegment is one segment file of a generation.
type manifestSegment struct {
	File     string
	Size     int64
	Passages int
}

// segmentDir is the folder of the segments of the manifest at path.
func segmentDir(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path))
}

// readManifest reads the manifest at path. Returns ErrNoIndex when there
// is none, ErrOldFormat for another version, and an error wrapping
// errDamaged when it cannot be decoded.
func readManifest(path string) (*manifest, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoIndex
	}
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	var m manifest
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&m); err != nil {
		return nil, fmt.Errorf("read index %s: %w", path, damaged("%v", err))
	}
	if m.Version != FormatVersion {
		return nil, fmt.Errorf("read index %s: version %d: %w", path, m.Version, ErrOldFormat)
	}
	return &m, nil
}

// Generation returns the generation number of the index whose manifest is
// at path: it grows by one at every save, so a process that serves an
// index can tell that another saved a newer one and reopen it ([OpenIndex]).
// Returns the errors of OpenIndex.
func Generation(path string) (uint64, error) {
	m, err := readManifest(path)
	if err != nil {
		return 0, err
	}
	return m.Generation, nil
}

// OpenIndex opens the index whose manifest is at path, mapping its
// segments into memory (read into memory where mapping is not available)
// without rebuilding anything. Returns ErrNoIndex when there is none,
// ErrOldFormat for a snapshot of an older version, an error wrapping
// fs.ErrPermission when it cannot be read, and another error when the
// manifest or a segment is damaged or missing.
func OpenIndex(path string, emb Embedder, exp *Expander) (*Hybrid, error) {
	return openIndex(path, emb, exp, true)
}

func openIndex(path string, emb Embedder, exp *Expander, mmap bool) (*Hybrid, error) {
	if emb == nil {
		return nil, errors.New("retrieval: nil embedder")
	}
	m, err := readManifest(path)
	if err != nil {
		return nil, err
	}
	dir := segmentDir(path)
	segs := make([]*segment, 0, len(m.Segments))
	files := make([]string, 0, len(m.Segments))
	for _, ms := range m.Segments {
		s, err := loadSegment(dir, ms, mmap)
		if err != nil {
			return nil, err
		}
		segs = append(segs, s)
		files = append(files, ms.File)
	}
	h, err := assemble(segs, m.Removed, emb, exp)
	if err != nil {
		return nil, fmt.Errorf("read index %s: %w", path, err)
	}
	h.key, h.gen, h.files = m.Key, m.Generation, files
	return h, nil
}

// loadSegment maps (or reads) and opens the segment file ms lists.
func loadSegment(dir string, ms manifestSegment, mmap bool) (*segment, error) {
	if ms.File != filepath.Base(ms.File) || !strings.HasSuffix(ms.File, segExt) {
		return nil, damaged("segment name %q", ms.File)
	}
	f, err := os.Open(filepath.Join(dir, ms.File))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read index: %w", damaged("segment %s is missing", ms.File))
		}
		return nil, fmt.Errorf("read index: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	if st.Size() != ms.Size || st.Size() < 8*segHeaderWords {
		return nil, fmt.Errorf("read index: %w", damaged("segment %s has %d bytes, want %d", ms.File, st.Size(), ms.Size))
	}
	var data []byte
	mapped := false
	if mmap {
		if b, err := mapFile(f, int(st.Size())); err == nil {
			data, mapped = b, true
		}
	}
	if data == nil {
		buf := make([]uint64, (st.Size()+7)/8) // 8-byte aligned
		data = bytesOf(buf)[:st.Size()]
		if _, err := f.ReadAt(data, 0); err != nil {
			return nil, fmt.Errorf("read index: %w", err)
		}
	}
	s, err := openSegment(data, ms.File)
	if err != nil {
		if mapped {
			unmap(data)
		}
		return nil, fmt.Errorf("read index: %w", err)
	}
	if s.n != ms.Passages {
		if mapped {
			unmap(data)
		}
		return nil, fmt.Errorf("read index: %w", damaged("segment %s has %d passages, want %d", ms.File, s.n, ms.Passages))
	}
	if mapped {
		// Unmapped when no generation uses the segment any more; every
		// method that reads a segment keeps its Hybrid alive until it
		// returns.
		runtime.AddCleanup(s, unmap, data)
	}
	return s, nil
}

// segExt ends the names of segment files.
const segExt = ".seg"

// Save writes h to the manifest path and the segment folder beside it:
// the segments not saved there yet, then the manifest naming them, each
// through a synced temporary file renamed into place (mode 0600, folder
// 0700). Then it deletes the segment files that neither this generation,
// the one it replaced, nor the one h was opened from lists. It returns h reopened from the files,
// which uses no memory for its segments but the mapped files'.
func (h *Hybrid) Save(path string) (*Hybrid, error) {
	dir := segmentDir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("write index: %w", err)
	}
	gen := h.gen + 1
	keep := map[string]bool{}
	for _, f := range h.files {
		keep[f] = true
	}
	if prev, err := readManifest(path); err == nil {
		// The generation replaced keeps its files too, for the processes
		// still reading it, whoever wrote it.
		gen = max(gen, prev.Generation+1)
		for _, s := range prev.Segments {
			keep[s.File] = true
		}
	}
	m := manifest{Version: FormatVersion, Key: h.key, Generation: gen, Removed: h.removed}
	wrote := false
	for i, s := range h.segs {
		name := s.file
		if name == "" || !sameSize(filepath.Join(dir, name), len(s.data)) {
			var suffix [4]byte
			rand.Read(suffix[:])
			name = fmt.Sprintf("%08d-%d-%s%s", gen, i, hex.EncodeToString(suffix[:]), segExt)
			if err := writeFileAtomic(filepath.Join(dir, name), s.data, false); err != nil {
				return nil, fmt.Errorf("write index: %w", err)
			}
			wrote = true
		}
		m.Segments = append(m.Segments, manifestSegment{File: name, Size: int64(len(s.data)), Passages: s.n})
	}
	if wrote {
		syncDir(dir)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&m); err != nil {
		return nil, fmt.Errorf("encode index: %w", err)
	}
	if err := writeFileAtomic(path, buf.Bytes(), true); err != nil {
		return nil, fmt.Errorf("write index: %w", err)
	}
	runtime.KeepAlive(h)
	for _, s := range m.Segments {
		keep[s.File] = true
	}
	removeStale(dir, keep)
	saved, err := openIndex(path, h.emb, h.exp, true)
	if err != nil {
		// Saved all the same: go on with the segments in hand.
		cp := *h
		saved = &cp
		saved.gen, saved.files = gen, nil
		for _, s := range m.Segments {
			saved.files = append(saved.files, s.File)
		}
	}
	saved.VectorWeight, saved.ExpansionWeight = h.VectorWeight, h.ExpansionWeight
	return saved, nil
}

// sameSize reports whether path is a regular file of n bytes.
func sameSize(path string, n int) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Size() == int64(n)
}

// removeStale deletes the segment files and temporary files in dir that
// keep does not name.
func removeStale(dir string, keep map[string]bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		if !keep[n] && (strings.HasSuffix(n, segExt) || strings.Contains(n, tmpInfix)) {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

// tmpInfix marks the temporary files of writeFileAtomic.
const tmpInfix = ".tmp-"

// writeFileAtomic writes data to path (mode 0600) through a synced
// temporary file renamed over it, and syncs the folder when syncParent:
// a crash leaves the old file or the new.
func writeFileAtomic(path string, data []byte, syncParent bool) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+tmpInfix+"*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	if syncParent {
		syncDir(filepath.Dir(path))
	}
	return nil
}

// syncDir syncs the folder dir, best effort: not every file system syncs
// folders.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
