package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// errAttemptTimeout marks an attempt cut by the Client's own per-call or
// stream-idle timer (the caller's context is still alive): retryable. It
// matches context.DeadlineExceeded, as the caller's deadline does.
var errAttemptTimeout error = timeoutError{}

type timeoutError struct{}

func (timeoutError) Error() string        { return "timed out" }
func (timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// failure is a classified attempt error.
type failure struct {
	kind   error
	retry  bool
	status int
	cause  error
}

// call runs attempt until it succeeds, fails for good, runs out of retries,
// or ctx ends. attempt must use the ctx it is given (it carries the record).
// An *Error returned by attempt is final and passed through unchanged.
func (c *Client) call(ctx context.Context, op string, attempt func(ctx context.Context, rec *record) error) error {
	for n := 1; ; n++ {
		rec := &record{attempt: n}
		err := attempt(context.WithValue(ctx, recordKey{}, rec), rec)
		if err == nil {
			return nil
		}
		var final *Error
		if errors.As(err, &final) {
			return err
		}
		if context.Cause(ctx) != nil && errors.Is(ctx.Err(), context.Canceled) {
			return fmt.Errorf("llm: %s: %w", op, context.Cause(ctx))
		}
		f := c.classify(ctx, err, rec)
		if !f.retry || n > c.cfg.MaxRetries {
			return c.fail(op, f, n)
		}
		wait, ok := c.retryWait(n, rec)
		if !ok {
			f.cause = fmt.Errorf("server asked to wait longer than %s: %w", c.cfg.MaxBackoff, f.cause)
			return c.fail(op, f, n)
		}
		if deadline, ok := ctx.Deadline(); ok && c.now().Add(wait).After(deadline) {
			f.cause = fmt.Errorf("no time left to retry before the deadline: %w", f.cause)
			return c.fail(op, f, n)
		}
		if err := c.sleep(ctx, wait); err != nil {
			if errors.Is(err, context.Canceled) {
				return fmt.Errorf("llm: %s: %w", op, err)
			}
			f.cause = fmt.Errorf("%w: %w", err, f.cause)
			return c.fail(op, f, n)
		}
	}
}

func (c *Client) fail(op string, f failure, attempts int) *Error {
	return newError(op, f.kind, f.status, attempts, f.cause, c.cfg.APIKey)
}

// timed wraps a one-shot attempt with the per-call timeout.
func (c *Client) timed(fn func(ctx context.Context) error) func(context.Context, *record) error {
	return func(ctx context.Context, _ *record) error {
		actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
		err := fn(actx)
		if err != nil && ctx.Err() == nil && actx.Err() != nil {
			return fmt.Errorf("%w after %s: %w", errAttemptTimeout, c.cfg.Timeout, err)
		}
		return err
	}
}

// classify maps an attempt's error to a kind and decides whether to retry.
// ctx is the caller's context, not the attempt's.
func (c *Client) classify(ctx context.Context, err error, rec *record) failure {
	f := failure{kind: ErrUnavailable, status: rec.status, cause: err}
	if ctx.Err() != nil {
		// The caller's deadline: nothing more to try.
		if !errors.Is(err, ctx.Err()) {
			f.cause = fmt.Errorf("%w: %w", ctx.Err(), err)
		}
		return f
	}
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr) && apiErr.HTTPStatusCode != 0:
		f.status = apiErr.HTTPStatusCode
	case errors.As(err, &reqErr) && reqErr.HTTPStatusCode != 0:
		f.status = reqErr.HTTPStatusCode
	case apiErr != nil:
		// An error event inside a 200 stream: the server gave up mid-way.
		f.status = 0
		f.retry = true
		return f
	default:
		if f.status >= 200 && f.status < 300 {
			// The failure happened after a good status (body read): not an
			// HTTP status failure.
			f.status = 0
		}
	}
	switch s := f.status; {
	case s == http.StatusTooManyRequests:
		f.kind = ErrRateLimited
		f.retry = !quotaExhausted(apiErr)
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		f.kind = ErrAuth
	case s == http.StatusRequestTimeout || s == http.StatusConflict || s == http.StatusTooEarly:
		f.retry = true
	case s == http.StatusNotImplemented || s == http.StatusHTTPVersionNotSupported:
		f.kind = ErrBadRequest
	case s >= 500:
		f.retry = true
	case s >= 400:
		f.kind = ErrBadRequest
	case s > 0 && s < 200:
		// Unexpected informational status: treat as unavailable.
	case errors.Is(err, errAttemptTimeout), errors.Is(err, context.DeadlineExceeded):
		f.retry = true
	case isConnError(err):
		f.retry = true
	case isRequestInvalid(err):
		f.kind = ErrBadRequest
	}
	return f
}

