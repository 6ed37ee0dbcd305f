// Package llm is a thin client over github.com/sashabaranov/go-openai for any
// OpenAI-compatible endpoint (OpenAI, DeepSeek, Qwen on DashScope's compatible
// mode, Ollama, vLLM …): chat, streamed chat, structured (JSON) output and
// batched embeddings, with per-call deadlines, retries with backoff and
// jitter, and a small set of errors callers branch on.
//
// Every error a [Client] returns wraps exactly one of [ErrNotConfigured],
// [ErrUnavailable], [ErrRateLimited], [ErrAuth], [ErrBadRequest],
// [ErrIncomplete] or [ErrInvalidOutput] (an incomplete stream wraps
// [ErrIncomplete] and the kind of the failure that cut it), or the caller's
// own context.Canceled. Check them with [errors.Is]; [*Error] carries the
// HTTP status and the number of attempts. A timeout, the Client's own or
// the caller's deadline, is [ErrUnavailable] and also matches
// context.DeadlineExceeded.
//
// The API key never appears in an error message, in fmt output of a
// [Config] or [*Client], or in slog output of a [Config].
//
// The package does not log.
package llm

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"partybot/redact"
)

// Errors callers branch on. Each error returned by a [Client] wraps one of
// them together with its cause.
var (
	// ErrNotConfigured: no model or endpoint is configured for the call, or
	// the configuration is invalid.
	ErrNotConfigured = errors.New("llm: not configured")
	// ErrUnavailable: the service could not be reached, timed out, or kept
	// failing with 5xx after the retries.
	ErrUnavailable = errors.New("llm: model service unavailable")
	// ErrRateLimited: the service kept answering 429, asked to wait longer
	// than allowed, or the quota is exhausted.
	ErrRateLimited = errors.New("llm: rate limited")
	// ErrAuth: the service rejected the API key (401, 403).
	ErrAuth = errors.New("llm: authentication failed")
	// ErrBadRequest: the service rejected the request (400, 404, 422 …) and
	// repeating it cannot succeed: wrong model name, input too long …
	ErrBadRequest = errors.New("llm: request rejected")
	// ErrIncomplete: the output stopped before the model finished (stream
	// cut, idle timeout, max tokens reached). The partial text is returned
	// alongside it.
	ErrIncomplete = errors.New("llm: incomplete output")
	// ErrInvalidOutput: the model's output could not be decoded or did not
	// validate (structured output, malformed embeddings).
	ErrInvalidOutput = errors.New("llm: invalid output")
)

// Error is the error type of this package. It wraps one of the sentinel
// errors (Kind) and the cause (Err), which [errors.Is] and [errors.As] see.
type Error struct {
	Op       string // operation: "chat", "chat stream", "chat json", "embed" …
	Kind     error  // one of the package's sentinel errors
	Status   int    // HTTP status of the last response, 0 if none
	Attempts int    // requests made, including retries
	Err      error  // the cause, with the API key removed from its text; may be nil

	msg string
}

// Error implements error. The text never contains the API key.
func (e *Error) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return "llm: " + e.Op + ": " + e.detail()
}

// Unwrap returns the kind and the cause.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// detail is the message without the "llm: op: " prefix.
func (e *Error) detail() string {
	var b strings.Builder
	if e.Kind != nil {
		b.WriteString(strings.TrimPrefix(e.Kind.Error(), "llm: "))
	}
	if e.Status != 0 {
		b.WriteString(" (HTTP ")
		b.WriteString(strconv.Itoa(e.Status))
		b.WriteString(")")
	}
	if e.Attempts > 1 {
		b.WriteString(" after ")
		b.WriteString(strconv.Itoa(e.Attempts))
		b.WriteString(" attempts")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(clip(e.Err.Error(), maxCauseLen))
	}
	return b.String()
}

// maxCauseLen bounds the cause's text in a message: error bodies from
// proxies can be whole HTML pages.
const maxCauseLen = 300

// newError builds an *Error whose text and cause are free of secret.
func newError(op string, kind error, status, attempts int, cause error, secret string) *Error {
	e := &Error{Op: op, Kind: kind, Status: status, Attempts: attempts, Err: sanitize(cause, secret)}
	e.msg = redactText(e.Error(), secret)
	return e
}

// sanitize returns err with secret removed from the texts of the go-openai
// error types, which carry the server's message or body verbatim; servers
// sometimes echo the key they rejected.
func sanitize(err error, secret string) error {
	if err == nil || secret == "" {
		return err
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) && holds(apiErr.Message, secret) {
		c := *apiErr
		c.Message = redactText(c.Message, secret)
		return &redactedError{msg: redactText(err.Error(), secret), cause: &c}
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) && holds(string(reqErr.Body), secret) {
		c := *reqErr
		c.Body = []byte(redactText(string(c.Body), secret))
		c.Err = sanitize(c.Err, secret)
		return &redactedError{msg: redactText(err.Error(), secret), cause: &c}
	}
	if holds(err.Error(), secret) {
		return &redactedError{msg: redactText(err.Error(), secret)}
	}
	return err
}

// redactedError is an error with its own text over a cause: it stands in
// for an error whose text held the secret, or rewords a nested *Error.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

const redacted = redact.Mask

// redactText masks secret in s in every encoding a server may echo it in
// (JSON-escaped, URL-encoded …).
func redactText(s, secret string) string { return redact.New(secret).String(s) }

// holds reports whether s holds secret in any of those encodings.
func holds(s, secret string) bool { return redactText(s, secret) != s }

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut at a rune boundary.
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
