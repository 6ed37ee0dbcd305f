package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/question"
)

// TestOutcomes: a question the corpus answers is answered; one that names
// a topic of the corpus but asks for what it does not give (a date, an
// address) is answered in part, saying what is missing; one off the
// corpus is refused.
func TestOutcomes(t *testing.T) {
	a := bot.NewAnswerer(MustOpenKnowledgeBase(t))
	for _, tc := range []struct {
		q       string
		outcome question.Outcome
		missing string
		has     []string
	}{
		{"泉港给多少家社会组织派了党建指导员？", question.Answered, "", []string{"47家社会组织"}},
		{"四季暖新友好泉港行动是哪天启动的？", question.Partial, "具体时间", []string{"但没有说明具体时间", "四季暖新友好泉港", "[1]"}},
		{"宛城区委社会工作部在哪办公，地址是什么？", question.Partial, "具体地点", []string{"没有说明具体地点"}},
		{"党费收缴标准是多少？", question.Refused, "", []string{"没有找到"}},
		// Naming a district is not speaking of what the corpus says of it.
		{"泉港明天会下雨吗？", question.Refused, "", []string{"没有找到"}},
		{"德江有什么好吃的？", question.Refused, "", []string{"没有找到"}},
		// Colloquial questions the corpus answers, in words it does not use.
		{"协会的会长能不能同时当党支部书记？", question.Answered, "", []string{"双向进入、交叉任职"}},
		{"中午送餐想找个地方热饭歇会儿，路边有没有这种点？", question.Answered, "", []string{"热饭"}},
	} {
		t.Run(tc.q, func(t *testing.T) {
			ans, err := a.Ask(context.Background(), tc.q)
			require.NoError(t, err)
			assert.Equal(t, tc.outcome, ans.Outcome, ans.Text)
			assert.Equal(t, tc.outcome != question.Answered, ans.Refused, "refused counts partial answers")
			assert.Equal(t, tc.missing, ans.Missing)
			for _, h := range tc.has {
				assert.Contains(t, ans.Text, h)
			}
		})
	}
}

// TestAnswerLeadsWithTheDetail: the sentence that holds what a typed
// question asks for comes first.
func TestAnswerLeadsWithTheDetail(t *testing.T) {
	a := bot.NewAnswerer(MustOpenKnowledgeBase(t))
	ans, err := a.Ask(context.Background(), "泉港建了多少个暖“新”驿站、司机之家这样的阵地？")
	require.NoError(t, err)
	require.Equal(t, question.Answered, ans.Outcome, ans.Text)
	first, _, _ := strings.Cut(ans.Text, "[")
	assert.Contains(t, first, "52个")
}

// TestAnswersDropDanglingConnectives: an answer does not open a sentence
// with a connective that leans on a sentence it does not quote.
func TestAnswersDropDanglingConnectives(t *testing.T) {
	a := bot.NewAnswerer(MustOpenKnowledgeBase(t))
	for _, q := range []string{"乌达怎样推动社会组织落实“双向进入、交叉任职”？", "怎样落实“六同步”机制？", "乌达是怎么强化社会组织合规运营意识的？"} {
		ans, err := a.Ask(context.Background(), q)
		require.NoError(t, err)
		for _, line := range strings.Split(ans.Text, "\n") {
			for _, c := range []string{"另一方面", "一方面", "同时，", "此外，"} {
				assert.False(t, strings.HasPrefix(line, c), "%q opens with %q:\n%s", q, c, ans.Text)
			}
		}
	}
}

// TestHostileQuestions: odd input is refused or answered, never a panic
// or an error.
func TestHostileQuestions(t *testing.T) {
	a := bot.NewAnswerer(MustOpenKnowledgeBase(t))
	for name, q := range map[string]string{
		"punctuation only":      "？！。，、……",
		"10,000 question marks": strings.Repeat("？", 10_000)[:999*3],
		"mixed scripts":         "What is 六同步 мир 🙂 ？",
		"cues only":             "哪天在哪多少钱怎么办谁",
		"one character":         "党",
		"numbers":               "2026年3月5日 12345 47家",
	} {
		t.Run(name, func(t *testing.T) {
			ans, err := a.Ask(context.Background(), q)
			if err != nil {
				return // refused as invalid input, with a message
			}
			assert.NotEmpty(t, ans.Outcome)
			assert.NotEmpty(t, ans.Text)
		})
	}
}

// FuzzAsk: any question gets an outcome, and a refused or partial answer
// is marked refused.
func FuzzAsk(f *testing.F) {
	for _, s := range []string{"", "？", "哪天", "多少钱", "六同步是什么", "泉港建了几个驿站", "\xff", "a" + strings.Repeat("几", 300),
		"那几场是请谁来主讲的", "每人能领多少钱", "派了多少个指导员", "前后查了几遍几遍", "“两个覆盖”有几个", "想找个地方歇歇里跑看",
		strings.Repeat("？", 10000), "驿站 opening hours 几点开门？", "多少处多少个多少遍"} {
		f.Add(s)
	}
	a := bot.NewAnswerer(MustOpenKnowledgeBase(f))
	f.Fuzz(func(t *testing.T, q string) {
		ans, err := a.Ask(context.Background(), q)
		if err != nil {
			return
		}
		require.NotEmpty(t, ans.Outcome)
		assert.Equal(t, ans.Outcome != question.Answered, ans.Refused)
	})
}
