package llm_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/llm"
	"partybot/llm/llmtest"
)

func TestRetries(t *testing.T) {
	quota := llmtest.Reply{Status: 429, Body: `{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}`}
	tests := []struct {
		name         string
		maxRetries   int
		replies      []llmtest.Reply
		always       *llmtest.Reply // after the queue
		wantErr      error
		wantStatus   int
		wantRequests int
		wantWaits    []time.Duration
	}{
		{
			name:         "429 with Retry-After seconds, then success",
			replies:      []llmtest.Reply{llmtest.RateLimited("2"), llmtest.Text("好")},
			wantRequests: 2,
			wantWaits:    []time.Duration{2 * time.Second},
		},
		{
			name:         "429 with fractional Retry-After",
			replies:      []llmtest.Reply{llmtest.RateLimited("0.25"), llmtest.Text("好")},
			wantRequests: 2,
			wantWaits:    []time.Duration{250 * time.Millisecond},
		},
		{
			name: "retry-after-ms wins over Retry-After",
			replies: []llmtest.Reply{
				{Status: 429, Message: "slow down", Header: map[string]string{"Retry-After": "3", "Retry-After-Ms": "1500"}},
				llmtest.Text("好"),
			},
			wantRequests: 2,
			wantWaits:    []time.Duration{1500 * time.Millisecond},
		},
		{
			name:         "429 without Retry-After backs off",
			replies:      []llmtest.Reply{llmtest.RateLimited(""), llmtest.RateLimited(""), llmtest.Text("好")},
			wantRequests: 3,
			wantWaits:    []time.Duration{50 * time.Millisecond, 100 * time.Millisecond},
		},
		{
			name:         "Retry-After beyond MaxBackoff gives up at once",
			replies:      []llmtest.Reply{llmtest.RateLimited("3600")},
			wantErr:      llm.ErrRateLimited,
			wantStatus:   429,
			wantRequests: 1,
		},
		{
			name:         "429 until retries run out",
			always:       ptr(llmtest.RateLimited("1")),
			wantErr:      llm.ErrRateLimited,
			wantStatus:   429,
			wantRequests: 3,
			wantWaits:    []time.Duration{time.Second, time.Second},
		},
		{
			name:         "exhausted quota is not retried",
			replies:      []llmtest.Reply{quota},
			wantErr:      llm.ErrRateLimited,
			wantStatus:   429,
			wantRequests: 1,
		},
		{
			name:         "500 storm: bounded retries with exponential backoff",
			maxRetries:   3,
			always:       ptr(llmtest.Error(500, "internal error")),
			wantErr:      llm.ErrUnavailable,
			wantStatus:   500,
			wantRequests: 4,
			wantWaits:    []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond},
		},
		{
			name:         "503 with Retry-After, then success",
			replies:      []llmtest.Reply{{Status: 503, Message: "overloaded", Header: map[string]string{"Retry-After": "1"}}, llmtest.Text("好")},
			wantRequests: 2,
			wantWaits:    []time.Duration{time.Second},
		},
		{
			name:         "non-JSON 502 from a proxy",
			replies:      []llmtest.Reply{{Status: 502, Body: "<html>Bad Gateway</html>"}, llmtest.Text("好")},
			wantRequests: 2,
			wantWaits:    []time.Duration{50 * time.Millisecond},
		},
		{
			name:         "dropped connection is retried",
			replies:      []llmtest.Reply{llmtest.Drop(), llmtest.Text("好")},
			wantRequests: 2,
			wantWaits:    []time.Duration{50 * time.Millisecond},
		},
		{
			name:         "401 is not retried",
			replies:      []llmtest.Reply{llmtest.Error(401, "invalid key")},
			wantErr:      llm.ErrAuth,
			wantStatus:   401,
			wantRequests: 1,
		},
		{
			name:         "403 is not retried",
			replies:      []llmtest.Reply{llmtest.Error(403, "forbidden")},
			wantErr:      llm.ErrAuth,
			wantStatus:   403,
			wantRequests: 1,
		},
		{
			name:         "400 is not retried",
			replies:      []llmtest.Reply{llmtest.Error(400, "maximum context length exceeded")},
			wantErr:      llm.ErrBadRequest,
			wantStatus:   400,
			wantRequests: 1,
		},
		{
			name:         "404 unknown model is not retried",
			replies:      []llmtest.Reply{llmtest.Error(404, "model not found")},
			wantErr:      llm.ErrBadRequest,
			wantStatus:   404,
			wantRequests: 1,
		},
		{
			name:         "422 is not retried",
			replies:      []llmtest.Reply{llmtest.Error(422, "unprocessable")},
			wantErr:      llm.ErrBadRequest,
			wantStatus:   422,
			wantRequests: 1,
		},
		{
			name:         "408 is retried",
			replies:      []llmtest.Reply{llmtest.Error(408, "timeout"), llmtest.Text("好")},
			wantRequests: 2,
			wantWaits:    []time.Duration{50 * time.Millisecond},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, clk := newTest(t, func(cfg *llm.Config) {
				if tc.maxRetries > 0 {
					cfg.MaxRetries = tc.maxRetries
				}
			})
			srv.EnqueueChat(tc.replies...)
			if tc.always != nil {
				r := *tc.always
				srv.HandleChat(func(llmtest.ChatRequest) llmtest.Reply { return r })
			}
			got, err := c.Chat(context.Background(), []llm.Message{llm.User("问")}, llm.ChatOptions{})
			if tc.wantErr == nil {
				require.NoError(t, err)
				require.Equal(t, "好", got, "Chat")
			} else {
				require.ErrorIs(t, err, tc.wantErr)
				var e *llm.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, tc.wantStatus, e.Status, "Status")
				assert.Equal(t, tc.wantRequests, e.Attempts, "Attempts")
			}
			assert.Len(t, srv.ChatRequests(), tc.wantRequests, "requests")
			assert.Equal(t, tc.wantWaits, clk.Waits(), "waits")
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestRetryAfterHTTPDate(t *testing.T) {
	srv, c, clk := newTest(t, nil)
	start := clk.Now()
	// An HTTP date has whole seconds: 3 to 4 seconds from now.
	at := start.Add(3 * time.Second).UTC().Truncate(time.Second).Add(time.Second)
	srv.EnqueueChat(llmtest.RateLimited(at.Format(http.TimeFormat)), llmtest.Text("好"))
	_, err := c.Chat(context.Background(), []llm.Message{llm.User("问")}, llm.ChatOptions{})
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{at.Sub(start)}, clk.Waits(), "waits")
}

