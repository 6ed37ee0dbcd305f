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
	"unicode"

	"partybot/apperr"
	"partybot/corpus"
	"partybot/glossary"
	"partybot/knowledge"
	"partybot/retrieval"
)

// embedNoticeMin is how many passages to embed before progress is shown.
const embedNoticeMin = 256

// indexFile is the index's manifest inside the data directory; its
// segments are in the folder "index" beside it ([retrieval.OpenIndex]).
const indexFile = "index.gob"

// KnowledgeBase is the assistant's searchable knowledge: the shipped corpus
// and the documents ingested into the data directory, chunked, embedded and
// indexed. The index is persisted as segment files listed by a manifest,
// each written atomically and used in place (memory-mapped) when opened,
// so opening rebuilds nothing; an ingest or removal writes only a small
// segment more. It is rebuilt by itself when the shipped corpus, the
// chunking or the embedder changes. Each ingested document is also kept as
// a record of its own beside the index, so that a damaged index is rebuilt
// without losing them. Several processes may share the data directory
// (replicas): each change is made under its lock on the newest index there
// ([KnowledgeBase.Ingest]), and [KnowledgeBase.Watch] brings a replica to
// the others' changes.
type KnowledgeBase struct {
	dir       string
	notice    func(string)
	emb       retrieval.Embedder
	exp       *retrieval.Expander
	chunkSize int

	// writing is held by whatever changes the index in this process (an
	// ingest, a removal, a refresh): a channel, so that waiting for it
	// honours ctx. Writers hold the data directory's lock too (lock).
	writing chan struct{}
	mu      sync.RWMutex
	idx     *retrieval.Hybrid // the current generation
}

// KnowledgeBaseOptions are the optional settings of [OpenKnowledgeBase].
type KnowledgeBaseOptions struct {
	// Embedder embeds passages and queries; the offline hash embedder when nil.
	Embedder retrieval.Embedder
	// Glossary groups equivalent terms for query expansion; the shipped
	// glossary when nil.
	Glossary *glossary.Glossary
	// ChunkRunes is the largest passage in runes; knowledge.DefaultChunkRunes when 0.
	ChunkRunes int
	// Notice, when set, receives progress messages (rebuilding, recovering).
	Notice func(string)
}

// OpenKnowledgeBase opens the knowledge base kept in dir, creating dir
// (mode 0700) and building the index from the shipped corpus on first use.
// An index built with other settings is rebuilt, keeping the ingested
// documents; one of the single-file format before segments is converted,
// its vectors kept. A damaged or missing index is moved aside and the index
// rebuilt from the shipped corpus and the records of the ingested
// documents kept in dir/documents (see [KnowledgeBase.Ingest]); a document
// whose record is gone too is re-read from its original file when that is
// still a regular file, and named in a notice otherwise.
//
// A current index is opened without writing anything, so a read-only
// dir serves searches; when a rebuild is needed and dir is not writable,
// the index is built in memory and a notice says it could not be saved.
// Anything written is written holding the data directory's lock, after
// waiting for another process's change ([KnowledgeBase.Ingest]). Returns an
// error when dir cannot be created or read, or that wait fails.
func OpenKnowledgeBase(ctx context.Context, dir string, opt KnowledgeBaseOptions) (*KnowledgeBase, error) {
	if opt.Embedder == nil {
		opt.Embedder = retrieval.HashEmbedder{Dim: retrieval.DefaultHashDim}
	}
	if opt.ChunkRunes <= 0 {
		opt.ChunkRunes = knowledge.DefaultChunkRunes
	}
	if opt.Glossary == nil {
		g, err := glossary.Load(corpus.FS, corpus.GlossaryFile)
		if err != nil {
			return nil, err
		}
		opt.Glossary = g
	}
	notice := opt.Notice
	if notice == nil {
		notice = func(string) {}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("无法创建数据目录 %s：%w", dir, err)
	}
	kb := &KnowledgeBase{
		dir:       dir,
		notice:    notice,
		emb:       opt.Embedder,
		exp:       retrieval.NewExpander(opt.Glossary),
		chunkSize: opt.ChunkRunes,
		writing:   make(chan struct{}, 1),
	}
	shipped, key, err := kb.shippedDocs()
	if err != nil {
		return nil, err
	}
	// The usual case, an index current with these settings and its
	// records in place, writes nothing and needs no lock.
	idx, err := retrieval.OpenIndex(filepath.Join(dir, indexFile), kb.emb, kb.exp)
	if err == nil && idx.Key() == key && kb.recordsMatch(idx.Documents(false)) {
		kb.idx = idx
		return kb, nil
	}
	// Anything else writes, or found damage: look again under the lock, so
	// that replicas starting together do not rebuild at once, and a segment
	// another replica is deleting as it saves is not taken for damage. A
	// data directory that cannot be locked cannot be written either: the
	// index is then built in memory, as load says.
	unlock, err := kb.lock(ctx)
	switch {
	case err == nil:
		defer unlock()
	case !errors.Is(err, errNoLock):
		return nil, err
	}
	if err := kb.load(ctx, shipped, key); err != nil {
		return nil, err
	}
	return kb, nil
}

