package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/llm"
	"partybot/llm/llmtest"
	"partybot/tickets"
)

func TestModelExtractor(t *testing.T) {
	const wages = "老板拖欠我们三个月工资了" // the offline router sends it to renshe
	tests := []struct {
		name, text, reply string
		want              tickets.Draft
	}{
		{"model fields kept", "朝阳路和平小区3号楼门口的井盖丢了，晚上很危险，联系电话13912345678",
			`{"summary":"井盖缺失","category":"井盖","department":"chengguan","urgency":"urgent","location":"朝阳路和平小区3号楼","contact":"13912345678"}`,
			tickets.Draft{Department: "chengguan", Category: "井盖", Urgency: tickets.UrgencyUrgent, Location: "朝阳路和平小区3号楼", Contact: "13912345678"}},
		{"model department overrides the router", wages,
			`{"summary":"欠薪","category":"工会维权","department":"gonghui","urgency":"normal","location":"","contact":""}`,
			tickets.Draft{Department: "gonghui", Category: "工会维权", Urgency: tickets.UrgencyNormal}},
		{"unknown department falls back", wages,
			`{"summary":"欠薪","category":"欠薪","department":"police","urgency":"normal","location":"","contact":""}`,
			tickets.Draft{Department: "renshe", Category: "欠薪", Urgency: tickets.UrgencyNormal}},
		{"missing field falls back", wages,
			`{"summary":"欠薪","category":"工会维权","department":"gonghui","urgency":"normal","location":""}`,
			tickets.Draft{Department: "renshe"}},
		{"null field falls back", wages,
			`{"summary":"欠薪","category":"工会维权","department":"gonghui","urgency":"normal","location":null,"contact":""}`,
			tickets.Draft{Department: "renshe"}},
		{"unknown urgency falls back", wages,
			`{"summary":"欠薪","category":"工会维权","department":"gonghui","urgency":"high","location":"","contact":""}`,
			tickets.Draft{Department: "renshe"}},
		{"unknown field falls back", wages,
			`{"summary":"欠薪","category":"工会维权","department":"gonghui","urgency":"normal","location":"","contact":"","note":"x"}`,
			tickets.Draft{Department: "renshe"}},
		{"invented location and contact dropped", wages,
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
			require.NoError(t, err)
			extract := bot.ModelExtractor(c, tickets.DefaultRouter(), 2*time.Second)
			d, err := extract(context.Background(), tc.text)
			require.NoError(t, err)
			assert.Equal(t, tc.want.Department, d.Department, "department")
			if tc.want.Category != "" {
				assert.Equal(t, tc.want.Category, d.Category, "category")
			}
			if tc.want.Urgency != "" {
				assert.Equal(t, tc.want.Urgency, d.Urgency, "urgency")
			}
			assert.Equal(t, tc.want.Location, d.Location, "location")
			assert.Equal(t, tc.want.Contact, d.Contact, "contact")
		})
	}
}
