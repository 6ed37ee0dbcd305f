package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/feedback"
	"partybot/tickets"
	"partybot/web"
)

// shippedKB opens the knowledge base of the shipped corpus in a new
// directory.
func shippedKB(tb testing.TB) *bot.KnowledgeBase {
	tb.Helper()
	kb, err := bot.OpenKnowledgeBase(context.Background(), tb.TempDir(), bot.KnowledgeBaseOptions{})
	require.NoError(tb, err)
	return kb
}

// answerable is a question the shipped corpus answers offline.
const answerable = "怎样落实“六同步”机制？"

// newQAEnv is a console whose 问答 page answers with a (the offline
// answerer over the shipped corpus when nil) and whose question log is a
// new store, which it returns.
func newQAEnv(tb testing.TB, a web.Asker, stream bool) (*env, *feedback.Store) {
	tb.Helper()
	e := newEnv(tb, "")
	fb, err := feedback.Open(context.Background(), filepath.Join(tb.TempDir(), "feedback.db"))
	require.NoError(tb, err)
	tb.Cleanup(func() { fb.Close() })
	if a == nil {
		a = bot.NewAnswerer(shippedKB(tb))
	}
	e.ts = httptest.NewServer(web.NewServer(e.auth, e.tickets, viewer, "", nil,
		web.WithAsker(a, stream), web.WithQuestionLog(fb)))
	tb.Cleanup(e.ts.Close)
	return e, fb
}

// log records answers to questions in the log as the chat does, each an
// hour after the one before from at, and returns their ids.
func logAnswers(tb testing.TB, fb *feedback.Store, at time.Time, answers ...feedback.Answer) []int64 {
	tb.Helper()
	var ids []int64
	for _, a := range answers {
		fb.SetNow(func() time.Time { return at })
		id, err := fb.RecordAnswer(context.Background(), a)
		require.NoError(tb, err)
		ids = append(ids, id)
		at = at.Add(time.Hour)
	}
	fb.SetNow(time.Now)
	return ids
}

// TestQuestionLog: the log lists the questions of every channel, the
// console's own included, newest first with their outcome and passages;
// the filters of the page and of the API select what they say.
func TestQuestionLog(t *testing.T) {
	e, fb := newQAEnv(t, nil, false)
	admin := e.signIn(t, "tg:admin")
	y, m, d := time.Now().In(tickets.DefaultLocation).AddDate(0, 0, -2).Date()
	day := time.Date(y, m, d, 9, 0, 0, 0, tickets.DefaultLocation) // the log's days are the tickets'

	ids := logAnswers(t, fb, day,
		feedback.Answer{UserID: "100", Question: "支部党员大会多久开一次？", Mode: "extractive", Outcome: "answered",
			Sources: []feedback.Source{{ID: "p1", Title: "党支部工作条例", Text: "支部党员大会一般每季度召开一次。"}}},
		feedback.Answer{UserID: "terminal:张三", Question: "食堂几点开门？", Mode: "extractive", Refused: true, Outcome: "refused"},
		feedback.Answer{UserID: "200", Question: "党费交纳的具体时间是哪天？", Mode: "extractive", Refused: true, Outcome: "partial", Missing: "具体时间"},
	)
	require.NoError(t, fb.Vote(context.Background(), ids[0], "100", feedback.Down))
	resp, body := e.post(t, "/ask", admin, url.Values{"question": {answerable}})
	require.Equal(t, http.StatusOK, resp.StatusCode, body)

	resp, body = e.do(t, "GET", "/questions", admin, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	for _, want := range []string{"支部党员大会多久开一次？", "食堂几点开门？", answerable, "未能回答", "部分回答", "缺少：具体时间",
		"<details><summary>展示的段落（1）</summary>", "支部党员大会一般每季度召开一次。", "👎", "Telegram", "终端", "工作台", "知识缺口"} {
		assert.Contains(t, body, want)
	}
	assert.Less(t, strings.Index(body, answerable), strings.Index(body, "支部党员大会多久开一次？"), "newest first")

	list := func(query string) web.QuestionList {
		t.Helper()
		resp, body := e.do(t, "GET", "/api/v1/questions?"+query, admin, "")
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		var l web.QuestionList
		require.NoError(t, json.Unmarshal([]byte(body), &l))
		return l
	}
	questions := func(l web.QuestionList) []string {
		var qs []string
		for _, q := range l.Questions {
			qs = append(qs, q.Question)
		}
		return qs
	}
	from := day.Format("2006-01-02")
	cases := []struct {
		name, query string
		want        []string
	}{
		{"all", "", []string{answerable, "党费交纳的具体时间是哪天？", "食堂几点开门？", "支部党员大会多久开一次？"}},
		{"refused", "refused=true", []string{"党费交纳的具体时间是哪天？", "食堂几点开门？"}},
		{"thumbs down", "vote=down", []string{"支部党员大会多久开一次？"}},
		{"web", "channel=web", []string{answerable}},
		{"terminal", "channel=terminal", []string{"食堂几点开门？"}},
		{"period", "from=" + from + "&to=" + from, []string{"党费交纳的具体时间是哪天？", "食堂几点开门？", "支部党员大会多久开一次？"}},
		{"before", "to=" + day.AddDate(0, 0, -1).Format("2006-01-02"), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := list(tc.query)
			assert.Equal(t, len(tc.want), l.Total)
			assert.Equal(t, tc.want, questions(l))
		})
	}
	l := list("channel=web")
	require.Len(t, l.Questions, 1)
	assert.Equal(t, "answered", l.Questions[0].Outcome)
	assert.NotEmpty(t, l.Questions[0].Sources, "the passages the answer showed")

	resp, body = e.do(t, "GET", "/questions?refused=true", admin, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.NotContains(t, body, "支部党员大会多久开一次？")
	assert.Contains(t, body, `<option value="true" selected>`)

	for _, bad := range []string{"refused=maybe", "vote=sideways", "channel=fax", "from=2026-13-01", "from=2026-03-02&to=2026-03-01", "page=0"} {
		resp, body := e.do(t, "GET", "/api/v1/questions?"+bad, admin, "")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, bad)
		assert.Contains(t, body, `"code":"invalid"`, bad)
		resp, _ = e.do(t, "GET", "/questions?"+bad, admin, "")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, bad)
	}
}

