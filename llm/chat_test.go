package llm_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/llm"
	"partybot/llm/llmtest"
)

func TestChat(t *testing.T) {
	tests := []struct {
		name     string
		reply    llmtest.Reply
		opts     llm.ChatOptions
		want     string
		wantErr  error
		wantBody []string // substrings of the request body
		notBody  []string
	}{
		{
			name:     "plain answer, server default temperature",
			reply:    llmtest.Text("六同步是指……[1]"),
			want:     "六同步是指……[1]",
			wantBody: []string{`"model":"test-chat"`, `"stream":false`},
			notBody:  []string{`"temperature"`, `"max_tokens"`},
		},
		{
			name:     "deterministic temperature and max tokens are sent",
			reply:    llmtest.Text("好"),
			opts:     llm.ChatOptions{Temperature: llm.Deterministic, MaxTokens: 300, Model: "other"},
			want:     "好",
			wantBody: []string{`"temperature":0.01`, `"max_tokens":300`, `"model":"other"`},
		},
		{
			name:     "reasoning model gets max_completion_tokens and no temperature",
			reply:    llmtest.Text("好"),
			opts:     llm.ChatOptions{Temperature: llm.Deterministic, MaxTokens: 300, Model: "o3-mini"},
			want:     "好",
			wantBody: []string{`"max_completion_tokens":300`},
			notBody:  []string{`"temperature"`, `"max_tokens"`},
		},
		{
			name:  "think block removed",
			reply: llmtest.Text("<think>先想一想。</think>\n\n答案是三条。"),
			want:  "答案是三条。",
		},
		{
			name:    "truncated by the token limit",
			reply:   llmtest.Reply{Chunks: []string{"答案是"}, Finish: "length"},
			want:    "答案是",
			wantErr: llm.ErrIncomplete,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, _ := newTest(t, nil)
			srv.EnqueueChat(tc.reply)
			got, err := c.Chat(context.Background(), []llm.Message{llm.System("你是党务助手。"), llm.User("问题")}, tc.opts)
			if tc.wantErr == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.wantErr)
			}
			assert.Equal(t, tc.want, got, "answer")
			reqs := srv.ChatRequests()
			require.Len(t, reqs, 1, "requests")
			body := string(reqs[0].Body)
			for _, s := range tc.wantBody {
				assert.Contains(t, body, s, "request body")
			}
			for _, s := range tc.notBody {
				assert.NotContains(t, body, s, "request body")
			}
			assert.Equal(t, "Bearer "+testKey, reqs[0].Header.Get("Authorization"), "Authorization")
		})
	}
}

func TestChatNotConfigured(t *testing.T) {
	cfg := llm.DefaultConfig()
	cfg.BaseURL = "http://127.0.0.1:1/v1" // never contacted
	c, _ := mustClient(t, cfg)
	_, err := c.Chat(context.Background(), []llm.Message{llm.User("hi")}, llm.ChatOptions{})
	assert.ErrorIs(t, err, llm.ErrNotConfigured, "Chat")
	_, err = c.ChatStream(context.Background(), []llm.Message{llm.User("hi")}, llm.ChatOptions{}, nil)
	assert.ErrorIs(t, err, llm.ErrNotConfigured, "ChatStream")
	var out struct{ A string }
	err = c.ChatJSON(context.Background(), []llm.Message{llm.User("hi")}, "x", nil, &out)
	assert.ErrorIs(t, err, llm.ErrNotConfigured, "ChatJSON")
	_, err = c.Embed(context.Background(), []string{"a"})
	assert.ErrorIs(t, err, llm.ErrNotConfigured, "Embed")
}

// sseBody is a raw streamed body: two content chunks, then an error event.
const sseErrorBody = `data: {"id":"1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"第一"}}]}

data: {"id":"1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"部分"}}]}

data: {"error":{"message":"upstream overloaded","type":"server_error"}}

`

