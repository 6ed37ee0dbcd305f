package retrieval_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/corpus"
	"partybot/glossary"
	"partybot/retrieval"
)

func mustExpander(tb testing.TB, groups ...glossary.Group) *retrieval.Expander {
	tb.Helper()
	g, err := glossary.New(groups)
	require.NoError(tb, err)
	return retrieval.NewExpander(g)
}

// TestExpansion: a query naming a glossary group in any form the glossary
// holds equal finds the passages that use another of its expressions.
func TestExpansion(t *testing.T) {
	ps := []retrieval.Passage{
		{ID: "station", Text: "暖“新”驿站为新就业群体提供休息、饮水服务。"},
		{ID: "other", Text: "社区组织开展消防安全检查。"},
	}
	exp := mustExpander(t, glossary.Group{Term: "暖“新”驿站", Variants: []string{"歇脚点"}})
	h, err := retrieval.NewHybrid(context.Background(), ps, nil, retrieval.HashEmbedder{Dim: 64}, exp)
	require.NoError(t, err)
	tests := []struct {
		name, q string
	}{
		{"variant", "附近有歇脚点吗"},
		{"quoted variant", "附近有“歇脚点”吗"},
		{"spaced variant", "附近有 歇 脚 点吗"},
		{"hidden character", "附近有歇\u200b脚点吗"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := h.Search(context.Background(), tc.q, 2)
			require.NoError(t, err)
			require.NotEmpty(t, hits)
			assert.Equal(t, "station", hits[0].ID)
		})
	}
}

// TestCoverageConcept: a glossary expression is one concept, covered by a
// text that names it in any of its forms and not by one that only shares
// its characters.
func TestCoverageConcept(t *testing.T) {
	exp := mustExpander(t,
		glossary.Group{Term: "任职条件", Variants: []string{"任职资格"}},
		glossary.Group{Term: "双向进入、交叉任职", Variants: []string{"交叉任职"}},
	)
	h, err := retrieval.NewHybrid(context.Background(), testPassages, nil, retrieval.HashEmbedder{Dim: 64}, exp)
	require.NoError(t, err)
	plain, err := retrieval.NewHybrid(context.Background(), testPassages, nil, retrieval.HashEmbedder{Dim: 64}, nil)
	require.NoError(t, err)
	const q = "书记的任职条件"
	cover := h.CoverageOf(q)
	assert.Greater(t, cover("书记的任职资格是什么"), 0.9, "another form of the concept")
	assert.Greater(t, cover("书记的“任职条件”"), 0.9, "the concept in quotes")
	assert.Less(t, cover("书记交叉任职，组建条件"), 0.5, "characters shared, concept missing")
	assert.Less(t, cover("书记任职，条件"), 0.5, "the concept split by a comma")
	assert.Greater(t, plain.CoverageOf(q)("书记交叉任职，组建条件"), 0.5, "without a glossary, characters count")
}

// TestCoverageAskedCount: a count asked with its measure word ("几遍")
// is no part of what a passage must cover; it answers with a number.
func TestCoverageAskedCount(t *testing.T) {
	h, err := retrieval.NewHybrid(context.Background(), testPassages, nil, retrieval.HashEmbedder{Dim: 64}, nil)
	require.NoError(t, err)
	assert.InDelta(t, 1, h.CoverageOf("社会组织前后排查了几遍？")("对社会组织前后排查了三轮"), 0.01)
	assert.InDelta(t, 1, h.CoverageOf("建了多少处驿站")("建了52个驿站"), 0.01)
}

// TestCoverageAlone: a topical character a text holds outside the
// question's words earns part of its weight ("审" of "审一下" in "审核");
// a text without it earns nothing for it.
func TestCoverageAlone(t *testing.T) {
	h, err := retrieval.NewHybrid(context.Background(), testPassages, nil, retrieval.HashEmbedder{Dim: 64}, nil)
	require.NoError(t, err)
	cover := h.CoverageOf("协会换届要先审一下")
	with, without := cover("协会换届落实前置审核"), cover("协会换届落实前置程序")
	assert.Greater(t, with, without)
	assert.Less(t, with, cover("协会换届要先审一下"), "a part, not the whole weight")
}

// TestCoverageEverydayMissed: everyday characters a text lacks weigh
// little ("想找个地方" of a chat question), present they count in full.
func TestCoverageEverydayMissed(t *testing.T) {
	h, err := retrieval.NewHybrid(context.Background(), testPassages, nil, retrieval.HashEmbedder{Dim: 64}, nil)
	require.NoError(t, err)
	cover := h.CoverageOf("骑手跑完单想去驿站里歇歇")
	lacking := cover("骑手驿站歇歇")
	assert.Greater(t, lacking, 0.6, "only everyday characters missing")
	assert.Greater(t, cover("骑手跑完单去驿站里歇歇"), lacking, "present, they count")
	assert.Less(t, h.CoverageOf("骑手驿站的党旗党徽")("骑手驿站"), 0.6, "a rare word missing still weighs")
}

// BenchmarkSearchExpanded measures a search over 1,000 passages with the
// shipped glossary, for queries that name its terms: expansion and the
// concept coverage of the best hits included.
func BenchmarkSearchExpanded(b *testing.B) {
	g, err := glossary.Load(corpus.FS, corpus.GlossaryFile)
	require.NoError(b, err)
	h, err := retrieval.NewHybrid(context.Background(), syntheticPassages(b, 1000), nil,
		retrieval.HashEmbedder{Dim: retrieval.DefaultHashDim}, retrieval.NewExpander(g))
	require.NoError(b, err)
	qs := []string{"快递小哥歇脚的地方在哪", "怎样落实“六同步”机制？", "如何落实双向进入交叉任职", "孩子暑假托管班", "社团换届前置审核怎么做"}
	for i := 0; b.Loop(); i++ {
		if _, err := h.Search(context.Background(), qs[i%len(qs)], 5); err != nil {
			b.Fatal(err)
		}
	}
}
