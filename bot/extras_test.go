package bot_test

import (
	"context"
	"strings"
	"testing"

	"partybot/bot"
)

func TestChecklistInChat(t *testing.T) {
	f := newDeskFixture(t)
	r := f.say(t, f.resident, "/checklist 社会组织换届")
	if !strings.Contains(r.Text, "[1]") || len(r.Files) != 1 || !strings.HasSuffix(r.Files[0].Name, ".xlsx") || len(r.Files[0].Data) == 0 {
		t.Fatalf("checklist reply: %q files=%d", r.Text, len(r.Files))
	}
	r = f.say(t, f.resident, "/checklist 党费收缴")
	if !strings.Contains(r.Text, "知识库中没有找到") || len(r.Files) != 0 {
		t.Fatalf("refusal: %q files=%d", r.Text, len(r.Files))
	}
	mustContain(t, f.say(t, f.resident, "/checklist"), "可以起草的清单有")
}

func TestKnowledgeAdminInChat(t *testing.T) {
	f := newDeskFixture(t)
	admin := &bot.Session{User: bot.User{ID: "admin", Name: "管理员"}}
	ctx := context.Background()
	doc := []byte("# 党费收缴办法\n\n党员应当按月缴纳党费。\n")

	r, err := f.asst.Upload(ctx, f.resident, "dangfei.md", doc)
	if err != nil || !strings.Contains(r.Text, "只有管理员") {
		t.Fatalf("a resident's upload: %q %v", r.Text, err)
	}
	mustContain(t, f.say(t, f.resident, "/kb"), "只有管理员")
	if strings.Contains(f.say(t, f.resident, "党员怎么缴纳党费？").Text, "党费收缴办法") {
		t.Fatal("a refused upload reached the knowledge base")
	}

	r, err = f.asst.Upload(ctx, admin, "dangfei.md", doc)
	if err != nil || !strings.Contains(r.Text, "已将") {
		t.Fatalf("admin upload: %q %v", r.Text, err)
	}
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
	if _, err := asst.HandleStream(context.Background(), s, "怎样落实“六同步”机制？", func(d string) { streamed.WriteString(d) }); err != nil {
		t.Fatal(err)
	}
	r, err := asst.Handle(context.Background(), s, "那年检年报要怎么做？")
	if err != nil || r.Answer == nil || r.Answer.Rewritten == "" {
		t.Fatalf("follow-up not rewritten: %+v %v", r.Answer, err)
	}
	if !strings.Contains(streamed.String(), "六同步") {
		t.Fatalf("nothing streamed: %q", streamed.String())
	}
}

// TestFollowUpOffline: without a model, a follow-up that points back or
// names no topic is read with the question before it; a vague question
// with no history is refused, not answered with whatever matched "用".
func TestFollowUpOffline(t *testing.T) {
	asst := bot.NewAssistant(bot.NewAnswerer(MustOpenKnowledgeBase(t)))
	s := &bot.Session{User: bot.User{ID: "u"}}
	ctx := context.Background()
	if r, _ := asst.Handle(ctx, s, "那具体怎么用？"); r.Answer == nil || !r.Answer.Refused {
		t.Fatalf("a vague question was answered: %q", r.Text)
	}
	asst.Handle(ctx, s, "什么是“三张清单”？")
	r, err := asst.Handle(ctx, s, "那具体怎么用？")
	if err != nil || r.Answer == nil || r.Answer.Refused || !strings.Contains(r.Text, "三张清单") || r.Answer.Rewritten == "" {
		t.Fatalf("follow-up: %+v\n%s", r.Answer, r.Text)
	}
	// A short standalone question is not mixed with the one before.
	r, _ = asst.Handle(ctx, s, "什么是“四个清”？")
	if r.Answer == nil || r.Answer.Rewritten != "" || !strings.Contains(r.Text, "经营状况清") {
		t.Fatalf("standalone: rewritten=%q\n%s", r.Answer.Rewritten, r.Text)
	}
}
