package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"partybot/bot"
	"partybot/llm"
	"partybot/llm/llmtest"
	"partybot/prompts"
)

// TestModelChecklistAdapter: the model adapts the draft to the
// organisation; an item whose quote does not stand in the cited passage
// is dropped, and the checklist says so.
func TestModelChecklistAdapter(t *testing.T) {
	srv := llmtest.NewServer(t)
	srv.EnqueueChat(llmtest.Text(`{"items":[
{"task":"换届提醒","requirement":"城关街道对辖区社会组织实施换届提醒","unit":"城关街道","cite":1,"quote":"同步实施换届提醒、前置审核、信息公开等工作举措"},
{"task":"编造事项","requirement":"每季度召开一次换届工作会","unit":"城关街道","cite":1,"quote":"每季度召开一次换届工作会"}]}`))
	cfg := llm.DefaultConfig()
	cfg.BaseURL, cfg.APIKey, cfg.ChatModel = srv.URL, "k", "m"
	c, err := llm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	templates, err := prompts.ChecklistTemplates()
	if err != nil {
		t.Fatal(err)
	}
	d, err := bot.NewChecklistDrafter(context.Background(), MustOpenKnowledgeBase(t), templates)
	if err != nil {
		t.Fatal(err)
	}
	d.Adapter = bot.ModelChecklistAdapter(c, 5*time.Second)
	cl, err := d.Draft(context.Background(), "社会组织换届", bot.ChecklistOptions{Org: "城关街道"})
	if err != nil {
		t.Fatal(err)
	}
	msg := cl.Message()
	if !cl.Adapted || len(cl.Items) != 1 || !strings.Contains(msg, "城关街道对辖区社会组织实施换届提醒") || strings.Contains(msg, "每季度") {
		t.Fatalf("adapted=%v items=%d\n%s", cl.Adapted, len(cl.Items), msg)
	}
	if !strings.Contains(msg, "已删去") {
		t.Fatalf("the dropped item is not reported:\n%s", msg)
	}
	_, user := sent(t, srv.ChatRequests()[0])
	if !strings.Contains(user, "<单位>城关街道</单位>") || !strings.Contains(user, "<资料>\n[1] 标题：") {
		t.Fatalf("prompt:\n%s", user)
	}
}
