package main

import (
	"context"
	"fmt"

	"partybot/bot"
)

// openKnowledgeBase opens the knowledge base in the data directory,
// printing rebuild notices to stderr.
func (m *Main) openKnowledgeBase(ctx context.Context) (*bot.KnowledgeBase, error) {
	return bot.OpenKnowledgeBase(ctx, m.Config.DataDir, bot.KnowledgeBaseOptions{
		Notice: func(s string) { fmt.Fprintln(m.Stderr, s) },
	})
}