// quotaExhausted reports OpenAI's "insufficient_quota" 429, which no wait
// can cure.
func quotaExhausted(apiErr *openai.APIError) bool {
	if apiErr == nil {
		return false
	}
	code, _ := apiErr.Code.(string)
	return code == "insufficient_quota" || apiErr.Type == "insufficient_quota"
}

// isConnError reports transport failures worth retrying: resets, refused
// connections, truncated bodies, DNS and other network errors.
func isConnError(err error) bool {
	var netErr net.Error
	var urlErr *url.Error
	return errors.As(err, &netErr) || errors.As(err, &urlErr) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, openai.ErrTooManyEmptyStreamMessages)
}

// isRequestInvalid reports go-openai's own refusals to send a request.
func isRequestInvalid(err error) bool {
	return slices.ContainsFunc([]error{
		openai.ErrChatCompletionInvalidModel,
		openai.ErrReasoningModelMaxTokensDeprecated,
		openai.ErrReasoningModelLimitationsLogprobs,
		openai.ErrReasoningModelLimitationsOther,
		openai.ErrReasoningEffortUnsupported,
		openai.ErrReasoningToolsRequireResponses,
		openai.ErrReasoningSamplingUnsupported,
		openai.ErrContentFieldsMisused,
	}, func(e error) bool { return errors.Is(err, e) })
}

// retryWait returns the wait before retry n (n ≥ 1): the server's
// Retry-After if it sent one, else exponential backoff with jitter. ok is
// false when the server asks for more than MaxBackoff.
func (c *Client) retryWait(n int, rec *record) (time.Duration, bool) {
	if d, ok := parseRetryAfter(rec.retryMs, rec.retryAfter, c.now()); ok {
		return d, d <= c.cfg.MaxBackoff
	}
	d := c.cfg.BackoffBase
	for i := 1; i < n && d < c.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.cfg.MaxBackoff)
	// Equal jitter: half fixed, half random.
	return d/2 + c.jitter(d-d/2), true
}

// parseRetryAfter reads OpenAI's retry-after-ms (milliseconds) or the
// standard Retry-After (delay-seconds, possibly fractional, or an HTTP
// date relative to now). A date in the past means no wait.
func parseRetryAfter(ms, ra string, now time.Time) (time.Duration, bool) {
	const maxWait = 24 * time.Hour
	if ms = strings.TrimSpace(ms); ms != "" {
		if v, err := strconv.ParseFloat(ms, 64); err == nil && v >= 0 && v < float64(maxWait/time.Millisecond) {
			return time.Duration(v * float64(time.Millisecond)), true
		}
	}
	ra = strings.TrimSpace(ra)
	if ra == "" {
		return 0, false
	}
	if v, err := strconv.ParseFloat(ra, 64); err == nil {
		if v < 0 || math.IsNaN(v) {
			return 0, false
		}
		if v >= maxWait.Seconds() {
			return maxWait, true
		}
		return time.Duration(v * float64(time.Second)), true
	}
	if t, err := http.ParseTime(ra); err == nil {
		return min(max(t.Sub(now), 0), maxWait), true
	}
	return 0, false
}
