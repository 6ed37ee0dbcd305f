package knowledge_test

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/corpus"
	"partybot/knowledge"
)

func TestLoadTextErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		data string
		want error
		msg  string // part of the message
	}{
		{"pdf", "报告.pdf", "%PDF-1.7", knowledge.ErrUnsupported, "其他格式请用 Load"},
		{"unknown extension", "报告.xyz", "text", knowledge.ErrUnsupported, "不支持文件类型“.xyz”"},
		{"no extension", "README", "text", knowledge.ErrUnsupported, "不支持没有扩展名的文件"},
		{"NUL bytes", "a.txt", "abc\x00def", knowledge.ErrBinary, "二进制"},
		{"control characters", "a.txt", strings.Repeat("\x01\x02\x03文字", 10), knowledge.ErrBinary, "控制字符"},
		{"neither UTF-8 nor GBK", "a.txt", "\x80\x81\xff\xfe\x80abc", knowledge.ErrEncoding, "无法识别文件的文字编码"},
		{"GBK-looking mojibake", "a.txt", "\xa1\x40\xa1\x41\x81\x40\x81\x41", knowledge.ErrEncoding, "无法识别"},
		{"broken UTF-8 later", "a.md", "党建\xe5\x8a", knowledge.ErrEncoding, "第 7 字节起"},
		{"broken UTF-16", "a.txt", "\xff\xfeN\x00\x00", knowledge.ErrEncoding, "UTF-16"},
		{"unpaired UTF-16 surrogate", "a.txt", "\xff\xfe\x00\xd8N\x00", knowledge.ErrEncoding, "UTF-16"},
		{"empty", "a.txt", "", knowledge.ErrEmpty, "没有文字"},
		{"blank", "a.txt", " \r\n\t\r\n", knowledge.ErrEmpty, "没有文字"},
		{"BOM only", "a.md", "\uFEFF\n", knowledge.ErrEmpty, "没有文字"},
		{"Markdown without text", "a.md", "---\n\n***\n", knowledge.ErrEmpty, "没有文字"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := knowledge.LoadText(tc.file, []byte(tc.data))
			require.ErrorIs(t, err, tc.want, "LoadText(%q)", tc.file)
			assert.ErrorContains(t, err, tc.file, "the error should name the file")
			assert.ErrorContains(t, err, tc.msg)
		})
	}
}

