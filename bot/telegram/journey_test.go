package telegram_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/feedback"
	"partybot/tickets"
)

// TestQuestionJourney: a question is answered with its sources, in HTML
// with everything escaped, under 👍/👎 buttons; the vote is stored with
// the question and the sources shown.
func TestQuestionJourney(t *testing.T) {
	h := newHarness(t)
	// A document whose title and text need escaping.
	const doc = "# 职工驿站<暖新>&服务指南\n\n职工驿站为快递员、外卖骑手等户外劳动者免费提供饮水、休息、手机充电和应急药品，开放时间为每天8:00至20:00，遇到a<b&c的情况请联系站长。\n"
	res, err := h.kb.Ingest(context.Background(), []bot.Source{{Name: "guide.md", Read: func() ([]byte, error) { return []byte(doc), nil }}}, bot.IngestOptions{})
	require.NoError(t, err)
	require.Equal(t, bot.IngestAdded, res[0].Status, "ingest: %+v", res)
	h.start()

	h.api.push(h.say(resident, "职工驿站为户外劳动者提供哪些服务？"))
	ans := one(t, "answer", sentTo(h.api.waitFor(t, "the answer", func(cs []apiCall) bool { return len(sentTo(cs, resident)) > 0 }), resident))
	raw := ans.Params["text"]
	assert.Equal(t, "HTML", ans.Params["parse_mode"])
	for _, want := range []string{"职工驿站&lt;暖新&gt;&amp;服务指南", "a&lt;b&amp;c", "[1]", "来源："} {
		assert.Contains(t, raw, want, "answer")
	}
	assert.NotContains(t, raw, "<暖新>", "unescaped text in HTML")
	assert.NotContains(t, raw, "b&c", "unescaped text in HTML")
	bs := ans.buttons(t)
	up := bs["👍 有帮助"]
	require.NotEmpty(t, up, "no feedback buttons: %v", bs)
	assert.NotEmpty(t, bs["👎 没帮助"], "no feedback buttons: %v", bs)

	// Someone else's vote changes nothing; the asker's is stored.
	h.api.push(h.press(stranger, ans, up), h.press(resident, ans, up))
	calls := h.api.waitFor(t, "two callback answers", func(cs []apiCall) bool { return len(byMethod(cs, "answerCallbackQuery")) == 2 })
	acks := byMethod(calls, "answerCallbackQuery")
	assert.Contains(t, acks[0].Params["text"], "只能评价", "the stranger's callback answer")
	assert.Contains(t, acks[1].Params["text"], "感谢反馈", "the asker's callback answer")
	id, vote, ok := bot.ParseFeedbackData(up)
	require.True(t, ok, "feedback data %q", up)
	assert.Equal(t, feedback.Up, vote, "feedback data %q", up)
	f, err := h.fb.FindAnswer(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, feedback.Up, f.Vote, "feedback %+v", f)
	assert.Equal(t, "1001", f.UserID, "feedback %+v", f)
	assert.Contains(t, f.Question, "职工驿站", "feedback %+v", f)
	require.NotEmpty(t, f.Sources, "feedback %+v", f)
	assert.Contains(t, f.Sources[0].Title, "<暖新>&", "feedback %+v", f)
	assert.NotEmpty(t, f.Sources[0].Text, "feedback %+v", f)
	// The voted answer loses its buttons.
	h.api.waitFor(t, "the buttons removed", func(cs []apiCall) bool {
		return len(byMethod(cs, "editMessageReplyMarkup")) == 1
	})

	// /sources shows the passages, escaped too.
	h.api.push(h.say(resident, "/sources"))
	src := h.api.waitFor(t, "the sources", func(cs []apiCall) bool { return len(withText(sentTo(cs, resident), "依据以下原文")) == 1 })
	assert.Contains(t, withText(sentTo(src, resident), "依据以下原文")[0].Params["text"], "a&lt;b&amp;c", "sources not escaped")
}

