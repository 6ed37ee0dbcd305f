package telegram_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/llm"
	"partybot/llm/llmtest"
)

// TestStreamedAnswer: a model-written answer shows in chat while it is
// written, and the finished answer, with its sources, replaces that
// message instead of coming as another.
func TestStreamedAnswer(t *testing.T) {
	srv := llmtest.NewServer(t)
	srv.EnqueueChat(llmtest.Stream("依据资料，应建立登记、章程核准、", "年检年报等“六同步”机制[1]，", "将党建工作融入行业监管日常[1]。"))
	cfg := llm.DefaultConfig()
	cfg.BaseURL, cfg.APIKey, cfg.ChatModel, cfg.Timeout = srv.URL, "k", "m", 5*time.Second
	c, err := llm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := bot.OpenKnowledgeBase(context.Background(), t.TempDir(), bot.KnowledgeBaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a := bot.NewAnswerer(kb)
	a.Model = c
	h := newHarness(t, withStub(bot.NewAssistant(a)))
	h.process(h.say(resident, "怎样落实“六同步”机制？"))
	var sends, edits []apiCall
	for _, call := range h.api.snapshot() {
		switch call.Method {
		case "sendMessage":
			sends = append(sends, call)
		case "editMessageText":
			edits = append(edits, call)
		}
	}
	if len(sends) != 1 || !strings.HasSuffix(sends[0].Params["text"], "…") {
		t.Fatalf("want one streamed draft, got sends %v", sends)
	}
	if len(edits) == 0 {
		t.Fatal("the finished answer did not replace the draft")
	}
	final := edits[len(edits)-1].Params["text"]
	if !strings.Contains(final, "融入行业监管日常") || !strings.Contains(final, "来源") || edits[len(edits)-1].Params["message_id"] == "" {
		t.Fatalf("final edit: %q", final)
	}
}

// TestStreamingInTwoChatsAtOnce: one user asking in a private chat and in
// a group at the same time streams each answer to its own chat (run with
// -race: the streams share nothing).
func TestStreamingInTwoChatsAtOnce(t *testing.T) {
	srv := llmtest.NewServer(t)
	for range 2 {
		srv.EnqueueChat(llmtest.Stream("依据资料，应建立登记、章程核准、", "年检年报等“六同步”机制[1]，", "将党建工作融入行业监管日常[1]。"))
	}
	cfg := llm.DefaultConfig()
	cfg.BaseURL, cfg.APIKey, cfg.ChatModel, cfg.Timeout = srv.URL, "k", "m", 5*time.Second
	c, err := llm.New(cfg)
	require.NoError(t, err)
	kb, err := bot.OpenKnowledgeBase(context.Background(), t.TempDir(), bot.KnowledgeBaseOptions{})
	require.NoError(t, err)
	a := bot.NewAnswerer(kb)
	a.Model = c
	h := newHarness(t, withStub(bot.NewAssistant(a)))
	var wg sync.WaitGroup
	for _, u := range []*models.Update{
		h.say(staff, "怎样落实“六同步”机制？"),
		h.sayIn(deptChat, staff, "/ask 怎样落实“六同步”机制？"),
	} {
		wg.Add(1)
		go func() { defer wg.Done(); h.process(u) }()
	}
	wg.Wait()
	calls := h.api.snapshot()
	for _, chat := range []int64{staff, deptChat} {
		var edits []apiCall
		for _, e := range byMethod(calls, "editMessageText") {
			if chatOfCall(e) == chat {
				edits = append(edits, e)
			}
		}
		require.NotEmpty(t, edits, "chat %d got no streamed answer", chat)
		assert.Contains(t, last(t, "final edit", edits).Params["text"], "来源")
	}
}
