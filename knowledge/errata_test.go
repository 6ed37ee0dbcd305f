package knowledge_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/corpus"
	"partybot/knowledge"
	"partybot/strictyaml"
)

const seedName = "docs/000_cd24362e620a5886.txt"

// TestShippedErrata checks the shipped seed bulletin with its erratum: the
// 宛城 article ends where its page was lost, marked, and the 绍兴 text
// after it is an article of its own, cited under its own title and source.
func TestShippedErrata(t *testing.T) {
	docs, err := knowledge.LoadFS(corpus.FS, corpus.DocsDir)
	require.NoError(t, err)
	require.NotEmpty(t, docs)
	seed := docs[0]
	require.Equal(t, seedName, seed.Name)
	assert.Empty(t, seed.Warnings, "Warnings of the shipped seed")

	var wancheng, shaoxing *knowledge.Article
	for i, a := range seed.Articles {
		if strings.Contains(a.Title, "宛城") {
			assert.NotContains(t, a.Body(), "绍兴市社会组织总会", "an article titled with 宛城 holds 绍兴's text")
			assert.NotContains(t, a.Body(), "入社会组织", "an article titled with 宛城 holds 绍兴's text")
			wancheng = &seed.Articles[i]
		}
		if strings.Contains(a.Body(), "绍兴市社会组织总会") {
			shaoxing = &seed.Articles[i]
		}
	}
	require.NotNil(t, wancheng, "no 宛城 article")
	require.NotNil(t, shaoxing, "no article holds the 绍兴 text")
	assert.NotContains(t, wancheng.Body(), "宛城区入社会组织", "the lost page is healed")
	assert.True(t, strings.HasSuffix(wancheng.Body(), "择优遴选业之峰装饰、同明眼科医院、宛城区（原文此处缺页）"),
		"the 宛城 article does not end marked at the lost page: …%s", tail(wancheng.Body(), 30))
	assert.Empty(t, wancheng.Source, "宛城's source line was lost with the page")

	assert.Equal(t, "浙江绍兴：市民政局会议部署局管社会组织党建工作（原文标题缺失）", shaoxing.Title, "Title")
	assert.Equal(t, "浙江绍兴", shaoxing.Region, "Region")
	assert.Equal(t, "经验做法", shaoxing.Section, "Section")
	assert.Equal(t, "转自绍兴市民政局官网", shaoxing.Source, "Source")
	assert.True(t, strings.HasPrefix(shaoxing.Body(), "（前文缺页）入社会组织管理全过程"), "the 绍兴 article starts %q", tail(shaoxing.Body()[:60], 60))
	for _, p := range shaoxing.Paragraphs {
		assert.Empty(t, p.Heading, "a 绍兴 paragraph sits under 宛城's subheading: %q", p.Text)
	}

	for _, c := range seed.Chunks(knowledge.DefaultChunkRunes) {
		if strings.Contains(c.Text, "社会组织管理处") || strings.Contains(c.Text, "绍兴") {
			assert.Equal(t, shaoxing.Title, c.Title, "a passage of 绍兴's text is cited under another title")
			assert.Equal(t, "转自绍兴市民政局官网", c.Source, "a passage of 绍兴's text is cited with another source")
		}
	}

	// The knowledge base rebuilds shipped documents from their text.
	again, err := knowledge.Reload(seed.Name, seed.Text)
	require.NoError(t, err)
	assert.Equal(t, seed.Articles, again.Articles, "Reload of the shipped seed")
}

// TestErrataChangedSeed checks that a shipped document whose text no
// longer holds an erratum's anchor does not load: the erratum cannot stop
// applying silently.
func TestErrataChangedSeed(t *testing.T) {
	data, err := fs.ReadFile(corpus.FS, seedName)
	require.NoError(t, err)
	changed := strings.Replace(string(data), "同明眼科医院、宛城区", "同明眼科医院、宛城区等单位", 1)
	_, err = knowledge.LoadText(seedName, []byte(changed))
	require.ErrorIs(t, err, knowledge.ErrErratum)
	msg := knowledge.Message(err)
	assert.Regexp(t, `第 1 条勘误（第 \d+ 行，split）`, msg, "the message should name the entry and its line")
	for _, want := range []string{"errata.yaml", seedName, "找不到", "同明眼科医院、宛城区", "入社会组织管理全过程", "原刊在“择优遴选业之峰装饰、同明眼科医院、宛城区”之后缺页"} {
		assert.Contains(t, msg, want, "the message should name %q", want)
	}
}

