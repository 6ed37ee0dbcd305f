package telegram_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

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
	if err != nil || res[0].Status != bot.IngestAdded {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	h.start()

	h.api.push(h.say(resident, "职工驿站为户外劳动者提供哪些服务？"))
	ans := one(t, "answer", sentTo(h.api.waitFor(t, "the answer", func(cs []apiCall) bool { return len(sentTo(cs, resident)) > 0 }), resident))
	raw := ans.Params["text"]
	if ans.Params["parse_mode"] != "HTML" {
		t.Fatalf("parse_mode %q", ans.Params["parse_mode"])
	}
	for _, want := range []string{"职工驿站&lt;暖新&gt;&amp;服务指南", "a&lt;b&amp;c", "[1]", "来源："} {
		if !strings.Contains(raw, want) {
			t.Fatalf("answer lacks %q:\n%s", want, raw)
		}
	}
	if strings.Contains(raw, "<暖新>") || strings.Contains(raw, "b&c") {
		t.Fatalf("unescaped text in HTML:\n%s", raw)
	}
	bs := ans.buttons(t)
	up := bs["👍 有帮助"]
	if up == "" || bs["👎 没帮助"] == "" {
		t.Fatalf("no feedback buttons: %v", bs)
	}

	// Someone else's vote changes nothing; the asker's is stored.
	h.api.push(h.press(stranger, ans, up), h.press(resident, ans, up))
	calls := h.api.waitFor(t, "two callback answers", func(cs []apiCall) bool { return len(byMethod(cs, "answerCallbackQuery")) == 2 })
	acks := byMethod(calls, "answerCallbackQuery")
	if !strings.Contains(acks[0].Params["text"], "只能评价") || !strings.Contains(acks[1].Params["text"], "感谢反馈") {
		t.Fatalf("callback answers: %v / %v", acks[0].Params, acks[1].Params)
	}
	id, vote, ok := bot.ParseFeedbackData(up)
	if !ok || vote != feedback.Up {
		t.Fatalf("feedback data %q", up)
	}
	f, err := h.fb.FindAnswer(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if f.Vote != feedback.Up || f.UserID != "1001" || !strings.Contains(f.Question, "职工驿站") ||
		len(f.Sources) == 0 || !strings.Contains(f.Sources[0].Title, "<暖新>&") || f.Sources[0].Text == "" {
		t.Fatalf("feedback %+v", f)
	}
	// The voted answer loses its buttons.
	h.api.waitFor(t, "the buttons removed", func(cs []apiCall) bool {
		return len(byMethod(cs, "editMessageReplyMarkup")) == 1
	})

	// /sources shows the passages, escaped too.
	h.api.push(h.say(resident, "/sources"))
	src := h.api.waitFor(t, "the sources", func(cs []apiCall) bool { return len(withText(sentTo(cs, resident), "依据以下原文")) == 1 })
	if s := withText(sentTo(src, resident), "依据以下原文")[0].Params["text"]; !strings.Contains(s, "a&lt;b&amp;c") {
		t.Fatalf("sources not escaped:\n%s", s)
	}
}

// TestDemandJourney walks a demand through Telegram: confirmed by the
// inline button, filed, posted to the department's group as a card,
// refused to a stranger, accepted, resolved with a reply asked for in the
// group, and rated by the submitter from the 1–5 keyboard.
func TestDemandJourney(t *testing.T) {
	h := newHarness(t)
	h.start()
	api := h.api

	// 点单: the draft comes with 提交 / 修改 / 取消.
	api.push(h.say(resident, "/demand 老板拖欠我们快递员三个月工资了，电话13912345678"))
	draft := one(t, "draft", sentTo(api.waitFor(t, "the draft", func(cs []apiCall) bool { return len(sentTo(cs, resident)) == 1 }), resident))
	if !strings.Contains(draft.plain(), "区人社局") {
		t.Fatalf("draft: %s", draft.plain())
	}
	ok := draft.buttons(t)["提交"]
	if !strings.HasPrefix(ok, "dm:ok:") || draft.buttons(t)["取消"] == "" {
		t.Fatalf("draft buttons %v", draft.buttons(t))
	}
	if h.ticketCount() != 0 {
		t.Fatal("filed before confirmation")
	}

	// 派单: confirming files the ticket; the department gets a card.
	api.push(h.press(resident, draft, ok))
	calls := api.waitFor(t, "the filing and the card", func(cs []apiCall) bool {
		return len(withText(sentTo(cs, resident), "工单号")) == 1 && len(sentTo(cs, deptChat)) == 1
	})
	number := numberRE.FindString(withText(sentTo(calls, resident), "工单号")[0].plain())
	card := sentTo(calls, deptChat)[0]
	if !strings.Contains(card.plain(), "【新工单】"+number) || !strings.Contains(card.Params["text"], "<b>【新工单】</b>") {
		t.Fatalf("card: %s", card.Params["text"])
	}
	if bs := card.buttons(t); bs["接单"] != "ac:"+number || bs["转派"] != "tr:"+number {
		t.Fatalf("card buttons %v", bs)
	}
	if e := one(t, "keyboard removal", byMethod(calls, "editMessageReplyMarkup")); e.Params["message_id"] != strconv.Itoa(draft.MsgID) {
		t.Fatalf("removed the keyboard of %v, want the draft %d", e.Params, draft.MsgID)
	}

	// A stranger pressing 接单 gets a polite refusal; nothing changes. The
	// staff member's press after it (same chat, so handled after it) accepts.
	api.push(h.press(stranger, card, "ac:"+number), h.press(staff, card, "ac:"+number))
	calls = api.waitFor(t, "the acceptance", func(cs []apiCall) bool {
		return len(withText(sentTo(cs, deptChat), "已接单")) == 1 && len(withText(sentTo(cs, resident), "已由区人社局接单")) == 1
	})
	acks := byMethod(calls, "answerCallbackQuery")
	refusal := acks[len(acks)-2]
	if refusal.Params["show_alert"] != "true" || !strings.Contains(refusal.Params["text"], "无权") {
		t.Fatalf("stranger's answer: %v", refusal.Params)
	}
	if n := len(sentTo(calls, deptChat)); n != 2 { // the card and 已接单
		t.Fatalf("%d messages in the department chat, want 2:\n%s", n, dump(sentTo(calls, deptChat)))
	}
	if tk := h.ticket(number); tk.Status != tickets.StatusAccepted || tk.History[len(tk.History)-1].Actor != "2001" {
		t.Fatalf("ticket %s by %s", tk.Status, tk.History[len(tk.History)-1].Actor)
	}
	accepted := withText(sentTo(calls, deptChat), "已接单")[0]

	// 办结 asks the staff member, by name, to reply to the bot's message.
	api.push(h.press(staff, accepted, accepted.buttons(t)["办结"]))
	calls = api.waitFor(t, "the request for a reply", func(cs []apiCall) bool { return len(withText(sentTo(cs, deptChat), "直接回复")) == 1 })
	ask := withText(sentTo(calls, deptChat), "直接回复")[0]
	if !strings.Contains(ask.Params["text"], `<a href="tg://user?id=2001">李科员</a>`) || !strings.Contains(ask.Params["reply_markup"], `"force_reply":true`) {
		t.Fatalf("reply request: %v", ask.Params)
	}

	// The reply is shown back; confirmed, it resolves, and the submitter
	// gets it with the rating keyboard.
	api.push(h.replyTo(ask, staff, "已约谈企业负责人，工资本周内补发。"))
	calls = api.waitFor(t, "the reply shown back", func(cs []apiCall) bool { return len(withText(sentTo(cs, deptChat), "确认办结")) == 1 })
	shown := withText(sentTo(calls, deptChat), "确认办结")[0]
	if tk := h.ticket(number); tk.Status != tickets.StatusAccepted {
		t.Fatalf("resolved before confirmation: %s", tk.Status)
	}
	api.push(h.press(staff, shown, shown.buttons(t)["确认办结"]))
	calls = api.waitFor(t, "the resolution", func(cs []apiCall) bool {
		return len(withText(sentTo(cs, deptChat), "已办结")) == 1 && len(withText(sentTo(cs, resident), "已约谈企业负责人")) == 1
	})
	resolved := withText(sentTo(calls, resident), "已约谈企业负责人")[0]
	five := resolved.buttons(t)["★★★★★"]
	if five != "rt:"+number+":5" {
		t.Fatalf("rating keyboard %v", resolved.buttons(t))
	}

	// 评单: the staff member cannot rate; the submitter can, once.
	api.push(h.press(staff, resolved, five), h.press(resident, resolved, five))
	api.waitFor(t, "the thanks", func(cs []apiCall) bool { return len(withText(sentTo(cs, resident), "感谢评价")) == 1 })
	if tk := h.ticket(number); tk.Status != tickets.StatusRated || tk.Rating != 5 {
		t.Fatalf("ticket %s rated %d", tk.Status, tk.Rating)
	}
	// A second press: refused by the store, and the keyboard, already
	// gone, is "not modified" — which is no error.
	api.push(h.press(resident, resolved, five))
	api.waitFor(t, "the second rating refused", func(cs []apiCall) bool { return len(withText(sentTo(cs, resident), "不能")) == 1 })
	if tk := h.ticket(number); tk.Rating != 5 || h.ticketCount() != 1 {
		t.Fatalf("a second press changed the ticket: %+v", tk)
	}
	h.stop()
	if strings.Contains(h.logs.String(), "editMessageReplyMarkup") {
		t.Fatalf("\"message is not modified\" was logged as a failure:\n%s", h.logs)
	}
	// The department heard of the rating.
	if len(withText(sentTo(h.api.snapshot(), deptChat), "已评价：5 分")) != 1 {
		t.Fatalf("no rating notice in the department chat:\n%s", dump(sentTo(h.api.snapshot(), deptChat)))
	}
}

// TestRestartRedelivery: the server restarts mid-journey and Telegram
// delivers the same updates again; they are skipped — no second ticket, no
// second reply — and the journey goes on.
func TestRestartRedelivery(t *testing.T) {
	h := newHarness(t)
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
	if n := h.ticketCount(); n != 1 {
		t.Fatalf("%d tickets after the redelivery, want 1", n)
	}
	if got, want := len(sentTo(calls, resident)), len(sentTo(before, resident))+1; got != want {
		t.Fatalf("%d messages to the resident, want %d (only the list):\n%s", got, want, dump(sentTo(calls, resident)))
	}
	if got, want := len(byMethod(calls, "answerCallbackQuery")), len(byMethod(before, "answerCallbackQuery")); got != want {
		t.Fatalf("the redelivered press was answered again")
	}
	if !strings.Contains(h.logs.String(), "update already handled") {
		t.Fatal("no skipped update logged")
	}
}
