package push_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"

	"partybot/push"
)

// TestMatch: a subscription matches when any of its audiences is
// addressed (or it has none) and any of its topics is named (or it has
// none); one with neither matches nothing.
func TestMatch(t *testing.T) {
	r := mustRules(t)
	subs := []push.Subscription{
		{UserID: 1, ChatID: 11, Audiences: []string{"外卖骑手"}},
		{UserID: 2, ChatID: 12, Audiences: []string{"货车司机"}},
		{UserID: 3, ChatID: 13, Audiences: []string{"外卖骑手"}, Topics: []string{"驿站"}},
		{UserID: 4, ChatID: 14, Audiences: []string{"外卖骑手"}, Topics: []string{"党费"}},
		{UserID: 5, ChatID: 15, Topics: []string{"歇脚的地方"}}, // a glossary synonym of 暖“新”驿站
		{UserID: 6, ChatID: 16},
		{UserID: 7, ChatID: 17, Topics: []string{"党费"}},
		{UserID: 8, ChatID: 18, Audiences: []string{"货车司机", "外卖骑手"}, Topics: []string{"最严算法", "驿站"}}, // a word outside the glossary
		{UserID: 9, ChatID: 19, Audiences: []string{"党务工作者"}},
		{UserID: 10, ChatID: 20, Audiences: []string{"网约车司机"}, Topics: []string{"驿站充电"}}, // two groups: both must be named
	}
	x := r.NewIndex(subs)
	for _, tc := range []struct {
		doc  string
		want []push.Match
	}{
		{"rider.txt", []push.Match{
			{UserID: 1, ChatID: 11, Why: "身份：外卖骑手"},
			{UserID: 3, ChatID: 13, Why: "身份：外卖骑手；话题：驿站"},
			{UserID: 5, ChatID: 15, Why: "话题：歇脚的地方"},
			{UserID: 8, ChatID: 18, Why: "身份：外卖骑手；话题：最严算法、驿站"},
		}},
		{"外卖骑手.txt", []push.Match{
			{UserID: 7, ChatID: 17, Why: "话题：党费"},
			{UserID: 9, ChatID: 19, Why: "身份：党务工作者"},
		}},
		{"yizhan.txt", []push.Match{
			{UserID: 1, ChatID: 11, Why: "身份：外卖骑手"},
			{UserID: 3, ChatID: 13, Why: "身份：外卖骑手；话题：驿站"},
			{UserID: 5, ChatID: 15, Why: "话题：歇脚的地方"},
			{UserID: 8, ChatID: 18, Why: "身份：外卖骑手；话题：驿站"},
			{UserID: 10, ChatID: 20, Why: "身份：网约车司机；话题：驿站充电"},
		}},
		{"roster.txt", nil},
	} {
		t.Run(tc.doc, func(t *testing.T) {
			got := x.Match(mustDoc(t, tc.doc))
			if len(tc.want) == 0 {
				assert.Empty(t, got)
				return
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestMatchIgnoresStale: an audience the vocabulary no longer knows does
// not widen a subscription to every document.
func TestMatchIgnoresStale(t *testing.T) {
	r := mustRules(t)
	x := r.NewIndex([]push.Subscription{{UserID: 1, ChatID: 1, Audiences: []string{"已删除的身份"}, Topics: []string{"驿站"}}})
	assert.Zero(t, x.Len())
	assert.Empty(t, x.Match(mustDoc(t, "yizhan.txt")))
}

// subscriptions returns n random subscriptions: each with up to two
// audiences and up to two topics (glossary words and others), never
// neither.
func subscriptions(n int) []push.Subscription {
	rng := rand.New(rand.NewPCG(1, 2))
	aud := push.DefaultVocabulary().Names()
	topics := []string{"驿站", "歇脚的地方", "党费", "充电", "热饭", "子女", "暑期托管", "三会一课", "主题党日", "流动党员",
		"党建指导员", "权益维护", "欠薪", "工资", "职业伤害", "交通安全", "司机之家", "红色积分", "网格员", "换届",
		"章程", "年检年报", "党组织覆盖", "最严算法", "体检", "法律咨询", "慰问", "培训", "入党", "积分"}
	subs := make([]push.Subscription, n)
	for i := range subs {
		s := push.Subscription{UserID: int64(i + 1), ChatID: int64(i + 1)}
		for range rng.IntN(3) {
			s.Audiences = append(s.Audiences, aud[rng.IntN(len(aud))])
		}
		for range rng.IntN(3) {
			s.Topics = append(s.Topics, topics[rng.IntN(len(topics))])
		}
		if len(s.Audiences)+len(s.Topics) == 0 {
			s.Topics = []string{topics[i%len(topics)]}
		}
		subs[i] = s
	}
	return subs
}

// BenchmarkMatch100k matches one new document against 100,000
// subscriptions, the index built beforehand (as the store keeps it).
func BenchmarkMatch100k(b *testing.B) {
	r := mustRules(b)
	x := r.NewIndex(subscriptions(100_000))
	doc := mustDoc(b, "rider.txt")
	var n int
	for b.Loop() {
		n = len(x.Match(doc))
	}
	b.ReportMetric(float64(n), "recipients")
}

// BenchmarkNewIndex100k indexes 100,000 subscriptions: what a store pays
// once, and again after subscriptions change.
func BenchmarkNewIndex100k(b *testing.B) {
	r := mustRules(b)
	subs := subscriptions(100_000)
	for b.Loop() {
		r.NewIndex(subs)
	}
}

func ExampleIndex_Match() {
	r, _ := push.DefaultRules()
	x := r.NewIndex([]push.Subscription{{UserID: 1, ChatID: 1, Audiences: []string{"骑手"}, Topics: []string{"驿站"}}})
	doc := push.Document{Name: "n.txt", Title: "关于外卖骑手驿站的通知",
		Text: "关于外卖骑手驿站的通知\n\n为方便外卖骑手休息，现就驿站开放时间通知如下。"}
	fmt.Println(x.Match(doc))
	// Output: [{1 1 身份：外卖骑手；话题：驿站}]
}
