package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/llm"
	"partybot/llm/llmtest"
)

// demand is a structured-output type like the one tickets will use.
type demand struct {
	Summary    string `json:"summary" description:"一句话概括诉求"`
	Department string `json:"department" enum:"shegong,renshe,minzheng"`
	Urgency    int    `json:"urgency"`
	Location   string `json:"location,omitempty"`
}

// Validate enforces what the derived schema asks of the model.
func (d demand) Validate() error {
	if d.Summary == "" {
		return errors.New("summary is required")
	}
	if !slices.Contains([]string{"shegong", "renshe", "minzheng"}, d.Department) {
		return fmt.Errorf("department %q is not a known key", d.Department)
	}
	if d.Urgency < 1 || d.Urgency > 3 {
		return fmt.Errorf("urgency %d out of range", d.Urgency)
	}
	return nil
}

var _ llm.Validator = demand{}

// closed has every property required: strict json_schema is possible.
type closed struct {
	Answer string `json:"answer"`
	Cited  []int  `json:"cited"`
}

func TestChatJSON(t *testing.T) {
	const good = `{"summary":"快递员被拖欠工资","department":"renshe","urgency":2}`
	tests := []struct {
		name    string
		replies []llmtest.Reply
		want    demand
		wantErr error
	}{
		{name: "valid", replies: []llmtest.Reply{llmtest.Text(good)}, want: demand{Summary: "快递员被拖欠工资", Department: "renshe", Urgency: 2}},
		{
			name:    "fenced JSON inside prose",
			replies: []llmtest.Reply{llmtest.Text("好的，结果如下：\n```json\n{\"summary\":\"驿站饮水机坏了\",\"department\":\"shegong\",\"urgency\":1,\"location\":\"东街驿站\"}\n```\n以上。")},
			want:    demand{Summary: "驿站饮水机坏了", Department: "shegong", Urgency: 1, Location: "东街驿站"},
		},
		{
			name:    "null for an optional property",
			replies: []llmtest.Reply{llmtest.Text(`{"summary":"换届咨询","department":"minzheng","urgency":1,"location":null}`)},
			want:    demand{Summary: "换届咨询", Department: "minzheng", Urgency: 1},
		},
		{name: "not JSON", replies: []llmtest.Reply{llmtest.Text("抱歉，我无法回答。")}, wantErr: llm.ErrInvalidOutput},
		{name: "truncated JSON", replies: []llmtest.Reply{llmtest.Text(`{"summary":"快递员被拖`)}, wantErr: llm.ErrInvalidOutput},
		{name: "unknown field", replies: []llmtest.Reply{llmtest.Text(`{"summary":"x","department":"renshe","urgency":2,"extra":true}`)}, wantErr: llm.ErrInvalidOutput},
		{name: "missing required property", replies: []llmtest.Reply{llmtest.Text(`{"summary":"x","urgency":2}`)}, wantErr: llm.ErrInvalidOutput},
		{name: "null for a required property", replies: []llmtest.Reply{llmtest.Text(`{"summary":null,"department":"renshe","urgency":2}`)}, wantErr: llm.ErrInvalidOutput},
		{name: "department not in enum", replies: []llmtest.Reply{llmtest.Text(`{"summary":"x","department":"waixing","urgency":2}`)}, wantErr: llm.ErrInvalidOutput},
		{name: "wrong type", replies: []llmtest.Reply{llmtest.Text(`{"summary":"x","department":"renshe","urgency":"high"}`)}, wantErr: llm.ErrInvalidOutput},
		{name: "fails the type's Validate", replies: []llmtest.Reply{llmtest.Text(`{"summary":"x","department":"renshe","urgency":9}`)}, wantErr: llm.ErrInvalidOutput},
		{name: "server error", replies: []llmtest.Reply{llmtest.Error(401, "bad key")}, wantErr: llm.ErrAuth},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, _ := newTest(t, nil)
			srv.EnqueueChat(tc.replies...)
			var got demand
			err := c.ChatJSON(context.Background(), []llm.Message{llm.System("提取诉求字段。"), llm.User("我是快递员，老板拖欠工资三个月")}, "demand", nil, &got)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
			}
			reqs := srv.ChatRequests()
			require.Len(t, reqs, 1, "requests")
			rf := reqs[0].ResponseFormat
			require.NotNil(t, rf)
			require.NotNil(t, rf.JSONSchema)
			assert.EqualValues(t, "json_schema", rf.Type)
			assert.Equal(t, "demand", rf.JSONSchema.Name)
			assert.False(t, rf.JSONSchema.Strict, "strict set for a schema with an optional property")
			schema, err := json.Marshal(rf.JSONSchema.Schema)
			require.NoError(t, err)
			assert.Contains(t, string(schema), `"required":["summary","department","urgency"]`)
			assert.Contains(t, string(schema), `"enum":["shegong","renshe","minzheng"]`)
			assert.Contains(t, string(reqs[0].Body), `"temperature":0.01`, "request is not deterministic")
		})
	}
}

