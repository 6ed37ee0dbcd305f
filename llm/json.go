package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"

	openai "github.com/sashabaranov/go-openai"
	"github.com/sashabaranov/go-openai/jsonschema"
)

// Structured-output modes, tried in this order. A Client remembers the mode
// that last worked, so an endpoint that rejects json_schema is asked once.
const (
	modeSchema int32 = iota // response_format: json_schema
	modeTool                // a forced tool call whose parameters are the schema
	modePrompt              // "reply with JSON only" + extraction of the first object
)

// Validator is implemented by output types that check their own values
// after decoding: required fields, allowed values, bounds … ChatJSON calls
// it on out.
type Validator interface {
	Validate() error
}

// ChatJSON asks for a JSON object matching a schema and decodes it into out
// (a non-nil pointer).
//
// schema may be a json.RawMessage, []byte or string holding a JSON Schema,
// a [jsonschema.Definition] (or pointer), any other Go value whose type the
// schema is derived from (with go-openai's jsonschema.GenerateSchemaForType:
// `json` tags name the fields, ",omitempty" makes one optional,
// `description` and `enum` tags add those keywords), or nil to derive it
// from out. The schema's root must be an object. name is the schema's name
// (letters, digits, _ and -).
//
// It first sends response_format json_schema (strict when the schema
// allows it: every object closed and every property required). When the
// server rejects that (a 400/422 mentioning response_format, json_schema or
// an unsupported parameter), it falls back to a forced tool call, then to a
// plain request asking for JSON only; the client remembers the fallback.
// Whatever the mode, the first JSON object in the reply is taken (code
// fences and a leading <think> block are skipped).
//
// The schema only guides the model; the reply is not checked against it.
// The object is decoded into out strictly (a field out does not have is an
// error; a null leaves the field unchanged), and if out implements
// [Validator], its Validate must pass: out's type and its Validate method
// are the contract.
//
// Returns an error wrapping [ErrInvalidOutput] when no JSON object can be
// found or it does not decode or validate; [ErrBadRequest] for an unusable
// schema or out; otherwise the errors of [Client.Chat]. Temperature is
// [Deterministic].
func (c *Client) ChatJSON(ctx context.Context, msgs []Message, name string, schema any, out any) error {
	const op = "chat json"
	if err := c.checkChat(op, msgs); err != nil {
		return err
	}
	rv := reflect.ValueOf(out)
	if !rv.IsValid() || rv.Kind() != reflect.Pointer || rv.IsNil() {
		return newError(op, ErrBadRequest, 0, 0, errors.New("out must be a non-nil pointer"), "")
	}
	if !validName.MatchString(name) {
		return newError(op, ErrBadRequest, 0, 0, fmt.Errorf("schema name %q: use 1-64 letters, digits, _ or -", name), "")
	}
	raw, err := schemaJSON(schema, out)
	if err != nil {
		return newError(op, ErrBadRequest, 0, 0, err, "")
	}
	var sch map[string]any
	if err := json.Unmarshal(raw, &sch); err != nil || sch == nil {
		return newError(op, ErrBadRequest, 0, 0, errors.New("schema is not a JSON object"), "")
	}
	if t, ok := sch["type"].(string); ok && t != "object" {
		return newError(op, ErrBadRequest, 0, 0, fmt.Errorf("schema root type is %q, want object", t), "")
	}

	reply, err := c.structured(ctx, op, msgs, name, raw, sch)
	if err != nil {
		return err
	}
	obj, ok := extractJSONObject(stripThink(reply))
	if !ok {
		return newError(op, ErrInvalidOutput, 0, 0, fmt.Errorf("no JSON object in the reply (%d bytes)", len(reply)), "")
	}
	if err := decodeStrict(obj, out); err != nil {
		return newError(op, ErrInvalidOutput, 0, 0, err, "")
	}
	return nil
}

var validName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// decodeStrict decodes the JSON object obj into out, rejecting unknown
// fields and trailing data, and runs out's Validate.
func decodeStrict(obj string, out any) error {
	dec := json.NewDecoder(strings.NewReader(obj))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("decode: data after the JSON object")
	}
	if v, ok := out.(Validator); ok {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("validate: %w", err)
		}
	}
	return nil
}

// structured gets the reply text in the first mode the server accepts.
func (c *Client) structured(ctx context.Context, op string, msgs []Message, name string, raw json.RawMessage, sch map[string]any) (string, error) {
	for mode := c.jsonMode.Load(); ; mode++ {
		req := c.chatRequest(msgs, ChatOptions{Temperature: Deterministic})
		switch mode {
		case modeSchema:
			req.ResponseFormat = &openai.ChatCompletionResponseFormat{
				Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
				JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
					Name:   name,
					Schema: raw,
					Strict: strictCompatible(sch),
				},
			}
		case modeTool:
			req.Tools = []openai.Tool{{
				Type: openai.ToolTypeFunction,
				Function: &openai.FunctionDefinition{
					Name:        name,
					Description: "Record the answer as structured data.",
					Parameters:  raw,
				},
			}}
			req.ToolChoice = openai.ToolChoice{Type: openai.ToolTypeFunction, Function: openai.ToolFunction{Name: name}}
		default:
			req.Messages = withJSONInstruction(req.Messages, raw)
		}
		resp, err := c.createChat(ctx, op, req)
		if err != nil {
			if mode < modePrompt && unsupported(err, mode) {
				c.jsonMode.CompareAndSwap(mode, mode+1)
				continue
			}
			return "", err
		}
		msg := resp.Choices[0].Message
		if err := c.finishError(op, resp.Choices[0].FinishReason); err != nil && len(msg.ToolCalls) == 0 {
			return msg.Content, err
		}
		for _, tc := range msg.ToolCalls {
			if tc.Function.Arguments != "" {
				return tc.Function.Arguments, nil
			}
		}
		return msg.Content, nil
	}
}

