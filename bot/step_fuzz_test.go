package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/tickets"
)

// FuzzConversation drives random interleavings of messages, button
// presses and timeouts through one resident and one staff member, each in
// two chats, against a model of what may happen: a demand is filed only
// when confirmed in the chat that drafted it, before anything else was
// said there and before it expired; a ticket is resolved only with the
// text typed in the chat where 办结 was pressed, once confirmed there.
func FuzzConversation(f *testing.F) {
	for _, seed := range [][]byte{
		{0, 1},                      // draft, confirm
		{0, 3, 1},                   // draft, question, "好的": nothing
		{0, 0x10 | 1},               // draft in chat A, confirm in chat B
		{0, 4},                      // draft, its button
		{0, 0x10 | 4},               // draft in A, its button pressed in B
		{0, 5, 1},                   // draft, timeout, confirm
		{0, 6, 1},                   // draft, half the timeout, confirm
		{7, 8, 1},                   // 办结, reply, confirm
		{7, 0x10 | 3, 0x10 | 1, 8},  // 办结 in A, question and confirm in B, reply in A
		{7, 0x10 | 8, 0x10 | 1},     // 办结 in A, text and confirm in B
		{7, 8, 9},                   // 办结, reply, its button
		{7, 8, 0x10 | 9},            // 办结, reply in A, button in B
		{7, 8, 3, 1},                // 办结, reply, question, confirm
		{7, 8, 5, 9},                // 办结, reply, timeout, button
		{7, 2, 8, 1},                // 办结, cancel, text, confirm
		{0, 7, 1, 8, 1, 4, 9, 0x11}, // both at once
	} {
		f.Add(seed)
	}
	const ttl = 10 * time.Minute
	fx := newDeskFixture(f, bot.WithStepTimeout(ttl))
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	fx.asst.SetClock(func() time.Time { return now })

	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 40 {
			ops = ops[:40]
		}
		c := newConversationCheck(t, fx, &now, ttl)
		for i, op := range ops {
			c.step(i, op)
		}
	})
}

// conversationCheck is one run of FuzzConversation: the sessions, a
// ticket the staff member may resolve, and the model of each session's
// pending step.
type conversationCheck struct {
	t        *testing.T
	fx       *deskFixture
	now      *time.Time
	ttl      time.Duration
	resident [2]*bot.Session
	staff    [2]*bot.Session
	number   string
	resolved bool
	filed    int // tickets filed by the resident in this run
	before   int // tickets in the store when the run began
	model    map[*bot.Session]*modelStep
	buttons  map[*bot.Session]map[string]string // button text → data, last seen
}

// modelStep is what the model expects a session to wait for.
type modelStep struct {
	kind    string // "demand", "text", "confirm"
	text    string // the demand, or the reply to send
	expires time.Time
}

func newConversationCheck(t *testing.T, fx *deskFixture, now *time.Time, ttl time.Duration) *conversationCheck {
	c := &conversationCheck{t: t, fx: fx, now: now, ttl: ttl, model: map[*bot.Session]*modelStep{},
		buttons: map[*bot.Session]map[string]string{}}
	c.resident = [2]*bot.Session{
		bot.NewSession(fx.resident.User, bot.Chat{ID: 1001}),
		bot.NewSession(fx.resident.User, bot.Chat{ID: -100999, Group: true}),
	}
	c.staff = [2]*bot.Session{
		bot.NewSession(fx.staff.User, bot.Chat{ID: 2001}),
		bot.NewSession(fx.staff.User, bot.Chat{ID: -100777, Group: true}),
	}
	c.number = fx.acceptedTicket(t)
	c.before = fx.count(t)
	return c
}

// step runs op: its low nibble is the action, bit 4 the chat.
func (c *conversationCheck) step(i int, op byte) {
	chat := int(op>>4) & 1
	res, stf := c.resident[chat], c.staff[chat]
	switch op & 0x0f {
	case 0:
		c.say(res, fmt.Sprintf("/demand 小区门口的井盖丢了 %d", i))
	case 1:
		c.say(res, "好的")
		c.say(stf, "确认")
	case 2:
		c.say(res, "取消")
		c.say(stf, "取消")
	case 3:
		c.say(res, "什么是“四个清”？")
		c.say(stf, "/help")
	case 4:
		c.press(res, c.buttons[c.resident[0]]["提交"])
		c.press(res, c.buttons[c.resident[1]]["提交"])
	case 5:
		*c.now = c.now.Add(c.ttl)
	case 6:
		*c.now = c.now.Add(c.ttl / 2)
	case 7:
		c.press(stf, "rs:"+c.number)
	case 8:
		c.say(stf, fmt.Sprintf("已处理，答复 %d", i))
	default:
		c.press(stf, c.buttons[c.staff[0]]["确认办结"])
		c.press(stf, c.buttons[c.staff[1]]["确认办结"])
	}
}