// A storm of 500s with generous retries ends when the next wait would pass
// the caller's deadline: the deadline bounds the total time.
func TestRetryBoundedByDeadline(t *testing.T) {
	srv, c, clk := newTest(t, func(cfg *llm.Config) {
		cfg.MaxRetries = 1000
		cfg.BackoffBase = time.Second
		cfg.MaxBackoff = 4 * time.Second
	})
	srv.HandleChat(func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Error(500, "boom") })
	start := clk.Now()
	ctx := ctxTimeout(t, 10*time.Second)
	_, err := c.Chat(ctx, []llm.Message{llm.User("问")}, llm.ChatOptions{})
	require.ErrorIs(t, err, llm.ErrUnavailable)
	deadline, _ := ctx.Deadline()
	end := clk.Now()
	assert.False(t, end.After(deadline), "waited until %v, past the deadline %v", end.Sub(start), deadline.Sub(start))
	assert.Less(t, len(srv.ChatRequests()), 10, "requests within a 10s deadline and ≥0.5s waits")
}

func TestHungConnection(t *testing.T) {
	tests := []struct {
		name         string
		timeout      time.Duration // per call
		ctxTimeout   time.Duration
		wantRequests int
	}{
		// Each attempt times out; both are made; then ErrUnavailable.
		{name: "per-call timeout", timeout: 250 * time.Millisecond, ctxTimeout: 10 * time.Second, wantRequests: 2},
		// The caller's deadline ends everything: no retry after it.
		{name: "caller deadline", timeout: time.Minute, ctxTimeout: 250 * time.Millisecond, wantRequests: 1},
	}
	for _, tc := range tests {
		for _, stream := range []bool{false, true} {
			t.Run(tc.name+map[bool]string{false: "", true: " stream"}[stream], func(t *testing.T) {
				srv, c, _ := newTest(t, func(cfg *llm.Config) {
					cfg.Timeout = tc.timeout
					cfg.MaxRetries = 1
				})
				srv.HandleChat(func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Hang() })
				ctx := ctxTimeout(t, tc.ctxTimeout)
				var err error
				if stream {
					_, err = c.ChatStream(ctx, []llm.Message{llm.User("问")}, llm.ChatOptions{}, nil)
				} else {
					_, err = c.Chat(ctx, []llm.Message{llm.User("问")}, llm.ChatOptions{})
				}
				require.ErrorIs(t, err, llm.ErrUnavailable)
				assert.ErrorIs(t, err, context.DeadlineExceeded)
				var e *llm.Error
				if assert.ErrorAs(t, err, &e) {
					assert.Equal(t, tc.wantRequests, e.Attempts, "attempts")
				}
				// A request that had not reached the server by its deadline
				// is not counted there, so only the upper bound is exact.
				assert.LessOrEqual(t, len(srv.ChatRequests()), tc.wantRequests, "requests")
			})
		}
	}
}

func TestCallerCancel(t *testing.T) {
	srv, c, _ := newTest(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	srv.HandleChat(func(llmtest.ChatRequest) llmtest.Reply {
		cancel()
		return llmtest.Hang()
	})
	_, err := c.Chat(ctx, []llm.Message{llm.User("问")}, llm.ChatOptions{})
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, llm.ErrUnavailable, "a cancelled call is not an unavailable service")
}
