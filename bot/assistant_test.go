package bot_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"partybot/bot"
)

func TestAssistantCommands(t *testing.T) {
	asst := bot.NewAssistant(bot.NewAnswerer(MustOpenKnowledgeBase(t)))
	var s bot.Session
	ctx := context.Background()
	steps := []struct {
		in, want string
		quit     bool
	}{
		{"/sources", "请先提一个问题", false},
		{"/help", "党务助手", false},
		{"/start@partybot", "党务助手", false},
		{"如何落实“双向进入、交叉任职”？", "[1]", false},
		{"/sources", "落实“双向进入、交叉任职”机制", false},
		{"/ask", "请在 /ask 后面写上问题", false},
		{"/ask “八个一”工作法包括什么", "派一名帮办联系人", false},
		{"/nosuch", "未知命令 /nosuch", false},
		{"", "问题是空的", false},
		{"/quit", "再见", true},
	}
	// The steps share the session: each needs the ones before it to have
	// gone right, so the first failure stops the test.
	for _, st := range steps {
		r, err := asst.Handle(ctx, &s, st.in)
		require.NoError(t, err, st.in)
		require.Contains(t, r.Text, st.want, "%q", st.in)
		require.Equal(t, st.quit, r.Quit, "%q quits", st.in)
	}
}