// TestDemandJourney walks a demand through Telegram: confirmed by the
// inline button, filed, posted to the department's group as a card,
// refused to a stranger, accepted, resolved with a reply asked for in the
// group, and rated by the submitter from the 1–5 keyboard.
func TestDemandJourney(t *testing.T) {
	eachEngine(t, func(t *testing.T, eng engine) {
		h := newHarness(t, onEngine(eng))
		h.start()
		api := h.api

		// 点单: the draft comes with 提交 / 修改 / 取消.
		api.push(h.say(resident, "/demand 老板拖欠我们快递员三个月工资了，电话13912345678"))
		draft := one(t, "draft", sentTo(api.waitFor(t, "the draft", func(cs []apiCall) bool { return len(sentTo(cs, resident)) == 1 }), resident))
		assert.Contains(t, draft.plain(), "区人社局", "draft")
		ok := draft.buttons(t)["提交"]
		require.True(t, strings.HasPrefix(ok, "dm:ok:"), "draft buttons %v", draft.buttons(t))
		assert.NotEmpty(t, draft.buttons(t)["取消"], "draft buttons %v", draft.buttons(t))
		require.Zero(t, h.ticketCount(), "filed before confirmation")

		// 派单: confirming files the ticket; the department gets a card.
		api.push(h.press(resident, draft, ok))
		calls := api.waitFor(t, "the filing and the card", func(cs []apiCall) bool {
			return len(withText(sentTo(cs, resident), "工单号")) == 1 && len(sentTo(cs, deptChat)) == 1
		})
		number := numberRE.FindString(withText(sentTo(calls, resident), "工单号")[0].plain())
		card := sentTo(calls, deptChat)[0]
		assert.Contains(t, card.plain(), "【新工单】"+number, "card")
		assert.Contains(t, card.Params["text"], "<b>【新工单】</b>", "card")
		bs := card.buttons(t)
		assert.Equal(t, "ac:"+number, bs["接单"], "card buttons %v", bs)
		assert.Equal(t, "tr:"+number, bs["转派"], "card buttons %v", bs)
		e := one(t, "keyboard removal", byMethod(calls, "editMessageReplyMarkup"))
		assert.Equal(t, strconv.Itoa(draft.MsgID), e.Params["message_id"], "removed the keyboard of %v, want the draft's", e.Params)

		// A stranger pressing 接单 gets a polite refusal; nothing changes. The
		// staff member's press after it (same chat, so handled after it) accepts.
		api.push(h.press(stranger, card, "ac:"+number), h.press(staff, card, "ac:"+number))
		calls = api.waitFor(t, "the acceptance", func(cs []apiCall) bool {
			return len(withText(sentTo(cs, deptChat), "已接单")) == 1 && len(withText(sentTo(cs, resident), "已由区人社局接单")) == 1
		})
		acks := byMethod(calls, "answerCallbackQuery")
		refusal := acks[len(acks)-2]
		assert.Equal(t, "true", refusal.Params["show_alert"], "stranger's answer: %v", refusal.Params)
		assert.Contains(t, refusal.Params["text"], "无权", "stranger's answer")
		// The card and 已接单.
		assert.Len(t, sentTo(calls, deptChat), 2, "messages in the department chat:\n%s", dump(sentTo(calls, deptChat)))
		tk := h.ticket(number)
		require.Equal(t, tickets.StatusAccepted, tk.Status)
		assert.Equal(t, "2001", tk.History[len(tk.History)-1].Actor, "accepted by")
		assert.Equal(t, tickets.ViaTelegram, tk.History[len(tk.History)-1].Via, "accepted through")
		assert.Equal(t, tickets.ViaTelegram, tk.History[0].Via, "filed through")
		accepted := withText(sentTo(calls, deptChat), "已接单")[0]

		// 办结 asks the staff member, by name, to reply to the bot's message.
		api.push(h.press(staff, accepted, accepted.buttons(t)["办结"]))
		calls = api.waitFor(t, "the request for a reply", func(cs []apiCall) bool { return len(withText(sentTo(cs, deptChat), "直接回复")) == 1 })
		ask := withText(sentTo(calls, deptChat), "直接回复")[0]
		assert.Contains(t, ask.Params["text"], `<a href="tg://user?id=2001">李科员</a>`, "reply request")
		assert.Contains(t, ask.Params["reply_markup"], `"force_reply":true`, "reply request")

		// The reply is shown back; confirmed, it resolves, and the submitter
		// gets it with the rating keyboard.
		api.push(h.replyTo(ask, staff, "已约谈企业负责人，工资本周内补发。"))
		calls = api.waitFor(t, "the reply shown back", func(cs []apiCall) bool { return len(withText(sentTo(cs, deptChat), "确认办结")) == 1 })
		shown := withText(sentTo(calls, deptChat), "确认办结")[0]
		require.Equal(t, tickets.StatusAccepted, h.ticket(number).Status, "resolved before confirmation")
		api.push(h.press(staff, shown, shown.buttons(t)["确认办结"]))
		calls = api.waitFor(t, "the resolution", func(cs []apiCall) bool {
			return len(withText(sentTo(cs, deptChat), "已办结")) == 1 && len(withText(sentTo(cs, resident), "已约谈企业负责人")) == 1
		})
		resolved := withText(sentTo(calls, resident), "已约谈企业负责人")[0]
		five := resolved.buttons(t)["★★★★★"]
		require.Equal(t, "rt:"+number+":5", five, "rating keyboard %v", resolved.buttons(t))

		// 评单: the staff member cannot rate; the submitter can, once.
		api.push(h.press(staff, resolved, five), h.press(resident, resolved, five))
		api.waitFor(t, "the thanks", func(cs []apiCall) bool { return len(withText(sentTo(cs, resident), "感谢评价")) == 1 })
		tk = h.ticket(number)
		require.Equal(t, tickets.StatusRated, tk.Status)
		require.Equal(t, 5, tk.Rating)
		// A second press: refused by the store, and the keyboard, already
		// gone, is "not modified" — which is no error.
		api.push(h.press(resident, resolved, five))
		api.waitFor(t, "the second rating refused", func(cs []apiCall) bool { return len(withText(sentTo(cs, resident), "不能")) == 1 })
		tk = h.ticket(number)
		assert.Equal(t, 5, tk.Rating, "a second press changed the ticket: %+v", tk)
		assert.Equal(t, 1, h.ticketCount(), "a second press filed a ticket")
		h.stop()
		assert.NotContains(t, h.logs.String(), "editMessageReplyMarkup", "\"message is not modified\" was logged as a failure")
		// The department heard of the rating.
		assert.Len(t, withText(sentTo(h.api.snapshot(), deptChat), "已评价：5 分"), 1,
			"the rating notice in the department chat:\n%s", dump(sentTo(h.api.snapshot(), deptChat)))
	})
}

