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

	"partybot/bot"
	"partybot/knowledge"
)

// runIngest adds or updates the documents at the given paths (files, or
// folders searched recursively); with --prune it also removes documents
// ingested earlier from those folders that are gone. One bad file never
// stops the others; the exit status is non-zero when any failed.
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
	var sources []bot.Source
	var roots, unsupported []string
	var failed int
	for _, p := range paths {
		roots = append(roots, docName(p))
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != p && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if path != p && !knowledge.Supported(path) {
				// In folders, a file we cannot read is skipped with advice
				// (.doc → 另存为 .docx …), not counted as a failure.
				if _, err := knowledge.Load(path, nil); err != nil {
					unsupported = append(unsupported, path+"："+knowledge.Message(err))
				}
				return nil
			}
			sources = append(sources, bot.Source{Name: docName(path), Read: func() ([]byte, error) { return readDoc(path) }})
			return nil
		})
		if err != nil {
			failed++
			fmt.Fprintf(m.Stderr, "失败  %s：%s\n", p, pathError(err))
		}
	}
	opt := bot.IngestOptions{}
	if *prune {
		opt.Prune = roots
	}
	if isTerminal(m.Stderr) && len(sources) > 1 {
		opt.Progress = func(done, total int) {
			const width = 30
			n := width * done / total
			fmt.Fprintf(m.Stderr, "\r[%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
			if done == total {
				fmt.Fprintln(m.Stderr)
			}
		}
	}
	results, err := kb.Ingest(ctx, sources, opt)
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
	}
	for _, u := range unsupported {
		fmt.Fprintf(m.Stderr, "跳过  %s\n", u)
	}
	failed += counts[bot.IngestFailed]
	fmt.Fprintf(m.Stdout, "完成：新增 %d，更新 %d，未变跳过 %d，移除 %d，不支持跳过 %d，失败 %d；知识库共 %d 个段落。\n",
		counts[bot.IngestAdded], counts[bot.IngestUpdated], counts[bot.IngestUnchanged], counts[bot.IngestRemoved], len(unsupported), failed, kb.Len())
	if failed > 0 {
		return fmt.Errorf("%d 个文件导入失败", failed)
	}
	return nil
}

// readDoc reads a document, refusing one too large before reading it.
func readDoc(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := knowledge.CheckSize(path, st.Size()); err != nil {
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