func TestChatJSONSchemaArgument(t *testing.T) {
	raw := json.RawMessage(`{"type":"object","properties":{"answer":{"type":"string"},"cited":{"type":"array","items":{"type":"integer"}}},"required":["answer","cited"],"additionalProperties":false}`)
	tests := []struct {
		name       string
		schema     any
		wantStrict bool
	}{
		{name: "derived from out", schema: nil, wantStrict: true},
		{name: "derived from a value", schema: closed{}, wantStrict: true},
		{name: "raw JSON", schema: raw, wantStrict: true},
		{name: "string", schema: string(raw), wantStrict: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, _ := newTest(t, nil)
			srv.EnqueueChat(llmtest.Text(`{"answer":"见[1]","cited":[1,2]}`))
			var got closed
			require.NoError(t, c.ChatJSON(context.Background(), []llm.Message{llm.User("问")}, "answer", tc.schema, &got))
			assert.Equal(t, closed{Answer: "见[1]", Cited: []int{1, 2}}, got)
			rf := srv.ChatRequests()[0].ResponseFormat
			require.NotNil(t, rf)
			assert.Equal(t, tc.wantStrict, rf.JSONSchema.Strict)
		})
	}
}

func TestChatJSONBadArguments(t *testing.T) {
	_, c, _ := newTest(t, nil)
	msgs := []llm.Message{llm.User("问")}
	var out closed
	tests := []struct {
		name   string
		schema any
		out    any
		sname  string
	}{
		{name: "nil out", out: nil, sname: "x"},
		{name: "non-pointer out", out: closed{}, sname: "x"},
		{name: "bad name", out: &out, sname: "has space"},
		{name: "invalid JSON schema", schema: json.RawMessage(`{"type":`), out: &out, sname: "x"},
		{name: "array root", schema: json.RawMessage(`{"type":"array"}`), out: &out, sname: "x"},
		{name: "underivable", schema: map[string]int{}, out: &out, sname: "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorIs(t, c.ChatJSON(context.Background(), msgs, tc.sname, tc.schema, tc.out), llm.ErrBadRequest)
		})
	}
}

// noSchema answers like a server without json_schema support; with tools
// false it rejects tool calls too.
func noSchema(tools bool) func(llmtest.ChatRequest) llmtest.Reply {
	return func(r llmtest.ChatRequest) llmtest.Reply {
		switch {
		case r.ResponseFormat != nil:
			return llmtest.Error(400, "This response_format type is unavailable now")
		case len(r.Tools) > 0 && tools:
			return llmtest.Tool(r.Tools[0].Function.Name, `{"summary":"井盖缺失","department":"shegong","urgency":3}`)
		case len(r.Tools) > 0:
			return llmtest.Error(400, "tools are not supported by this model")
		}
		return llmtest.Text("<think>要输出JSON</think>\n```json\n{\"summary\":\"井盖缺失\",\"department\":\"shegong\",\"urgency\":3}\n```")
	}
}

func TestChatJSONFallback(t *testing.T) {
	want := demand{Summary: "井盖缺失", Department: "shegong", Urgency: 3}
	tests := []struct {
		name      string
		tools     bool
		wantFirst []string // the modes of the first call's requests
		wantNext  string   // the mode of the next call
	}{
		{name: "json_schema rejected: tool call", tools: true, wantFirst: []string{"schema", "tool"}, wantNext: "tool"},
		{name: "json_schema and tools rejected: prompt", tools: false, wantFirst: []string{"schema", "tool", "prompt"}, wantNext: "prompt"},
	}
	mode := func(r llmtest.ChatRequest) string {
		switch {
		case r.ResponseFormat != nil:
			return "schema"
		case len(r.Tools) > 0:
			return "tool"
		}
		return "prompt"
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, _ := newTest(t, nil)
			srv.HandleChat(noSchema(tc.tools))
			msgs := []llm.Message{llm.System("提取诉求字段。"), llm.User("路口井盖没了")}
			for call := range 2 {
				var got demand
				require.NoError(t, c.ChatJSON(context.Background(), msgs, "demand", nil, &got), "call %d", call)
				assert.Equal(t, want, got, "call %d", call)
			}
			var modes []string
			for _, r := range srv.ChatRequests() {
				modes = append(modes, mode(r))
			}
			assert.Equal(t, append(slices.Clone(tc.wantFirst), tc.wantNext), modes, "request modes")
			if tc.wantNext == "prompt" {
				last := srv.ChatRequests()[len(modes)-1]
				require.Len(t, last.Messages, 2, "the instruction joins the system message")
				assert.Contains(t, last.Messages[0].Content, "提取诉求字段。")
				assert.Contains(t, last.Messages[0].Content, "JSON Schema")
			}
		})
	}
}

// A 400 that is not about structured output is returned, not retried in
// another mode.
func TestChatJSONNoFallbackOnOtherBadRequest(t *testing.T) {
	srv, c, _ := newTest(t, nil)
	srv.HandleChat(func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Error(400, "This model's maximum context length is 8192 tokens")
	})
	var got demand
	err := c.ChatJSON(context.Background(), []llm.Message{llm.User("问")}, "demand", nil, &got)
	assert.ErrorIs(t, err, llm.ErrBadRequest)
	assert.Len(t, srv.ChatRequests(), 1, "requests")
}