// TestRestartRedelivery: the server restarts mid-journey and Telegram
// delivers the same updates again; they are skipped — no second ticket, no
// second reply — and the journey goes on.
func TestRestartRedelivery(t *testing.T) {
	eachEngine(t, func(t *testing.T, e engine) {
		h := newHarness(t, onEngine(e))
		h.start()
		api := h.api
		demand := h.say(resident, "/demand 小区门口的井盖丢了，晚上很危险")
		api.push(demand)
		draft := one(t, "draft", sentTo(api.waitFor(t, "the draft", func(cs []apiCall) bool { return len(sentTo(cs, resident)) == 1 }), resident))
		confirm := h.press(resident, draft, draft.buttons(t)["提交"])
		api.push(confirm)
		api.waitFor(t, "the filing", func(cs []apiCall) bool { return len(withText(sentTo(cs, resident), "工单号")) == 1 })
		before := api.snapshot()

		h.restart()
		api.push(demand, confirm, h.say(resident, "/mytickets"))
		calls := api.waitFor(t, "the list", func(cs []apiCall) bool { return len(withText(sentTo(cs, resident), "您的诉求")) == 1 })
		assert.Equal(t, 1, h.ticketCount(), "tickets after the redelivery")
		assert.Equal(t, len(sentTo(before, resident))+1, len(sentTo(calls, resident)),
			"messages to the resident, want only the list more:\n%s", dump(sentTo(calls, resident)))
		assert.Equal(t, len(byMethod(before, "answerCallbackQuery")), len(byMethod(calls, "answerCallbackQuery")),
			"the redelivered press was answered again")
		assert.Contains(t, h.logs.String(), "update already handled", "no skipped update logged")
	})
}
