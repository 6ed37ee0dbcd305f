package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Message roles.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one chat turn.
type Message struct {
	Role    string // RoleSystem, RoleUser or RoleAssistant
	Content string
}

// System returns a system message.
func System(text string) Message { return Message{Role: RoleSystem, Content: text} }

// User returns a user message.
func User(text string) Message { return Message{Role: RoleUser, Content: text} }

// Assistant returns an assistant message.
func Assistant(text string) Message { return Message{Role: RoleAssistant, Content: text} }

// Deterministic is the temperature to ask for (nearly) deterministic output.
// go-openai omits a zero temperature from the request (omitempty), which
// leaves the server's default (often 0.7–1.0) in force, so 0 cannot be sent;
// this small positive value is the closest the wire allows.
const Deterministic float32 = 0.01

// ChatOptions tune one chat call. The zero value uses the configured model
// and the server's defaults.
type ChatOptions struct {
	// Model overrides Config.ChatModel.
	Model string
	// Temperature: 0 means the server's default (go-openai cannot send 0);
	// use [Deterministic] for near-greedy output. Reasoning models that
	// reject a temperature get none.
	Temperature float32
	// MaxTokens bounds the answer; 0 means the server's default. Sent as
	// max_tokens, or max_completion_tokens for models that require it.
	MaxTokens int
}

// chatRequest builds the go-openai request, adapting it to what go-openai's
// own validator would refuse for reasoning models (o1/o3/o4/gpt-5 …).
func (c *Client) chatRequest(msgs []Message, opts ChatOptions) openai.ChatCompletionRequest {
	model := opts.Model
	if model == "" {
		model = c.cfg.ChatModel
	}
	req := openai.ChatCompletionRequest{
		Model:       model,
		Messages:    make([]openai.ChatCompletionMessage, len(msgs)),
		Temperature: opts.Temperature,
	}
	for i, m := range msgs {
		req.Messages[i] = openai.ChatCompletionMessage{Role: m.Role, Content: m.Content}
	}
	// max_tokens is what DeepSeek, DashScope, Ollama and older vLLM
	// understand; OpenAI's reasoning models want max_completion_tokens,
	// and go-openai's validator says which is which.
	//lint:ignore SA1019 max_tokens is the widely supported field
	req.MaxTokens = opts.MaxTokens
	v := openai.NewReasoningValidator()
	if errors.Is(v.Validate(req), openai.ErrReasoningModelMaxTokensDeprecated) {
		//lint:ignore SA1019 moving the value to the replacement field
		req.MaxCompletionTokens, req.MaxTokens = opts.MaxTokens, 0
	}
	if err := v.Validate(req); errors.Is(err, openai.ErrReasoningModelLimitationsOther) ||
		errors.Is(err, openai.ErrReasoningSamplingUnsupported) {
		req.Temperature, req.TopP = 0, 0
	}
	return req
}

func (c *Client) checkChat(op string, msgs []Message) error {
	if !c.cfg.ChatEnabled() {
		return newError(op, ErrNotConfigured, 0, 0, errors.New("no chat model or endpoint configured"), "")
	}
	if len(msgs) == 0 {
		return newError(op, ErrBadRequest, 0, 0, errors.New("no messages"), "")
	}
	return nil
}

// Chat sends msgs and returns the answer, with a leading <think>…</think>
// block (reasoning models served by Ollama or vLLM) removed.
//
// Returns an error wrapping [ErrNotConfigured] without a chat model,
// [ErrUnavailable], [ErrRateLimited], [ErrAuth] or [ErrBadRequest] as
// classified after retries, [ErrInvalidOutput] for a response without
// choices, and the text with [ErrIncomplete] when the answer was cut by the
// token limit or a content filter.
func (c *Client) Chat(ctx context.Context, msgs []Message, opts ChatOptions) (string, error) {
	const op = "chat"
	if err := c.checkChat(op, msgs); err != nil {
		return "", err
	}
	resp, err := c.createChat(ctx, op, c.chatRequest(msgs, opts))
	if err != nil {
		return "", err
	}
	choice := resp.Choices[0]
	text := stripThink(choice.Message.Content)
	if err := c.finishError(op, choice.FinishReason); err != nil {
		return text, err
	}
	return text, nil
}

// createChat runs one non-streamed completion with retries. It fails with
// ErrInvalidOutput on a response without choices.
func (c *Client) createChat(ctx context.Context, op string, req openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	var resp openai.ChatCompletionResponse
	err := c.call(ctx, op, c.timed(func(ctx context.Context) error {
		var err error
		resp, err = c.oa.CreateChatCompletion(ctx, req)
		return err
	}))
	if err != nil {
		return resp, err
	}
	if len(resp.Choices) == 0 {
		return resp, newError(op, ErrInvalidOutput, 0, 0, errors.New("response has no choices"), "")
	}
	return resp, nil
}

