package bot_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/tickets"
)

const (
	renSheChat = -100777 // 区人社局's group
	adminsChat = -100999
	otherChat  = -100555 // a group with no role
)

// privacyFixture is a desk whose 区人社局 has a group chat and whose
// admins have one, with a ticket of the resident's at 区人社局.
func privacyFixture(t *testing.T) (*bot.Assistant, string) {
	t.Helper()
	ctx := context.Background()
	depts, err := tickets.MergeDepartments(tickets.DefaultDepartments(), []tickets.Department{{Key: "renshe", ChatID: renSheChat}})
	require.NoError(t, err)
	store, err := tickets.Open(ctx, filepath.Join(t.TempDir(), "tickets.db"), tickets.WithDepartments(depts))
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	viewer := func(id string) tickets.Viewer {
		return tickets.Viewer{UserID: id, Admin: id == "admin", Departments: map[string][]string{"staff": {"renshe"}}[id]}
	}
	router := tickets.DefaultRouter()
	asst := bot.NewAssistant(bot.NewAnswerer(MustOpenKnowledgeBase(t)),
		bot.WithDesk(&bot.Desk{Store: store, Extract: router.ExtractContext, Viewer: viewer, AdminChatID: adminsChat}))
	tk, err := store.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "resident", SubmitterName: "张师傅", Channel: tickets.ChannelChat,
		Text: "老板拖欠工资三个月了", Department: "renshe", Confidence: 1, Contact: "13912345678"})
	require.NoError(t, err)
	_, err = store.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "resident", Channel: tickets.ChannelChat,
		Text: "小区门口的井盖丢了", Department: "chengguan", Confidence: 1})
	require.NoError(t, err)
	return asst, tk.Number
}

// TestPersonalDataStaysOutOfOtherGroups: /ticket, /mytickets, /export and
// /stats sent in a group with no role answer "use a private chat" and show
// nothing; in the department's or the admins' group they work.
func TestPersonalDataStaysOutOfOtherGroups(t *testing.T) {
	asst, number := privacyFixture(t)
	ctx := context.Background()
	say := func(user string, chat int64, text string) bot.Reply {
		t.Helper()
		s := bot.NewSession(bot.User{ID: user, Name: user}, bot.Chat{ID: chat, Group: chat < 0})
		r, err := asst.Handle(ctx, s, text)
		require.NoError(t, err)
		return r
	}
	for _, tc := range []struct {
		user, text string
	}{
		{"staff", "/ticket " + number},
		{"admin", "/ticket " + number},
		{"resident", "/ticket " + number},
		{"resident", "/mytickets"},
		{"staff", "/export"},
		{"admin", "/export"},
		{"staff", "/stats"},
		{"admin", "/stats 全部"},
	} {
		r := say(tc.user, otherChat, tc.text)
		assert.Contains(t, r.Text, "私聊", "%s %s", tc.user, tc.text)
		assert.NotContains(t, r.Text, "13912345678")
		assert.NotContains(t, r.Text, "拖欠")
		assert.Empty(t, r.Files, "%s %s sent a file to a group", tc.user, tc.text)
	}

	assert.Contains(t, say("staff", renSheChat, "/ticket "+number).Text, "13912345678", "the department's own group")
	assert.Contains(t, say("admin", adminsChat, "/ticket "+number).Text, "13912345678", "the admins' group")
	assert.Contains(t, say("resident", int64(1001), "/ticket "+number).Text, "13912345678", "a private chat")
	assert.NotEmpty(t, say("staff", renSheChat, "/export").Files)
	assert.NotEmpty(t, say("admin", adminsChat, "/stats").Files)
	assert.NotEmpty(t, say("staff", 2001, "/export").Files)
}

// TestDepartmentGroupSeesOnlyItsDepartment: in a department's group, even
// an admin's /export holds that department's tickets alone.
func TestDepartmentGroupSeesOnlyItsDepartment(t *testing.T) {
	asst, _ := privacyFixture(t)
	group := bot.NewSession(bot.User{ID: "admin"}, bot.Chat{ID: renSheChat, Group: true})
	r, err := asst.Handle(context.Background(), group, "/stats 全部")
	require.NoError(t, err)
	assert.Contains(t, r.Text, "受理 1 件")
	assert.NotContains(t, r.Text, "区城管局")
	private := bot.NewSession(bot.User{ID: "admin"}, bot.Chat{ID: 9001})
	r, err = asst.Handle(context.Background(), private, "/stats 全部")
	require.NoError(t, err)
	assert.Contains(t, r.Text, "受理 2 件", "in private the admin sees all")
}

// TestTicketShowsSubmitterNotices: a submitter who filed from a group and
// never opened a private chat reads the notices meant for them in /ticket,
// marked undelivered, with how to receive the next ones.
func TestTicketShowsSubmitterNotices(t *testing.T) {
	asst, number := privacyFixture(t)
	ctx := context.Background()
	staff := bot.NewSession(bot.User{ID: "staff"}, bot.Chat{ID: 2001})
	_, err := asst.Handle(ctx, staff, "/accept "+number)
	require.NoError(t, err)
	resident := bot.NewSession(bot.User{ID: "resident"}, bot.Chat{ID: 1001})
	r, err := asst.Handle(ctx, resident, "/ticket "+number)
	require.NoError(t, err)
	assert.Contains(t, r.Text, "给您的通知")
	assert.Contains(t, r.Text, "［未送达］")
	assert.Contains(t, r.Text, "已由区人社局接单")
	assert.Contains(t, r.Text, "/start")
	other, err := asst.Handle(ctx, staff, "/ticket "+number)
	require.NoError(t, err)
	assert.NotContains(t, other.Text, "给您的通知", "staff see the history, not the submitter's notices")
}
