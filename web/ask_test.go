package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/feedback"
	"partybot/llm"
	"partybot/llm/llmtest"
)

// TestAskPage: without JavaScript the form posts and the page shows the
// whole answer, its citations and the cited passages; the answer is in the
// question log (channel web) and its asker's 👎 is recorded.
func TestAskPage(t *testing.T) {
	e, fb := newQAEnv(t, nil, false)
	staff := e.signIn(t, "tg:renshe")
	resp, body := e.do(t, "GET", "/ask", staff, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `<form id="ask-form" class="card" method="post" action="/ask">`)
	assert.NotContains(t, body, "/ask.js", "offline: no script, the answer comes at once")

	resp, body = e.post(t, "/ask", staff, url.Values{"question": {answerable}})
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Contains(t, body, "[1]")
	assert.Contains(t, body, "引用的段落")
	assert.Contains(t, body, "<details><summary>[1] ")
	assert.Contains(t, body, "已回答")

	p, err := fb.FindAnswers(context.Background(), feedback.AnswerFilter{})
	require.NoError(t, err)
	require.Equal(t, 1, p.Total)
	a := p.Answers[0]
	assert.Equal(t, feedback.ChannelWeb, a.Channel)
	assert.Equal(t, "tg:renshe", a.UserID)
	assert.Equal(t, answerable, a.Question)
	assert.NotEmpty(t, a.Sources)

	path := "/ask/" + itoa(a.ID) + "/vote"
	assert.Contains(t, body, `action="`+path+`"`)
	resp, body = e.post(t, path, staff, url.Values{"vote": {"down"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	resp, body = e.do(t, "GET", resp.Header.Get("Location"), staff, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "感谢反馈")
	got, err := fb.FindAnswer(context.Background(), a.ID)
	require.NoError(t, err)
	assert.Equal(t, feedback.Down, got.Vote)

	other := e.signIn(t, "tg:sifa")
	resp, _ = e.post(t, path, other, url.Values{"vote": {"up"}})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "only the asker votes")
}

// TestHostileQuestions: what no one should ask gets a clear message in
// Chinese — on the page, from the streamed endpoint and from the API — and
// a question in mixed scripts is answered (or refused) as any other.
func TestHostileQuestions(t *testing.T) {
	e, fb := newQAEnv(t, nil, false)
	sid := e.signIn(t, "tg:admin")
	cases := []struct {
		name, question string
		status         int
		message        string
	}{
		{"empty", "", http.StatusBadRequest, "问题是空的"},
		{"blank", " \n\t\x00 ", http.StatusBadRequest, "问题是空的"},
		{"question marks", strings.Repeat("？", 10_000), http.StatusBadRequest, "问题太长（10000 字）"},
		{"broken UTF-8", "怎样\xff\xfe落实？", http.StatusBadRequest, "不是有效的 UTF-8"},
		{"huge", strings.Repeat("党", 300_000), http.StatusBadRequest, "问题太长"},
		{"mixed scripts", "怎样落实 six 同步 механизм と ٣ 机制？", http.StatusOK, ""},
		{"markup", "<script>alert(1)</script>六同步", http.StatusOK, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.post(t, "/ask", sid, url.Values{"question": {tc.question}})
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Contains(t, body, tc.message)
			assert.NotContains(t, body, "<script>alert")

			in, _ := json.Marshal(map[string]string{"question": tc.question})
			if !strings.HasPrefix(tc.name, "broken") {
				resp, body = e.do(t, "POST", "/api/v1/ask", sid, string(in), "Content-Type", "application/json")
			} else { // JSON would replace the bad bytes: send them raw
				resp, body = e.do(t, "POST", "/api/v1/ask", sid, `{"question":"`+tc.question+`"}`, "Content-Type", "application/json")
			}
			assert.Equal(t, tc.status, resp.StatusCode, body)
			assert.Contains(t, body, tc.message)
			if tc.status != http.StatusOK {
				assert.Contains(t, body, `"code":"invalid"`)
			}

			events := e.stream(t, sid, tc.question)
			require.NotEmpty(t, events)
			last := events[len(events)-1]
			if tc.status == http.StatusOK {
				assert.Equal(t, "done", last.event)
			} else {
				assert.Equal(t, "error", last.event)
				assert.Contains(t, last.data["message"], tc.message)
			}
		})
	}
	for _, body := range []string{"", "[]", `{"q":"x"}`, `{"question":1}`, "{"} {
		resp, out := e.do(t, "POST", "/api/v1/ask", sid, body, "Content-Type", "application/json")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
		assert.Contains(t, out, "请求内容应为 JSON 对象", body)
	}
	p, err := fb.FindAnswers(context.Background(), feedback.AnswerFilter{})
	require.NoError(t, err)
	assert.Equal(t, 2*3, p.Total, "only the answered questions are logged, once per way of asking")
}

// event is a server-sent event of /ask/stream.
type event struct {
	event string
	data  map[string]string
}

// stream posts q to /ask/stream and returns its events in order.
func (e *env) stream(tb testing.TB, sid, q string) []event {
	tb.Helper()
	req, err := http.NewRequest("POST", e.ts.URL+"/ask/stream", strings.NewReader(url.Values{"question": {q}}.Encode()))
	require.NoError(tb, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "partybot_session", Value: sid})
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	require.Equal(tb, http.StatusOK, resp.StatusCode)
	require.Equal(tb, "text/event-stream; charset=utf-8", resp.Header.Get("Content-Type"))
	var out []event
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	var ev event
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			ev.event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			require.NoError(tb, json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.data))
		case line == "":
			out = append(out, ev)
			ev = event{}
		}
	}
	require.NoError(tb, sc.Err())
	return out
}

