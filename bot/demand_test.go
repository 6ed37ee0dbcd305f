package bot_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/checklist"
	"partybot/tickets"
)

// deskFixture is an assistant with a real ticket store and three people:
// a resident who submits, a 区人社局 staff member and a stranger.
type deskFixture struct {
	asst     *bot.Assistant
	store    *tickets.Store
	resident *bot.Session
	staff    *bot.Session
	stranger *bot.Session
}

func newDeskFixture(tb testing.TB, opts ...bot.Option) *deskFixture {
	tb.Helper()
	ctx := context.Background()
	store, err := tickets.Open(ctx, filepath.Join(tb.TempDir(), "tickets.db"))
	require.NoError(tb, err)
	tb.Cleanup(func() { store.Close() })
	router := tickets.DefaultRouter()
	viewer := func(id string) tickets.Viewer {
		v := tickets.Viewer{UserID: id}
		if id == "staff" {
			v.Departments = []string{"renshe"}
		}
		v.Admin = id == "admin"
		return v
	}
	desk := &bot.Desk{Store: store, Extract: router.ExtractContext, Viewer: viewer, Files: tickets.Files{Dir: tb.TempDir()}}
	kb := MustOpenKnowledgeBase(tb)
	templates, err := checklist.ShippedTemplates()
	require.NoError(tb, err)
	drafter, err := checklist.NewDrafter(ctx, kb, templates)
	require.NoError(tb, err)
	opts = append([]bot.Option{bot.WithDesk(desk), bot.WithKnowledgeBase(kb), bot.WithChecklists(drafter)}, opts...)
	asst := bot.NewAssistant(bot.NewAnswerer(kb), opts...)
	return &deskFixture{
		asst:     asst,
		store:    store,
		resident: &bot.Session{User: bot.User{ID: "resident", Name: "张师傅"}},
		staff:    &bot.Session{User: bot.User{ID: "staff", Name: "李科员"}},
		stranger: &bot.Session{User: bot.User{ID: "stranger", Name: "路人"}},
	}
}

func (f *deskFixture) say(tb testing.TB, s *bot.Session, text string) bot.Reply {
	tb.Helper()
	r, err := f.asst.Handle(context.Background(), s, text)
	require.NoError(tb, err, text)
	return r
}

func (f *deskFixture) press(tb testing.TB, s *bot.Session, data string) bot.Reply {
	tb.Helper()
	r, err := f.asst.Callback(context.Background(), s, data)
	require.NoError(tb, err, data)
	return r
}

func (f *deskFixture) count(tb testing.TB) int {
	tb.Helper()
	ts, err := f.store.FindTickets(context.Background(), tickets.Viewer{Admin: true}, tickets.TicketFilter{})
	require.NoError(tb, err)
	return len(ts)
}

func buttonData(r bot.Reply, text string) string {
	for _, row := range r.Buttons {
		for _, b := range row {
			if b.Text == text {
				return b.Data
			}
		}
	}
	return ""
}

func mustContain(tb testing.TB, r bot.Reply, want ...string) {
	tb.Helper()
	for _, w := range want {
		require.Contains(tb, r.Text, w, "reply lacks %q", w)
	}
}

// numberIn returns the first ticket number (2026-000123) in s.
func numberIn(s string) string { return regexp.MustCompile(`\d{4}-\d{6}`).FindString(s) }

// TestDemandJourney walks a demand from the chat to a rated close.
func TestDemandJourney(t *testing.T) {
	f := newDeskFixture(t)
	draft := f.say(t, f.resident, "/demand 老板拖欠我们快递员三个月工资了，电话13912345678")
	mustContain(t, draft, "区人社局", "欠薪", "13912345678", "确认")
	ok := buttonData(draft, "提交")
	require.NotEmpty(t, ok, "draft must offer 提交: %+v", draft.Buttons)
	require.Zero(t, f.count(t), "the draft filed a ticket")
	filed := f.press(t, f.resident, ok)
	mustContain(t, filed, "工单号", "区人社局")
	number := numberIn(filed.Text)
	// A retried press files nothing more.
	again := f.press(t, f.resident, ok)
	mustContain(t, again, "已失效")
	require.Equal(t, 1, f.count(t), "tickets after a double press")
	mustContain(t, f.say(t, f.resident, "/mytickets"), number)

	// A stranger can neither see nor touch it, and learns nothing of it.
	for _, r := range []bot.Reply{
		f.say(t, f.stranger, "/ticket "+number),
		f.press(t, f.stranger, "ac:"+number),
		f.say(t, f.stranger, "/resolve "+number+" 已处理"),
		f.press(t, f.stranger, "rt:"+number+":5"),
	} {
		assert.Contains(t, r.Text, "无权", "a stranger is refused")
		assert.NotContains(t, r.Text, "拖欠", "a stranger learns of the ticket")
	}
	assert.NotContains(t, f.say(t, f.stranger, "/mytickets").Text, number, "stranger's list shows another's ticket")

	// The department accepts, is asked for the reply, resolves.
	card := f.say(t, f.staff, "/ticket "+number)
	accepted := f.press(t, f.staff, buttonData(card, "接单"))
	mustContain(t, accepted, "已接单")
	mustContain(t, f.press(t, f.staff, buttonData(accepted, "办结")), "直接回复")
	// The reply typed is shown back before it goes to the citizen.
	shown := f.say(t, f.staff, "已约谈企业负责人，工资本周内补发。")
	mustContain(t, shown, "已约谈企业负责人", "确认办结")
	mustContain(t, f.press(t, f.staff, buttonData(shown, "确认办结")), "已办结")

	// The submitter rates with the 1–5 keyboard.
	view := f.say(t, f.resident, "/ticket "+number)
	mustContain(t, view, "已约谈企业负责人")
	rate := buttonData(view, "★★★★★")
	require.NotEmpty(t, rate, "resolved ticket offers no rating: %+v", view.Buttons)
	mustContain(t, f.press(t, f.resident, rate), "感谢评价")
	mustContain(t, f.press(t, f.resident, rate), "不能") // a second rating is refused
	tk, err := f.store.FindTicketByNumber(context.Background(), tickets.Viewer{Admin: true}, number)
	require.NoError(t, err)
	assert.Equal(t, tickets.StatusRated, tk.Status, "ticket %+v", tk)
	assert.Equal(t, 5, tk.Rating, "ticket %+v", tk)
}