// load opens the index in the data directory, or builds it, as
// [OpenKnowledgeBase] describes; shipped and key are the shipped corpus
// and the key of the current settings.
func (kb *KnowledgeBase) load(ctx context.Context, shipped []retrieval.Document, key string) error {
	path := filepath.Join(kb.dir, indexFile)
	idx, err := retrieval.OpenIndex(path, kb.emb, kb.exp)
	var (
		lost  string               // why the index could not be used, for the notice
		prior []retrieval.Document // the ingested documents of an index to rebuild
		found bool                 // an index (of any settings) was read
	)
	switch {
	case err == nil && idx.Key() == key:
		kb.idx = idx
		// A data directory from before the records (or one whose last
		// write was interrupted) gets them now, when it is writable.
		kb.syncRecords(idx)
		return nil
	case err == nil:
		prior, found = idx.Documents(true), true
	case errors.Is(err, retrieval.ErrOldFormat):
		snap, serr := retrieval.ReadSnapshot(path)
		if serr == nil && kb.carryOver(ctx, snap, key) {
			return nil
		}
		if serr == nil {
			prior, found = snap.Docs, true
			break
		}
		lost = kb.moveAside(path)
	case errors.Is(err, retrieval.ErrNoIndex):
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("无法读取数据目录 %s 中的索引（没有权限）：%w", kb.dir, err)
	default:
		lost = kb.moveAside(path)
	}
	// Rebuild: the shipped corpus as it is now, plus every document that
	// was ingested before.
	docs := shipped
	if found {
		kb.notice("知识库设置已变化，正在重建索引……")
		for _, d := range prior {
			if !d.Shipped {
				docs = append(docs, d)
			}
		}
	} else {
		docs = append(docs, kb.recoverWithNotices(lost)...)
	}
	return kb.rebuild(ctx, key, docs)
}

// moveAside moves the damaged index at path aside and says so, for the
// notice.
func (kb *KnowledgeBase) moveAside(path string) string {
	aside := path + ".damaged-" + time.Now().Format("20060102-150405")
	if err := os.Rename(path, aside); err != nil {
		return fmt.Sprintf("索引文件已损坏（无法移走：%v）", err)
	}
	return "索引文件已损坏，已移到 " + aside
}

// recoverWithNotices returns the ingested documents as their records keep
// them, for a rebuild without an index, and says what was recovered and
// lost; lost is why the index could not be used, or "" when there was none.
func (kb *KnowledgeBase) recoverWithNotices(lost string) []retrieval.Document {
	rec := kb.recoverDocs()
	switch {
	case lost != "" && len(rec.docs) == 0:
		kb.notice(lost + "，正在用内置资料重建索引。")
	case lost != "":
		kb.notice(fmt.Sprintf("%s，正在用内置资料和 %d 个导入文档的记录重建索引。", lost, len(rec.docs)))
	case len(rec.docs) > 0 || len(rec.lost) > 0:
		kb.notice(fmt.Sprintf("索引文件不存在，正在用内置资料和 %d 个导入文档的记录重建索引。", len(rec.docs)))
	}
	if len(rec.reread) > 0 {
		kb.notice("以下导入文档的记录缺失或损坏，已从原文件重新读取：" + nameList(rec.reread))
	}
	if len(rec.lost) > 0 {
		kb.notice("以下导入的文档无法重新读取，需要重新导入：" + nameList(rec.lost))
	}
	if rec.unnamed > 0 {
		kb.notice(fmt.Sprintf("另有 %d 个导入文档的记录已损坏，无法辨认是哪些文档，需要重新导入。", rec.unnamed))
	}
	return rec.docs
}