// say sends text in s and checks the outcome against the model.
func (c *conversationCheck) say(s *bot.Session, text string) {
	want := c.expectSay(s, text)
	r, err := c.fx.asst.Handle(context.Background(), s, text)
	require.NoError(c.t, err, text)
	c.remember(s, r)
	c.check(s, text, want)
}

// press presses a button in s and checks the outcome against the model.
func (c *conversationCheck) press(s *bot.Session, data string) {
	if data == "" {
		return
	}
	want := c.expectPress(s, data)
	r, err := c.fx.asst.Callback(context.Background(), s, data)
	require.NoError(c.t, err, data)
	c.remember(s, r)
	c.check(s, data, want)
}

// outcome is what one message may do.
type outcome struct {
	file    string // the demand filed, or ""
	resolve string // the reply the ticket is resolved with, or ""
}

// expectSay advances the model by a message and returns what it does.
func (c *conversationCheck) expectSay(s *bot.Session, text string) outcome {
	st := c.live(s)
	cmd := strings.HasPrefix(text, "/")
	var out outcome
	if st != nil && !cmd {
		switch {
		case st.kind == "demand" && text == "好的":
			delete(c.model, s)
			return outcome{file: st.text}
		case text == "取消":
			delete(c.model, s)
			return out
		case st.kind == "text":
			c.model[s] = &modelStep{kind: "confirm", text: text, expires: c.now.Add(c.ttl)}
			return out
		case st.kind == "confirm" && text == "确认":
			delete(c.model, s)
			if !c.resolved {
				c.resolved = true
				return outcome{resolve: st.text}
			}
			return out
		}
	}
	delete(c.model, s) // anything else drops the step
	if demand, ok := strings.CutPrefix(text, "/demand "); ok {
		c.model[s] = &modelStep{kind: "demand", text: demand, expires: c.now.Add(c.ttl)}
	}
	return out
}

// expectPress advances the model by a button press.
func (c *conversationCheck) expectPress(s *bot.Session, data string) outcome {
	st := c.live(s)
	switch {
	case strings.HasPrefix(data, "rs:"):
		c.model[s] = &modelStep{kind: "text", expires: c.now.Add(c.ttl)}
	case st == nil || data != c.buttons[s][map[string]string{"demand": "提交", "confirm": "确认办结"}[st.kind]]:
		// A button of another chat's step, or of a step gone: nothing.
	case st.kind == "demand":
		delete(c.model, s)
		return outcome{file: st.text}
	case st.kind == "confirm":
		delete(c.model, s)
		if !c.resolved {
			c.resolved = true
			return outcome{resolve: st.text}
		}
	}
	return outcome{}
}

// live is the model's step of s that has not expired.
func (c *conversationCheck) live(s *bot.Session) *modelStep {
	st := c.model[s]
	if st != nil && !c.now.Before(st.expires) {
		delete(c.model, s)
		return nil
	}
	return st
}

// remember keeps the buttons of a reply, as the chat would show them.
func (c *conversationCheck) remember(s *bot.Session, r bot.Reply) {
	for _, row := range r.Buttons {
		for _, b := range row {
			if c.buttons[s] == nil {
				c.buttons[s] = map[string]string{}
			}
			c.buttons[s][b.Text] = b.Data
		}
	}
}

// check compares the store with what the model expects after in.
func (c *conversationCheck) check(s *bot.Session, in string, want outcome) {
	t := c.t
	t.Helper()
	if want.file != "" {
		c.filed++
	}
	require.Equal(t, c.before+c.filed, c.fx.count(t), "after %q in chat %d: tickets filed", in, s.Chat.ID)
	if want.file != "" {
		ts, err := c.fx.store.FindTickets(context.Background(), tickets.Viewer{Admin: true}, tickets.TicketFilter{Limit: 1})
		require.NoError(t, err)
		require.Equal(t, want.file, ts[0].Text, "after %q in chat %d: the demand filed", in, s.Chat.ID)
	}
	tk := c.fx.ticket(t, c.number)
	if !c.resolved {
		require.Equal(t, tickets.StatusAccepted, tk.Status, "after %q in chat %d: resolved", in, s.Chat.ID)
		return
	}
	require.Equal(t, tickets.StatusResolved, tk.Status, "after %q in chat %d", in, s.Chat.ID)
	if want.resolve != "" {
		require.Equal(t, want.resolve, tk.Reply, "after %q in chat %d: the reply sent", in, s.Chat.ID)
	}
}
