package bot_test

import (
	"context"
	"strings"
	"testing"

	"partybot/bot"
	"partybot/llm"
)

// instantModel streams a fixed answer in chunks at once: what remains of a
// model answer's cost is the assistant's own work.
type instantModel struct{ chunks []string }

func (m instantModel) Chat(context.Context, []llm.Message, llm.ChatOptions) (string, error) {
	return strings.Join(m.chunks, ""), nil
}

func (m instantModel) ChatStream(_ context.Context, _ []llm.Message, _ llm.ChatOptions, onDelta func(string)) (string, error) {
	for _, c := range m.chunks {
		if onDelta != nil {
			onDelta(c)
		}
	}
	return strings.Join(m.chunks, ""), nil
}

// BenchmarkModelAnswerOverhead measures a model-path answer without model
// time: retrieval, prompt building, a 120-chunk stream relayed to the
// transport, citation checking and the sources list.
func BenchmarkModelAnswerOverhead(b *testing.B) {
	var chunks []string
	for i := 0; i < 40; i++ {
		chunks = append(chunks, "依据资料，", "应建立登记、章程核准、年检年报等机制", "[1]。")
	}
	a := bot.NewAnswerer(MustOpenKnowledgeBase(b))
	a.Model = instantModel{chunks}
	relayed := 0
	opt := bot.AskOptions{OnDelta: func(s string) { relayed += len(s) }}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ans, err := a.AskWith(context.Background(), "怎样落实“六同步”机制？", opt)
		if err != nil || ans.Mode != "llm" {
			b.Fatal(err, ans.Mode)
		}
	}
}
