package main

import (
	"context"
	"fmt"
	"os"

	"partybot/apperr"
	"partybot/bot"
)

// openKnowledgeBase opens the knowledge base in the data directory,
// printing rebuild notices to stderr.
// With an embedding model configured, passages are embedded by it.
func (m *Main) openKnowledgeBase(ctx context.Context) (*bot.KnowledgeBase, error) {
	emb, err := m.embedder()
	if err != nil {
		return nil, err
	}
	return m.openKnowledgeBaseWith(ctx, emb)
}

// runKB implements "partybot kb list" and "partybot kb remove NAME...".
//
// kb remove takes documents by the names kb list shows (a relative path to
// an ingested file works too, made absolute as ingest names it), or every
// document ingested from a folder when the argument is a folder that
// exists on disk. Nothing else matches: not "", not a bare prefix of names,
// not "/". When any argument matches nothing, nothing is removed.
func (m *Main) runKB(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("用法：partybot kb list | kb remove 文档名或文件夹...")
	}
	kb, err := m.openKnowledgeBase(ctx)
	if err != nil {
		return err
	}
	switch args[0] {
	case "list":
		for _, d := range kb.Documents() {
			origin := "导入"
			if d.Shipped {
				origin = "内置"
			}
			fmt.Fprintf(m.Stdout, "%s  %s  %s\n", origin, d.Name, d.Title)
		}
		return nil
	case "remove":
		if len(args) == 1 {
			return usagef("用法：partybot kb remove 文档名或文件夹...（文档名见 partybot kb list）")
		}
		known := map[string]bool{}
		for _, d := range kb.Documents() {
			known[d.Name] = true
		}
		var names, folders []string
		for _, a := range args[1:] {
			switch {
			case known[a] || a == "":
				names = append(names, a)
			case known[docName(a)]:
				names = append(names, docName(a))
			case isDir(a):
				folders = append(folders, docName(a))
			default:
				names = append(names, a)
			}
		}
		removed, err := kb.Remove(ctx, names, folders)
		if err != nil {
			if apperr.Code(err) == apperr.EInternal {
				return err
			}
			return fmt.Errorf("%s。没有移除任何文档（用 partybot kb list 查看文档名；按文件夹移除时须给出磁盘上存在的文件夹）", apperr.Message(err))
		}
		for _, n := range removed {
			fmt.Fprintf(m.Stdout, "移除  %s\n", n)
		}
		fmt.Fprintf(m.Stdout, "已移除 %d 个文档。\n", len(removed))
		return nil
	}
	return usagef("未知的 kb 子命令 %q：可用 list、remove", args[0])
}

// isDir reports whether path is an existing directory.
func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}