// finishError reports a finish reason that means the text is cut short.
func (c *Client) finishError(op string, reason openai.FinishReason) error {
	switch reason {
	case openai.FinishReasonLength, openai.FinishReasonContentFilter:
		return newError(op, ErrIncomplete, 0, 0, fmt.Errorf("finish_reason %q", reason), "")
	}
	return nil
}

// ChatStream sends msgs with streaming on, calls onDelta (if not nil) with
// each piece of the answer as it arrives, and returns the whole answer
// (the concatenation of the pieces). A leading <think>…</think> block is
// not relayed.
//
// Completion: the answer is complete when the server ends the stream
// cleanly — with "data: [DONE]" or by closing the response body properly
// after its last chunk (some servers omit [DONE]). A stream that breaks
// (connection reset, truncated chunked body, an error event, no data for
// Config.StreamIdleTimeout, the caller's deadline) after some of the answer
// was relayed returns that partial text and an error wrapping
// [ErrIncomplete] and the failure's kind (usually [ErrUnavailable]), so the
// caller can fall back; it is not retried, since the pieces were already
// relayed. A stream that fails before any piece was relayed is retried like
// [Client.Chat]. A finish_reason of "length" or "content_filter" also
// returns the text with [ErrIncomplete].
//
// Config.Timeout bounds the wait for the first bytes of the answer,
// Config.StreamIdleTimeout every later silence, and ctx the whole call.
// onDelta runs on the caller's goroutine between reads, so it should be
// quick (throttle message edits elsewhere): time spent in it counts as
// silence.
func (c *Client) ChatStream(ctx context.Context, msgs []Message, opts ChatOptions, onDelta func(string)) (string, error) {
	const op = "chat stream"
	if err := c.checkChat(op, msgs); err != nil {
		return "", err
	}
	req := c.chatRequest(msgs, opts)
	req.Stream = true
	var text strings.Builder
	var finish openai.FinishReason
	err := c.call(ctx, op, func(ctx context.Context, rec *record) error {
		var err error
		finish, err = c.streamAttempt(ctx, op, req, rec, &text, onDelta)
		return err
	})
	if err != nil {
		return text.String(), err
	}
	if err := c.finishError(op, finish); err != nil {
		return text.String(), err
	}
	return text.String(), nil
}

// streamAttempt runs one streamed request. Before anything was relayed its
// errors are plain (retryable by call); after, they are a final *Error
// wrapping ErrIncomplete.
func (c *Client) streamAttempt(ctx context.Context, op string, req openai.ChatCompletionRequest, rec *record,
	text *strings.Builder, onDelta func(string)) (openai.FinishReason, error) {
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	var idle atomic.Bool
	timeout := c.cfg.Timeout
	timer := time.AfterFunc(timeout, func() {
		idle.Store(true)
		cancel()
	})
	defer timer.Stop()
	rec.onRead = func() { timer.Reset(c.cfg.StreamIdleTimeout) }

	var (
		filter  thinkFilter
		events  int
		finish  openai.FinishReason
		relayed bool
	)
	emit := func(s string) {
		if s == "" {
			return
		}
		relayed = true
		text.WriteString(s)
		if onDelta != nil {
			onDelta(s)
		}
	}
	fail := func(err error) (openai.FinishReason, error) {
		if idle.Load() && ctx.Err() == nil {
			err = fmt.Errorf("%w: no data from the stream in time: %w", errAttemptTimeout, err)
		}
		if !relayed {
			return finish, err
		}
		var cause error
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
			cause = fmt.Errorf("stream broke after %d bytes: %w: %w", text.Len(), context.Cause(ctx), err)
		} else {
			f := c.classify(ctx, err, rec)
			inner := newError(op, f.kind, f.status, 0, f.cause, c.cfg.APIKey)
			cause = &redactedError{msg: fmt.Sprintf("stream broke after %d bytes: %s", text.Len(), inner.detail()), cause: inner}
		}
		return finish, newError(op, ErrIncomplete, 0, rec.attempt, cause, c.cfg.APIKey)
	}

	stream, err := c.oa.CreateChatCompletionStream(actx, req)
	if err != nil {
		return fail(err)
	}
	defer stream.Close()
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(err)
		}
		events++
		if len(resp.Choices) == 0 {
			continue // usage or keep-alive chunk
		}
		ch := resp.Choices[0]
		emit(filter.push(ch.Delta.Content))
		if ch.FinishReason != "" && ch.FinishReason != openai.FinishReasonNull {
			finish = ch.FinishReason
		}
	}
	emit(filter.flush())
	if events == 0 {
		// A 200 with no data at all: nothing was relayed, so retry.
		return finish, fmt.Errorf("stream ended without data: %w", io.ErrUnexpectedEOF)
	}
	return finish, nil
}
