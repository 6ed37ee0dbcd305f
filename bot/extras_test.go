package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
)

func TestChecklistInChat(t *testing.T) {
	f := newDeskFixture(t)
	r := f.say(t, f.resident, "/checklist 社会组织换届")
	assert.Contains(t, r.Text, "[1]", "checklist reply")
	require.Equal(t, 1, len(r.Files), "checklist reply's files: %q", r.Text)
	assert.True(t, strings.HasSuffix(r.Files[0].Name, ".xlsx"), "checklist file %q", r.Files[0].Name)
	assert.NotEmpty(t, r.Files[0].Data, "checklist file is empty")
	r = f.say(t, f.resident, "/checklist 党费收缴")
	assert.Contains(t, r.Text, "知识库中没有找到", "refusal")
	assert.Equal(t, 0, len(r.Files), "refusal's files: %q", r.Text)
	mustContain(t, f.say(t, f.resident, "/checklist"), "可以起草的清单有")
}

func TestKnowledgeAdminInChat(t *testing.T) {
	f := newDeskFixture(t)
	admin := &bot.Session{User: bot.User{ID: "admin", Name: "管理员"}}
	ctx := context.Background()
	doc := []byte("# 党费收缴办法\n\n党员应当按月缴纳党费。\n")

	r, err := f.asst.Upload(ctx, f.resident, "dangfei.md", doc)
	require.NoError(t, err, "a resident's upload")
	assert.Contains(t, r.Text, "只有管理员", "a resident's upload")
	mustContain(t, f.say(t, f.resident, "/kb"), "只有管理员")
	assert.NotContains(t, f.say(t, f.resident, "党员怎么缴纳党费？").Text, "党费收缴办法", "a refused upload reached the knowledge base")

	r, err = f.asst.Upload(ctx, admin, "dangfei.md", doc)
	require.NoError(t, err, "admin upload")
	require.Contains(t, r.Text, "已将", "admin upload")
	r, _ = f.asst.Upload(ctx, admin, "dangfei.md", doc)
	mustContain(t, r, "没有变化")
	r, _ = f.asst.Upload(ctx, admin, "scan.jpg", []byte("\xff\xd8\xff"))
	mustContain(t, r, "无法收录")
	mustContain(t, f.say(t, f.resident, "党员怎么缴纳党费？"), "党费收缴办法")
	mustContain(t, f.say(t, admin, "/kb"), "党费收缴办法", "内置")
	mustContain(t, f.say(t, admin, "/kb remove upload/dangfei.md"), "已从知识库移除 1")
	mustContain(t, f.say(t, admin, "/kb remove docs/000_cd24362e620a5886.txt"), "内置资料不能移除")
}

func TestFollowUpAndStreamInChat(t *testing.T) {
	a, srv := modelFixture(t)
	srv.EnqueueChat(
		llmtestText("建立登记、章程核准、年检年报等“六同步”机制[1]。"),
		llmtestText("“六同步”机制中的年检年报要怎么做？"),
		llmtestText("将党建工作融入年检年报[1]。"),
	)
	asst := bot.NewAssistant(a)
	var streamed strings.Builder
	s := &bot.Session{User: bot.User{ID: "u"}}
	_, err := asst.HandleStream(context.Background(), s, "怎样落实“六同步”机制？", func(d string) { streamed.WriteString(d) })
	require.NoError(t, err)
	r, err := asst.Handle(context.Background(), s, "那年检年报要怎么做？")
	require.NoError(t, err)
	require.NotNil(t, r.Answer, "follow-up: %q", r.Text)
	assert.NotEmpty(t, r.Answer.Rewritten, "follow-up not rewritten: %+v", r.Answer)
	assert.Contains(t, streamed.String(), "六同步", "nothing streamed")
}

// TestFollowUpOffline: without a model, a follow-up that points back or
// names no topic is read with the question before it; a vague question
// with no history is refused, not answered with whatever matched "用".
func TestFollowUpOffline(t *testing.T) {
	asst := bot.NewAssistant(bot.NewAnswerer(MustOpenKnowledgeBase(t)))
	s := &bot.Session{User: bot.User{ID: "u"}}
	ctx := context.Background()
	// The vague question stays in the session's history: the rest
	// depends on its having been refused.
	r, _ := asst.Handle(ctx, s, "那具体怎么用？")
	require.NotNil(t, r.Answer, "a vague question: %q", r.Text)
	require.True(t, r.Answer.Refused, "a vague question was answered: %q", r.Text)
	asst.Handle(ctx, s, "什么是“三张清单”？")
	r, err := asst.Handle(ctx, s, "那具体怎么用？")
	require.NoError(t, err)
	require.NotNil(t, r.Answer, "follow-up: %q", r.Text)
	assert.False(t, r.Answer.Refused, "follow-up refused:\n%s", r.Text)
	assert.Contains(t, r.Text, "三张清单", "follow-up")
	assert.NotEmpty(t, r.Answer.Rewritten, "follow-up not rewritten:\n%s", r.Text)
	// A short standalone question is not mixed with the one before.
	r, _ = asst.Handle(ctx, s, "什么是“四个清”？")
	require.NotNil(t, r.Answer, "standalone: %q", r.Text)
	assert.Empty(t, r.Answer.Rewritten, "standalone question rewritten")
	assert.Contains(t, r.Text, "经营状况清", "standalone")
}
