package feedback_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/feedback"
)

// TestFindAnswers: the log lists the answers of every channel newest
// first, and each filter — refused, vote, channel, period — and the paging
// select what they say, with the total of all that match.
func TestFindAnswers(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t)
		start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		at := start
		s.SetNow(func() time.Time { return at })
		record := func(f feedback.Answer) int64 {
			t.Helper()
			id, err := s.RecordAnswer(ctx, f)
			require.NoError(t, err)
			at = at.Add(time.Hour)
			return id
		}
		tg := record(feedback.Answer{UserID: "100", Question: "支部党员大会多久开一次？", Mode: "extractive"})
		term := record(feedback.Answer{UserID: "terminal:张三", Question: "食堂几点开门？", Mode: "extractive", Refused: true, Outcome: "refused"})
		webID := record(feedback.Answer{UserID: "100", Channel: feedback.ChannelWeb, Question: "党费怎么交？", Mode: "llm"})
		late := record(feedback.Answer{UserID: "200", Question: "停车场在哪？", Mode: "extractive", Refused: true, Outcome: "partial"})
		require.NoError(t, s.Vote(ctx, webID, "100", feedback.Down))
		require.NoError(t, s.Vote(ctx, tg, "100", feedback.Up))

		yes, no := true, false
		down, none := feedback.Down, 0
		web := feedback.ChannelWeb
		cases := []struct {
			name string
			f    feedback.AnswerFilter
			want []int64
		}{
			{"all", feedback.AnswerFilter{}, []int64{late, webID, term, tg}},
			{"refused", feedback.AnswerFilter{Refused: &yes}, []int64{late, term}},
			{"answered", feedback.AnswerFilter{Refused: &no}, []int64{webID, tg}},
			{"thumbs down", feedback.AnswerFilter{Vote: &down}, []int64{webID}},
			{"not voted", feedback.AnswerFilter{Vote: &none}, []int64{late, term}},
			{"web", feedback.AnswerFilter{Channel: &web}, []int64{webID}},
			{"period", feedback.AnswerFilter{From: start.Add(time.Hour), To: start.Add(3 * time.Hour)}, []int64{webID, term}},
			{"refused in period", feedback.AnswerFilter{Refused: &yes, To: start.Add(3 * time.Hour)}, []int64{term}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				p, err := s.FindAnswers(ctx, tc.f)
				require.NoError(t, err)
				assert.Equal(t, len(tc.want), p.Total)
				var got []int64
				for _, a := range p.Answers {
					got = append(got, a.ID)
				}
				assert.Equal(t, tc.want, got)
			})
		}

		p, err := s.FindAnswers(ctx, feedback.AnswerFilter{Offset: 1, Limit: 2})
		require.NoError(t, err)
		assert.Equal(t, 4, p.Total)
		require.Len(t, p.Answers, 2)
		assert.Equal(t, webID, p.Answers[0].ID)
		assert.Equal(t, term, p.Answers[1].ID)

		byID := map[int64]feedback.Answer{}
		p, err = s.FindAnswers(ctx, feedback.AnswerFilter{})
		require.NoError(t, err)
		for _, a := range p.Answers {
			byID[a.ID] = a
		}
		assert.Equal(t, feedback.ChannelTelegram, byID[tg].Channel, "worked out from the user id")
		assert.Equal(t, feedback.ChannelTerminal, byID[term].Channel)
		assert.Equal(t, feedback.ChannelWeb, byID[webID].Channel, "as recorded")
		assert.Equal(t, feedback.Down, byID[webID].Vote)
		assert.Equal(t, "partial", byID[late].Outcome)
		assert.Equal(t, start.Add(3*time.Hour), byID[late].CreatedAt.UTC())
	})
}

// TestRefusedQuestions: the refused questions of a period, each once with
// how often and when last it was asked, the most recent first.
func TestRefusedQuestions(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t)
		start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		at := start
		s.SetNow(func() time.Time { return at })
		for _, q := range []string{"食堂几点开门？", "停车场在哪？", "食堂几点开门？", "答得上的问题"} {
			_, err := s.RecordAnswer(ctx, feedback.Answer{UserID: "1", Question: q, Mode: "extractive", Refused: !strings.HasPrefix(q, "答")})
			require.NoError(t, err)
			at = at.Add(time.Hour)
		}
		got, err := s.RefusedQuestions(ctx, time.Time{}, time.Time{}, 10)
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Equal(t, "食堂几点开门？", got[0].Question)
		assert.Equal(t, 2, got[0].Count)
		assert.Equal(t, start.Add(2*time.Hour), got[0].Last.UTC())
		assert.Equal(t, feedback.Asked{Question: "停车场在哪？", Count: 1, Last: start.Add(time.Hour)}, feedback.Asked{got[1].Question, got[1].Count, got[1].Last.UTC()})

		got, err = s.RefusedQuestions(ctx, start.Add(time.Hour), start.Add(2*time.Hour), 10)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, "停车场在哪？", got[0].Question)

		got, err = s.RefusedQuestions(ctx, time.Time{}, time.Time{}, 1)
		require.NoError(t, err)
		assert.Len(t, got, 1, "limited")
	})
}

// TestGaps: refused questions on one topic make one gap — by the same
// focus, or by foci sharing most key terms — with how often they were
// asked, examples and when last; other topics stay apart.
func TestGaps(t *testing.T) {
	// A crude focus: the question without its question words.
	focus := func(q string) string {
		for _, w := range []string{"？", "怎么办理", "需要哪些", "有哪些", "是什么", "怎么", "几点", "在哪"} {
			q = strings.ReplaceAll(q, w, " ")
		}
		return strings.Join(strings.Fields(q), " ")
	}
	day := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC) }
	asked := []feedback.Asked{
		{Question: "食堂几点开门？", Count: 1, Last: day(9)},
		{Question: "组织关系转接怎么办理？", Count: 2, Last: day(8)},
		{Question: "组织关系转接需要哪些材料？", Count: 1, Last: day(7)},
		{Question: "党员组织关系转接是什么？", Count: 1, Last: day(6)},
		{Question: "社会组织换届有哪些", Count: 1, Last: day(5)},
		{Question: "社会组织年检有哪些", Count: 1, Last: day(4)},
		{Question: "组织关系转接怎么", Count: 1, Last: day(3)},
	}
	gaps := feedback.Gaps(asked, focus)
	require.Len(t, gaps, 4)
	g := gaps[0]
	assert.Equal(t, "组织关系转接", g.Topic, "the focus asked most")
	assert.Equal(t, 5, g.Count)
	assert.Equal(t, day(8), g.Last)
	assert.Equal(t, []string{"组织关系转接怎么办理？", "组织关系转接需要哪些材料？", "党员组织关系转接是什么？"}, g.Examples)
	var topics []string
	for _, g := range gaps[1:] {
		assert.Equal(t, 1, g.Count)
		topics = append(topics, g.Topic)
	}
	assert.Equal(t, []string{"食堂 开门", "社会组织换届", "社会组织年检"}, topics, "apart; the most recent first")

	assert.Empty(t, feedback.Gaps(nil, focus))
	one := feedback.Gaps([]feedback.Asked{{Question: "？", Count: 1}}, focus)
	require.Len(t, one, 1)
	assert.Equal(t, "？", one[0].Topic, "a question with no focus is its own topic")
}
