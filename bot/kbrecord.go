package bot

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"partybot/knowledge"
	"partybot/retrieval"
)

// The records of ingested documents: the index alone would be the only
// copy of every ingested document's text, and a damaged index would lose
// them all. So each ingested document is also kept in recordDir as a record
// (its name, title, content hash and extracted text, with a checksum), and
// manifestFile lists the current ones. Records are named by a hash of the
// document's name and of its content, so a record is never rewritten in
// place: a save writes the new records, then the index, then the
// manifest, then deletes the records nothing lists. A crash at any point
// leaves a manifest whose records exist. The directory is 0700 and the
// files 0600, as the documents may not be public.
const (
	recordDir     = "documents"
	manifestFile  = "manifest.json"
	recordVersion = 1
	recordExt     = ".json"
)

// record is one ingested document kept in recordDir.
type record struct {
	Version int    `json:"version"`
	Name    string `json:"name"`
	Title   string `json:"title"`
	Hash    string `json:"hash"` // SHA-256 of the document's bytes, as in the index
	Text    string `json:"text"`
	Sum     string `json:"sum"` // checksum of the fields above
}

// checksum is what Sum must be for r.
func (r record) checksum() string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00%s\x00%s\x00", r.Version, r.Name, r.Title, r.Hash)
	h.Write([]byte(r.Text))
	return hex.EncodeToString(h.Sum(nil))
}

// manifest lists the current records.
type manifest struct {
	Version   int             `json:"version"`
	Documents []manifestEntry `json:"documents"`
}

// manifestEntry is one ingested document and the file of its record.
type manifestEntry struct {
	Name string `json:"name"`
	Hash string `json:"hash"`
	File string `json:"file"`
}

// recordFile is the file name of the record of the document name with
// content hash.
func recordFile(name, hash string) string {
	n := sha256.Sum256([]byte(name))
	c := sha256.Sum256([]byte(hash))
	return hex.EncodeToString(n[:10]) + "-" + hex.EncodeToString(c[:6]) + recordExt
}

// save writes the records of added (the documents idx holds that may have
// none yet), then idx, then the manifest listing the records, and returns
// idx as saved ([retrieval.Hybrid.Save]). A failure before the index is
// written leaves everything as it was; a manifest that cannot be written
// is only reported, as the index is already saved and the next open writes
// the manifest again.
func (kb *KnowledgeBase) save(idx *retrieval.Hybrid, added []retrieval.Document) (*retrieval.Hybrid, error) {
	if err := kb.writeRecords(added); err != nil {
		return nil, err
	}
	saved, err := idx.Save(filepath.Join(kb.dir, indexFile))
	if err != nil {
		return nil, err
	}
	if err := kb.writeManifest(saved.Documents(false)); err != nil {
		kb.notice(fmt.Sprintf("导入文档的记录清单未能更新（%v），下次启动时会再次更新。", err))
	}
	return saved, nil
}

// writeRecords writes the records of docs' ingested documents that are not
// in recordDir yet. Each is synced before the index that needs it is
// written; as one fsync costs milliseconds, they are written several at a
// time, which lets the file system commit them together.
func (kb *KnowledgeBase) writeRecords(docs []retrieval.Document) error {
	dir := filepath.Join(kb.dir, recordDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create records: %w", err)
	}
	var todo []retrieval.Document
	for _, d := range docs {
		if d.Shipped {
			continue
		}
		if st, err := os.Lstat(filepath.Join(dir, recordFile(d.Name, d.Hash))); err == nil && st.Mode().IsRegular() {
			continue
		}
		todo = append(todo, d)
	}
	const workers = 16
	var (
		wg    sync.WaitGroup
		errMu sync.Mutex
		first error
		next  = make(chan retrieval.Document)
	)
	for range min(workers, len(todo)) {
		wg.Go(func() {
			for d := range next {
				if err := writeRecord(filepath.Join(dir, recordFile(d.Name, d.Hash)), d); err != nil {
					errMu.Lock()
					first = cmp.Or(first, err)
					errMu.Unlock()
				}
			}
		})
	}
	for _, d := range todo {
		next <- d
	}
	close(next)
	wg.Wait()
	if first == nil && len(todo) > 0 {
		syncDir(dir)
	}
	return first
}