// unsupported reports a rejection of the structured-output mode itself, as
// opposed to a request that is wrong in another way.
func unsupported(err error, mode int32) bool {
	var e *Error
	if !errors.Is(err, ErrBadRequest) || !errors.As(err, &e) {
		return false
	}
	if e.Status != 400 && e.Status != 422 && e.Status != 404 && e.Status != 501 {
		return false
	}
	msg := strings.ToLower(e.Error())
	words := []string{"unsupported", "not support", "not implemented", "unknown parameter", "unrecognized", "extra inputs", "not allowed"}
	if mode == modeSchema {
		words = append(words, "response_format", "json_schema", "structured output", "schema")
	} else {
		words = append(words, "tool", "function")
	}
	return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(msg, w) })
}

// jsonInstruction is added to the system prompt when the server supports
// neither json_schema nor tool calls.
const jsonInstruction = "Reply with one JSON object only, no other text and no code fences. It must conform to this JSON Schema:\n"

func withJSONInstruction(msgs []openai.ChatCompletionMessage, raw json.RawMessage) []openai.ChatCompletionMessage {
	instr := jsonInstruction + string(raw)
	out := make([]openai.ChatCompletionMessage, 0, len(msgs)+1)
	if len(msgs) > 0 && msgs[0].Role == RoleSystem {
		first := msgs[0]
		first.Content = strings.TrimRight(first.Content, "\n") + "\n\n" + instr
		out = append(out, first)
		return append(out, msgs[1:]...)
	}
	out = append(out, openai.ChatCompletionMessage{Role: RoleSystem, Content: instr})
	return append(out, msgs...)
}

// schemaJSON turns the schema argument of ChatJSON into JSON.
func schemaJSON(schema, out any) (json.RawMessage, error) {
	switch s := schema.(type) {
	case nil:
		t := reflect.TypeOf(out).Elem()
		return deriveSchema(reflect.Zero(t).Interface())
	case json.RawMessage:
		return compactSchema(s)
	case []byte:
		return compactSchema(s)
	case string:
		return compactSchema([]byte(s))
	case jsonschema.Definition:
		return json.Marshal(&s)
	case *jsonschema.Definition:
		return json.Marshal(s)
	default:
		return deriveSchema(schema)
	}
}

func compactSchema(b []byte) (json.RawMessage, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return buf.Bytes(), nil
}

func deriveSchema(v any) (json.RawMessage, error) {
	def, err := jsonschema.GenerateSchemaForType(v)
	if err != nil {
		return nil, fmt.Errorf("derive schema: %w", err)
	}
	return json.Marshal(def)
}

// strictCompatible reports whether OpenAI's strict mode accepts the schema:
// every object lists all its properties as required and forbids others.
func strictCompatible(s any) bool {
	switch s := s.(type) {
	case map[string]any:
		if t, _ := s["type"].(string); t == "object" || s["properties"] != nil {
			if ap, ok := s["additionalProperties"].(bool); !ok || ap {
				return false
			}
			props, _ := s["properties"].(map[string]any)
			req, _ := s["required"].([]any)
			if len(req) != len(props) {
				return false
			}
			for _, r := range req {
				if name, _ := r.(string); props[name] == nil {
					return false
				}
			}
		}
		for k, v := range s {
			if k == "enum" || k == "const" || k == "default" || k == "examples" {
				continue
			}
			if !strictCompatible(v) {
				return false
			}
		}
	case []any:
		for _, v := range s {
			if !strictCompatible(v) {
				return false
			}
		}
	}
	return true
}

// extractJSONObject returns the first complete, valid JSON object in s:
// s itself when it is one, else the first balanced {…} that parses (inside
// code fences or prose). Strings are scanned with their escapes, so braces
// inside them do not count.
func extractJSONObject(s string) (string, bool) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "{") && json.Valid([]byte(t)) {
		return t, true
	}
	const maxStarts = 64 // bounds the work on adversarial text
	starts := 0
	for i := 0; i < len(s) && starts < maxStarts; i++ {
		if s[i] != '{' {
			continue
		}
		starts++
		if end, ok := matchBrace(s, i); ok {
			if cand := s[i : end+1]; json.Valid([]byte(cand)) {
				return cand, true
			}
		}
	}
	return "", false
}

// matchBrace returns the index of the '}' closing the '{' at s[i].
func matchBrace(s string, i int) (int, bool) {
	depth := 0
	inStr, esc := false, false
	for j := i; j < len(s); j++ {
		c := s[j]
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return j, c == '}'
			}
			if depth < 0 {
				return 0, false
			}
		}
	}
	return 0, false
}
