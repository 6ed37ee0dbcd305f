package bot

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"partybot/question"
	"partybot/retrieval"
)

func TestByFocus(t *testing.T) {
	focus := []float64{0.6, 0.9, 0.62, 0.5}
	order := []int{0, 1, 2, 3}
	byFocus(order, focus)
	assert.Equal(t, []int{1, 0, 2, 3}, order, "only a clearly better focus rises; near ties keep the retrieval's order")
	byFocus(nil, focus)
}

func TestBySentence(t *testing.T) {
	whole := []float64{0.9, 0.88, 0.7}
	order := []int{0, 1, 2}
	bySentence(order, whole, []float64{0.3, 0.6, 0.9})
	assert.Equal(t, []int{1, 0, 2}, order, "a clearly better sentence leads among passages alike as a whole, not past a better passage")
	order = []int{0, 1, 2}
	bySentence(order, whole, []float64{0.3, 0.32, 0.9})
	assert.Equal(t, []int{0, 1, 2}, order, "near ties keep the order")
}

func TestAppendRest(t *testing.T) {
	ps := []question.Passage{{Elsewhere: true}, {}, {Elsewhere: true}, {}}
	assert.Equal(t, []int{3, 1, 0, 2}, appendRest([]int{3}, ps), "the place asked before another place")
	assert.Equal(t, []int{1, 3, 0, 2}, appendRest(nil, ps))
}

func TestTitlePlaces(t *testing.T) {
	assert.Equal(t, []string{"福建", "泉州", "泉港"}, titlePlaces("福建泉州泉港区：“三维聚力”提升质效"))
	assert.Equal(t, []string{"贵州", "德江"}, titlePlaces("贵州德江：凝“新”聚力共绘治理“新”图景"))
	assert.Empty(t, titlePlaces("从“体外覆盖”到“体内深耕”——河南南阳宛城区引领"), "no region before a colon")
	assert.Empty(t, titlePlaces("内蒙古乌海市：…"), "an odd name is not cut in pairs")
}

func TestPlacesAsked(t *testing.T) {
	hits := []retrieval.Hit{
		{Passage: retrieval.Passage{Title: "福建泉州泉港区：三维聚力", Text: "由泉港区委社会工作部牵头，整合市场监管等部门。"}},
		{Passage: retrieval.Passage{Title: "贵州德江：凝新聚力", Text: "德江县布局暖新驿站。"}},
	}
	assert.Equal(t, []string{"泉港"}, placesAsked("泉港那边是谁牵头的？", hits))
	assert.Equal(t, []string{"德江"}, placesAsked("德江的驿站在哪？", hits))
	assert.Empty(t, placesAsked("整合市场监管是怎么做的？", hits), "a word before 市 is no place unless a title names it")
	assert.Empty(t, placesAsked("朝阳区有驿站吗？", hits), "a place no hit names sets nothing")
}

func TestEvidenceFocus(t *testing.T) {
	ps := []question.Passage{
		{Sentences: []string{"对300余家社会组织开展摸排", "无关"}},
		{Sentences: []string{"开头", "向47家社会组织选派党建工作指导员"}},
	}
	focus := func(s string) float64 { return float64(len([]rune(s))) / 20 }
	got := evidenceFocus(ps, map[int][]int{0: {0}, 1: {1}}, focus)
	assert.InDelta(t, focus(ps[0].Sentences[0]), got[0], 1e-9)
	assert.InDelta(t, focus(ps[1].Sentences[1]), got[1], 1e-9, "the sentence holding the detail, not the passage")
	assert.Zero(t, evidenceFocus(ps, nil, focus)[0], "no evidence, no lead")
}
