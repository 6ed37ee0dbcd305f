package web_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/feedback"
	"partybot/internal/browsertest"
	"partybot/llm"
	"partybot/llm/llmtest"
	"partybot/web"
)

// refusable is a question the shipped corpus does not answer.
const refusable = "食堂几点开门？"

// waitFor waits until the JavaScript expression js is true in the tab,
// checking at every change of the page's DOM.
func waitFor(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	browsertest.Do(t, ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingMutation()))
}

// shown reports whether the browser shows the element sel (the content
// of a closed <details> it does not).
func shown(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	return browsertest.Run(t, ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const e = document.querySelector(%q);
		return !!e && e.checkVisibility() && e.getBoundingClientRect().height > 0;
	})()`, sel)))
}

// ask types q into the 问答 form and sends it, as a page post (without a
// model the page has no script).
func ask(t *testing.T, ctx context.Context, q string) {
	t.Helper()
	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("question").value = ""`),
		chromedp.SendKeys(chromedp.CSS("#question"), q))
	require.EqualValues(t, http.StatusOK, browsertest.Click(t, ctx, "#ask-form button[type=submit]"))
}

// TestBrowserAsk asks on 问答 without a model, as department staff: the
// answer and its citations, the cited passages opened one by one, a 👍,
// and a question refused; then an administrator finds both in 问答记录,
// the refused one among the knowledge gaps and by the 结果 filter.
func TestBrowserAsk(t *testing.T) {
	browsertest.Shared(t)
	e, fb := newQAEnv(t, nil, false)
	ctx := e.tab(t, "tg:renshe", "/ask")
	assert.Empty(t, browsertest.Texts(t, ctx, `script[src="/ask.js"]`), "offline: the form posts")

	ask(t, ctx, answerable)
	assert.Equal(t, "已回答", browsertest.Text(t, ctx, "#answer .tag"))
	assert.Contains(t, browsertest.Text(t, ctx, "#answer .text"), "[1]")
	cited := browsertest.Texts(t, ctx, "#answer details summary")
	require.NotEmpty(t, cited)
	assert.Regexp(t, `^\[1\] `, cited[0])
	first := "#answer details:first-of-type .text"
	assert.False(t, shown(t, ctx, first), "the passages start closed")
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS("#answer details:first-of-type summary")))
	assert.True(t, shown(t, ctx, first), "a click opens the passage")
	assert.NotEmpty(t, browsertest.Text(t, ctx, first))
	browsertest.Screenshot(t, ctx, "ask")

	require.EqualValues(t, http.StatusOK, browsertest.Click(t, ctx, `form.vote button[value=up]`))
	assert.Contains(t, browsertest.Text(t, ctx, ".flash"), "感谢反馈")
	p, err := fb.FindAnswers(context.Background(), feedback.AnswerFilter{})
	require.NoError(t, err)
	require.Equal(t, 1, p.Total)
	assert.Equal(t, feedback.Up, p.Answers[0].Vote)

	ask(t, ctx, refusable)
	assert.Equal(t, "未能回答", browsertest.Text(t, ctx, "#answer .tag"))
	assert.Empty(t, browsertest.PageErrors(ctx))

	t.Run("question log", func(t *testing.T) {
		ctx := e.tab(t, "tg:admin", "/questions")
		assert.Equal(t, []string{refusable, answerable}, browsertest.Texts(t, ctx, "td > div.text"), "newest first")
		assert.Equal(t, []string{"未能回答", "已回答"}, browsertest.Texts(t, ctx, "td .tag"))
		assert.Contains(t, browsertest.Text(t, ctx, "section.card"), refusable, "a knowledge gap")

		browsertest.Do(t, ctx, chromedp.SetValue(chromedp.CSS(`select[name=refused]`), "true"))
		require.EqualValues(t, http.StatusOK, browsertest.Click(t, ctx, "form.filters button[type=submit]"))
		assert.Equal(t, []string{"未能回答"}, browsertest.Texts(t, ctx, "td .tag"))
		assert.Empty(t, browsertest.PageErrors(ctx))
	})
}

// gated is an asker whose model stops after its first piece of text until
// release is closed, so that a test sees the answer half written.
type gated struct {
	web.Asker
	release chan struct{}
}

func (g *gated) AskWith(ctx context.Context, q string, opt bot.AskOptions) (bot.Answer, error) {
	if on := opt.OnDelta; on != nil {
		var once sync.Once
		opt.OnDelta = func(d string) {
			on(d)
			once.Do(func() {
				select {
				case <-g.release:
				case <-ctx.Done():
				}
			})
		}
	}
	return g.Asker.AskWith(ctx, q, opt)
}

// TestBrowserAskStream asks on 问答 with a chat model: /ask.js shows the
// model's text as it is written, in the same page, and then the answer
// with its citations and passages.
func TestBrowserAskStream(t *testing.T) {
	browsertest.Shared(t)
	srv := llmtest.NewServer(t)
	srv.EnqueueChat(llmtest.Stream("落实“六同步”机制，", "要在组建时同步", "建立党的组织[1]。"))
	cfg := llm.DefaultConfig()
	cfg.BaseURL, cfg.APIKey, cfg.ChatModel = srv.URL, "sk-test", "fake-chat"
	cfg.Timeout, cfg.StreamIdleTimeout, cfg.MaxRetries = 30*time.Second, 30*time.Second, 0
	c, err := llm.New(cfg)
	require.NoError(t, err)
	a := bot.NewAnswerer(shippedKB(t))
	a.Model, a.ModelTimeout = c, 30*time.Second
	g := &gated{Asker: a, release: make(chan struct{})}
	e, fb := newQAEnv(t, g, true)
	release := sync.OnceFunc(func() { close(g.release) })
	t.Cleanup(release) // before the server waits for the answer

	ctx := e.tab(t, "tg:renshe", "/ask")
	browsertest.Do(t, ctx,
		chromedp.Evaluate[chromedp.Void]("window.samePage = true"),
		chromedp.SendKeys(chromedp.CSS("#question"), answerable),
		chromedp.Click(chromedp.CSS("#ask-form button[type=submit]")))
	waitFor(t, ctx, `document.querySelector("#answer .text")?.textContent === "落实“六同步”机制，"`)
	assert.Equal(t, "正在回答…", browsertest.Text(t, ctx, "#answer .muted"), "half written")
	assert.Empty(t, browsertest.Texts(t, ctx, "#answer details"))

	release()
	waitFor(t, ctx, `document.querySelectorAll("#answer details").length > 0`)
	assert.Contains(t, browsertest.Text(t, ctx, "#answer .text"), "落实“六同步”机制，要在组建时同步建立党的组织[1]。")
	assert.Contains(t, browsertest.Text(t, ctx, "#answer"), "来源：")
	assert.Regexp(t, `^\[1\] `, browsertest.Text(t, ctx, "#answer details summary"))
	assert.NotEmpty(t, browsertest.Texts(t, ctx, "#answer form.vote"), "the vote")
	assert.True(t, browsertest.Run(t, ctx, chromedp.Evaluate[bool]("window.samePage === true")), "no page was loaded")
	assert.Empty(t, browsertest.PageErrors(ctx))

	p, err := fb.FindAnswers(context.Background(), feedback.AnswerFilter{})
	require.NoError(t, err)
	require.Equal(t, 1, p.Total)
	assert.Equal(t, "llm", p.Answers[0].Mode)
}
