package bot_test

import (
	"context"
	"strings"
	"testing"

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
		if err != nil {
			t.Fatal(err)
		}
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
		if len(r.Input) > 16 {
			t.Fatalf("a batch of %d inputs, limit 16", len(r.Input))
		}
	}
	if passages != kb.Len() || len(reqs) >= kb.Len() {
		t.Fatalf("%d requests embedded %d inputs for %d passages", len(reqs), passages, kb.Len())
	}
	ctx := context.Background()
	doc := source("/d/a.md", "# 党费收缴办法\n\n党员应当按月缴纳党费。\n")
	if _, err := kb.Ingest(ctx, []bot.Source{doc}, bot.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	after := len(srv.EmbedRequests())
	// Re-ingesting unchanged text, and reopening, embed nothing.
	kb.Ingest(ctx, []bot.Source{doc}, bot.IngestOptions{})
	kb = open(t, dir, opt)
	if n := len(srv.EmbedRequests()); n != after {
		t.Fatalf("unchanged text embedded again: %d requests, want %d", n, after)
	}
	// Queries go through the model too, and find the document.
	hits, err := kb.Search(ctx, "党费怎么缴纳", 3)
	if err != nil || len(hits) == 0 || !strings.Contains(hits[0].Text, "党费") {
		t.Fatalf("hits %v err %v", hits, err)
	}
	// Another model: everything is rebuilt, the ingested document kept.
	notices = nil
	opt.Embedder = client("embed-b").TextEmbedder()
	kb = open(t, dir, opt)
	if len(notices) == 0 || !strings.Contains(strings.Join(notices, "\n"), "重建") {
		t.Fatalf("no rebuild notice: %v", notices)
	}
	found := false
	for _, d := range kb.Documents() {
		found = found || d.Name == "/d/a.md"
	}
	if !found {
		t.Fatal("the ingested document was lost in the rebuild")
	}
}
