package bot_test

import (
	"context"
	"testing"
	"time"

	"partybot/bot"
	"partybot/llm"
	"partybot/llm/llmtest"
	"partybot/tickets"
)

func TestModelExtractor(t *testing.T) {
	tests := []struct {
		name, text, reply string
		want              tickets.Draft
	}{
		{"model fields kept", "朝阳路和平小区3号楼门口的井盖丢了，晚上很危险，联系电话13912345678",
			`{"summary":"井盖缺失","category":"井盖","department":"chengguan","urgency":"urgent","location":"朝阳路和平小区3号楼","contact":"13912345678"}`,
			tickets.Draft{Department: "chengguan", Category: "井盖", Urgency: tickets.UrgencyUrgent, Location: "朝阳路和平小区3号楼", Contact: "13912345678"}},
		{"unknown department falls back", "老板拖欠我们三个月工资了",
			`{"summary":"欠薪","category":"欠薪","department":"police","urgency":"normal","location":"","contact":""}`,
			tickets.Draft{Department: "renshe", Category: "欠薪", Urgency: tickets.UrgencyNormal}},
		{"invented location and contact dropped", "老板拖欠我们三个月工资了",
			`{"summary":"欠薪","category":"欠薪","department":"renshe","urgency":"normal","location":"北京市","contact":"110"}`,
			tickets.Draft{Department: "renshe", Category: "欠薪", Urgency: tickets.UrgencyNormal}},
		{"invalid JSON falls back", "小区门口井盖丢了", `这是井盖问题`,
			tickets.Draft{Department: "chengguan"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := llmtest.NewServer(t)
			srv.HandleChat(func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Text(tc.reply) })
			cfg := llm.DefaultConfig()
			cfg.BaseURL, cfg.APIKey, cfg.ChatModel, cfg.MaxRetries = srv.URL, "k", "m", 0
			c, err := llm.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			extract := bot.ModelExtractor(c, tickets.DefaultRouter(), 2*time.Second)
			d, err := extract(context.Background(), tc.text)
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			if d.Department != w.Department || (w.Category != "" && d.Category != w.Category) ||
				(w.Urgency != "" && d.Urgency != w.Urgency) || d.Location != w.Location || d.Contact != w.Contact {
				t.Fatalf("draft %+v, want %+v", d, w)
			}
		})
	}
}
