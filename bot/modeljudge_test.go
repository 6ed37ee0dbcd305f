package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/llm"
	"partybot/llm/llmtest"
	"partybot/question"
)

// judgeFixture is a model answerer whose judge is the same fake model.
func judgeFixture(t *testing.T) (*bot.Answerer, *llmtest.Server) {
	t.Helper()
	a, srv := modelFixture(t)
	a.JudgeModel = a.Model.(*llm.Client)
	return a, srv
}

// borderline is a question whose passages reach the judge's floor but
// not the offline thresholds: offline, it is refused.
const borderline = "乌达查社会组织是咋查的，前后查了几遍？"

func TestBorderlineIsOfflineRefused(t *testing.T) {
	a := bot.NewAnswerer(MustOpenKnowledgeBase(t))
	ans, err := a.Ask(context.Background(), borderline)
	require.NoError(t, err)
	require.NotEqual(t, question.Answered, ans.Outcome, "the fixture question must be borderline:\n%s", ans.Text)
	best := 0.0
	for _, h := range ans.Hits {
		best = max(best, h.Coverage)
	}
	require.GreaterOrEqual(t, best, bot.DefaultJudgeFloor, "the fixture question must reach the judge's floor")
}

// TestJudgeSaysAnswerable: a borderline question is answered, from the
// passage the judge names, when the judge says it answers.
func TestJudgeSaysAnswerable(t *testing.T) {
	a, srv := judgeFixture(t)
	srv.EnqueueChat(llmtest.Text(`{"answerable":"yes","passages":[1],"missing":""}`),
		llmtest.Stream("通过自查、核查和实地走访开展了三轮排查[1]。"))
	ans, err := a.Ask(context.Background(), borderline)
	require.NoError(t, err)
	assert.Equal(t, question.Answered, ans.Outcome, ans.Text)
	assert.False(t, ans.Refused)
	assert.Equal(t, "model", ans.JudgedBy)
	assert.Len(t, srv.ChatRequests(), 2, "one judgement, one answer")
}

// TestJudgeSaysNo: the judge's "no" refuses, with no answer written.
func TestJudgeSaysNo(t *testing.T) {
	a, srv := judgeFixture(t)
	srv.EnqueueChat(llmtest.Text(`{"answerable":"no","passages":[],"missing":""}`))
	ans, err := a.Ask(context.Background(), borderline)
	require.NoError(t, err)
	assert.Equal(t, question.Refused, ans.Outcome)
	assert.True(t, ans.Refused)
	assert.Len(t, srv.ChatRequests(), 1, "no answer is written after a refusal")
}

// TestJudgeSaysPartial: a partial verdict names what is missing.
func TestJudgeSaysPartial(t *testing.T) {
	a, srv := judgeFixture(t)
	srv.EnqueueChat(llmtest.Text(`{"answerable":"partial","passages":[1],"missing":"覆盖的具体方式"}`))
	ans, err := a.Ask(context.Background(), borderline)
	require.NoError(t, err)
	assert.Equal(t, question.Partial, ans.Outcome)
	assert.Equal(t, "覆盖的具体方式", ans.Missing)
	assert.Contains(t, ans.Text, "没有说明覆盖的具体方式")
	assert.Contains(t, ans.Text, "[1]")
}

// TestJudgeFailureChangesNothing: a judge that fails, times out or cites a
// passage it was not given leaves the offline judgement.
func TestJudgeFailureChangesNothing(t *testing.T) {
	offline, err := bot.NewAnswerer(MustOpenKnowledgeBase(t)).Ask(context.Background(), borderline)
	require.NoError(t, err)
	for name, reply := range map[string]llmtest.Reply{
		"server error":     llmtest.Error(500, "overloaded"),
		"timeout":          llmtest.Hang(),
		"unknown passage":  llmtest.Text(`{"answerable":"yes","passages":[9],"missing":""}`),
		"unknown verdict":  llmtest.Text(`{"answerable":"maybe","passages":[1],"missing":""}`),
		"not json":         llmtest.Text(`可以回答`),
		"yes with nothing": llmtest.Text(`{"answerable":"yes","passages":[],"missing":""}`),
	} {
		t.Run(name, func(t *testing.T) {
			a, srv := judgeFixture(t)
			a.ModelTimeout = 300 * time.Millisecond
			srv.HandleChat(func(llmtest.ChatRequest) llmtest.Reply { return reply })
			ans, err := a.Ask(context.Background(), borderline)
			require.NoError(t, err)
			assert.Equal(t, offline.Outcome, ans.Outcome)
			assert.Equal(t, "offline", ans.JudgedBy)
			assert.Error(t, ans.ModelError, "the failure is kept for the log")
		})
	}
}

// TestBelowFloorMakesNoModelCall: a question no passage reaches the floor
// for is refused without asking the model anything.
func TestBelowFloorMakesNoModelCall(t *testing.T) {
	a, srv := judgeFixture(t)
	ans, err := a.Ask(context.Background(), "明天北京的天气预报是晴天还是下雨？")
	require.NoError(t, err)
	assert.Equal(t, question.Refused, ans.Outcome)
	assert.Empty(t, srv.ChatRequests())
}
