package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/llm"
	"partybot/llm/llmtest"
)

// TestRemoteEmbeddings builds the knowledge base with an embedding model
// behind a fake server: passages go in batches, unchanged text is never
// embedded twice, and a new model rebuilds with progress shown.
func TestRemoteEmbeddings(t *testing.T) {
	srv := llmtest.NewServer(t)
	client := func(model string) *llm.Client {
		cfg := llm.DefaultConfig()
		cfg.BaseURL, cfg.APIKey, cfg.EmbedModel, cfg.EmbedBatchSize = srv.URL, "k", model, 16
		c, err := llm.New(cfg)
		require.NoError(t, err)
		return c
	}
	dir := t.TempDir()
	var notices []string
	opt := bot.KnowledgeBaseOptions{Embedder: client("embed-a").TextEmbedder(), Notice: func(s string) { notices = append(notices, s) }}
	kb := open(t, dir, opt)
	reqs := srv.EmbedRequests()
	passages := 0
	for _, r := range reqs {
		passages += len(r.Input)
		assert.LessOrEqual(t, len(r.Input), 16, "a batch's inputs, limit 16")
	}
	assert.Equal(t, kb.Len(), passages, "%d requests embedded %d inputs for %d passages", len(reqs), passages, kb.Len())
	assert.Less(t, len(reqs), kb.Len(), "%d requests embedded %d inputs for %d passages", len(reqs), passages, kb.Len())
	ctx := context.Background()
	doc := source("/d/a.md", "# 党费收缴办法\n\n党员应当按月缴纳党费。\n")
	_, err := kb.Ingest(ctx, []bot.Source{doc}, bot.IngestOptions{})
	require.NoError(t, err)
	after := len(srv.EmbedRequests())
	// Re-ingesting unchanged text, and reopening, embed nothing.
	kb.Ingest(ctx, []bot.Source{doc}, bot.IngestOptions{})
	kb = open(t, dir, opt)
	assert.Equal(t, after, len(srv.EmbedRequests()), "unchanged text embedded again: requests")
	// Queries go through the model too, and find the document.
	hits, err := kb.Search(ctx, "党费怎么缴纳", 3)
	require.NoError(t, err)
	require.NotEmpty(t, hits)
	assert.Contains(t, hits[0].Text, "党费", "hits %v", hits)
	// Another model: everything is rebuilt, the ingested document kept.
	notices = nil
	opt.Embedder = client("embed-b").TextEmbedder()
	kb = open(t, dir, opt)
	assert.Contains(t, strings.Join(notices, "\n"), "重建", "no rebuild notice: %v", notices)
	found := false
	for _, d := range kb.Documents() {
		found = found || d.Name == "/d/a.md"
	}
	assert.True(t, found, "the ingested document was lost in the rebuild")
}
