package llm

import (
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"
)

// DefaultBaseURL is the endpoint used when Config.BaseURL is empty.
const DefaultBaseURL = "https://api.openai.com/v1"

// Config configures a [Client]. Start from [DefaultConfig] or
// [ConfigFromEnv]; a zero duration or size means the default below, while
// MaxRetries is taken as given (0 disables retries).
//
// Config's String, GoString, Format and LogValue methods never show APIKey,
// and it is not marshalled to JSON.
type Config struct {
	// BaseURL of the OpenAI-compatible API, including the version path:
	// "https://api.deepseek.com/v1", "http://localhost:11434/v1" (Ollama),
	// "https://dashscope.aliyuncs.com/compatible-mode/v1" … Empty means
	// [DefaultBaseURL].
	BaseURL string
	// APIKey is sent as a bearer token; empty sends none (Ollama, vLLM).
	APIKey string `json:"-"`
	// ChatModel enables Chat, ChatStream and ChatJSON.
	ChatModel string
	// EmbedModel enables Embed.
	EmbedModel string

	// Timeout bounds one request: for Chat, ChatJSON and each embedding
	// batch the whole exchange; for ChatStream the wait until the first
	// bytes of the answer arrive. Default 60s.
	Timeout time.Duration
	// StreamIdleTimeout bounds each silence in a streamed answer after its
	// first bytes. Default 30s.
	StreamIdleTimeout time.Duration
	// MaxRetries is how many times a failed request is repeated (429, 5xx,
	// 408, 409, timeouts, connection errors). DefaultConfig sets 2.
	MaxRetries int
	// BackoffBase is the first wait between retries; each retry doubles it,
	// with jitter. Default 500ms.
	BackoffBase time.Duration
	// MaxBackoff caps a single wait. A Retry-After longer than this ends the
	// retries with ErrRateLimited (or ErrUnavailable for a 503) instead of
	// blocking. Default 20s.
	MaxBackoff time.Duration

	// EmbedBatchSize is the most inputs sent in one embeddings request.
	// Default 64. DashScope's text-embedding-v3/v4 accept at most 10.
	EmbedBatchSize int
	// EmbedBatchRunes is a token-ish budget: the most characters (runes)
	// sent in one embeddings request. A longer single input is sent alone.
	// Default 32000.
	EmbedBatchRunes int
	// EmbedDimensions asks models that support it (text-embedding-3-*,
	// text-embedding-v3/v4) for vectors of this size; 0 leaves the model's
	// default.
	EmbedDimensions int
}

// Defaults applied by [New] to zero fields.
const (
	DefaultTimeout           = 60 * time.Second
	DefaultStreamIdleTimeout = 30 * time.Second
	DefaultMaxRetries        = 2
	DefaultBackoffBase       = 500 * time.Millisecond
	DefaultMaxBackoff        = 20 * time.Second
	DefaultEmbedBatchSize    = 64
	DefaultEmbedBatchRunes   = 32000
)

// DefaultConfig returns a Config with no endpoint or model (everything
// disabled) and the default timeouts and retries.
func DefaultConfig() Config {
	return Config{
		Timeout:           DefaultTimeout,
		StreamIdleTimeout: DefaultStreamIdleTimeout,
		MaxRetries:        DefaultMaxRetries,
		BackoffBase:       DefaultBackoffBase,
		MaxBackoff:        DefaultMaxBackoff,
		EmbedBatchSize:    DefaultEmbedBatchSize,
		EmbedBatchRunes:   DefaultEmbedBatchRunes,
	}
}

// ConfigFromEnv returns [DefaultConfig] with the endpoint and models read
// from OPENAI_BASE_URL, OPENAI_API_KEY, PARTYBOT_CHAT_MODEL and
// PARTYBOT_EMBED_MODEL. Unset variables leave the feature disabled.
func ConfigFromEnv() Config {
	c := DefaultConfig()
	c.BaseURL = strings.TrimSpace(os.Getenv("OPENAI_BASE_URL"))
	c.APIKey = strings.TrimSpace(os.Getenv("OPENAI_API_KEY"))
	c.ChatModel = strings.TrimSpace(os.Getenv("PARTYBOT_CHAT_MODEL"))
	c.EmbedModel = strings.TrimSpace(os.Getenv("PARTYBOT_EMBED_MODEL"))
	return c
}

