package push_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/corpus"
	"partybot/knowledge"
	"partybot/push"
)

// audiences returns the audiences doc addresses.
func audiences(r *push.Rules, doc push.Document) map[string]string {
	out := map[string]string{}
	for _, a := range r.Concerns(doc).Audiences {
		out[a.Audience] = a.Why
	}
	return out
}

// TestConcernsAudiences judges realistic documents on their text.
func TestConcernsAudiences(t *testing.T) {
	r := mustRules(t)
	for _, tc := range []struct {
		name string
		doc  string
		want map[string]string
	}{
		// The title names riders; trucks and couriers are named once, in
		// a closing sentence.
		{"rider notice", "rider.txt", map[string]string{"外卖骑手": "标题点名"}},
		// No title line: the loader takes the file's name for one, which
		// says nothing of the text. The text is about 党费.
		{"file named 外卖骑手", "外卖骑手.txt", map[string]string{"党务工作者": "正文 2/7 句提到"}},
		// Addressed to 新就业群体 by its title: the members it names are
		// addressed too, 货车司机 (not named) is not.
		{"group notice", "yizhan.txt", map[string]string{
			"新就业群体": "标题点名", "快递员": "面向新就业群体并点名",
			"外卖骑手": "面向新就业群体并点名", "网约车司机": "面向新就业群体并点名",
		}},
		// Twenty kinds of applicant in one sentence of a long list.
		{"list of applicants", "roster.txt", map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, audiences(r, mustDoc(t, tc.doc)))
		})
	}
}

// TestConcernsBulletin: the shipped bulletin is about social
// organisations throughout; riders appear in one sentence of 123.
func TestConcernsBulletin(t *testing.T) {
	docs, err := knowledge.LoadFS(corpus.FS, corpus.DocsDir)
	require.NoError(t, err)
	require.NotEmpty(t, docs)
	got := audiences(mustRules(t), push.FromKnowledge(docs[0], 0))
	assert.Contains(t, got, "社会组织")
	assert.NotContains(t, got, "外卖骑手")
	assert.NotContains(t, got, "货车司机")
}

// TestConcernsTitleOnLine: a title the text states counts wherever the
// file is; a document without text naming anyone addresses no one.
func TestConcernsTitleOnLine(t *testing.T) {
	r := mustRules(t)
	text := "关于外卖骑手交通安全的提示\n\n请注意遵守交通规则。\n"
	for _, tc := range []struct {
		name  string
		doc   push.Document
		wants bool
	}{
		{"stated", push.Document{Name: "a.txt", Title: "关于外卖骑手交通安全的提示", Text: text}, true},
		{"in front matter", push.Document{Name: "a.docx", Title: "关于外卖骑手交通安全的提示",
			Text: "---\nformat: txt\ntitle: 关于外卖骑手交通安全的提示\n---\n\n请注意遵守交通规则。"}, true},
		{"from the file name", push.Document{Name: "/srv/外卖骑手.txt", Title: "外卖骑手", Text: "请注意遵守交通规则。"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ok := audiences(r, tc.doc)["外卖骑手"]
			assert.Equal(t, tc.wants, ok)
		})
	}
}
