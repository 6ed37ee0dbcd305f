package knowledge_test

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/knowledge"
)

func paragraphs(texts ...string) knowledge.Article {
	a := knowledge.Article{Title: "标题"}
	for _, t := range texts {
		a.Paragraphs = append(a.Paragraphs, knowledge.Paragraph{Text: t})
	}
	return a
}

func chunkTexts(cs []knowledge.Chunk) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Text)
	}
	return out
}

func TestChunkArticle(t *testing.T) {
	tests := []struct {
		name     string
		article  knowledge.Article
		maxRunes int
		want     []string
	}{
		{"no paragraphs", knowledge.Article{Title: "标题"}, 10, nil},
		{"empty text", paragraphs(""), 10, nil},
		{"only white space", paragraphs(" \t\u3000\n ", "\n"), 10, nil},
		{"paragraphs packed while they fit", paragraphs("甲甲甲。", "乙乙乙。", "丙丙丙丙丙丙。"), 10, []string{"甲甲甲。\n乙乙乙。", "丙丙丙丙丙丙。"}},
		{"sentences of a long paragraph", paragraphs("第一句话很短。第二句话也不长！第三句？"), 10, []string{"第一句话很短。", "第二句话也不长！", "第三句？"}},
		{"closing quote stays with its sentence", paragraphs("他说：“好的。”然后走了。再见。"), 9, []string{"他说：“好的。”", "然后走了。再见。"}},
		{"one giant sentence cut at commas", paragraphs("一二三四五，六七八九十，甲乙丙丁戊，己庚辛壬癸。"), 12, []string{"一二三四五，六七八九十，", "甲乙丙丁戊，己庚辛壬癸。"}},
		{"no punctuation at all", paragraphs("一二三四五六七八九十甲乙丙丁戊"), 6, []string{"一二三四五六", "七八九十甲乙", "丙丁戊"}},
		{"mixed ASCII", paragraphs("Use the App. 扫码即可查看；AI助理自动比对 PDF 材料. Done!"), 20, []string{"Use the App. 扫码即可查看；", "AI助理自动比对 PDF 材料.", "Done!"}},
		{"ASCII full stop inside a number", paragraphs("满意率达98.5%，效率提升30%。"), 100, []string{"满意率达98.5%，效率提升30%。"}},
		{"max of one rune", paragraphs("甲乙。"), 1, []string{"甲", "乙", "。"}},
		{"invalid UTF-8 replaced", paragraphs("甲\xff乙。"), 10, []string{"甲\uFFFD乙。"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := knowledge.ChunkArticle("doc.txt", 0, tc.article, tc.maxRunes)
			assert.Equal(t, tc.want, chunkTexts(cs), "chunks")
		})
	}
}

func TestChunkArticleHeadings(t *testing.T) {
	a := knowledge.Article{Title: "标题", Section: "经验做法", Region: "贵州德江", Source: "转自德江县委组织部", Paragraphs: []knowledge.Paragraph{
		{Text: "导语。"},
		{Heading: "一、建强组织", Text: "第一段。"},
		{Heading: "一、建强组织", Text: "第二段。"},
		{Heading: "二、聚焦民生", Text: "第三段。"},
	}}
	cs := knowledge.ChunkArticle("docs/a.txt", 2, a, 100)
	want := []struct{ heading, text string }{
		{"", "导语。"}, {"一、建强组织", "第一段。\n第二段。"}, {"二、聚焦民生", "第三段。"},
	}
	require.Len(t, cs, len(want), "chunks %q", chunkTexts(cs))
	ids := map[string]bool{}
	for i, w := range want {
		c := cs[i]
		assert.Equal(t, w.heading, c.Heading, "chunk %d heading", i)
		assert.Equal(t, w.text, c.Text, "chunk %d text", i)
		assert.Equal(t, []string{"docs/a.txt", a.Title, a.Section, a.Region, a.Source}, []string{c.Doc, c.Title, c.Section, c.Region, c.Source},
			"chunk %d metadata: doc, title, section, region, source", i)
		assert.Equal(t, 2, c.Article, "chunk %d: Article", i)
		assert.Equal(t, i, c.Position, "chunk %d: Position", i)
		assert.False(t, ids[c.ID], "chunk %d: ID %q is repeated", i, c.ID)
		assert.False(t, strings.ContainsAny(c.ID, " \t\n"), "chunk %d: ID %q has white space", i, c.ID)
		ids[c.ID] = true
	}
	again := knowledge.ChunkArticle("docs/a.txt", 2, a, 100)
	assert.Equal(t, cs, again, "chunking is not deterministic")
	other := knowledge.ChunkArticle("docs/b.txt", 2, a, 100)
	assert.NotEqual(t, cs[0].ID, other[0].ID, "documents a.txt and b.txt share a chunk ID")
}

