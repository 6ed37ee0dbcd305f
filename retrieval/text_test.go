package retrieval_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"partybot/retrieval"
)

func TestSentences(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"marks and quotes", "第一句。“第二句！”第三句？\n第四句", []string{"第一句。", "“第二句！”", "第三句？", "第四句"}},
		{"semicolon and bracket", "甲；（乙。）丙", []string{"甲；", "（乙。）", "丙"}},
		{"blank", " \n\n ", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, retrieval.Sentences(tc.in))
		})
	}
}

func TestSaysNearly(t *testing.T) {
	assert.True(t, retrieval.SaysNearly("建立党建工作联络员制度。", "建立党建工作联络员制度"))
	assert.True(t, retrieval.SaysNearly("推动党建工作与业务工作深度融合", "推动党建工作和业务工作深度融合"))
	assert.False(t, retrieval.SaysNearly("建立联络员制度", "开展党员教育培训"))
	assert.False(t, retrieval.SaysNearly("", "x"), "an empty sentence is in every other, but says nothing")
}

func TestCitation(t *testing.T) {
	assert.Equal(t, "标题（转自某报）", retrieval.Passage{Title: "标题", Source: "(转自某报)"}.Citation())
	assert.Equal(t, "a.docx", retrieval.Passage{Doc: "a.docx"}.Citation())
}
