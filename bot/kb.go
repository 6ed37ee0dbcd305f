package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"partybot/corpus"
	"partybot/knowledge"
	"partybot/retrieval"
)

// embedNoticeMin is how many passages to embed before progress is shown.
const embedNoticeMin = 256

// indexFile is the snapshot's name inside the data directory.
const indexFile = "index.gob"

// KnowledgeBase is the assistant's searchable knowledge: the shipped corpus
// and the documents ingested into the data directory, chunked, embedded and
// indexed. The index is persisted as one snapshot file written atomically,
// and rebuilt by itself when the shipped corpus, the chunking or the
// embedder changes.
type KnowledgeBase struct {
	dir       string
	notice    func(string)
	emb       retrieval.Embedder
	exp       *retrieval.Expander
	chunkSize int

	writeMu sync.Mutex // one Ingest at a time
	mu      sync.RWMutex
	snap    *retrieval.Snapshot
	idx     *retrieval.Hybrid
}

// KnowledgeBaseOptions are the optional settings of [OpenKnowledgeBase].
type KnowledgeBaseOptions struct {
	// Embedder embeds passages and queries; the offline hash embedder when nil.
	Embedder retrieval.Embedder
	// Glossary groups equivalent terms for query expansion; the shipped
	// glossary when nil.
	Glossary [][]string
	// ChunkRunes is the largest passage in runes; knowledge.DefaultChunkRunes when 0.
	ChunkRunes int
	// Notice, when set, receives progress messages (rebuilding, recovering).
	Notice func(string)
}

// OpenKnowledgeBase opens the knowledge base kept in dir, creating dir and
// building the index from the shipped corpus on first use. A snapshot built
// with other settings is rebuilt, keeping the ingested documents. A damaged
// snapshot is moved aside and the index rebuilt from the shipped corpus.
// Returns an error when dir cannot be created, read or written.
func OpenKnowledgeBase(ctx context.Context, dir string, opt KnowledgeBaseOptions) (*KnowledgeBase, error) {
	if opt.Embedder == nil {
		opt.Embedder = retrieval.HashEmbedder{Dim: retrieval.DefaultHashDim}
	}
	if opt.ChunkRunes <= 0 {
		opt.ChunkRunes = knowledge.DefaultChunkRunes
	}
	if opt.Glossary == nil {
		g, err := knowledge.DefaultGlossary()
		if err != nil {
			return nil, err
		}
		opt.Glossary = g.Groups()
	}
	notice := opt.Notice
	if notice == nil {
		notice = func(string) {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("无法创建数据目录 %s：%w", dir, err)
	}
	kb := &KnowledgeBase{
		dir:       dir,
		notice:    notice,
		emb:       opt.Embedder,
		exp:       retrieval.NewExpander(opt.Glossary),
		chunkSize: opt.ChunkRunes,
	}
	shipped, key, err := kb.shippedDocs()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, indexFile)
	snap, err := retrieval.ReadSnapshot(path)
	switch {
	case errors.Is(err, retrieval.ErrNoSnapshot):
		snap = nil
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("无法读取数据目录 %s 中的索引（没有权限）：%w", dir, err)
	case err != nil:
		aside := path + ".damaged-" + time.Now().Format("20060102-150405")
		if rerr := os.Rename(path, aside); rerr != nil {
			return nil, fmt.Errorf("索引文件已损坏且无法移走：%w", err)
		}
		notice(fmt.Sprintf("索引文件已损坏，已移到 %s，正在用内置资料重建。", aside))
		snap = nil
	}
	if snap != nil && snap.Version == retrieval.SnapshotVersion && snap.Key == key {
		idx, err := retrieval.NewHybrid(ctx, snap.Passages, snap.Vectors, kb.emb, kb.exp)
		if err != nil {
			return nil, err
		}
		kb.snap, kb.idx = snap, idx
		return kb, nil
	}
	// Rebuild: the shipped corpus as it is now, plus every document that
	// was ingested before.
	docs := shipped
	if snap != nil {
		notice("知识库设置已变化，正在重建索引……")
		for _, d := range snap.Docs {
			if !d.Shipped {
				docs = append(docs, d)
			}
		}
	}
	if err := kb.rebuild(ctx, key, docs); err != nil {
		return nil, err
	}
	return kb, nil
}

// shippedDocs returns the documents of the shipped corpus and the key that
// identifies this build: format, embedder, chunking and shipped content.
func (kb *KnowledgeBase) shippedDocs() ([]retrieval.Document, string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "v%d|%s|%d|", retrieval.SnapshotVersion, kb.emb.ID(), kb.chunkSize)
	var docs []retrieval.Document
	err := fs.WalkDir(corpus.FS, corpus.DocsDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(corpus.FS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(h, "%s:%x|", p, sum)
		docs = append(docs, retrieval.Document{Name: p, Hash: hex.EncodeToString(sum[:]), Shipped: true, Text: string(data)})
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("read shipped corpus: %w", err)
	}
	return docs, hex.EncodeToString(h.Sum(nil)), nil
}

