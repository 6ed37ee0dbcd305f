package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/tickets"
)

// acceptedTicket files a demand of the resident's and has the staff
// accept it; it returns the ticket's number.
func (f *deskFixture) acceptedTicket(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	tk, err := f.store.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "resident", SubmitterName: "张师傅",
		Channel: tickets.ChannelChat, Text: "老板拖欠工资三个月了", Department: "renshe", Confidence: 1})
	require.NoError(tb, err)
	_, err = f.store.Accept(ctx, tickets.Viewer{UserID: "staff", Departments: []string{"renshe"}}, tk.Number, "")
	require.NoError(tb, err)
	return tk.Number
}

func (f *deskFixture) ticket(tb testing.TB, number string) *tickets.Ticket {
	tb.Helper()
	tk, err := f.store.FindTicketByNumber(context.Background(), tickets.Viewer{Admin: true}, number)
	require.NoError(tb, err)
	return tk
}

// TestUnrelatedMessageDropsDemandDraft is the reproduction: a
// question after an unconfirmed /demand is answered, the draft dropped
// with a line saying so, and a later casual "好的" files nothing.
func TestUnrelatedMessageDropsDemandDraft(t *testing.T) {
	f := newDeskFixture(t)
	f.say(t, f.resident, "/demand 井盖丢了")
	r := f.say(t, f.resident, "怎样落实“六同步”机制？")
	require.NotNil(t, r.Answer, "the question is answered")
	assert.Contains(t, r.Text, "已取消待确认的诉求草稿")
	f.say(t, f.resident, "好的")
	assert.Zero(t, f.count(t), "a draft dropped by a question was filed")
}

// TestDemandDraftButtonsDieWithTheDraft: the draft's 提交 button, pressed
// after another message dropped the draft, files nothing.
func TestDemandDraftButtonsDieWithTheDraft(t *testing.T) {
	f := newDeskFixture(t)
	ok := buttonData(f.say(t, f.resident, "/demand 小区门口的井盖丢了"), "提交")
	require.NotEmpty(t, ok)
	f.say(t, f.resident, "/help")
	r := f.press(t, f.resident, ok)
	assert.Contains(t, r.Text, "已失效")
	assert.True(t, r.Settled, "a dead draft's buttons are cleared")
	assert.Zero(t, f.count(t))
}

// TestPendingStepExpires: a draft or an 办结 left alone longer than the
// step timeout does nothing when finally answered, and says it expired.
func TestPendingStepExpires(t *testing.T) {
	f := newDeskFixture(t, bot.WithStepTimeout(5*time.Minute))
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	f.asst.SetClock(func() time.Time { return now })

	ok := buttonData(f.say(t, f.resident, "/demand 小区门口的井盖丢了"), "提交")
	now = now.Add(5 * time.Minute)
	assert.Contains(t, f.press(t, f.resident, ok).Text, "已失效")
	assert.Contains(t, f.say(t, f.resident, "确认").Text, "已超时作废")
	assert.Zero(t, f.count(t))

	number := f.acceptedTicket(t)
	f.press(t, f.staff, "rs:"+number)
	now = now.Add(6 * time.Minute)
	r := f.say(t, f.staff, "已补发工资")
	assert.Contains(t, r.Text, "已超时作废")
	assert.Empty(t, r.Buttons, "an expired 办结 offers nothing to confirm")
	assert.Equal(t, tickets.StatusAccepted, f.ticket(t, number).Status)
}

// TestResolveReplyIsConfirmedFirst: the free text typed after 办结 is shown
// back; only 确认 sends it, and 取消 or another message sends nothing.
func TestResolveReplyIsConfirmedFirst(t *testing.T) {
	f := newDeskFixture(t)
	number := f.acceptedTicket(t)

	r := f.press(t, f.staff, "rs:"+number)
	assert.True(t, r.ExpectReply)
	shown := f.say(t, f.staff, "怎样落实“六同步”机制？")
	assert.Contains(t, shown.Text, "怎样落实“六同步”机制？")
	assert.Equal(t, tickets.StatusAccepted, f.ticket(t, number).Status, "typed text resolved before confirmation")
	// Another message drops it and is answered as a question.
	next := f.say(t, f.staff, "什么是“四个清”？")
	assert.Contains(t, next.Text, "已取消待确认的办结答复")
	assert.Contains(t, f.press(t, f.staff, buttonData(shown, "确认办结")).Text, "已失效")
	assert.Equal(t, tickets.StatusAccepted, f.ticket(t, number).Status)

	f.press(t, f.staff, "rs:"+number)
	f.say(t, f.staff, "已约谈企业负责人，工资本周内补发。")
	assert.Contains(t, f.say(t, f.staff, "确认").Text, "已办结")
	tk := f.ticket(t, number)
	assert.Equal(t, tickets.StatusResolved, tk.Status)
	assert.Equal(t, "已约谈企业负责人，工资本周内补发。", tk.Reply)
}

// TestPendingStepNeverCrossesChats: an 办结 started in the department's
// group is not completed by text the same person types in a private chat,
// and a draft's button does nothing in a session of another chat.
func TestPendingStepNeverCrossesChats(t *testing.T) {
	f := newDeskFixture(t)
	number := f.acceptedTicket(t)
	group := bot.NewSession(f.staff.User, bot.Chat{ID: -100123, Group: true})
	private := bot.NewSession(f.staff.User, bot.Chat{ID: 42})

	f.press(t, group, "rs:"+number)
	r := f.say(t, private, "怎样落实“六同步”机制？")
	require.NotNil(t, r.Answer, "the private question is answered as a question")
	assert.NotContains(t, r.Text, "确认办结")
	f.say(t, private, "确认")
	assert.Equal(t, tickets.StatusAccepted, f.ticket(t, number).Status)

	// The group still waits for its reply.
	shown := f.say(t, group, "已补发")
	assert.Contains(t, shown.Text, "确认办结")

	residentGroup := bot.NewSession(f.resident.User, bot.Chat{ID: -100999, Group: true})
	ok := buttonData(f.say(t, residentGroup, "/demand 小区门口的井盖丢了"), "提交")
	assert.Contains(t, f.press(t, f.resident, ok).Text, "已失效")
	assert.Zero(t, f.count(t)-1, "a draft was filed from another chat")
}

// TestDemandFromGroupTellsToOpenPrivateChat: a citizen filing in a group
// learns that notices come privately, and how to make sure they can.
func TestDemandFromGroupTellsToOpenPrivateChat(t *testing.T) {
	f := newDeskFixture(t)
	s := bot.NewSession(f.resident.User, bot.Chat{ID: -100999, Group: true})
	f.say(t, s, "/demand 小区门口的井盖丢了")
	assert.Contains(t, f.say(t, s, "确认").Text, "请先私聊我发送 /start")
}
