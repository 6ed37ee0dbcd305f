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

// indexFile is the snapshot's name inside the data directory.
const indexFile = "index.gob"

// KnowledgeBase is the assistant's searchable knowledge: the shipped corpus
// and the documents ingested into the data directory, chunked, embedded and
// indexed. The index is persisted as one snapshot file written atomically,
// and rebuilt by itself when the shipped corpus, the chunking or the
// embedder changes. Each ingested document is also kept as a record of its
// own beside the snapshot, so that a damaged snapshot is rebuilt without
// losing them.
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
	Glossary *glossary.Glossary
	// ChunkRunes is the largest passage in runes; knowledge.DefaultChunkRunes when 0.
	ChunkRunes int
	// Notice, when set, receives progress messages (rebuilding, recovering).
	Notice func(string)
}

// OpenKnowledgeBase opens the knowledge base kept in dir, creating dir
// (mode 0700) and building the index from the shipped corpus on first use.
// A snapshot built with other settings is rebuilt, keeping the ingested
// documents. A damaged or missing snapshot is moved aside and the index
// rebuilt from the shipped corpus and the records of the ingested
// documents kept in dir/documents (see [KnowledgeBase.Ingest]); a document
// whose record is gone too is re-read from its original file when that is
// still a regular file, and named in a notice otherwise.
//
// A current snapshot is opened without writing anything, so a read-only
// dir serves searches; when a rebuild is needed and dir is not writable,
// the index is built in memory and a notice says it could not be saved.
// Returns an error when dir cannot be created or read.
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
	}
	shipped, key, err := kb.shippedDocs()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, indexFile)
	snap, err := retrieval.ReadSnapshot(path)
	var lost string // why the snapshot could not be used, for the notice
	switch {
	case errors.Is(err, retrieval.ErrNoSnapshot):
		snap = nil
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("无法读取数据目录 %s 中的索引（没有权限）：%w", dir, err)
	case err != nil:
		aside := path + ".damaged-" + time.Now().Format("20060102-150405")
		if rerr := os.Rename(path, aside); rerr != nil {
			lost = fmt.Sprintf("索引文件已损坏（无法移走：%v）", rerr)
		} else {
			lost = "索引文件已损坏，已移到 " + aside
		}
		snap = nil
	}
	if snap != nil && snap.Version == retrieval.SnapshotVersion && snap.Key == key {
		idx, err := retrieval.NewHybrid(ctx, snap.Passages, snap.Vectors, kb.emb, kb.exp)
		if err != nil {
			return nil, err
		}
		kb.snap, kb.idx = snap, idx
		// A data directory from before the records (or one whose last
		// write was interrupted) gets them now, when it is writable.
		kb.syncRecords(snap.Docs)
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
	} else {
		rec := kb.recoverDocs()
		docs = append(docs, rec.docs...)
		switch {
		case lost != "" && len(rec.docs) == 0:
			notice(lost + "，正在用内置资料重建索引。")
		case lost != "":
			notice(fmt.Sprintf("%s，正在用内置资料和 %d 个导入文档的记录重建索引。", lost, len(rec.docs)))
		case len(rec.docs) > 0 || len(rec.lost) > 0:
			notice(fmt.Sprintf("索引文件不存在，正在用内置资料和 %d 个导入文档的记录重建索引。", len(rec.docs)))
		}
		if len(rec.reread) > 0 {
			notice("以下导入文档的记录缺失或损坏，已从原文件重新读取：" + nameList(rec.reread))
		}
		if len(rec.lost) > 0 {
			notice("以下导入的文档无法重新读取，需要重新导入：" + nameList(rec.lost))
		}
		if rec.unnamed > 0 {
			notice(fmt.Sprintf("另有 %d 个导入文档的记录已损坏，无法辨认是哪些文档，需要重新导入。", rec.unnamed))
		}
	}
	if err := kb.rebuild(ctx, key, docs); err != nil {
		return nil, err
	}
	return kb, nil
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
	fmt.Fprintf(h, "v%d|r%d|%s|%d|", retrieval.SnapshotVersion, knowledge.RulesVersion, kb.emb.ID(), kb.chunkSize)
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
	return kb.install(ctx, snap, false)
}

// install indexes snap (embedding passages without vectors), saves it and
// makes it current. When the snapshot cannot be saved, install returns the
// error if mustSave, and otherwise keeps the index in memory and says so.
func (kb *KnowledgeBase) install(ctx context.Context, snap *retrieval.Snapshot, mustSave bool) error {
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
	if err := kb.save(snap); err != nil {
		if mustSave {
			return fmt.Errorf("无法写入数据目录 %s：%w", kb.dir, err)
		}
		kb.notice(fmt.Sprintf("无法保存索引（数据目录 %s 不可写：%v），本次只在内存中使用重建的索引，下次启动还会重建。", kb.dir, err))
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
	// Warnings, in Chinese, are the loader's about a document added or
	// updated ([knowledge.Document.Warnings]): pages skipped, seams that
	// look like a lost page. The document is indexed all the same.
	Warnings []string
}

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
// repeats an earlier one is ignored. Besides the snapshot, every ingested
// document's text is kept as a record in the data directory, so that a
// damaged snapshot loses nothing. Returns an error only when the index
// cannot be built or saved, and then nothing changes.
func (kb *KnowledgeBase) Ingest(ctx context.Context, sources []Source, opt IngestOptions) ([]IngestResult, error) {
	kb.writeMu.Lock()
	defer kb.writeMu.Unlock()
	seen := make(map[string]bool, len(sources))
	for _, src := range sources {
		seen[src.Name] = true
	}
	return kb.change(ctx, sources, opt.Progress, func(d retrieval.Document) bool {
		return !seen[d.Name] && under(d.Name, opt.Prune)
	})
}

// change ingests sources and removes the ingested documents drop selects,
// as [KnowledgeBase.Ingest] describes. The caller holds writeMu.
func (kb *KnowledgeBase) change(ctx context.Context, sources []Source, progress func(done, total int), drop func(retrieval.Document) bool) ([]IngestResult, error) {
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
					res.Status, res.Warnings = IngestAdded, doc.Warnings
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
	for _, d := range cur.Docs {
		if !d.Shipped && !seen[d.Name] && drop(d) {
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
	if err := kb.install(ctx, next, true); err != nil {
		return nil, err
	}
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
func (kb *KnowledgeBase) Remove(ctx context.Context, names, folders []string) ([]string, error) {
	kb.writeMu.Lock()
	defer kb.writeMu.Unlock()
	kb.mu.RLock()
	cur := kb.snap
	kb.mu.RUnlock()
	byName := make(map[string]retrieval.Document, len(cur.Docs))
	for _, d := range cur.Docs {
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
			if k := countUnder(cur.Docs, n); k > 0 {
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
		for _, d := range cur.Docs {
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
