package bot_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/tickets"
)

// restored returns a new session of s's user and chat holding s's state,
// as another process would load it.
func restored(tb testing.TB, s *bot.Session) *bot.Session {
	tb.Helper()
	state, err := s.MarshalState()
	require.NoError(tb, err)
	r := bot.NewSession(s.User, s.Chat)
	require.NoError(tb, r.RestoreState(state))
	return r
}

// TestSessionStateCarriesTheConversation: a draft, an 办结 waiting for its
// confirmation and the last answer's sources survive MarshalState and
// RestoreState into a new session.
func TestSessionStateCarriesTheConversation(t *testing.T) {
	f := newDeskFixture(t)
	t.Run("demand draft", func(t *testing.T) {
		ok := buttonData(f.say(t, f.resident, "/demand 小区门口的井盖丢了"), "提交")
		require.NotEmpty(t, ok)
		r := f.press(t, restored(t, f.resident), ok)
		assert.Contains(t, r.Text, "工单号")
		assert.Equal(t, 1, f.count(t))
	})
	t.Run("办结 confirmation", func(t *testing.T) {
		number := f.acceptedTicket(t)
		f.press(t, f.staff, "rs:"+number)
		staff := restored(t, f.staff)
		ok := buttonData(f.say(t, staff, "已补发工资"), "确认办结")
		require.NotEmpty(t, ok)
		f.press(t, restored(t, staff), ok)
		assert.Equal(t, tickets.StatusResolved, f.ticket(t, number).Status)
	})
	t.Run("sources", func(t *testing.T) {
		f.say(t, f.resident, "怎样落实“六同步”机制？")
		assert.Contains(t, f.say(t, restored(t, f.resident), "/sources").Text, "回答依据以下原文")
	})
	t.Run("empty state", func(t *testing.T) {
		s := restored(t, f.resident)
		require.NoError(t, s.RestoreState(nil))
		assert.Contains(t, f.say(t, s, "/sources").Text, "还没有可以查看的来源")
	})
}

func TestRestoreStateRefusesGarbage(t *testing.T) {
	s := bot.NewSession(bot.User{ID: "u"}, bot.Chat{})
	for name, state := range map[string]string{"not json": "{", "unknown version": `{"v":99}`} {
		assert.Error(t, s.RestoreState([]byte(state)), name)
	}
}

// TestSeedKeys: two handlings of one message seeded alike begin steps
// with the same keys, so a draft's buttons from the first work after the
// second; a demand filed from either is one ticket.
func TestSeedKeys(t *testing.T) {
	f := newDeskFixture(t)
	before, err := f.resident.MarshalState()
	require.NoError(t, err)
	f.resident.SeedKeys("bot:42")
	first := buttonData(f.say(t, f.resident, "/demand 小区门口的井盖丢了"), "提交")

	again := bot.NewSession(f.resident.User, f.resident.Chat)
	require.NoError(t, again.RestoreState(before))
	again.SeedKeys("bot:42")
	second := buttonData(f.say(t, again, "/demand 小区门口的井盖丢了"), "提交")
	assert.Equal(t, first, second, "the same message, seeded alike, began different drafts")

	f.press(t, f.resident, first)
	f.press(t, restored(t, again), second)
	assert.Equal(t, 1, f.count(t), "one draft filed twice")

	f.resident.SeedKeys("bot:43")
	assert.NotEqual(t, first, buttonData(f.say(t, f.resident, "/demand 井盖又丢了"), "提交"), "another message, the same key")
}