// writeRecord writes the record of d to path.
func writeRecord(path string, d retrieval.Document) error {
	r := record{Version: recordVersion, Name: d.Name, Title: d.Title, Hash: d.Hash, Text: d.Text}
	r.Sum = r.checksum()
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode record: %w", err)
	}
	if err := writeFileAtomic(path, data); err != nil {
		return fmt.Errorf("write record: %w", err)
	}
	return nil
}

// writeManifest lists docs' ingested documents in the manifest, then
// deletes the records it does not list.
func (kb *KnowledgeBase) writeManifest(docs []retrieval.Document) error {
	dir := filepath.Join(kb.dir, recordDir)
	m := manifest{Version: recordVersion, Documents: []manifestEntry{}}
	keep := map[string]bool{manifestFile: true}
	for _, d := range docs {
		if !d.Shipped {
			f := recordFile(d.Name, d.Hash)
			m.Documents = append(m.Documents, manifestEntry{Name: d.Name, Hash: d.Hash, File: f})
			keep[f] = true
		}
	}
	data, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, manifestFile), data); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	syncDir(dir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil // the stale records stay until the next save
	}
	for _, e := range entries {
		n := e.Name()
		if !keep[n] && (strings.HasSuffix(n, recordExt) || strings.Contains(n, tmpInfix)) {
			os.Remove(filepath.Join(dir, n))
		}
	}
	return nil
}

// syncRecords brings the records in line with the documents of idx, a
// healthy index, when the manifest does not list exactly them with their
// records present: a data directory from before the records, or one whose
// last save was interrupted. It writes nothing when they agree, and fails
// quietly on a read-only data directory: the records are a second copy,
// and the next save retries.
func (kb *KnowledgeBase) syncRecords(idx *retrieval.Hybrid) {
	if kb.recordsMatch(idx.Documents(false)) {
		return
	}
	docs := idx.Documents(true)
	if err := kb.writeRecords(docs); err != nil {
		return
	}
	kb.writeManifest(docs)
}

// recordsMatch reports whether the manifest lists exactly docs' ingested
// documents and their record files exist.
func (kb *KnowledgeBase) recordsMatch(docs []retrieval.Document) bool {
	m, err := readManifest(filepath.Join(kb.dir, recordDir, manifestFile))
	if err != nil {
		return false
	}
	listed := make(map[string]string, len(m.Documents))
	for _, e := range m.Documents {
		listed[e.Name] = e.File
	}
	n := 0
	for _, d := range docs {
		if d.Shipped {
			continue
		}
		n++
		f := recordFile(d.Name, d.Hash)
		if listed[d.Name] != f {
			return false
		}
		if st, err := os.Lstat(filepath.Join(kb.dir, recordDir, f)); err != nil || !st.Mode().IsRegular() {
			return false
		}
	}
	return n == len(listed) && n == len(m.Documents)
}

// readManifest reads and checks the manifest at path.
func readManifest(path string) (*manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("decode manifest: %w", err)
	}
	if m.Version != recordVersion {
		return nil, fmt.Errorf("decode manifest: version %d", m.Version)
	}
	for _, e := range m.Documents {
		if e.Name == "" || e.File != recordFile(e.Name, e.Hash) {
			return nil, fmt.Errorf("decode manifest: bad entry %q", e.Name)
		}
	}
	return &m, nil
}

// readRecord reads and checks the record in file of recordDir.
func (kb *KnowledgeBase) readRecord(file string) (retrieval.Document, error) {
	data, err := os.ReadFile(filepath.Join(kb.dir, recordDir, file))
	if err != nil {
		return retrieval.Document{}, err
	}
	var r record
	if err := json.Unmarshal(data, &r); err != nil {
		return retrieval.Document{}, fmt.Errorf("decode record %s: %w", file, err)
	}
	if r.Version != recordVersion || r.Sum != r.checksum() || r.Name == "" || file != recordFile(r.Name, r.Hash) {
		return retrieval.Document{}, fmt.Errorf("decode record %s: damaged", file)
	}
	return retrieval.Document{Name: r.Name, Title: r.Title, Hash: r.Hash, Text: r.Text}, nil
}

// recovered is what recoverDocs found of the ingested documents.
type recovered struct {
	docs    []retrieval.Document
	reread  []string // names re-read from their original files
	lost    []string // names neither recorded nor readable
	unnamed int      // damaged records of unknown documents
}

