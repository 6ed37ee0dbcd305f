package bot_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/corpus"
)

// TestKnowledgeBaseShippedErrata checks that the shipped corpus is indexed
// with its errata: the 绍兴 text of the seed bulletin's lost page is found
// under its own title and source, never under 宛城's.
func TestKnowledgeBaseShippedErrata(t *testing.T) {
	kb := open(t, t.TempDir(), bot.KnowledgeBaseOptions{})
	hits, err := kb.Search(context.Background(), "绍兴会议上哪些临时党组织的负责人作了交流发言", 20)
	require.NoError(t, err)
	found := false
	for _, h := range hits {
		if strings.Contains(h.Text, "绍兴市社会组织总会") {
			found = true
			assert.NotContains(t, h.Title, "宛城", "绍兴's text cited under 宛城's title")
			assert.Equal(t, "转自绍兴市民政局官网", h.Source, "Source")
		}
		if strings.Contains(h.Title, "宛城") {
			assert.NotContains(t, h.Text, "入社会组织管理全过程", "宛城's passage holds 绍兴's text")
		}
	}
	assert.True(t, found, "the 绍兴 passage is not found")
}

// TestKnowledgeBaseIngestWarnings checks that the loader's warnings about
// a document reach its ingest result, and that the document is indexed.
func TestKnowledgeBaseIngestWarnings(t *testing.T) {
	kb := open(t, t.TempDir(), bot.KnowledgeBaseOptions{})
	// The seed bulletin as received, ingested by a deployer: no errata.
	data, err := fs.ReadFile(corpus.FS, "docs/000_cd24362e620a5886.txt")
	require.NoError(t, err)
	res := ingestOne(t, kb, "/docs/bulletin.txt", string(data))
	require.NoError(t, res.Err)
	assert.Equal(t, bot.IngestAdded, res.Status, "Status")
	require.Len(t, res.Warnings, 1, "Warnings")
	assert.Contains(t, res.Warnings[0], "疑似缺页或断页：“…眼科医院、宛城区｜入社会组织管理全…”，已按段落分开，请核对原文")

	res = ingestOne(t, kb, "/docs/dangfei.md", policyDoc)
	assert.Equal(t, bot.IngestAdded, res.Status, "Status")
	assert.Empty(t, res.Warnings, "Warnings of a sound document")
}