// rebuild chunks, embeds and indexes docs, then saves the snapshot.
func (kb *KnowledgeBase) rebuild(ctx context.Context, key string, docs []retrieval.Document) error {
	snap := &retrieval.Snapshot{Version: retrieval.SnapshotVersion, Key: key}
	for _, d := range docs {
		doc, err := knowledge.Reload(d.Name, d.Text)
		if err != nil {
			// A document that loaded once loads again; if it no longer
			// does (the loader changed), it is dropped, not fatal.
			continue
		}
		d.Title = doc.Title
		snap.Docs = append(snap.Docs, d)
		snap.Passages = append(snap.Passages, passagesOf(doc, kb.chunkSize)...)
	}
	return kb.install(ctx, snap)
}

// install indexes snap (embedding passages without vectors), saves it and
// makes it current.
func (kb *KnowledgeBase) install(ctx context.Context, snap *retrieval.Snapshot) error {
	if snap.Vectors == nil {
		snap.Vectors = make([][]float32, len(snap.Passages))
	}
	// A passage whose text is already indexed by the same embedder keeps
	// its vector: re-chunked or re-ingested unchanged text costs nothing.
	kb.mu.RLock()
	cur := kb.snap
	kb.mu.RUnlock()
	if cur != nil && cur.Key == snap.Key {
		known := make(map[string][]float32, len(cur.Passages))
		for i, p := range cur.Passages {
			known[p.Title+"\n"+p.Text] = cur.Vectors[i]
		}
		for i, p := range snap.Passages {
			if snap.Vectors[i] == nil {
				snap.Vectors[i] = known[p.Title+"\n"+p.Text]
			}
		}
	}
	missing := 0
	for _, v := range snap.Vectors {
		if v == nil {
			missing++
		}
	}
	var progress func(done, total int)
	if missing > embedNoticeMin {
		kb.notice(fmt.Sprintf("正在为 %d 个段落生成向量（%s）……", missing, kb.emb.ID()))
		progress = func(done, total int) {
			if done == total || done%(embedNoticeMin*4) < 64 {
				kb.notice(fmt.Sprintf("  已完成 %d/%d", done, total))
			}
		}
	}
	if err := retrieval.EmbedPassages(ctx, kb.emb, snap.Passages, snap.Vectors, progress); err != nil {
		return fmt.Errorf("生成向量失败：%w", err)
	}
	idx, err := retrieval.NewHybrid(ctx, snap.Passages, snap.Vectors, kb.emb, kb.exp)
	if err != nil {
		return err
	}
	snap.Vectors = idx.Vectors()
	if err := retrieval.WriteSnapshot(filepath.Join(kb.dir, indexFile), snap); err != nil {
		return fmt.Errorf("无法写入数据目录 %s：%w", kb.dir, err)
	}
	kb.mu.Lock()
	kb.snap, kb.idx = snap, idx
	kb.mu.Unlock()
	return nil
}

// passagesOf chunks a loaded document into retrieval passages. A passage
// names where it comes from: the article's source line in a bulletin, or
// the document's number and date where the document states them.
func passagesOf(doc knowledge.Document, size int) []retrieval.Passage {
	var meta []string
	if doc.DocNumber != "" {
		meta = append(meta, doc.DocNumber)
	}
	if d := knowledge.ChineseDate(doc.Date); d != "" {
		meta = append(meta, d)
	}
	var ps []retrieval.Passage
	for _, c := range doc.Chunks(size) {
		text := c.Text
		if c.Heading != "" {
			// The subheading is part of what the passage says ("聚力全域覆盖"
			// names one of the 三维), and tells the reader where it stands.
			text = c.Heading + "\n" + text
		}
		source := c.Source
		if source == "" && len(meta) > 0 {
			source = strings.Join(meta, "，")
		}
		ps = append(ps, retrieval.Passage{ID: c.ID, Doc: c.Doc, Title: c.Title, Source: source, Text: text})
	}
	return ps
}

// IngestStatus says what Ingest did with a document.
type IngestStatus string

// Ingest outcomes.
const (
	IngestAdded     IngestStatus = "added"
	IngestUpdated   IngestStatus = "updated"
	IngestUnchanged IngestStatus = "skipped"
	IngestFailed    IngestStatus = "failed"
	IngestRemoved   IngestStatus = "removed"
)

// Source is a document to ingest: its unique name (an absolute path, or
// an upload's name) and how to read its content.
type Source struct {
	Name string
	Read func() ([]byte, error)
}

// IngestResult is what Ingest did with one document.
type IngestResult struct {
	Name   string
	Status IngestStatus
	Err    error // why it failed; the loader's sentinel errors are wrapped
}

// IngestOptions are the optional settings of [KnowledgeBase.Ingest].
type IngestOptions struct {
	// Prune removes ingested documents under any of these names (folders
	// or files) that are not among the sources.
	Prune []string
	// Progress, when set, is called after each source.
	Progress func(done, total int)
}

