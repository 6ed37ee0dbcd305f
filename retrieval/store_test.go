package retrieval_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/retrieval"
	"partybot/retrieval/retrievaltest"
)

var testEmbedder = retrieval.HashEmbedder{Dim: 64}

// synthBatch returns docs synthetic documents of per passages each, named
// prefix/0, prefix/1 …, drawn from g.
func synthBatch(tb testing.TB, g *retrievaltest.Generator, prefix string, docs, per int) retrieval.Batch {
	tb.Helper()
	var b retrieval.Batch
	for d := range docs {
		name := fmt.Sprintf("%s/%d", prefix, d)
		b.Docs = append(b.Docs, retrieval.Document{Name: name, Title: "文件" + name, Hash: "h" + name, Text: "全文 " + name})
		for i := range per {
			p := g.Passage()
			p.ID, p.Doc = fmt.Sprintf("%s-%d", name, i), name
			b.Passages = append(b.Passages, p)
		}
	}
	return b
}

func newGenerator(tb testing.TB) *retrievaltest.Generator {
	tb.Helper()
	g, err := retrievaltest.NewGenerator()
	require.NoError(tb, err)
	return g
}

// sameSearches checks that a and b give the same hits, scores and
// coverage for queries drawn from ps.
func sameSearches(t *testing.T, a, b *retrieval.Hybrid, ps []retrieval.Passage) {
	t.Helper()
	for _, q := range append(queriesFrom(ps, 40), "怎样落实六同步机制？", "党建指导员") {
		ha, err := a.Search(context.Background(), q, 10)
		require.NoError(t, err)
		hb, err := b.Search(context.Background(), q, 10)
		require.NoError(t, err)
		require.Equal(t, ha, hb, "query %q", q)
	}
}

// TestIndexSaveOpen: an index saved and opened again, mapped or read,
// searches exactly as the one built in memory, and its files are private.
func TestIndexSaveOpen(t *testing.T) {
	ctx := context.Background()
	b := synthBatch(t, newGenerator(t), "/d", 60, 25)
	b.Key = "key-1"
	h, err := retrieval.Build(ctx, b, testEmbedder, nil)
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.Mkdir(dir, 0o700))
	path := filepath.Join(dir, "index.gob")
	_, err = retrieval.OpenIndex(path, testEmbedder, nil)
	require.ErrorIs(t, err, retrieval.ErrNoIndex)

	saved, err := h.Save(path)
	require.NoError(t, err)
	mapped, err := retrieval.OpenIndex(path, testEmbedder, nil)
	require.NoError(t, err)
	read, err := retrieval.OpenIndexRead(path, testEmbedder, nil)
	require.NoError(t, err)
	for _, x := range []*retrieval.Hybrid{saved, mapped, read} {
		assert.Equal(t, "key-1", x.Key())
		assert.Equal(t, h.Len(), x.Len())
		assert.Equal(t, h.Documents(true), x.Documents(true))
		sameSearches(t, h, x, b.Passages)
	}
	gen, err := retrieval.Generation(path)
	require.NoError(t, err)
	assert.Equal(t, uint64(1), gen)

	mode := func(p string) os.FileMode {
		st, err := os.Stat(p)
		require.NoError(t, err)
		return st.Mode().Perm()
	}
	assert.Equal(t, os.FileMode(0o600), mode(path))
	assert.Equal(t, os.FileMode(0o700), mode(filepath.Join(dir, "index")))
	segs, err := filepath.Glob(filepath.Join(dir, "index", "*"))
	require.NoError(t, err)
	require.Len(t, segs, 1)
	assert.Equal(t, os.FileMode(0o600), mode(segs[0]))
}

// TestUpdateMatchesRebuild: adding and removing documents incrementally
// gives the lexical scores of an index built afresh from the same
// documents, before and after saving.
func TestUpdateMatchesRebuild(t *testing.T) {
	ctx := context.Background()
	g := newGenerator(t)
	base := synthBatch(t, g, "/base", 60, 25)
	h, err := retrieval.Build(ctx, base, testEmbedder, nil)
	require.NoError(t, err)
	add := synthBatch(t, g, "/new", 2, 25)
	removed := map[string]bool{"/base/3": true, "/base/40": true, "/new/9": true}
	u, err := h.Update(ctx, retrieval.Change{Remove: []string{"/base/3", "/base/40", "/new/9"}, Add: add})
	require.NoError(t, err)
	segs, gone := u.Segments()
	require.Equal(t, 2, segs, "a delta segment")
	require.Equal(t, 2, gone, "removed documents")

	var fresh retrieval.Batch
	for i, d := range append(base.Docs, add.Docs...) {
		if removed[d.Name] {
			continue
		}
		fresh.Docs = append(fresh.Docs, d)
		all := append(base.Passages, add.Passages...)
		fresh.Passages = append(fresh.Passages, all[25*i:25*(i+1)]...)
	}
	f, err := retrieval.Build(ctx, fresh, testEmbedder, nil)
	require.NoError(t, err)
	assert.Equal(t, f.Len(), u.Len())
	assert.Equal(t, f.Documents(true), u.Documents(true))
	u.VectorWeight, f.VectorWeight = 0, 0 // partitions differ; lexical scores must not
	sameSearches(t, f, u, fresh.Passages)

	path := filepath.Join(t.TempDir(), "index.gob")
	s, err := u.Save(path)
	require.NoError(t, err)
	s.VectorWeight = 0
	sameSearches(t, f, s, fresh.Passages)
	for _, p := range base.Passages[3*25 : 4*25] {
		hits, err := s.Search(ctx, p.Text, 3)
		require.NoError(t, err)
		for _, hit := range hits {
			assert.NotEqual(t, "/base/3", hit.Doc, "a removed document's passage was found")
		}
	}
}

