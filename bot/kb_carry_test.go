package bot

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/knowledge"
	"partybot/retrieval"
)

// countingEmbedder is the offline embedder, counting the texts it embeds.
type countingEmbedder struct {
	retrieval.HashEmbedder
	n atomic.Int64
}

func (e *countingEmbedder) Embed(ctx context.Context, text string) ([]float32, error) {
	e.n.Add(1)
	return e.HashEmbedder.Embed(ctx, text)
}

// TestKnowledgeBaseCarriesOverOldFormat: a data directory whose index is
// the single-file snapshot of before segments is converted at its first
// open, re-embedding nothing, and then opens without a notice.
func TestKnowledgeBaseCarriesOverOldFormat(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	emb := &countingEmbedder{HashEmbedder: retrieval.HashEmbedder{Dim: retrieval.DefaultHashDim}}
	kb, err := OpenKnowledgeBase(ctx, dir, KnowledgeBaseOptions{Embedder: emb})
	require.NoError(t, err)
	_, err = kb.Ingest(ctx, []Source{{Name: "/docs/dangfei.md", Read: func() ([]byte, error) {
		return []byte("# 党费收缴管理办法\n\n党员应当按月缴纳党费，党费由党支部按月收缴。\n"), nil
	}}}, IngestOptions{})
	require.NoError(t, err)
	_, key, err := kb.shippedDocs()
	require.NoError(t, err)

	// The snapshot the build before segments wrote for these documents.
	snap := &retrieval.Snapshot{Version: retrieval.SnapshotVersion, Key: key}
	for _, d := range kb.idx.Documents(true) {
		doc, err := knowledge.Reload(d.Name, d.Text)
		require.NoError(t, err)
		snap.Docs = append(snap.Docs, d)
		snap.Passages = append(snap.Passages, passagesOf(doc, kb.chunkSize)...)
	}
	snap.Vectors = make([][]float32, len(snap.Passages))
	require.NoError(t, retrieval.EmbedPassages(ctx, emb, snap.Passages, snap.Vectors, nil))
	old := t.TempDir()
	require.NoError(t, retrieval.WriteSnapshot(filepath.Join(old, indexFile), snap))

	emb.n.Store(0)
	var notices []string
	opt := KnowledgeBaseOptions{Embedder: emb, Notice: func(s string) { notices = append(notices, s) }}
	kb, err = OpenKnowledgeBase(ctx, old, opt)
	require.NoError(t, err)
	assert.Zero(t, emb.n.Load(), "passages re-embedded")
	assert.Contains(t, strings.Join(notices, "\n"), "格式已更新")
	assert.Equal(t, len(snap.Passages), kb.Len())
	hits, err := kb.Search(ctx, "党员每月怎么缴纳党费", 3)
	require.NoError(t, err)
	require.NotEmpty(t, hits)
	assert.Equal(t, "党费收缴管理办法", hits[0].Title)

	notices = nil
	_, err = OpenKnowledgeBase(ctx, old, opt)
	require.NoError(t, err)
	assert.Empty(t, notices)
	assert.FileExists(t, filepath.Join(old, recordDir, manifestFile), "records written for the converted index")
}