// recoverDocs returns the ingested documents as the records keep them, for
// a rebuild without an index. A document the manifest lists whose record
// is missing or damaged is re-read from its original file (see
// readOriginal). Without a readable manifest, every sound record counts.
func (kb *KnowledgeBase) recoverDocs() recovered {
	var rec recovered
	m, err := readManifest(filepath.Join(kb.dir, recordDir, manifestFile))
	if err == nil {
		for _, e := range m.Documents {
			if d, err := kb.readRecord(e.File); err == nil && d.Name == e.Name {
				rec.docs = append(rec.docs, d)
				continue
			}
			if d, err := readOriginal(e.Name); err == nil {
				rec.docs = append(rec.docs, d)
				rec.reread = append(rec.reread, e.Name)
				continue
			}
			rec.lost = append(rec.lost, e.Name)
		}
		return rec
	}
	// No manifest: take the sound records, the newest of each name (more
	// than one only after a crash between a save's steps).
	entries, err := os.ReadDir(filepath.Join(kb.dir, recordDir))
	if err != nil {
		return rec
	}
	newest := map[string]time.Time{}
	at := map[string]int{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), recordExt) || e.Name() == manifestFile || !e.Type().IsRegular() {
			continue
		}
		d, err := kb.readRecord(e.Name())
		if err != nil {
			rec.unnamed++
			continue
		}
		var mod time.Time
		if info, err := e.Info(); err == nil {
			mod = info.ModTime()
		}
		if i, ok := at[d.Name]; ok {
			if mod.After(newest[d.Name]) {
				rec.docs[i], newest[d.Name] = d, mod
			}
			continue
		}
		at[d.Name], newest[d.Name] = len(rec.docs), mod
		rec.docs = append(rec.docs, d)
	}
	return rec
}

// readOriginal reads and loads the ingested document name from its
// original file, for a rebuild that has lost its record. Only a file
// ingested from disk has one, and it is read only when name is a clean
// absolute path to a regular file with no symbolic link anywhere in it:
// nothing records which folder the file was ingested from, so a link
// cannot be told safe. The checks are made on the file opened (open, then
// check that the path still leads, link-free, to that same file), so a
// link swapped in meanwhile is refused, not read.
func readOriginal(name string) (retrieval.Document, error) {
	if !filepath.IsAbs(name) || filepath.Clean(name) != name {
		return retrieval.Document{}, fmt.Errorf("read %s: not a file name", name)
	}
	if st, err := os.Lstat(name); err != nil || !st.Mode().IsRegular() {
		// Checked before opening too, as opening a pipe blocks.
		return retrieval.Document{}, fmt.Errorf("read %s: not a regular file", name)
	}
	f, err := os.Open(name)
	if err != nil {
		return retrieval.Document{}, err
	}
	defer f.Close()
	opened, err := f.Stat()
	if err != nil || !opened.Mode().IsRegular() {
		return retrieval.Document{}, fmt.Errorf("read %s: not a regular file", name)
	}
	real, err := filepath.EvalSymlinks(name)
	if err != nil || real != name {
		return retrieval.Document{}, fmt.Errorf("read %s: the path goes through a symbolic link", name)
	}
	if st, err := os.Lstat(name); err != nil || !os.SameFile(st, opened) {
		return retrieval.Document{}, fmt.Errorf("read %s: file changed while opening", name)
	}
	if err := knowledge.CheckSize(name, opened.Size()); err != nil {
		return retrieval.Document{}, err
	}
	data, err := io.ReadAll(io.LimitReader(f, knowledge.MaxFileSize+1))
	if err != nil {
		return retrieval.Document{}, err
	}
	doc, err := knowledge.Load(name, data)
	if err != nil {
		return retrieval.Document{}, err
	}
	sum := sha256.Sum256(data)
	return retrieval.Document{Name: name, Title: doc.Title, Hash: hex.EncodeToString(sum[:]), Text: doc.Text}, nil
}

// tmpInfix marks the temporary files of writeFileAtomic.
const tmpInfix = ".tmp-"

// writeFileAtomic writes data to path (mode 0600) through a synced
// temporary file renamed over it: a crash leaves the old file or the new.
func writeFileAtomic(path string, data []byte) (err error) {
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
	return os.Rename(f.Name(), path)
}

// syncDir syncs the directory dir, so that the files renamed into it stay
// after a crash; best effort, as not every file system syncs directories.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