// Ingest adds new documents (any format knowledge.Load reads), replaces changed ones and skips those whose
// content hash is already indexed under the same name, then indexes and
// saves everything at once: a thousand files cost one index build. One
// document that fails to read or load never stops the others; its result
// says why and the index keeps its previous version. Returns an error only
// when the index cannot be built or saved, and then nothing changes.
func (kb *KnowledgeBase) Ingest(ctx context.Context, sources []Source, opt IngestOptions) ([]IngestResult, error) {
	kb.writeMu.Lock()
	defer kb.writeMu.Unlock()
	kb.mu.RLock()
	cur := kb.snap
	kb.mu.RUnlock()
	hashes := make(map[string]string, len(cur.Docs))
	for _, d := range cur.Docs {
		hashes[d.Name] = d.Hash
	}
	var (
		results  []IngestResult
		replaced = map[string]bool{} // documents whose old passages go
		added    []retrieval.Document
		passages []retrieval.Passage
		seen     = map[string]bool{}
	)
	for i, src := range sources {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		seen[src.Name] = true
		res := IngestResult{Name: src.Name}
		data, err := src.Read()
		if err == nil {
			sum := sha256.Sum256(data)
			hash := hex.EncodeToString(sum[:])
			old, known := hashes[src.Name]
			switch {
			case known && old == hash:
				res.Status = IngestUnchanged
			default:
				var doc knowledge.Document
				if doc, err = knowledge.Load(src.Name, data); err == nil {
					res.Status = IngestAdded
					if known {
						res.Status = IngestUpdated
						replaced[src.Name] = true
					}
					added = append(added, retrieval.Document{Name: src.Name, Title: doc.Title, Hash: hash, Text: doc.Text})
					passages = append(passages, passagesOf(doc, kb.chunkSize)...)
				}
			}
		}
		if err != nil {
			res.Status, res.Err = IngestFailed, err
		}
		results = append(results, res)
		if opt.Progress != nil {
			opt.Progress(i+1, len(sources))
		}
	}
	for _, d := range cur.Docs {
		if !d.Shipped && !seen[d.Name] && under(d.Name, opt.Prune) {
			replaced[d.Name] = true
			results = append(results, IngestResult{Name: d.Name, Status: IngestRemoved})
		}
	}
	if len(added) == 0 && len(replaced) == 0 {
		return results, nil
	}
	next := &retrieval.Snapshot{Version: cur.Version, Key: cur.Key}
	for _, d := range cur.Docs {
		if !replaced[d.Name] {
			next.Docs = append(next.Docs, d)
		}
	}
	for i, p := range cur.Passages {
		if !replaced[p.Doc] {
			next.Passages = append(next.Passages, p)
			next.Vectors = append(next.Vectors, cur.Vectors[i])
		}
	}
	next.Docs = append(next.Docs, added...)
	next.Passages = append(next.Passages, passages...)
	next.Vectors = append(next.Vectors, make([][]float32, len(passages))...)
	if err := kb.install(ctx, next); err != nil {
		return nil, err
	}
	return results, nil
}

// Remove takes the ingested documents named (or under the folders named)
// out of the knowledge base and returns how many went. Shipped documents
// stay.
func (kb *KnowledgeBase) Remove(ctx context.Context, names []string) (int, error) {
	res, err := kb.Ingest(ctx, nil, IngestOptions{Prune: names})
	return len(res), err
}

// under reports whether name is one of roots or lies in a folder of them.
func under(name string, roots []string) bool {
	for _, r := range roots {
		r = strings.TrimSuffix(r, "/")
		if name == r || strings.HasPrefix(name, r+"/") {
			return true
		}
	}
	return false
}

// Search returns the best k passages for q; see [retrieval.Hybrid.Search].
func (kb *KnowledgeBase) Search(ctx context.Context, q string, k int) ([]retrieval.Hit, error) {
	kb.mu.RLock()
	idx := kb.idx
	kb.mu.RUnlock()
	return idx.Search(ctx, q, k)
}

// CoverageOf measures how much of q a text covers; see
// [retrieval.Hybrid.CoverageOf].
func (kb *KnowledgeBase) CoverageOf(q string) func(text string) float64 {
	kb.mu.RLock()
	idx := kb.idx
	kb.mu.RUnlock()
	return idx.CoverageOf(q)
}

// Documents lists the indexed documents by name.
func (kb *KnowledgeBase) Documents() []retrieval.Document {
	kb.mu.RLock()
	defer kb.mu.RUnlock()
	docs := make([]retrieval.Document, len(kb.snap.Docs))
	for i, d := range kb.snap.Docs {
		d.Text = ""
		docs[i] = d
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].Name < docs[j].Name })
	return docs
}

// Len is the number of indexed passages.
func (kb *KnowledgeBase) Len() int {
	kb.mu.RLock()
	defer kb.mu.RUnlock()
	return kb.idx.Len()
}
