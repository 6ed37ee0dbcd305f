package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"partybot/bot"
	"partybot/knowledge"
)

// runIngest adds or updates the documents at the given paths (files, or
// folders searched recursively); with --prune it also removes documents
// ingested earlier from those folders that are gone. One bad file never
// stops the others; the exit status is non-zero when any failed.
//
// Symbolic links: a path named on the command line is followed wherever it
// points, as the user typed it. Inside a folder, a link is followed only
// when its target lies inside that folder too (see collector); any other
// is skipped and reported, so that a link planted in a shared folder
// cannot pull /etc/partybot/env into the knowledge base.
func (m *Main) runIngest(ctx context.Context, args []string) error {
	flags := flag.NewFlagSet("ingest", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	prune := flags.Bool("prune", false, "remove documents that are no longer under the given paths")
	paths, err := parseInterspersed(flags, args)
	if err != nil || len(paths) == 0 {
		return usagef("用法：partybot ingest [--prune] 文件或文件夹...")
	}
	kb, err := m.openKnowledgeBase(ctx)
	if err != nil {
		return err
	}
	c := newCollector()
	defer c.close()
	var roots []string
	failed := 0
	for _, p := range paths {
		root, ok := c.add(p, func(path string, err error) {
			failed++
			fmt.Fprintf(m.Stderr, "失败  %s：%s\n", path, pathError(err))
		})
		// Only a folder read completely is pruned: a folder that could
		// not be listed would otherwise lose every document in it.
		if ok && root != "" {
			roots = append(roots, root)
		}
	}
	opt := bot.IngestOptions{}
	if *prune {
		opt.Prune = roots
	}
	if isTerminal(m.Stderr) && len(c.sources) > 1 {
		opt.Progress = func(done, total int) {
			const width = 30
			n := width * done / total
			fmt.Fprintf(m.Stderr, "\r[%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
			if done == total {
				fmt.Fprintln(m.Stderr)
			}
		}
	}
	results, err := kb.Ingest(ctx, c.sources, opt)
	if err != nil {
		return err
	}
	counts := map[bot.IngestStatus]int{}
	for _, r := range results {
		counts[r.Status]++
		switch r.Status {
		case bot.IngestFailed:
			fmt.Fprintf(m.Stderr, "失败  %s：%s\n", r.Name, loadErrorMessage(r.Err))
		case bot.IngestAdded:
			fmt.Fprintf(m.Stdout, "新增  %s\n", r.Name)
		case bot.IngestUpdated:
			fmt.Fprintf(m.Stdout, "更新  %s\n", r.Name)
		case bot.IngestRemoved:
			fmt.Fprintf(m.Stdout, "移除  %s\n", r.Name)
		default:
			fmt.Fprintf(m.Stdout, "未变  %s\n", r.Name)
		}
		// Imported all the same; what the loader doubts is for a person
		// to check ("第 46 段疑似缺页或断页：…").
		for _, w := range r.Warnings {
			fmt.Fprintf(m.Stderr, "注意  %s：%s\n", r.Name, w)
		}
	}
	for _, u := range c.unsupported {
		fmt.Fprintf(m.Stderr, "跳过  %s\n", u)
	}
	held := map[string]bool{}
	for _, d := range kb.Documents() {
		held[d.Name] = true
	}
	for _, s := range c.skipped {
		fmt.Fprintf(m.Stderr, "跳过  %s：%s\n", s.name, s.why)
		if s.outside && held[s.name] && !*prune {
			// Ingested before links were checked: it may hold what it
			// should not, and stays until removed.
			fmt.Fprintf(m.Stderr, "      知识库中仍有此前导入的“%s”，请用 partybot kb remove 移除它（或用 ingest --prune 重新导入文件夹）\n", s.name)
		}
	}
	failed += counts[bot.IngestFailed]
	links := ""
	if n := len(c.skipped); n > 0 {
		links = fmt.Sprintf("，链接等跳过 %d", n)
	}
	fmt.Fprintf(m.Stdout, "完成：新增 %d，更新 %d，未变跳过 %d，移除 %d，不支持跳过 %d%s，失败 %d；知识库共 %d 个段落。\n",
		counts[bot.IngestAdded], counts[bot.IngestUpdated], counts[bot.IngestUnchanged], counts[bot.IngestRemoved], len(c.unsupported), links, failed, kb.Len())
	if counts[bot.IngestAdded]+counts[bot.IngestUpdated] > 0 {
		if err := m.pushIngested(ctx, kb, results); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d 个文件导入失败", failed)
	}
	return nil
}

// errLinkOutside is why a file inside a folder is not read: it is, or has
// become since the folder was listed, a symbolic link out of the folder.
var errLinkOutside = errors.New("符号链接指向导入文件夹之外，为安全起见未导入")

// skip is a file or folder not ingested, and why.
type skip struct {
	name, why string
	outside   bool // a link out of the folder
}

// collector gathers the sources to ingest from the paths on the command
// line. A folder is opened as an [os.Root] and every file in it is read
// through that root, which refuses any path that resolves outside it: a
// file swapped for a link after the folder was listed fails to open
// instead of being read (no time-of-check/time-of-use gap). While listing,
// links are resolved to say which are skipped and why:
//
//   - a link whose target is outside the folder is skipped and reported;
//   - a link to a file inside the folder is ingested under the link's name,
//     unless that file is ingested already (by its own name, or through
//     another link): each real file goes in once;
//   - a link to a folder inside the folder is walked the same way, each
//     real folder at most once, which also ends loops (a link to ".").
//
// Hard links cannot be detected reliably: a hard link is the file itself,
// not a pointer to it, and a link count above one does not say whether the
// other name is inside the folder. So a hard link in the folder to a file
// elsewhere on the same file system is read like any other file. Planting
// one needs write access to the folder (and, with Linux's
// fs.protected_hardlinks, access to the file); do not ingest folders that
// people who should not see partybot's secrets can write.
type collector struct {
	sources     []bot.Source
	unsupported []string // "PATH：advice" for files in folders not in a supported format
	skipped     []skip
	seen        map[string]string // real path of each file collected → its name
	visited     map[string]bool   // real paths of folders walked
	closers     []io.Closer
}

func newCollector() *collector {
	return &collector{seen: map[string]string{}, visited: map[string]bool{}}
}

// close closes the folders' roots, after the sources have been read.
func (c *collector) close() {
	for _, r := range c.closers {
		r.Close()
	}
}

// add collects the path p named on the command line, reporting each
// failure to fail. It returns the folder to prune under when p is a folder
// (its name as documents under it are named), and whether p was read
// without failures.
func (c *collector) add(p string, fail func(path string, err error)) (folder string, ok bool) {
	name := docName(p)
	// The user named p: follow it wherever it points.
	real, err := filepath.EvalSymlinks(name)
	if err != nil {
		fail(p, err)
		return "", false
	}
	st, err := os.Stat(real)
	if err != nil {
		fail(p, err)
		return "", false
	}
	if !st.IsDir() {
		if !st.Mode().IsRegular() {
			fail(p, errNotRegular)
			return "", false
		}
		if prev, dup := c.seen[real]; dup {
			if prev != name {
				c.skipped = append(c.skipped, skip{name: name, why: "与“" + prev + "”是同一个文件，未重复导入"})
			}
			return "", true
		}
		c.seen[real] = name
		c.sources = append(c.sources, bot.Source{Name: name, Read: func() ([]byte, error) { return readDoc(real) }})
		return "", true
	}
	root, err := os.OpenRoot(real)
	if err != nil {
		fail(p, err)
		return "", false
	}
	c.closers = append(c.closers, root)
	w := &folderWalk{c: c, root: root, name: name, real: real, fail: fail, ok: true}
	w.walk(".", real)
	// Links found while walking, in the order found; walking a linked
	// folder may find more.
	for len(w.links) > 0 {
		l := w.links[0]
		w.links = w.links[1:]
		w.follow(l)
	}
	return name, w.ok
}

// folderWalk lists one folder named on the command line.
type folderWalk struct {
	c     *collector
	root  *os.Root
	name  string // the folder's name as given, made absolute: documents are named under it
	real  string // the folder's real path: links must resolve inside it
	fail  func(path string, err error)
	ok    bool
	links []string // links to resolve, relative to root (slash-separated)
}

// docName is the name of the file at rel in the folder.
func (w *folderWalk) docName(rel string) string {
	return filepath.Join(w.name, filepath.FromSlash(rel))
}

// walk lists the folder at rel inside the root, whose real path is real
// (rel is "." or went through links already resolved inside the root).
func (w *folderWalk) walk(rel, real string) {
	err := fs.WalkDir(w.root.FS(), rel, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == rel {
				return err
			}
			w.ok = false
			w.fail(w.docName(path), err)
			return nil
		}
		sub, _ := filepath.Rel(filepath.FromSlash(rel), filepath.FromSlash(path))
		realPath := filepath.Join(real, sub)
		name := w.docName(path)
		switch {
		case d.IsDir():
			if path != rel && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if w.c.visited[realPath] {
				if path != rel {
					w.c.skipped = append(w.c.skipped, skip{name: name, why: "这个文件夹已经导入过，未重复导入"})
				}
				return filepath.SkipDir
			}
			w.c.visited[realPath] = true
		case d.Type()&fs.ModeSymlink != 0:
			w.links = append(w.links, path)
		case !d.Type().IsRegular():
			w.c.skipped = append(w.c.skipped, skip{name: name, why: "不是普通文件（管道、设备等），未导入"})
		default:
			w.file(path, name, realPath)
		}
		return nil
	})
	if err != nil {
		w.ok = false
		w.fail(w.docName(rel), err)
	}
}

