package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"partybot/bot"
	"partybot/knowledge"
)

// maxIngestBytes is the largest file ingest reads.
const maxIngestBytes = 32 << 20

// runIngest adds or updates the documents at the given paths (files, or
// folders searched recursively). One bad file never stops the others; the
// exit status is non-zero when any failed.
func (m *Main) runIngest(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("用法：partybot ingest 文件或文件夹...")
	}
	kb, err := m.openKnowledgeBase(ctx)
	if err != nil {
		return err
	}
	var files []string
	var failed int
	for _, p := range args {
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
			if path != p && !isTextDoc(path) {
				return nil // folders: only the document types we read
			}
			files = append(files, path)
			return nil
		})
		if err != nil {
			failed++
			fmt.Fprintf(m.Stderr, "失败  %s：%s\n", p, pathError(err))
		}
	}
	var added, updated, skipped int
	for _, f := range files {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		status, err := m.ingestFile(ctx, kb, f)
		switch {
		case err != nil:
			failed++
			fmt.Fprintf(m.Stderr, "失败  %s：%s\n", f, err)
		case status == bot.IngestAdded:
			added++
			fmt.Fprintf(m.Stdout, "新增  %s\n", f)
		case status == bot.IngestUpdated:
			updated++
			fmt.Fprintf(m.Stdout, "更新  %s\n", f)
		default:
			skipped++
			fmt.Fprintf(m.Stdout, "未变  %s\n", f)
		}
	}
	fmt.Fprintf(m.Stdout, "完成：新增 %d，更新 %d，未变跳过 %d，失败 %d；知识库共 %d 个段落。\n", added, updated, skipped, failed, kb.Len())
	if failed > 0 {
		return fmt.Errorf("%d 个文件导入失败", failed)
	}
	return nil
}

func (m *Main) ingestFile(ctx context.Context, kb *bot.KnowledgeBase, path string) (bot.IngestStatus, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", errors.New(pathError(err))
	}
	if st.Size() > maxIngestBytes {
		return "", fmt.Errorf("文件太大（%d MB），单个文件不能超过 %d MB", st.Size()>>20, maxIngestBytes>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", errors.New(pathError(err))
	}
	status, err := kb.Ingest(ctx, docName(path), data)
	if err != nil {
		return "", errors.New(loadErrorMessage(err))
	}
	return status, nil
}

// docName is the name a file is ingested under: its absolute path.
func docName(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return filepath.Clean(path)
}

func isTextDoc(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".txt", ".md", ".markdown":
		return true
	}
	return false
}

// loadErrorMessage turns a loader error into a Chinese explanation.
func loadErrorMessage(err error) string {
	switch {
	case errors.Is(err, knowledge.ErrBinary):
		return "这是二进制文件，不是文本文档；目前只能导入 .txt 和 .md 文本文件"
	case errors.Is(err, knowledge.ErrEncoding):
		return "文件不是 UTF-8 编码的文本，请另存为 UTF-8 后再导入"
	case errors.Is(err, knowledge.ErrEmpty):
		return "文件中没有文字内容"
	case errors.Is(err, knowledge.ErrUnsupported):
		return "不支持的文件类型，目前只能导入 .txt 和 .md 文件"
	}
	return err.Error()
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