// modelAnswerer is the answerer over the shipped corpus with the fake
// model srv, which it gives timeout.
func modelAnswerer(tb testing.TB, srv *llmtest.Server, timeout time.Duration) *bot.Answerer {
	tb.Helper()
	cfg := llm.DefaultConfig()
	cfg.BaseURL, cfg.APIKey, cfg.ChatModel = srv.URL, "sk-test", "fake-chat"
	cfg.Timeout, cfg.StreamIdleTimeout, cfg.MaxRetries = 2*time.Second, time.Second, 0
	c, err := llm.New(cfg)
	require.NoError(tb, err)
	a := bot.NewAnswerer(shippedKB(tb))
	a.Model, a.ModelTimeout = c, timeout
	return a
}

// TestAskStream: with a chat model the page loads its script, and
// /ask/stream delivers the model's text in pieces as it comes, then the
// answer with its citations and passages.
func TestAskStream(t *testing.T) {
	srv := llmtest.NewServer(t)
	srv.EnqueueChat(llmtest.Stream("落实“六同步”机制，", "要在组建时同步", "建立党的组织[1]。"))
	e, fb := newQAEnv(t, modelAnswerer(t, srv, 5*time.Second), true)
	sid := e.signIn(t, "tg:renshe")
	_, body := e.do(t, "GET", "/ask", sid, "")
	assert.Contains(t, body, `<script src="/ask.js" defer></script>`)
	resp, script := e.do(t, "GET", "/ask.js", sid, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, script, `fetch("/ask/stream"`)

	events := e.stream(t, sid, answerable)
	var deltas []string
	for _, ev := range events[:len(events)-1] {
		require.Equal(t, "delta", ev.event)
		deltas = append(deltas, ev.data["text"])
	}
	assert.Equal(t, []string{"落实“六同步”机制，", "要在组建时同步", "建立党的组织[1]。"}, deltas, "in pieces, as written")
	done := events[len(events)-1]
	require.Equal(t, "done", done.event)
	html := done.data["html"]
	assert.Contains(t, html, "建立党的组织[1]。")
	assert.Contains(t, html, "来源：")
	assert.Contains(t, html, "<details><summary>[1] ")
	assert.Contains(t, html, `action="/ask/`, "the vote")

	p, err := fb.FindAnswers(context.Background(), feedback.AnswerFilter{})
	require.NoError(t, err)
	require.Equal(t, 1, p.Total)
	assert.Equal(t, "llm", p.Answers[0].Mode)
}

// TestAskModelTimeout: a model that does not answer in time leaves the
// offline answer, which says so — streamed, posted and through the API.
func TestAskModelTimeout(t *testing.T) {
	srv := llmtest.NewServer(t)
	srv.HandleChat(func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Hang() })
	e, _ := newQAEnv(t, modelAnswerer(t, srv, 300*time.Millisecond), true)
	sid := e.signIn(t, "tg:admin")
	const note = "模型服务暂时不可用"

	start := time.Now()
	events := e.stream(t, sid, answerable)
	assert.Less(t, time.Since(start), 5*time.Second)
	done := events[len(events)-1]
	require.Equal(t, "done", done.event)
	assert.Contains(t, done.data["html"], note)
	assert.Contains(t, done.data["html"], "[1]", "the passages, cited")

	resp, body := e.post(t, "/ask", sid, url.Values{"question": {answerable}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, note)

	resp, body = e.do(t, "POST", "/api/v1/ask", sid, `{"question":"`+answerable+`"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var got bot.AnswerJSON
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	assert.Equal(t, "extractive", got.Mode)
	assert.Contains(t, got.Answer, note)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