func TestLoadText(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		data      string
		wantTitle string
		want      []knowledge.Article
	}{
		{"plain text titled by its first line", "dir/a.txt", "\uFEFF标题\r\n\r\n正文。\r\n", "标题",
			[]knowledge.Article{{Title: "标题", Paragraphs: []knowledge.Paragraph{{Text: "正文。"}}}}},
		{"plain text titled by its file name", `C:\docs\通知.TXT`, "正文一。\n\n正文二。", "通知",
			[]knowledge.Article{{Title: "通知", Paragraphs: []knowledge.Paragraph{{Text: "正文一。"}, {Text: "正文二。"}}}}},
		{"Markdown headings", "g.md", "# 指南\n\n导语。\n\n## 一、内容\n\n### （一）时间\n\n每天**开放**，\n节假日照常。\n\n## 二、诉求\n\n- 点单\n- [派单](http://x)\n\n| 服务 | 费用 |\n|---|:-:|\n| 饮水 | 免费 |\n", "指南",
			[]knowledge.Article{{Title: "指南", Paragraphs: []knowledge.Paragraph{
				{Text: "导语。"},
				{Heading: "一、内容 （一）时间", Text: "每天开放，节假日照常。"},
				{Heading: "二、诉求", Text: "点单"},
				{Heading: "二、诉求", Text: "派单"},
				{Heading: "二、诉求", Text: "服务 费用"},
				{Heading: "二、诉求", Text: "饮水 免费"},
			}}}},
		{"Markdown articles", "two.markdown", "前言。\n\n# 甲县：第一篇\n\n正文一。\n\n第二篇\n===\n\n```\ncode line\n```\n", "two",
			[]knowledge.Article{
				{Title: "two", Paragraphs: []knowledge.Paragraph{{Text: "前言。"}}},
				{Title: "甲县：第一篇", Region: "甲县", Paragraphs: []knowledge.Paragraph{{Text: "正文一。"}}},
				{Title: "第二篇", Paragraphs: []knowledge.Paragraph{{Text: "code line"}}},
			}},
		{"Markdown title only", "t.md", "# 只有标题 #\n", "只有标题",
			[]knowledge.Article{{Title: "只有标题", Paragraphs: []knowledge.Paragraph{{Text: "只有标题"}}}}},
		{"Markdown inline", "i.md", "> 见 ![图](a.png) 与 <https://example.org> 和 `code` 以及 *强调* 与 __加粗__。", "i",
			[]knowledge.Article{{Title: "i", Paragraphs: []knowledge.Paragraph{{Text: "见 图 与 https://example.org 和 code 以及 强调 与 加粗。"}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := knowledge.LoadText(tc.file, []byte(tc.data))
			require.NoError(t, err)
			assert.Equal(t, tc.file, doc.Name, "Name")
			assert.Equal(t, tc.wantTitle, doc.Title, "Title")
			assert.Equal(t, tc.want, doc.Articles, "articles")
		})
	}
}

func TestLoadFSCorpus(t *testing.T) {
	docs, err := knowledge.LoadFS(corpus.FS, corpus.DocsDir)
	require.NoError(t, err)
	require.NotEmpty(t, docs, "no documents in the shipped corpus")
	seed := docs[0]
	assert.Equal(t, "docs/000_cd24362e620a5886.txt", seed.Name, "Name")
	assert.Len(t, seed.Articles, 5, "seed articles (the 绍兴 one split off by its erratum)")
	assert.Empty(t, seed.Warnings, "Warnings")
	for _, c := range seed.Chunks(knowledge.DefaultChunkRunes) {
		// 宛城's source line was lost with the page.
		lost := c.Region == "河南南阳宛城区"
		assert.True(t, c.Title != "" && (c.Source != "" || lost) && c.Doc == seed.Name, "chunk %s lacks citation metadata: %+v", c.ID, c)
	}
}

func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"docs/b.md":        {Data: []byte("# 乙\n\n正文。")},
		"docs/a.txt":       {Data: []byte("甲\n\n正文。")},
		"docs/sub/c.txt":   {Data: []byte("丙\n\n正文。")},
		"docs/README.html": {Data: []byte("<title>说明</title><p>网页也能导入。</p>")},
		"docs/photo.jpg":   {Data: []byte("\xff\xd8\xff")},
		"other/d.txt":      {Data: []byte("丁\n\n正文。")},
	}
	docs, err := knowledge.LoadFS(fsys, "docs")
	require.NoError(t, err)
	var names []string
	for _, d := range docs {
		names = append(names, d.Name+"="+d.Title)
	}
	assert.Equal(t, []string{"docs/README.html=说明", "docs/a.txt=甲", "docs/b.md=乙", "docs/sub/c.txt=丙"}, names, "loaded")

	fsys["docs/bad.txt"] = &fstest.MapFile{Data: []byte{0, 1, 2}}
	_, err = knowledge.LoadFS(fsys, "docs")
	assert.ErrorIs(t, err, knowledge.ErrBinary, "LoadFS with a binary file")
	assert.ErrorContains(t, err, "docs/bad.txt", "LoadFS with a binary file")
	_, err = knowledge.LoadFS(fsys, "missing")
	assert.Error(t, err, "LoadFS of a missing folder")
}

func FuzzLoadText(f *testing.F) {
	for _, path := range []string{"testdata/seed.txt.input", "testdata/guide.md.input"} {
		data, err := os.ReadFile(path)
		require.NoError(f, err)
		f.Add(strings.HasSuffix(path, ".md.input"), data)
	}
	f.Add(true, []byte("---\ntitle: x\n---\n# 标题 #\n\n## 小标题\n\n- [链接](u) **粗** *斜* `码`\n\n| a | b |\n|---|---|\n```\n代码"))
	f.Add(false, []byte("\xff\xfe\x00x"))
	f.Add(false, []byte("\uFEFF\r\n"))
	f.Fuzz(func(t *testing.T, markdown bool, data []byte) {
		name := "f.txt"
		if markdown {
			name = "f.md"
		}
		doc, err := knowledge.LoadText(name, data)
		if err != nil {
			require.True(t, wrapsAny(err, knowledge.ErrBinary, knowledge.ErrEncoding, knowledge.ErrEmpty, knowledge.ErrTooLarge),
				"error %v wraps none of the sentinel errors", err)
			return
		}
		require.NotEmpty(t, doc.Title, "document without title: %+v", doc)
		require.NotEmpty(t, doc.Articles, "document without articles: %+v", doc)
		for i, a := range doc.Articles {
			require.NotEmpty(t, a.Title, "article %d without title: %+v", i, a)
			require.NotEmpty(t, a.Paragraphs, "article %d without paragraphs: %+v", i, a)
			for _, p := range a.Paragraphs {
				require.True(t, utf8.ValidString(p.Text) && utf8.ValidString(p.Heading), "article %d: invalid UTF-8 in paragraph %+v", i, p)
				require.NotEmpty(t, strings.TrimSpace(p.Text), "article %d: blank paragraph %+v", i, p)
			}
		}
		for _, c := range doc.Chunks(50) {
			require.LessOrEqual(t, utf8.RuneCountInString(c.Text), 50, "chunk runes")
		}
	})
}