// file collects the regular file at rel, named name, whose real path is
// realPath.
func (w *folderWalk) file(rel, name, realPath string) {
	if !knowledge.Supported(name) {
		// In folders, a file we cannot read is skipped with advice
		// (.doc → 另存为 .docx …), not counted as a failure.
		if _, err := knowledge.Load(name, nil); err != nil {
			w.c.unsupported = append(w.c.unsupported, name+"："+knowledge.Message(err))
		}
		return
	}
	if prev, dup := w.c.seen[realPath]; dup {
		w.c.skipped = append(w.c.skipped, skip{name: name, why: "与“" + prev + "”是同一个文件，未重复导入"})
		return
	}
	w.c.seen[realPath] = name
	root, full := w.root, filepath.Join(w.real, filepath.FromSlash(rel))
	w.c.sources = append(w.c.sources, bot.Source{Name: name, Read: func() ([]byte, error) {
		return readInRoot(root, filepath.FromSlash(rel), full, w.real)
	}})
}

// follow resolves the link at rel: inside the folder it is walked or
// collected, outside it is skipped.
func (w *folderWalk) follow(rel string) {
	name := w.docName(rel)
	target, err := filepath.EvalSymlinks(filepath.Join(w.real, filepath.FromSlash(rel)))
	if err != nil {
		w.c.skipped = append(w.c.skipped, skip{name: name, why: "符号链接的目标不存在或无法读取，未导入"})
		return
	}
	if !inside(w.real, target) {
		w.c.skipped = append(w.c.skipped, skip{name: name, outside: true,
			why: "符号链接指向导入文件夹之外（" + target + "），为安全起见未导入"})
		return
	}
	st, err := os.Stat(target)
	switch {
	case err != nil:
		w.c.skipped = append(w.c.skipped, skip{name: name, why: "符号链接的目标不存在或无法读取，未导入"})
	case st.IsDir():
		if strings.HasPrefix(filepath.Base(rel), ".") {
			return // a hidden folder, as the walk skips them
		}
		if w.c.visited[target] {
			w.c.skipped = append(w.c.skipped, skip{name: name, why: "符号链接指向已经导入的文件夹（" + target + "），未重复导入"})
			return
		}
		w.walk(rel, target)
	case st.Mode().IsRegular():
		w.file(rel, name, target)
	default:
		w.c.skipped = append(w.c.skipped, skip{name: name, why: "不是普通文件（管道、设备等），未导入"})
	}
}