func TestErrataApply(t *testing.T) {
	const lead = "甲县：标题一\n\n"
	body := strings.Repeat("正文一句。", 3)
	// Paragraphs long enough not to be taken for subheadings.
	const before = "深耕党建品牌培育工程，严格落实“一企一品”“一社一特”差异化创建思路，制定全区首批专项方案，择优遴选名单、乙县"
	const after = "入章程，推动符合条件的功能型党组织向实体型转变。"
	tests := []struct {
		name, errata, text string
		want               []knowledge.Article
	}{
		{
			name: "split across a page break",
			errata: `- {doc: a.txt, action: split, before: 名单、乙县, after: 入章程, end_mark: （缺页）, start_mark: （前缺）,
   title: 丙市：另一篇（标题缺失）, source: 转自丙报, reason: 缺页}`,
			text: lead + body + "\n\n一、小标题\n\n" + before + "\n\n" + after + "\n\n(转自丙报)\n\n丁县：标题二\n\n正文二。",
			want: []knowledge.Article{
				{Title: "甲县：标题一", Region: "甲县", Paragraphs: []knowledge.Paragraph{{Text: body}, {Heading: "一、小标题", Text: before + "（缺页）"}}},
				{Title: "丙市：另一篇（标题缺失）", Region: "丙市", Source: "转自丙报", Paragraphs: []knowledge.Paragraph{{Text: "（前缺）" + after}}},
				{Title: "丁县：标题二", Region: "丁县", Paragraphs: []knowledge.Paragraph{{Text: "正文二。"}}},
			},
		},
		{
			name:   "split inside a line, the anchor wrapped",
			errata: "- {doc: a.txt, action: split, before: 名单、乙县, after: 入章程, title: 丙市：另一篇, reason: 缺页}",
			text:   lead + "深耕党建品牌培育工程，严格落实“一企一品”“一社一特”差异化创建思路，制定全区首批专项方案，择优遴选名\n单、乙县入章\n程，推动符合条件的功能型党组织向实体型转变。",
			want: []knowledge.Article{
				{Title: "甲县：标题一", Region: "甲县", Paragraphs: []knowledge.Paragraph{{Text: before}}},
				{Title: "丙市：另一篇", Region: "丙市", Paragraphs: []knowledge.Paragraph{{Text: after}}},
			},
		},
		{
			name:   "cut",
			errata: "- {doc: a.txt, action: cut, before: 名单、乙县, after: 入章程, end_mark: （缺页）, reason: 缺页}",
			text:   lead + before + "\n\n" + after,
			want: []knowledge.Article{
				{Title: "甲县：标题一", Region: "甲县", Paragraphs: []knowledge.Paragraph{{Text: before + "（缺页）"}, {Text: after}}},
			},
		},
		{
			name:   "replace",
			errata: "- {doc: a.txt, action: replace, text: 始终把把, with: 始终把, reason: 重字}\n- {doc: a.txt, action: replace, text: 多余的话, with: '', reason: 衍文}",
			text:   lead + "始终把\n把党建摆在突出位置。多余的话",
			want: []knowledge.Article{
				{Title: "甲县：标题一", Region: "甲县", Paragraphs: []knowledge.Paragraph{{Text: "始终把党建摆在突出位置。"}}},
			},
		},
		{
			name:   "another document",
			errata: "- {doc: b.txt, action: cut, before: 名单、乙县, after: 入章程, reason: 缺页}",
			text:   lead + before + "\n\n" + after,
			want: []knowledge.Article{
				{Title: "甲县：标题一", Region: "甲县", Paragraphs: []knowledge.Paragraph{{Text: before + after}}},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			useErrata(t, tc.errata)
			doc, err := knowledge.LoadText("docs/a.txt", []byte(tc.text))
			require.NoError(t, err)
			assert.Equal(t, tc.want, doc.Articles, "articles")
			again, err := knowledge.Reload(doc.Name, doc.Text)
			require.NoError(t, err)
			assert.Equal(t, doc.Articles, again.Articles, "Reload")
		})
	}
}

func TestErrataErrors(t *testing.T) {
	tests := []struct {
		name, errata, text string
		want               []string // in the message
	}{
		{"anchor missing", "- {doc: a.txt, action: cut, before: 名单、乙县, after: 入章程, reason: 原文缺页}",
			"甲县：标题\n\n遴选名单、乙县等单位入章程。", []string{"勘误文件 errata.yaml 第 1 条勘误（第 1 行，cut）不能用于 docs/a.txt", "文档中找不到“名单、乙县”紧接“入章程”", "原因是“原文缺页”"}},
		{"anchor twice", "- {doc: a.txt, action: replace, text: 乙县, with: 丙县, reason: 错字}",
			"甲县：标题\n\n乙县和乙县。", []string{"“乙县”在文档中出现了 2 次"}},
		{"source differs", "- {doc: a.txt, action: split, before: 乙县, after: 入章程, title: 丙市：另一篇, source: 转自丙报, reason: 缺页}",
			"甲县：标题\n\n名单、乙县\n\n入章程。\n\n(转自丁报)", []string{"拆出的文章以来源行“转自丁报”结尾，与勘误所写的来源“转自丙报”不同"}},
		{"seams on one place", "- {doc: a.txt, action: cut, before: 乙县, after: 入章程, reason: 缺页}\n- {doc: a.txt, action: split, before: 名单、乙县, after: 入, title: 另一篇, reason: 缺页}",
			"甲县：标题\n\n名单、乙县\n\n入章程。", []string{"第 2 条勘误", "与第 1 条勘误落在同一处"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			useErrata(t, tc.errata)
			_, err := knowledge.LoadText("docs/a.txt", []byte(tc.text))
			require.ErrorIs(t, err, knowledge.ErrErratum)
			for _, w := range tc.want {
				assert.Contains(t, knowledge.Message(err), w)
			}
		})
	}
	t.Run("cut in Markdown", func(t *testing.T) {
		useErrata(t, "- {doc: a.md, action: cut, before: 乙县, after: 入章程, reason: 缺页}")
		_, err := knowledge.LoadText("docs/a.md", []byte("# 标题\n\n名单、乙县入章程。"))
		require.ErrorIs(t, err, knowledge.ErrErratum)
		assert.Contains(t, knowledge.Message(err), "只适用于纯文本")
	})
}

