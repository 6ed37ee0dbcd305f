package main

import (
	"context"
	"fmt"

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
func (m *Main) runKB(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("用法：partybot kb list | kb remove 文件或文件夹...")
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
			return usagef("用法：partybot kb remove 文件或文件夹...")
		}
		var names []string
		for _, a := range args[1:] {
			names = append(names, a, docName(a))
		}
		n, err := kb.Remove(ctx, names)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("知识库中没有这些导入的文档（内置资料不能移除；用 partybot kb list 查看）")
		}
		fmt.Fprintf(m.Stdout, "已移除 %d 个文档。\n", n)
		return nil
	}
	return usagef("未知的 kb 子命令 %q：可用 list、remove", args[0])
}
