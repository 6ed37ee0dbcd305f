package checklist_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/checklist"
	"partybot/llm"
	"partybot/llm/llmtest"
)

// mustModelDrafter returns a drafter whose adapter is a chat model served
// by a fake endpoint.
func mustModelDrafter(t *testing.T) (*checklist.Drafter, *llmtest.Server) {
	t.Helper()
	srv := llmtest.NewServer(t)
	cfg := llm.DefaultConfig()
	cfg.BaseURL, cfg.APIKey, cfg.ChatModel = srv.URL, "k", "m"
	c, err := llm.New(cfg)
	require.NoError(t, err)
	d := mustDrafter(t)
	d.Adapter = checklist.ModelAdapter(c, 5*time.Second)
	return d, srv
}

// TestModelAdapter: the model adapts the draft to the organisation; an
// item whose quote does not stand in the cited passage is dropped, and the
// checklist says so.
func TestModelAdapter(t *testing.T) {
	d, srv := mustModelDrafter(t)
	srv.EnqueueChat(llmtest.Text(`{"items":[
{"task":"换届提醒","requirement":"城关街道对辖区社会组织实施换届提醒","unit":"城关街道","cite":1,"quote":"同步实施换届提醒、前置审核、信息公开等工作举措"},
{"task":"编造事项","requirement":"每季度召开一次换届工作会","unit":"城关街道","cite":1,"quote":"每季度召开一次换届工作会"}]}`))
	c := mustDraft(t, d, "社会组织换届", checklist.Options{Org: "城关街道"})
	msg := c.Message()
	require.True(t, c.Adapted, msg)
	require.Len(t, c.Items, 1, msg)
	assert.Contains(t, msg, "城关街道对辖区社会组织实施换届提醒")
	assert.NotContains(t, msg, "每季度")
	assert.Contains(t, msg, "已删去", "the dropped item is reported")
	reqs := srv.ChatRequests()
	require.Len(t, reqs, 1)
	user := reqs[0].Messages[len(reqs[0].Messages)-1].Content
	assert.Contains(t, user, "<单位>城关街道</单位>")
	assert.Contains(t, user, "<资料>\n[1] 标题：")
}

// TestModelAdapterInvalidReply: a reply that does not have what the
// schema requires leaves the offline draft, which says so.
func TestModelAdapterInvalidReply(t *testing.T) {
	tests := []struct{ name, reply string }{
		{"no items", `{"list":[]}`},
		{"null items", `{"items":null}`},
		{"item without unit", `{"items":[{"task":"换届提醒","requirement":"提醒","cite":1,"quote":"同步实施换届提醒"}]}`},
		{"null quote", `{"items":[{"task":"换届提醒","requirement":"提醒","unit":"","cite":1,"quote":null}]}`},
		{"cite not an integer", `{"items":[{"task":"换届提醒","requirement":"提醒","unit":"","cite":"一","quote":"同步实施换届提醒"}]}`},
		{"not JSON", `好的，清单如下`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, srv := mustModelDrafter(t)
			srv.HandleChat(func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Text(tc.reply) })
			c := mustDraft(t, d, "社会组织换届", checklist.Options{})
			assert.False(t, c.Adapted)
			assert.NotEmpty(t, c.Items)
			assert.Contains(t, c.Message(), "模型暂时不可用，以上为离线起草的清单。")
		})
	}
}

// jsonModelFunc is a JSONModel that fills out itself.
type jsonModelFunc func(out any) error

func (f jsonModelFunc) ChatJSON(_ context.Context, _ []llm.Message, _ string, _ any, out any) error {
	return f(out)
}

// TestModelAdapterChecksAnyModel: a JSONModel that does not validate its
// output cannot make the adapter fail on a missing property.
func TestModelAdapterChecksAnyModel(t *testing.T) {
	d := mustDrafter(t)
	d.Adapter = checklist.ModelAdapter(jsonModelFunc(func(out any) error {
		return json.Unmarshal([]byte(`{"items":[{"task":"换届提醒"}]}`), out)
	}), time.Second)
	c := mustDraft(t, d, "社会组织换届", checklist.Options{})
	assert.False(t, c.Adapted)
	assert.Contains(t, c.Message(), "模型暂时不可用")
}
