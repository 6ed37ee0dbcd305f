package llm

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Client talks to one OpenAI-compatible endpoint. It is safe for concurrent
// use. Its String and Format methods never show the API key.
type Client struct {
	cfg    Config
	oa     *openai.Client
	host   string
	sleep  func(ctx context.Context, d time.Duration) error
	now    func() time.Time
	jitter func(limit time.Duration) time.Duration

	// jsonMode is the structured-output mode that last worked; see ChatJSON.
	// A pointer, so that a Client value can be formatted without copying a
	// lock.
	jsonMode *atomic.Int32
	// embedCap is the largest embedding batch the server accepted after
	// refusing a larger one; 0 while none was refused.
	embedCap *atomic.Int64
}

// Option sets an optional dependency of a [Client].
type Option func(*options)

type options struct {
	hc     *http.Client
	sleep  func(ctx context.Context, d time.Duration) error
	now    func() time.Time
	jitter func(limit time.Duration) time.Duration
}

// WithHTTPClient sends requests through hc. Leave hc.Timeout zero: the
// Client applies Config.Timeout and Config.StreamIdleTimeout itself, and an
// http.Client timeout would cut long streamed answers.
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.hc = hc } }

// WithSleep replaces the wait between retries (tests make it instant and
// record the waits). sleep must return ctx.Err() if ctx ends first.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(o *options) { o.sleep = sleep }
}

// WithClock replaces time.Now for Retry-After dates and for deciding
// whether a retry still fits before the context's deadline.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithJitter replaces the random source of the backoff: jitter(limit) returns
// a duration in [0, limit). It must be safe for concurrent use.
func WithJitter(jitter func(limit time.Duration) time.Duration) Option {
	return func(o *options) { o.jitter = jitter }
}

// New returns a client for cfg. Zero durations and sizes in cfg take their
// defaults. A config with no model is valid: the disabled calls return
// [ErrNotConfigured]. Returns an error wrapping [ErrNotConfigured] if the
// base URL is not an absolute http(s) URL.
func New(cfg Config, opts ...Option) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("llm: new client: %w", err)
	}
	o := options{
		hc:     &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
		sleep:  sleepCtx,
		now:    time.Now,
		jitter: randJitter,
	}
	for _, opt := range opts {
		opt(&o)
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = cfg.baseURL()
	oc.HTTPClient = recordingDoer{hc: o.hc}
	u, _ := url.Parse(oc.BaseURL) // checked by withDefaults
	return &Client{
		cfg:    cfg,
		oa:     openai.NewClientWithConfig(oc),
		host:   u.Host,
		sleep:  o.sleep,
		now:    o.now,
		jitter: o.jitter,

		jsonMode: new(atomic.Int32),
		embedCap: new(atomic.Int64),
	}, nil
}

// Config returns the client's configuration, defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// String describes the client without the API key.
func (c Client) String() string { return "llm.Client{" + c.cfg.String() + "}" }

// Format implements fmt.Formatter so that no verb prints the API key, not
// even on a dereferenced Client.
func (c Client) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, c.String()) }

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func randJitter(limit time.Duration) time.Duration {
	if limit <= 0 {
		return 0
	}
	return rand.N(limit)
}

// record collects, per attempt, what go-openai does not expose on errors:
// the response status and its Retry-After headers. It travels in the
// request's context; go-openai calls the doer on the caller's goroutine.
type record struct {
	attempt    int
	status     int
	retryAfter string // Retry-After
	retryMs    string // retry-after-ms (OpenAI)
	onRead     func() // called on every body read that returns data
}

type recordKey struct{}

// recordingDoer is the go-openai HTTPDoer: it fills the attempt's record
// and, for streams, reports body reads so an idle timer can be reset.
type recordingDoer struct{ hc *http.Client }

func (d recordingDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.hc.Do(req)
	rec, _ := req.Context().Value(recordKey{}).(*record)
	if rec == nil || resp == nil {
		return resp, err
	}
	rec.status = resp.StatusCode
	rec.retryAfter = resp.Header.Get("Retry-After")
	rec.retryMs = resp.Header.Get("Retry-After-Ms")
	if rec.onRead != nil {
		resp.Body = &touchBody{ReadCloser: resp.Body, touch: rec.onRead}
	}
	return resp, err
}

type touchBody struct {
	io.ReadCloser
	touch func()
}

func (b *touchBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.touch()
	}
	return n, err
}