// endpointSet reports whether the config names somewhere to send requests:
// an explicit base URL (a local server needs no key) or a key for the
// default endpoint.
func (c Config) endpointSet() bool { return c.BaseURL != "" || c.APIKey != "" }

// ChatEnabled reports whether a chat model and an endpoint are configured.
func (c Config) ChatEnabled() bool { return c.ChatModel != "" && c.endpointSet() }

// EmbedEnabled reports whether an embedding model and an endpoint are
// configured.
func (c Config) EmbedEnabled() bool { return c.EmbedModel != "" && c.endpointSet() }

// baseURL returns the effective base URL without a trailing slash.
func (c Config) baseURL() string {
	if c.BaseURL == "" {
		return DefaultBaseURL
	}
	return strings.TrimRight(c.BaseURL, "/")
}

// withDefaults checks the base URL and fills in defaults.
func (c Config) withDefaults() (Config, error) {
	u, err := url.Parse(c.baseURL())
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("%w: base URL must be an absolute http(s) URL", ErrNotConfigured)
	}
	if u.User != nil {
		return c, fmt.Errorf("%w: base URL must not contain credentials; use the API key", ErrNotConfigured)
	}
	def := DefaultConfig()
	setDur := func(p *time.Duration, d time.Duration) {
		if *p <= 0 {
			*p = d
		}
	}
	setInt := func(p *int, d int) {
		if *p <= 0 {
			*p = d
		}
	}
	setDur(&c.Timeout, def.Timeout)
	setDur(&c.StreamIdleTimeout, def.StreamIdleTimeout)
	setDur(&c.BackoffBase, def.BackoffBase)
	setDur(&c.MaxBackoff, def.MaxBackoff)
	setInt(&c.EmbedBatchSize, def.EmbedBatchSize)
	setInt(&c.EmbedBatchRunes, def.EmbedBatchRunes)
	if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.EmbedDimensions < 0 {
		c.EmbedDimensions = 0
	}
	return c, nil
}

// displayURL is the base URL without credentials or query.
func (c Config) displayURL() string {
	u, err := url.Parse(c.baseURL())
	if err != nil {
		return "(invalid)"
	}
	u.User = nil
	u.RawQuery, u.Fragment = "", ""
	return u.String()
}

func (c Config) keyState() string {
	if c.APIKey == "" {
		return "unset"
	}
	return redacted
}

// String describes the config without the API key.
func (c Config) String() string {
	return fmt.Sprintf("llm.Config{BaseURL:%q APIKey:%s ChatModel:%q EmbedModel:%q Timeout:%s StreamIdleTimeout:%s MaxRetries:%d EmbedBatchSize:%d}",
		c.displayURL(), c.keyState(), c.ChatModel, c.EmbedModel, c.Timeout, c.StreamIdleTimeout, c.MaxRetries, c.EmbedBatchSize)
}

// GoString implements fmt.GoStringer (%#v) without the API key.
func (c Config) GoString() string { return c.String() }

// Format implements fmt.Formatter so that no verb (%v, %+v, %#v, %d, %x …)
// prints the API key.
func (c Config) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", c.String())
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// LogValue implements slog.LogValuer without the API key.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.displayURL()),
		slog.String("api_key", c.keyState()),
		slog.String("chat_model", c.ChatModel),
		slog.String("embed_model", c.EmbedModel),
		slog.Duration("timeout", c.Timeout),
		slog.Duration("stream_idle_timeout", c.StreamIdleTimeout),
		slog.Int("max_retries", c.MaxRetries),
		slog.Int("embed_batch_size", c.EmbedBatchSize),
	)
}