// TestUpdateCompacts follows the rules of compaction: small changes add
// deltas, merged when there are too many; growth past a quarter of the
// base rebuilds it; so does a delta that crowds one partition.
func TestUpdateCompacts(t *testing.T) {
	ctx := context.Background()
	g := newGenerator(t)
	h, err := retrieval.Build(ctx, synthBatch(t, g, "/base", 60, 25), testEmbedder, nil)
	require.NoError(t, err)
	for i := range 30 {
		h, err = h.Update(ctx, retrieval.Change{Add: synthBatch(t, g, fmt.Sprintf("/small%d", i), 1, 5)})
		require.NoError(t, err)
		segs, _ := h.Segments()
		require.LessOrEqual(t, segs, 1+retrieval.MaxDeltas, "after %d changes", i+1)
		require.Greater(t, segs, 1, "rebuilt too soon, after %d changes", i+1)
	}
	require.Equal(t, 1500+150, h.Len())
	h, err = h.Update(ctx, retrieval.Change{Add: synthBatch(t, g, "/big", 10, 25)})
	require.NoError(t, err)
	segs, gone := h.Segments()
	assert.Equal(t, 1, segs, "past a quarter of the base: rebuilt")
	assert.Zero(t, gone)
	assert.Equal(t, 1500+150+250, h.Len())

	// Vectors all alike crowd one partition.
	rng := rand.New(rand.NewPCG(1, 1))
	crowd := synthBatch(t, g, "/crowd", 6, 50)
	one := make([]float32, 64)
	for i := range one {
		one[i] = float32(rng.NormFloat64())
	}
	crowd.Vectors = make([][]float32, len(crowd.Passages))
	for i := range crowd.Vectors {
		crowd.Vectors[i] = one
	}
	h, err = h.Update(ctx, retrieval.Change{Add: crowd})
	require.NoError(t, err)
	segs, _ = h.Segments()
	assert.Equal(t, 1, segs, "crowded partition: rebuilt")
}

// TestSaveKeepsPreviousGeneration: a save keeps the files of the
// generation it replaced, for processes still reading it, and deletes
// older ones; an index opened before goes on searching when its files are
// deleted.
func TestSaveKeepsPreviousGeneration(t *testing.T) {
	ctx := context.Background()
	g := newGenerator(t)
	path := filepath.Join(t.TempDir(), "index.gob")
	h, err := retrieval.Build(ctx, synthBatch(t, g, "/a", 4, 10), testEmbedder, nil)
	require.NoError(t, err)
	first, err := h.Save(path)
	require.NoError(t, err)
	files := func() []string {
		fs, err := filepath.Glob(filepath.Join(filepath.Dir(path), "index", "*"))
		require.NoError(t, err)
		return fs
	}
	require.Len(t, files(), 1)
	gen1 := files()[0]
	// Rebuilt (a large change): the second generation shares no file.
	u, err := first.Update(ctx, retrieval.Change{Add: synthBatch(t, g, "/b", 4, 10)})
	require.NoError(t, err)
	second, err := u.Save(path)
	require.NoError(t, err)
	assert.Len(t, files(), 2, "the previous generation's file is kept")
	u, err = second.Update(ctx, retrieval.Change{Add: synthBatch(t, g, "/c", 10, 10)})
	require.NoError(t, err)
	third, err := u.Save(path)
	require.NoError(t, err)
	assert.NotContains(t, files(), gen1, "a file of two generations ago is deleted")
	gen, err := retrieval.Generation(path)
	require.NoError(t, err)
	assert.Equal(t, uint64(3), gen)

	hits, err := first.Search(ctx, "党建", 3) // its file is gone, its mapping stays
	require.NoError(t, err)
	assert.NotEmpty(t, hits)
	assert.Equal(t, 180, third.Len())
}

// TestOpenIndexDamaged: a damaged manifest, a segment cut short or gone
// is an error (not "no index"), never an index missing passages.
func TestOpenIndexDamaged(t *testing.T) {
	ctx := context.Background()
	h, err := retrieval.Build(ctx, synthBatch(t, newGenerator(t), "/a", 4, 10), testEmbedder, nil)
	require.NoError(t, err)
	tests := []struct {
		name   string
		damage func(t *testing.T, path, seg string)
	}{
		{"manifest cut short", func(t *testing.T, path, _ string) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, data[:len(data)/2], 0o600))
		}},
		{"segment cut short", func(t *testing.T, _, seg string) {
			data, err := os.ReadFile(seg)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(seg, data[:len(data)/2], 0o600))
		}},
		{"segment changed", func(t *testing.T, _, seg string) {
			data, err := os.ReadFile(seg)
			require.NoError(t, err)
			data[200] ^= 0xff
			require.NoError(t, os.WriteFile(seg, data, 0o600))
		}},
		{"segment gone", func(t *testing.T, _, seg string) { require.NoError(t, os.Remove(seg)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "index.gob")
			_, err := h.Save(path)
			require.NoError(t, err)
			segs, err := filepath.Glob(filepath.Join(filepath.Dir(path), "index", "*.seg"))
			require.NoError(t, err)
			require.Len(t, segs, 1)
			tc.damage(t, path, segs[0])
			_, err = retrieval.OpenIndex(path, testEmbedder, nil)
			require.Error(t, err)
			assert.NotErrorIs(t, err, retrieval.ErrNoIndex)
			assert.NotErrorIs(t, err, retrieval.ErrOldFormat)
		})
	}
}