func TestDemandConfirmInWords(t *testing.T) {
	f := newDeskFixture(t)
	f.say(t, f.resident, "/demand 小区门口的井盖丢了")
	mustContain(t, f.say(t, f.resident, "取消"), "已取消")
	require.Zero(t, f.count(t), "a cancelled demand was filed")
	f.say(t, f.resident, "/demand 小区门口的井盖丢了")
	mustContain(t, f.say(t, f.resident, "确认。"), "工单号", "区城管局")
	assert.Equal(t, 1, f.count(t), "confirmed demand not filed")
}

func TestDemandBadInput(t *testing.T) {
	f := newDeskFixture(t)
	tests := []struct{ name, text, want string }{
		{"empty", "/demand", "请在 /demand 后写明诉求"},
		{"blank", "/demand    ", "请在 /demand 后写明诉求"},
		{"huge", "/demand " + strings.Repeat("井盖丢了", 25_000), "诉求内容过长"},
		{"broken utf-8", "/demand 井盖\xff丢了", "UTF-8"},
		{"no number", "/ticket", "请写明工单号"},
		{"unknown number", "/ticket 2026-999999", "不存在"},
		{"bad rating", "/rate 2026-000001 9", "1 到 5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mustContain(t, f.say(t, f.resident, tc.text), tc.want)
		})
	}
	assert.Zero(t, f.count(t), "bad input filed a ticket")
}

func TestForgedCallbacks(t *testing.T) {
	f := newDeskFixture(t)
	f.say(t, f.resident, "/demand 小区门口的井盖丢了")
	for _, data := range []string{"", "dm:ok:forged", "dm:ok:", "rt:2026-000001:9", "rt:x:5", "ac:../../etc", "zz:1", "ac:2026-000001"} {
		r := f.press(t, f.resident, data)
		assert.NotContains(t, r.Text, "工单号", "%q filed or changed something", data)
	}
	assert.Zero(t, f.count(t), "forged callback filed a ticket")
}

func TestHelpByRole(t *testing.T) {
	f := newDeskFixture(t)
	assert.NotContains(t, f.say(t, f.resident, "/help").Text, "/accept", "resident help lists staff commands")
	assert.Contains(t, f.say(t, f.staff, "/help").Text, "/accept", "staff help lacks staff commands")
}

func TestPendingNotices(t *testing.T) {
	f := newDeskFixture(t)
	f.resident.User.ID = "424242" // a Telegram user id
	f.say(t, f.resident, "/demand 老板拖欠工资三个月了")
	number := numberIn(f.say(t, f.resident, "确认").Text)
	f.say(t, f.staff, "/accept "+number)
	f.say(t, f.staff, "/resolve "+number+" 已督促企业补发")
	ns, err := f.asst.PendingNotices(context.Background(), 10)
	require.NoError(t, err)
	var card, resolved *bot.Notice
	for i, n := range ns {
		switch {
		case n.RecipientKind == tickets.RecipientDepartment && n.Recipient == "renshe" && buttonData(bot.Reply{Buttons: n.Buttons}, "接单") == "ac:"+number:
			card = &ns[i]
		case n.RecipientKind == tickets.RecipientUser && n.ChatID == 424242 && buttonData(bot.Reply{Buttons: n.Buttons}, "★") != "":
			resolved = &ns[i]
		}
	}
	require.NotNil(t, card, "want a department card with 接单, got %+v", ns)
	assert.NotNil(t, resolved, "want a rating request, got %+v", ns)
	require.NoError(t, f.asst.NoticeDelivered(context.Background(), *card))
	again, _ := f.asst.PendingNotices(context.Background(), 10)
	for _, n := range again {
		assert.NotEqual(t, card.ID, n.ID, "a delivered notice came back")
	}
}

// TestDemandVia: what users do in Telegram is recorded as such, what they
// do in the terminal chat as the command line.
func TestDemandVia(t *testing.T) {
	f := newDeskFixture(t)
	terminal := &bot.Session{User: bot.User{ID: "terminal:王五", Name: "王五"}}
	for _, tc := range []struct {
		name string
		s    *bot.Session
		want tickets.Via
	}{
		{"telegram", f.resident, tickets.ViaTelegram},
		{"terminal", terminal, tickets.ViaCLI},
	} {
		t.Run(tc.name, func(t *testing.T) {
			filed := f.press(t, tc.s, buttonData(f.say(t, tc.s, "/demand 老板拖欠工资三个月了"), "提交"))
			number := numberIn(filed.Text)
			require.NotEmpty(t, number, filed.Text)
			mustContain(t, f.press(t, f.staff, "ac:"+number), "已接单")
			tk, err := f.store.FindTicketByNumber(context.Background(), tickets.Viewer{Admin: true}, number)
			require.NoError(t, err)
			assert.Equal(t, tc.want, tk.History[0].Via, "filed through")
			assert.Equal(t, tickets.ViaTelegram, tk.History[len(tk.History)-1].Via, "the staff member accepted in Telegram")
		})
	}
}