func TestChatStream(t *testing.T) {
	tests := []struct {
		name         string
		replies      []llmtest.Reply
		idle         time.Duration
		want         string
		wantDeltas   []string
		wantErr      []error
		wantRequests int
	}{
		{
			name:         "chunks assembled",
			replies:      []llmtest.Reply{llmtest.Stream("按照", "“六同步”", "要求[1]。")},
			want:         "按照“六同步”要求[1]。",
			wantDeltas:   []string{"按照", "“六同步”", "要求[1]。"},
			wantRequests: 1,
		},
		{
			name:         "clean close without [DONE] is complete",
			replies:      []llmtest.Reply{{Chunks: []string{"甲", "乙"}, OmitDone: true}},
			want:         "甲乙",
			wantRequests: 1,
		},
		{
			name:         "clean close without finish_reason or [DONE] is complete",
			replies:      []llmtest.Reply{{Chunks: []string{"甲", "乙"}, OmitDone: true, NoFinish: true}},
			want:         "甲乙",
			wantRequests: 1,
		},
		{
			name:         "think block split over chunks is not relayed",
			replies:      []llmtest.Reply{llmtest.Stream("<th", "ink>推理", "中</thi", "nk>\n", "\n答", "案")},
			want:         "答案",
			wantDeltas:   []string{"答", "案"},
			wantRequests: 1,
		},
		{
			name:         "cut mid-way returns the partial text",
			replies:      []llmtest.Reply{llmtest.Cut("第一", "部分")},
			want:         "第一部分",
			wantErr:      []error{llm.ErrIncomplete, llm.ErrUnavailable},
			wantRequests: 1,
		},
		{
			name:         "idle timeout mid-way returns the partial text",
			replies:      []llmtest.Reply{{Chunks: []string{"第一", "部分", "永远不来"}, HangAfter: 2}},
			idle:         100 * time.Millisecond,
			want:         "第一部分",
			wantErr:      []error{llm.ErrIncomplete, llm.ErrUnavailable},
			wantRequests: 1,
		},
		{
			name:         "error event mid-way returns the partial text",
			replies:      []llmtest.Reply{{Body: sseErrorBody, Header: map[string]string{"Content-Type": "text/event-stream"}}},
			want:         "第一部分",
			wantErr:      []error{llm.ErrIncomplete, llm.ErrUnavailable},
			wantRequests: 1,
		},
		{
			name:         "failure before any text is retried",
			replies:      []llmtest.Reply{llmtest.Error(502, "bad gateway"), llmtest.Drop(), llmtest.Stream("好")},
			want:         "好",
			wantRequests: 3,
		},
		{
			name:         "token limit",
			replies:      []llmtest.Reply{{Chunks: []string{"一半"}, Finish: "length"}},
			want:         "一半",
			wantErr:      []error{llm.ErrIncomplete},
			wantRequests: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, _ := newTest(t, func(cfg *llm.Config) {
				if tc.idle > 0 {
					cfg.StreamIdleTimeout = tc.idle
				}
			})
			srv.EnqueueChat(tc.replies...)
			var deltas []string
			got, err := c.ChatStream(ctxTimeout(t, 10*time.Second), []llm.Message{llm.User("怎样落实六同步？")}, llm.ChatOptions{},
				func(s string) { deltas = append(deltas, s) })
			if len(tc.wantErr) == 0 {
				require.NoError(t, err)
			}
			for _, want := range tc.wantErr {
				assert.ErrorIs(t, err, want)
			}
			assert.Equal(t, tc.want, got, "text")
			assert.Equal(t, got, strings.Join(deltas, ""), "deltas %q do not add up to the text", deltas)
			if tc.wantDeltas != nil {
				assert.Equal(t, tc.wantDeltas, deltas, "deltas")
			}
			reqs := srv.ChatRequests()
			assert.Len(t, reqs, tc.wantRequests, "requests")
			for _, r := range reqs {
				assert.True(t, r.Stream, "request %d not streamed", r.N)
			}
		})
	}
}

func TestChatStreamCallerCancel(t *testing.T) {
	srv, c, _ := newTest(t, nil)
	srv.EnqueueChat(llmtest.Reply{Chunks: []string{"第一", "不来"}, HangAfter: 1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got, err := c.ChatStream(ctx, []llm.Message{llm.User("问")}, llm.ChatOptions{}, func(string) { cancel() })
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, llm.ErrIncomplete)
	assert.Equal(t, "第一", got, "text")
}