// inside reports whether path lies in the folder dir or is dir.
func inside(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// errNotRegular is why a pipe, device or socket is not read.
var errNotRegular = errors.New("不是普通文件（管道、设备等）")

// readInRoot reads the file at rel in root, refusing one too large before
// reading it. The root refuses a path that resolves outside it, whatever
// the file has become since the folder was listed; full and real (the
// file's path and the folder's real path) only explain that refusal.
func readInRoot(root *os.Root, rel, full, real string) ([]byte, error) {
	// Stat first, so that a pipe is not opened (opening one blocks).
	st, err := root.Stat(rel)
	if err == nil && !st.Mode().IsRegular() {
		return nil, errNotRegular
	}
	var f *os.File
	if err == nil {
		f, err = root.Open(rel)
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			return nil, err
		}
		if target, terr := filepath.EvalSymlinks(full); terr == nil && !inside(real, target) {
			return nil, fmt.Errorf("%w（%s）", errLinkOutside, target)
		}
		return nil, err
	}
	defer f.Close()
	return readLimited(f, full)
}

// readDoc reads a document named on the command line, refusing one too
// large before reading it.
func readDoc(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errNotRegular
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f, path)
}

// readLimited reads the open regular file f named name, refusing one too
// large before reading it.
func readLimited(f *os.File, name string) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errNotRegular
	}
	if err := knowledge.CheckSize(name, st.Size()); err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(f, knowledge.MaxFileSize+1))
}

// docName is the name a file is ingested under: its absolute path.
func docName(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return filepath.Clean(path)
}

// loadErrorMessage turns a read or loader error into a Chinese explanation.
func loadErrorMessage(err error) string {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return pathError(err)
	}
	if errors.Is(err, errLinkOutside) || errors.Is(err, errNotRegular) {
		return err.Error()
	}
	return knowledge.Message(err)
}

// pathError explains a file-system error in Chinese.
func pathError(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "文件或文件夹不存在"
	case errors.Is(err, fs.ErrPermission):
		return "没有读取权限"
	}
	return err.Error()
}

// pushIngested gives the subscribers each added or updated document
// concerns a notice of it (政策推送), and says how many.
func (m *Main) pushIngested(ctx context.Context, kb *bot.KnowledgeBase, results []bot.IngestResult) error {
	ps, err := m.openPush(ctx)
	if err != nil {
		return err
	}
	n, err := bot.QueuePush(ctx, ps, results, kb.ChunkRunes(), time.Now())
	if err != nil {
		return fmt.Errorf("安排政策推送失败：%w", err)
	}
	if n > 0 {
		fmt.Fprintf(m.Stdout, "政策推送：已安排 %d 条通知，由 partybot serve 按免打扰时段发出（partybot push hold 文档名 可暂缓）。\n", n)
	}
	return nil
}
