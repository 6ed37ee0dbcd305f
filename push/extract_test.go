package push_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/push"
)

// TestExtract: two sentences, verbatim, each marked with the passage it
// comes from; the statement of purpose first.
func TestExtract(t *testing.T) {
	r := mustRules(t)
	for _, tc := range []struct {
		doc, first, second string
	}{
		// Purpose, then the first sentence naming riders after it.
		{"rider.txt", "为切实维护外卖骑手合法权益，进一步做好外卖骑手服务保障工作，结合我市实际，现就有关事项通知如下。",
			"督促外卖平台企业合理确定骑手劳动定额和配送时限，不得以“最严算法”压缩骑手配送时间。"},
		// Purpose ("根据…，现就…"), then the first naming 党务工作者 (党支部书记).
		{"外卖骑手.txt", "根据《中国共产党章程》和党费收缴、使用和管理的有关规定，现就做好2025年度党费收缴工作通知如下。",
			"三、各党支部书记要履行第一责任人职责，每季度向党员公布党费收缴情况。"},
		// The purpose names the members too; then the first naming a
		// group of the title (暖“新”驿站 or 新就业群体).
		{"yizhan.txt", "为深入贯彻落实关于加强新就业群体党建工作的部署要求，更好服务快递员、外卖骑手、网约车司机等新就业群体，现就做好暖“新”驿站建设管理工作通知如下。",
			"在商圈、物流园区、交通枢纽等新就业群体集中区域，按照“15分钟服务圈”布局暖“新”驿站，2025年底前实现街道全覆盖。"},
	} {
		t.Run(tc.doc, func(t *testing.T) {
			doc := mustDoc(t, tc.doc)
			text, cites := r.Extract(doc)
			require.NotEmpty(t, cites)
			parts := regexp.MustCompile(`\[(\d)\]`).Split(text, -1)
			require.Len(t, parts, 3, text)
			assert.Equal(t, tc.first, parts[0])
			assert.Equal(t, tc.second, parts[1])
			marks := regexp.MustCompile(`\[(\d)\]`).FindAllStringSubmatch(text, -1)
			for i, s := range parts[:2] {
				n := int(marks[i][1][0] - '1')
				require.Less(t, n, len(cites))
				assert.True(t, passageHas(doc, cites[n], s), "sentence %d is verbatim in passage [%d]", i+1, n+1)
			}
		})
	}
}

// passageHas reports whether passage id of doc holds sentence s.
func passageHas(doc push.Document, id, s string) bool {
	for _, p := range doc.Passages {
		if p.ID == id {
			return strings.Contains(p.Text, s)
		}
	}
	return false
}

// TestExtractWithoutPassages: a document given as text alone is
// extracted without markers.
func TestExtractWithoutPassages(t *testing.T) {
	text, cites := mustRules(t).Extract(push.Document{Name: "a.txt",
		Text: "一、总体要求\n坚持党建引领，推动新兴领域党建工作提质增效。各单位要结合实际抓好落实，确保取得实效。"})
	assert.Equal(t, "坚持党建引领，推动新兴领域党建工作提质增效。各单位要结合实际抓好落实，确保取得实效。", text)
	assert.Empty(t, cites)
}

// FuzzExtract: whatever the text, the extract's sentences are verbatim
// from the passages its markers name.
func FuzzExtract(f *testing.F) {
	f.Add("为了规范外卖骑手管理，制定本办法。骑手应当遵守交通规则。", "驿站应当开放。")
	f.Add("各有关单位：\n\n一、总体要求", "")
	r := mustRules(f)
	marker := regexp.MustCompile(`\[(\d+)\]`)
	f.Fuzz(func(t *testing.T, a, b string) {
		if strings.Contains(a+b, "[") {
			t.Skip("the text's own brackets would read as markers")
		}
		doc := push.Document{Name: "f.txt", Title: "通知", Text: a + "\n" + b,
			Passages: []push.Passage{{ID: "p1", Text: a}, {ID: "p2", Text: b}}}
		text, cites := r.Extract(doc)
		parts := marker.Split(text, -1)
		marks := marker.FindAllStringSubmatch(text, -1)
		require.Len(t, parts, len(marks)+1)
		for i, m := range marks {
			n := int(m[1][0] - '1')
			require.Less(t, n, len(cites))
			assert.True(t, passageHas(doc, cites[n], parts[i]), "%q not in %s", parts[i], cites[n])
		}
	})
}