// TestParseErrata checks the strict decoding and the validation of an
// errata file: each problem is an error naming its line and key.
func TestParseErrata(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
		key      string
		msg      string
	}{
		{"unknown key", "- doc: a.txt\n  action: cut\n  befor: 乙县\n  after: 入\n  reason: 缺页", 3, "befor", "未知的设置 befor，是否想写 before？"},
		{"wrong type", "- doc: a.txt\n  action: [cut]\n  reason: 缺页", 2, "action", "action 应为文本，而不是列表"},
		{"unknown action", "- doc: a.txt\n  action: spilt\n  reason: 缺页", 2, "[0].action", "第 1 条勘误的 action “spilt”无效，可用 split、cut、replace，是否想写 split？"},
		{"no reason", "- doc: a.txt\n  action: replace\n  text: 把把\n  with: 把", 1, "[0].reason", "第 1 条勘误缺少 reason（勘误的原因）"},
		{"no title", "- doc: a.txt\n  action: split\n  before: 乙县\n  after: 入\n  reason: 缺页", 1, "[0].title", "第 1 条勘误缺少 title（拆出的文章的标题）"},
		{"field of another action", "- doc: a.txt\n  action: cut\n  before: 乙县\n  after: 入\n  title: 标题\n  reason: 缺页", 5, "[0].title", "第 1 条勘误是 cut，不能设 title"},
		{"doc with a folder", "- doc: docs/a.txt\n  action: replace\n  text: 把把\n  with: 把\n  reason: 重字", 1, "[0].doc", "第 1 条勘误的 doc 应为文档的文件名（不含文件夹）"},
		{"syntax", "- doc: [a.txt\n", 0, "", "YAML 格式错误"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := knowledge.ParseErrata("errata.yaml", "docs", []byte(tc.in))
			require.ErrorIs(t, err, knowledge.ErrErratum)
			var se *strictyaml.Error
			require.True(t, errors.As(err, &se), "no *strictyaml.Error in %v", err)
			if tc.line > 0 {
				assert.Equal(t, tc.line, se.Line, "Line")
			} else {
				assert.Positive(t, se.Line, "Line")
			}
			assert.Equal(t, tc.key, se.Key, "Key")
			assert.Contains(t, se.Msg, tc.msg, "Msg")
			assert.Contains(t, err.Error(), "勘误文件 errata.yaml", "the message names the file")
		})
	}
}

func TestLoadErrata(t *testing.T) {
	e, err := knowledge.LoadErrata(corpus.FS, corpus.ErrataFile, corpus.DocsDir)
	require.NoError(t, err, "the shipped errata")
	require.NotNil(t, e)

	fsys := fstest.MapFS{
		"errata.yaml": {Data: []byte("- {doc: a.txt, action: replace, text: 把把, with: 把, reason: 重字}\n- {doc: gone.txt, action: replace, text: 把把, with: 把, reason: 重字}")},
		"docs/a.txt":  {Data: []byte("甲")},
	}
	_, err = knowledge.LoadErrata(fsys, "errata.yaml", "docs")
	require.ErrorIs(t, err, knowledge.ErrErratum)
	var se *strictyaml.Error
	require.True(t, errors.As(err, &se), "no *strictyaml.Error in %v", err)
	assert.Equal(t, 2, se.Line, "Line")
	assert.Contains(t, se.Msg, "第 2 条勘误所指的文档 gone.txt 不在 docs 中")
	_, err = knowledge.LoadErrata(fsys, "missing.yaml", "docs")
	assert.ErrorIs(t, err, knowledge.ErrErratum, "a missing errata file")
}

// useErrata makes the loaders apply the errata in YAML to documents named
// docs/FILE until the test ends.
func useErrata(tb testing.TB, yaml string) {
	tb.Helper()
	e, err := knowledge.ParseErrata("errata.yaml", "docs", []byte(yaml))
	require.NoError(tb, err)
	tb.Cleanup(knowledge.UseErrata(e))
}

// tail returns the last n runes of s.
func tail(s string, n int) string {
	rs := []rune(s)
	return string(rs[max(0, len(rs)-n):])
}