func TestChunkDefaultSize(t *testing.T) {
	long := strings.Repeat("一二三四五六七八九。", 100)
	for _, max := range []int{0, -1} {
		for _, c := range knowledge.ChunkArticle("d", 0, paragraphs(long), max) {
			require.LessOrEqual(t, utf8.RuneCountInString(c.Text), knowledge.DefaultChunkRunes, "maxRunes %d: chunk runes", max)
		}
	}
}

// checkChunks checks the invariants of chunking one article.
func checkChunks(tb testing.TB, a knowledge.Article, cs []knowledge.Chunk, maxRunes int) {
	tb.Helper()
	var all strings.Builder
	for i, c := range cs {
		require.True(tb, utf8.ValidString(c.Text), "chunk %d is not valid UTF-8: %q", i, c.Text)
		require.LessOrEqual(tb, utf8.RuneCountInString(c.Text), maxRunes, "chunk %d runes: %q", i, c.Text)
		require.NotEmpty(tb, strings.TrimSpace(c.Text), "chunk %d is blank: %q", i, c.Text)
		require.Equal(tb, i, c.Position, "chunk %d Position", i)
		all.WriteString(c.Text)
	}
	want := nonSpace(strings.ToValidUTF8(a.Body(), "\uFFFD"))
	require.Equal(tb, want, nonSpace(all.String()), "chunk text without white space differs from the body")
}

func FuzzChunk(f *testing.F) {
	data, err := os.ReadFile("testdata/seed.txt.input")
	require.NoError(f, err)
	f.Add(string(data), 200)
	f.Add("一二三四五，六七八九十，甲乙丙丁戊。Use the App. 98.5%", 7)
	f.Add("。”」！？；;.!? ", 1)
	f.Add("no punctuation at all in this ascii text", 5)
	f.Fuzz(func(t *testing.T, text string, maxRunes int) {
		maxRunes = 1 + (maxRunes%500+500)%500
		// The text as one raw paragraph, including line breaks.
		raw := knowledge.Article{Paragraphs: []knowledge.Paragraph{{Text: text}, {Heading: "h", Text: text}}}
		checkChunks(t, raw, knowledge.ChunkArticle("fuzz", 0, raw, maxRunes), maxRunes)
		// The text as a bulletin.
		for i, a := range knowledge.SplitBulletin(text) {
			checkChunks(t, a, knowledge.ChunkArticle("fuzz", i, a, maxRunes), maxRunes)
		}
	})
}

// BenchmarkChunkDocument measures splitting and chunking throughput on the
// seed bulletin repeated to about 1 MB.
func BenchmarkChunkDocument(b *testing.B) {
	data, err := os.ReadFile("testdata/seed.txt.input")
	require.NoError(b, err)
	text := strings.Repeat(string(data)+"\n\n", 64)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		require.NotEmpty(b, knowledge.ChunkDocument("seed.txt", text, knowledge.DefaultChunkRunes), "no chunks")
	}
}

// BenchmarkSplitBulletin measures splitting alone on the same text.
func BenchmarkSplitBulletin(b *testing.B) {
	data, err := os.ReadFile("testdata/seed.txt.input")
	require.NoError(b, err)
	text := strings.Repeat(string(data)+"\n\n", 64)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		require.NotEmpty(b, knowledge.SplitBulletin(text), "no articles")
	}
}
