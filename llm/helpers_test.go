package llm_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"partybot/llm"
	"partybot/llm/llmtest"
)

// testKey is the API key of the tests; no error text may contain it.
const testKey = "sk-test-SECRET-0123456789"

// clock is a fake clock advanced only by the client's retry waits, which it
// records.
type clock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func newClock(start time.Time) *clock { return &clock{now: start} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *clock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.waits)
}

// testConfig is a config for srv with both models and fast, bounded
// timeouts.
func testConfig(srv *llmtest.Server) llm.Config {
	cfg := llm.DefaultConfig()
	cfg.BaseURL = srv.URL
	cfg.APIKey = testKey
	cfg.ChatModel = "test-chat"
	cfg.EmbedModel = "test-embed"
	cfg.Timeout = 5 * time.Second
	cfg.StreamIdleTimeout = 5 * time.Second
	cfg.BackoffBase = 100 * time.Millisecond
	cfg.MaxBackoff = 5 * time.Second
	return cfg
}

// mustClient returns a client for cfg whose retry waits are instant and
// recorded by the returned clock, and whose jitter is zero.
func mustClient(tb testing.TB, cfg llm.Config) (*llm.Client, *clock) {
	tb.Helper()
	clk := newClock(time.Now())
	c, err := llm.New(cfg,
		llm.WithSleep(clk.Sleep),
		llm.WithClock(clk.Now),
		llm.WithJitter(func(time.Duration) time.Duration { return 0 }),
	)
	require.NoError(tb, err, "New")
	return c, clk
}

// newTest starts a fake server requiring testKey and a client for it.
func newTest(tb testing.TB, edit func(*llm.Config)) (*llmtest.Server, *llm.Client, *clock) {
	tb.Helper()
	srv := llmtest.NewServer(tb)
	srv.RequireKey(testKey)
	cfg := testConfig(srv)
	if edit != nil {
		edit(&cfg)
	}
	c, clk := mustClient(tb, cfg)
	return srv, c, clk
}

func ctxTimeout(tb testing.TB, d time.Duration) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	tb.Cleanup(cancel)
	return ctx
}
