package retrieval_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/glossary"
	"partybot/retrieval"
)

var testPassages = []retrieval.Passage{
	{ID: "a", Title: "泉港区党建", Text: "严格落实“管行业也要管党建”要求，建立登记、章程核准、年检年报等“六同步”机制。"},
	{ID: "b", Title: "乌达区专项整顿", Text: "采取派一名帮办联系人、打一通问询电话等“八个一”工作法。"},
	{ID: "c", Title: "德江县服务", Text: "为快递员、外卖骑手、网约车司机提供休息、饮水、充电、热饭等暖心服务。"},
	{ID: "d", Title: "罗保铭", Text: "1992年4月，任中共天津市大港区委副书记、代区长。"},
	{ID: "e", Title: "罗保铭", Text: "罗保铭，天津人。1969年5月参加工作。曾任海南省省长。"},
}

var testGlossary = []glossary.Group{{Term: "新就业群体", Variants: []string{"快递小哥", "外卖骑手"}}, {Term: "休息", Variants: []string{"歇脚"}}}

func mustHybrid(tb testing.TB, ps []retrieval.Passage) *retrieval.Hybrid {
	tb.Helper()
	g, err := glossary.New(testGlossary)
	require.NoError(tb, err)
	h, err := retrieval.NewHybrid(context.Background(), ps, nil, retrieval.HashEmbedder{Dim: 64}, retrieval.NewExpander(g))
	require.NoError(tb, err)
	return h
}

func TestSearch(t *testing.T) {
	h := mustHybrid(t, testPassages)
	tests := []struct {
		name, q, want string
	}{
		{"term", "怎样落实六同步机制？", "a"},
		{"quoted term", "“八个一”工作法包括什么", "b"},
		{"glossary variant", "快递小哥在哪里歇脚", "c"},
		{"number decides within an article", "1992年4月罗保铭担任什么职务", "d"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := h.Search(context.Background(), tc.q, 3)
			require.NoError(t, err)
			require.NotEmpty(t, hits, "Search(%q)", tc.q)
			require.Equal(t, tc.want, hits[0].ID, "Search(%q) top of %v", tc.q, ids(hits))
			assert.Equal(t, 1, hits[0].Rank, "top hit rank")
			assert.Greater(t, hits[0].Coverage, 0.0, "top hit coverage")
			assert.LessOrEqual(t, hits[0].Coverage, 1.0, "top hit coverage")
		})
	}
}

func ids(hits []retrieval.Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

func TestSearchCoverageSeparates(t *testing.T) {
	h := mustHybrid(t, testPassages)
	in, _ := h.Search(context.Background(), "六同步机制包括哪些", 1)
	out, _ := h.Search(context.Background(), "党费缴纳标准是多少", 1)
	require.NotEmpty(t, in, "covered query")
	assert.GreaterOrEqual(t, in[0].Coverage, 0.8, "covered query: %+v", in)
	if len(out) > 0 {
		assert.LessOrEqual(t, out[0].Coverage, 0.3, "uncovered query coverage, want low")
	}
}

func TestSearchEdgeCases(t *testing.T) {
	h := mustHybrid(t, testPassages)
	_, err := h.Search(context.Background(), "？？！ ", 5)
	require.ErrorIs(t, err, retrieval.ErrEmptyQuery, "punctuation only")
	hits, err := h.Search(context.Background(), "党建", 100)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(hits), len(testPassages), "hits from %d passages", len(testPassages))
	empty := mustHybrid(t, nil)
	hits, err = empty.Search(context.Background(), "党建", 5)
	require.NoError(t, err, "empty index")
	assert.Empty(t, hits, "empty index")
}

func TestHashEmbedder(t *testing.T) {
	e := retrieval.HashEmbedder{Dim: 128}
	a, _ := e.Embed(context.Background(), "落实六同步机制")
	b, _ := e.Embed(context.Background(), "落实六同步机制")
	require.Len(t, a, 128, "dim")
	require.Equal(t, a, b, "not deterministic")
	var norm float64
	for _, x := range a {
		norm += float64(x) * float64(x)
	}
	require.InDelta(t, 1, norm, 1e-5, "norm")
	z, _ := e.Embed(context.Background(), "？？")
	for _, x := range z {
		require.Zero(t, x, "vector of no text should be zero")
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "index.gob")
	_, err := retrieval.ReadSnapshot(path)
	require.ErrorIs(t, err, retrieval.ErrNoIndex, "missing")
	s := &retrieval.Snapshot{Version: retrieval.SnapshotVersion, Key: "k", Passages: testPassages, Vectors: make([][]float32, len(testPassages)),
		Docs: []retrieval.Document{{Name: "x.txt", Hash: "h"}}}
	require.NoError(t, retrieval.WriteSnapshot(path, s))
	got, err := retrieval.ReadSnapshot(path)
	require.NoError(t, err)
	assert.Equal(t, "k", got.Key, "round trip: Key")
	assert.Len(t, got.Passages, len(testPassages), "round trip: Passages")
	assert.Len(t, got.Vectors, len(testPassages), "round trip: Vectors")
	if assert.NotEmpty(t, got.Docs, "round trip: Docs") {
		assert.Equal(t, "x.txt", got.Docs[0].Name, "round trip: Docs")
	}
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 1, "temporary files left: %v", entries)

	// The current format does not take it for an index of its own.
	_, err = retrieval.OpenIndex(path, retrieval.HashEmbedder{Dim: 64}, nil)
	assert.ErrorIs(t, err, retrieval.ErrOldFormat)
}

func TestSnapshotDamaged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "index.gob")
	require.NoError(t, os.WriteFile(path, []byte("not a snapshot"), 0o644))
	_, err := retrieval.ReadSnapshot(path)
	require.Error(t, err, "damaged: want a decode error")
	assert.NotErrorIs(t, err, retrieval.ErrNoIndex, "damaged: want a decode error")
}

func TestSnapshotWriteFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "index.gob")
	old := &retrieval.Snapshot{Version: 1, Key: "old"}
	require.NoError(t, retrieval.WriteSnapshot(path, old))
	// A vector count that does not match is refused on read, never written
	// half-way: write into a directory that cannot take new files.
	require.NoError(t, os.Chmod(dir, 0o500))
	defer os.Chmod(dir, 0o755)
	if os.Geteuid() != 0 { // root ignores directory permissions
		err := retrieval.WriteSnapshot(path, &retrieval.Snapshot{Key: "new"})
		require.Error(t, err, "write into read-only dir succeeded")
	}
	got, err := retrieval.ReadSnapshot(path)
	require.NoError(t, err, "old snapshot lost")
	assert.Equal(t, "old", got.Key, "old snapshot lost")
}

// failingEmbedder embeds passages but fails on queries, like a remote
// model that went down after the index was built.
type failingEmbedder struct{ retrieval.HashEmbedder }

func (f *failingEmbedder) Embed(ctx context.Context, text string) ([]float32, error) {
	if strings.Contains(text, "QUERY") {
		return nil, errors.New("model down")
	}
	return f.HashEmbedder.Embed(ctx, text)
}

func TestSearchSurvivesEmbedderFailure(t *testing.T) {
	h, err := retrieval.NewHybrid(context.Background(), testPassages, nil, &failingEmbedder{retrieval.HashEmbedder{Dim: 32}}, nil)
	require.NoError(t, err)
	hits, err := h.Search(context.Background(), "QUERY 六同步机制", 3)
	require.NoError(t, err)
	require.NotEmpty(t, hits)
	assert.Equal(t, "a", hits[0].ID, "hits %v", ids(hits))
}