// TestQuestionLogForbidden: department staff ask at /ask but may not read
// the log — 403 on the page and the API, and no link to it.
func TestQuestionLogForbidden(t *testing.T) {
	e, _ := newQAEnv(t, nil, false)
	staff := e.signIn(t, "tg:renshe")
	resp, body := e.do(t, "GET", "/questions", staff, "")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, body, "问答记录仅对管理员")
	for _, path := range []string{"/api/v1/questions", "/api/v1/questions/gaps"} {
		resp, body = e.do(t, "GET", path, staff, "")
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, path)
		assert.Contains(t, body, `"code":"forbidden"`, path)
	}
	resp, body = e.do(t, "GET", "/ask", staff, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `href="/ask"`)
	assert.NotContains(t, body, `href="/questions"`)
	resp, _ = e.do(t, "GET", "/questions", "", "")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "not signed in")
}

// TestGaps: the refused questions of the period on one topic make one
// knowledge gap — by the focus the question analysis finds — with how
// often they were asked, examples and when last; answered questions and
// those before the period make none.
func TestGaps(t *testing.T) {
	e, fb := newQAEnv(t, nil, false)
	admin := e.signIn(t, "tg:admin")
	now := time.Now().Add(-10 * time.Hour)
	refused := func(q string) feedback.Answer {
		return feedback.Answer{UserID: "100", Question: q, Mode: "extractive", Refused: true, Outcome: "refused"}
	}
	logAnswers(t, fb, now.AddDate(0, 0, -60), refused("去年的老问题怎么处理？"))
	logAnswers(t, fb, now,
		refused("快递员子女暑期托管怎么报名？"),
		refused("快递员子女暑期托管如何报名？"),
		refused("食堂几点开门？"),
		refused("快递员子女暑期托管的报名方式是什么？"),
		refused("快递员子女暑期托管怎么报名？"),
		feedback.Answer{UserID: "100", Question: "支部党员大会多久开一次？", Mode: "extractive"},
	)
	resp, body := e.do(t, "GET", "/api/v1/questions/gaps", admin, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var got web.GapList
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	assert.Equal(t, "近 30 天", got.Period)
	require.Len(t, got.Gaps, 2, "%+v", got.Gaps)
	g := got.Gaps[0]
	assert.Contains(t, g.Topic, "暑期托管")
	assert.Equal(t, 4, g.Count)
	assert.Equal(t, "快递员子女暑期托管怎么报名？", g.Examples[0], "the most asked first")
	assert.Len(t, g.Examples, 3)
	assert.WithinDuration(t, now.Add(4*time.Hour), g.LastAsked, time.Second)
	assert.Contains(t, got.Gaps[1].Topic, "食堂")
	assert.Equal(t, 1, got.Gaps[1].Count)

	resp, body = e.do(t, "GET", "/api/v1/questions/gaps?from="+now.AddDate(0, 0, -61).Format("2006-01-02")+"&to="+now.AddDate(0, 0, -59).Format("2006-01-02"), admin, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	got = web.GapList{}
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	require.Len(t, got.Gaps, 1)
	assert.Equal(t, []string{"去年的老问题怎么处理？"}, got.Gaps[0].Examples)

	resp, body = e.do(t, "GET", "/questions", admin, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "知识缺口（近 30 天）")
	assert.Contains(t, body, fmt.Sprintf("<td class=\"n\">%d</td>", 4))
}