// carryOver converts a snapshot of the format before segments, built with
// the current settings (key), to the current format, keeping its passages
// and vectors: nothing is re-embedded. It reports whether it did; when not,
// the caller rebuilds from the snapshot's documents.
func (kb *KnowledgeBase) carryOver(ctx context.Context, snap *retrieval.Snapshot, key string) bool {
	if snap.Version != retrieval.SnapshotVersion || snap.Key != key {
		return false
	}
	kb.notice("索引文件格式已更新，正在转换（不重新生成向量）……")
	b := retrieval.Batch{Docs: snap.Docs, Passages: snap.Passages, Vectors: snap.Vectors, Key: key}
	return kb.install(ctx, b, false) == nil
}

// nameList joins document names for a notice, at most 20 of them.
func nameList(names []string) string {
	const most = 20
	if len(names) <= most {
		return strings.Join(names, "、")
	}
	return strings.Join(names[:most], "、") + fmt.Sprintf(" 等 %d 个", len(names))
}

// shippedDocs returns the documents of the shipped corpus and the key that
// identifies this build: format, splitting rules, embedder, chunking,
// errata and shipped content.
func (kb *KnowledgeBase) shippedDocs() ([]retrieval.Document, string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "v%d|r%d|%s|%d|", retrieval.AnalysisVersion, knowledge.RulesVersion, kb.emb.ID(), kb.chunkSize)
	// The errata change how the shipped documents read.
	errata, err := fs.ReadFile(corpus.FS, corpus.ErrataFile)
	if err != nil {
		return nil, "", fmt.Errorf("read shipped errata: %w", err)
	}
	fmt.Fprintf(h, "errata:%x|", sha256.Sum256(errata))
	var docs []retrieval.Document
	err = fs.WalkDir(corpus.FS, corpus.DocsDir, func(p string, d fs.DirEntry, err error) error {
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

// rebuild chunks, embeds and indexes docs, then saves the index.
func (kb *KnowledgeBase) rebuild(ctx context.Context, key string, docs []retrieval.Document) error {
	b := retrieval.Batch{Key: key}
	for _, d := range docs {
		doc, err := knowledge.Reload(d.Name, d.Text)
		if err != nil {
			// A document that loaded once loads again; if it no longer
			// does (the loader changed), it is dropped, not fatal.
			continue
		}
		d.Title = doc.Title
		b.Docs = append(b.Docs, d)
		b.Passages = append(b.Passages, passagesOf(doc, kb.chunkSize)...)
	}
	return kb.install(ctx, b, false)
}

// install embeds the passages of b that have no vector, indexes b as a
// whole, saves it and makes it current. When the index cannot be saved,
// install keeps it in memory and says so.
func (kb *KnowledgeBase) install(ctx context.Context, b retrieval.Batch, mustSave bool) error {
	if b.Vectors == nil {
		b.Vectors = make([][]float32, len(b.Passages))
	}
	if err := retrieval.EmbedPassages(ctx, kb.emb, b.Passages, b.Vectors, kb.embedProgress()); err != nil {
		return fmt.Errorf("生成向量失败：%w", err)
	}
	idx, err := retrieval.Build(ctx, b, kb.emb, kb.exp)
	if err != nil {
		return err
	}
	saved, err := kb.save(idx, b.Docs)
	if err != nil {
		if mustSave {
			return fmt.Errorf("无法写入数据目录 %s：%w", kb.dir, err)
		}
		kb.notice(fmt.Sprintf("无法保存索引（数据目录 %s 不可写：%v），本次只在内存中使用重建的索引，下次启动还会重建。", kb.dir, err))
		saved = idx
	}
	kb.mu.Lock()
	kb.idx = saved
	kb.mu.Unlock()
	return nil
}

// embedProgress returns the progress function of an embedding run: it
// says how many passages are being embedded, when more than
// embedNoticeMin, and how far it has come.
func (kb *KnowledgeBase) embedProgress() func(done, total int) {
	started := false
	return func(done, total int) {
		if total <= embedNoticeMin {
			return
		}
		if !started {
			started = true
			kb.notice(fmt.Sprintf("正在为 %d 个段落生成向量（%s）……", total, kb.emb.ID()))
		}
		if done == total || done%(embedNoticeMin*4) < 64 {
			kb.notice(fmt.Sprintf("  已完成 %d/%d", done, total))
		}
	}
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
	// Warnings, in Chinese, are the loader's about a document added or
	// updated ([knowledge.Document.Warnings]): pages skipped, seams that
	// look like a lost page. The document is indexed all the same.
	Warnings []string
	// Doc is the document as loaded, for one added or updated: what a
	// policy push is judged on.
	Doc *knowledge.Document
}

// ChunkRunes is how long the passages the knowledge base cuts are, in
// runes (0: knowledge.DefaultChunkRunes).
func (kb *KnowledgeBase) ChunkRunes() int { return kb.chunkSize }

// IngestOptions are the optional settings of [KnowledgeBase.Ingest].
type IngestOptions struct {
	// Prune removes ingested documents under any of these folders (absolute
	// paths, as documents ingested from files are named) that are not among
	// the sources. The caller checks that each is a folder that exists; an
	// empty, relative or file-system-root entry prunes nothing.
	Prune []string
	// Progress, when set, is called after each source.
	Progress func(done, total int)
}

// Ingest adds new documents (any format knowledge.Load reads), replaces changed ones and skips those whose
// content hash is already indexed under the same name, then indexes and
// saves everything at once: a thousand files cost one index build. One
// document that fails to read or load never stops the others; its result
// says why and the index keeps its previous version. A source whose name
// repeats an earlier one is ignored. Besides the index, every ingested
// document's text is kept as a record in the data directory, so that a
// damaged index loses nothing.
//
// Several processes may share the data directory (replicas): Ingest takes
// its lock, waiting while another process changes it, and builds on the
// newest index saved there, so that no process's change is lost. Returns
// an error only when the index cannot be built or saved, the wait fails
// (an [*apperr.Error], apperr.EConflict, when it times out or ctx ends) or
// the index saved there cannot be read, and then nothing changes.
func (kb *KnowledgeBase) Ingest(ctx context.Context, sources []Source, opt IngestOptions) ([]IngestResult, error) {
	done, err := kb.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	seen := make(map[string]bool, len(sources))
	for _, src := range sources {
		seen[src.Name] = true
	}
	return kb.change(ctx, sources, opt.Progress, func(d retrieval.Document) bool {
		return !seen[d.Name] && under(d.Name, opt.Prune)
	})
}

// change ingests sources and removes the ingested documents drop selects,
// as [KnowledgeBase.Ingest] describes. The caller holds the write lock
// (beginWrite).
func (kb *KnowledgeBase) change(ctx context.Context, sources []Source, progress func(done, total int), drop func(retrieval.Document) bool) ([]IngestResult, error) {
	kb.mu.RLock()
	cur := kb.idx
	kb.mu.RUnlock()
	curDocs := cur.Documents(false)
	hashes := make(map[string]string, len(curDocs))
	for _, d := range curDocs {
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
		if seen[src.Name] {
			continue
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
					res.Status, res.Warnings, res.Doc = IngestAdded, doc.Warnings, &doc
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
		if progress != nil {
			progress(i+1, len(sources))
		}
	}
	for _, d := range curDocs {
		if !d.Shipped && !seen[d.Name] && drop(d) {
			replaced[d.Name] = true
			results = append(results, IngestResult{Name: d.Name, Status: IngestRemoved})
		}
	}
	if len(added) == 0 && len(replaced) == 0 {
		return results, nil
	}
	remove := make([]string, 0, len(replaced))
	for name := range replaced {
		remove = append(remove, name)
	}
	sort.Strings(remove)
	next, err := cur.Update(ctx, retrieval.Change{
		Remove:   remove,
		Add:      retrieval.Batch{Docs: added, Passages: passages},
		Progress: kb.embedProgress(),
	})
	if err != nil {
		return nil, fmt.Errorf("更新索引失败：%w", err)
	}
	saved, err := kb.save(next, added)
	if err != nil {
		return nil, fmt.Errorf("无法写入数据目录 %s：%w", kb.dir, err)
	}
	kb.mu.Lock()
	kb.idx = saved
	kb.mu.Unlock()
	return results, nil
}

// Remove takes ingested documents out of the knowledge base: those whose
// names are exactly among names, as [KnowledgeBase.Documents] lists them,
// and all of those named by a path inside one of folders. A folder must be
// an absolute path of a directory that exists, not the file-system root;
// Remove checks. Shipped documents stay. Returns the names removed, sorted.
//
// Returns an [*apperr.Error] and removes nothing when any name is not an ingested
// document (apperr.ENotFound: unknown, or a shipped document), is empty, or any
// folder is not an existing directory or holds no ingested document
// (apperr.EInvalid, apperr.ENotFound); its message names each such argument but does not
// say where the names are listed, which depends on where the user is.
// Like Ingest, Remove first waits for the data directory's lock and the
// newest index saved there, and returns the same errors.
func (kb *KnowledgeBase) Remove(ctx context.Context, names, folders []string) ([]string, error) {
	done, err := kb.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	kb.mu.RLock()
	curDocs := kb.idx.Documents(false)
	kb.mu.RUnlock()
	byName := make(map[string]retrieval.Document, len(curDocs))
	for _, d := range curDocs {
		byName[d.Name] = d
	}
	drop := map[string]bool{}
	var problems []string
	code := apperr.ENotFound
	for _, n := range names {
		d, ok := byName[n]
		switch {
		case strings.TrimSpace(n) == "":
			problems, code = append(problems, "文档名不能为空"), apperr.EInvalid
		case !ok:
			msg := "知识库中没有名为“" + clip(n, 80) + "”的导入文档"
			if k := countUnder(curDocs, n); k > 0 {
				msg += fmt.Sprintf("（这不是文档名，但有 %d 个导入的文档以它开头；请按完整的文档名移除）", k)
			}
			problems = append(problems, msg)
		case d.Shipped:
			problems = append(problems, "“"+clip(n, 80)+"”是内置资料，内置资料不能移除")
		default:
			drop[n] = true
		}
	}
	for _, f := range folders {
		if err := checkFolder(f); err != nil {
			problems, code = append(problems, err.Error()), apperr.EInvalid
			continue
		}
		k := 0
		for _, d := range curDocs {
			if !d.Shipped && under(d.Name, []string{f}) {
				drop[d.Name] = true
				k++
			}
		}
		if k == 0 {
			problems = append(problems, "文件夹“"+clip(f, 80)+"”下没有导入的文档")
		}
	}
	if len(problems) > 0 {
		return nil, apperr.Errorf(code, "%s", strings.Join(problems, "；"))
	}
	if len(drop) == 0 {
		return nil, apperr.Errorf(apperr.EInvalid, "没有指定要移除的文档")
	}
	if _, err := kb.change(ctx, nil, nil, func(d retrieval.Document) bool { return drop[d.Name] }); err != nil {
		return nil, err
	}
	removed := make([]string, 0, len(drop))
	for n := range drop {
		removed = append(removed, n)
	}
	sort.Strings(removed)
	return removed, nil
}

// checkFolder returns why dir cannot name a folder to remove documents
// from, or nil: it must be a clean absolute path of an existing directory
// other than the file-system root.
func checkFolder(dir string) error {
	switch {
	case strings.TrimSpace(dir) == "":
		return errors.New("文件夹路径不能为空")
	case !filepath.IsAbs(dir) || filepath.Clean(dir) != dir:
		return fmt.Errorf("“%s”不是完整的文件夹路径", clip(dir, 80))
	case filepath.Dir(dir) == dir:
		return fmt.Errorf("不能按根目录“%s”移除文档，请给出文档名或具体的文件夹", dir)
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return fmt.Errorf("“%s”不是存在的文件夹", clip(dir, 80))
	}
	return nil
}

// under reports whether name lies in one of the folders roots: clean
// absolute paths other than the file-system root; other roots (empty,
// relative, "/") hold nothing.
func under(name string, roots []string) bool {
	for _, r := range roots {
		if !filepath.IsAbs(r) {
			continue
		}
		r = filepath.Clean(r)
		if filepath.Dir(r) == r {
			continue
		}
		if strings.HasPrefix(name, r+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// countUnder counts the ingested documents whose names start with the
// folder-like prefix p, for a hint when p is not a document's name.
func countUnder(docs []retrieval.Document, p string) int {
	p = strings.TrimRightFunc(p, func(r rune) bool { return r == '/' || r == filepath.Separator })
	if p == "" {
		return 0
	}
	n := 0
	for _, d := range docs {
		if !d.Shipped && (strings.HasPrefix(d.Name, p+"/") || strings.HasPrefix(d.Name, p+string(filepath.Separator))) {
			n++
		}
	}
	return n
}

// Search returns the best k passages for q; see [retrieval.Hybrid.Search].
func (kb *KnowledgeBase) Search(ctx context.Context, q string, k int) ([]retrieval.Hit, error) {
	kb.mu.RLock()
	idx := kb.idx
	kb.mu.RUnlock()
	return idx.Search(ctx, q, k)
}

// Refresh makes current the index another process saved in the data
// directory since this one was opened or last saved (a replica's ingest),
// and reports whether it did. The new generation is opened in place, as at
// start, and swapped in at once: searches see the old index or the new,
// never a mix. It waits for a change this process is making, until ctx
// ends, but takes no lock of the data directory: what another process is
// saving is not listed until it is whole. Returns an error when it cannot
// be read or was built with other settings; the current index stays.
func (kb *KnowledgeBase) Refresh(ctx context.Context) (bool, error) {
	select {
	case kb.writing <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-kb.writing }()
	return kb.refresh()
}

// refresh is [KnowledgeBase.Refresh] for a caller that holds kb.writing.
func (kb *KnowledgeBase) refresh() (bool, error) {
	kb.mu.RLock()
	cur := kb.idx
	kb.mu.RUnlock()
	path := filepath.Join(kb.dir, indexFile)
	for tries := 1; ; tries++ {
		gen, err := retrieval.Generation(path)
		if err != nil || gen == cur.Generation() {
			return false, err
		}
		next, err := retrieval.OpenIndex(path, kb.emb, kb.exp)
		if err != nil {
			// A process that saved twice while this one opened the
			// generation read has deleted its segments (a save keeps the
			// generation it replaces, not older ones): open the newer.
			if now, gerr := retrieval.Generation(path); tries < 3 && gerr == nil && now != gen {
				continue
			}
			return false, err
		}
		if next.Key() != cur.Key() {
			return false, fmt.Errorf("数据目录 %s 中的索引由其他设置建立，未切换", kb.dir)
		}
		kb.mu.Lock()
		kb.idx = next
		kb.mu.Unlock()
		return true, nil
	}
}

// CoverageOf measures how much of q a text covers; see
// [retrieval.Hybrid.CoverageOf].
func (kb *KnowledgeBase) CoverageOf(q string) func(text string) float64 {
	kb.mu.RLock()
	idx := kb.idx
	kb.mu.RUnlock()
	return idx.CoverageOf(q)
}

// NamesConcepts returns a test of whether a text names a glossary concept
// q names ([retrieval.Hybrid.NamesConcepts]).
func (kb *KnowledgeBase) NamesConcepts(q string) func(text string) bool {
	kb.mu.RLock()
	idx := kb.idx
	kb.mu.RUnlock()
	return idx.NamesConcepts(q)
}

// Documents lists the indexed documents by name.
func (kb *KnowledgeBase) Documents() []retrieval.Document {
	kb.mu.RLock()
	docs := kb.idx.Documents(false)
	kb.mu.RUnlock()
	sort.Slice(docs, func(i, j int) bool { return docs[i].Name < docs[j].Name })
	return docs
}

// Len is the number of indexed passages.
func (kb *KnowledgeBase) Len() int {
	kb.mu.RLock()
	defer kb.mu.RUnlock()
	return kb.idx.Len()
}

// uploadName makes the name of a file sent through the chat safe to keep
// as a document's name: the last element of any path it holds, without
// control or invisible formatting characters (a right-to-left override
// would make "exe.txt" read "txt.exe"), runs of dots collapsed so it holds
// no "..", and at most 100 runes, its extension kept. A name with nothing
// left is "未命名文档.txt".
func uploadName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	for strings.Contains(name, "..") {
		name = strings.ReplaceAll(name, "..", ".")
	}
	name = strings.TrimSpace(name)
	if strings.Trim(name, ". ") == "" {
		return "未命名文档.txt"
	}
	const most = 100
	if r := []rune(name); len(r) > most {
		ext := []rune(filepath.Ext(name))
		if len(ext) > 10 {
			ext = nil
		}
		name = string(r[:most-len(ext)]) + string(ext)
	}
	return name
}
