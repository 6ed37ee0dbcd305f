package telegram_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/points"
	"partybot/stations"
	"partybot/tickets"
)

var photoBytes = append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte("jpeg"), 500)...)

// photo is a private photo message with caption, its file served by the
// fake Bot API.
func (h *harness) photo(from int64, id, caption string, size int) *models.Update {
	h.api.mu.Lock()
	h.api.files[id] = photoBytes
	h.api.mu.Unlock()
	u := h.say(from, "")
	u.Message.Caption = caption
	u.Message.Photo = []models.PhotoSize{
		{FileID: id + "-small", FileUniqueID: id + "s", Width: 90, Height: 60, FileSize: 900},
		{FileID: id, FileUniqueID: id, Width: 1280, Height: 960, FileSize: size},
	}
	return u
}

// location is a private message sharing a point.
func (h *harness) location(from int64, lat, lng float64) *models.Update {
	u := h.say(from, "")
	u.Message.Location = &models.Location{Latitude: lat, Longitude: lng}
	return u
}

// TestReportJourney: a photo with a caption and then a location, sent
// through Telegram, make one report with both; the department's card
// carries the photo and the point.
func TestReportJourney(t *testing.T) {
	h := newHarness(t)
	h.start()
	api := h.api

	api.push(h.photo(resident, "ph1", "快递站老板拖欠我们工资，还把我们赶出宿舍", len(photoBytes)))
	ask := api.waitFor(t, "where?", func(cs []apiCall) bool { return len(withText(sentTo(cs, resident), "发送我的位置")) > 0 })
	assert.Contains(t, withText(sentTo(ask, resident), "发送我的位置")[0].Params["reply_markup"], `"request_location":true`)

	api.push(h.location(resident, 32.99, 112.53))
	draft := one(t, "draft", withText(sentTo(api.waitFor(t, "the draft", func(cs []apiCall) bool {
		return len(withText(sentTo(cs, resident), "请核对这条随手拍")) > 0
	}), resident), "请核对这条随手拍"))
	api.push(h.press(resident, draft, draft.buttons(t)["提交"]))
	calls := api.waitFor(t, "the card with its photo", func(cs []apiCall) bool {
		return len(byMethod(toChat(cs, deptChat), "sendPhoto")) == 1 && len(byMethod(toChat(cs, deptChat), "sendVenue")) == 1
	})
	filed := one(t, "filed", withText(sentTo(calls, resident), "随手拍已提交"))
	number := numberRE.FindString(filed.Params["text"])
	tk := h.ticket(number)
	assert.Equal(t, tickets.KindReport, tk.Kind)
	require.Len(t, tk.Attachments, 1)
	assert.Equal(t, int64(len(photoBytes)), tk.Attachments[0].Size)
	require.NotNil(t, tk.Coords)
	venue := byMethod(toChat(calls, deptChat), "sendVenue")[0]
	assert.Equal(t, "32.99", venue.Params["latitude"])
	assert.Contains(t, venue.Params["title"], number)
}

// TestPhotoTooLarge: a photo whose every size is over the limit, or an
// image sent as a file over it, is refused before anything is fetched.
func TestPhotoTooLarge(t *testing.T) {
	h := newHarness(t)
	h.start()
	u := h.photo(resident, "big", "井盖丢了", bot.MaxPhotoBytes+1)
	u.Message.Photo = u.Message.Photo[1:]
	doc := h.say(resident, "")
	doc.Message.Document = &models.Document{FileID: "img", FileName: "井盖.png", MimeType: "image/png", FileSize: bot.MaxPhotoBytes + 1}
	h.api.push(u, doc)
	calls := h.api.waitFor(t, "refused", func(cs []apiCall) bool { return len(withText(sentTo(cs, resident), "照片太大")) == 2 })
	assert.Len(t, sentTo(calls, resident), 2)
	assert.Zero(t, h.api.attemptsOf("getFile"), "nothing is fetched")
}

// TestNearestStationsJourney: a shared location gets the three nearest
// stations as text and as venues.
func TestNearestStationsJourney(t *testing.T) {
	h := newHarness(t, withAssistant(bot.WithStations(stations.NewIndex([]stations.Station{
		{ID: 1, Name: "建设路驿站", Address: "建设路1号", Lat: 32.995, Lng: 112.530, Services: []string{"休息", "饮水"}, Hours: "24小时"},
		{ID: 2, Name: "人民路司机之家", Address: "人民路8号", Lat: 33.000, Lng: 112.540, Services: []string{"充电"}, Hours: "24小时"},
		{ID: 3, Name: "远郊驿站", Address: "镇平县", Lat: 33.100, Lng: 112.200, Services: []string{"充电"}, Hours: "24小时"},
		{ID: 4, Name: "更远驿站", Address: "内乡县", Lat: 33.300, Lng: 111.800, Services: []string{"充电"}, Hours: "24小时"},
	}))))
	h.start()
	h.api.push(h.location(resident, 32.99, 112.53))
	calls := h.api.waitFor(t, "three venues", func(cs []apiCall) bool { return len(byMethod(toChat(cs, resident), "sendVenue")) == 3 })
	text := one(t, "list", withText(sentTo(calls, resident), "离您最近")).Params["text"]
	assert.True(t, strings.Index(text, "建设路驿站") < strings.Index(text, "人民路司机之家"), text)
	assert.NotContains(t, text, "更远驿站")
}

// toChat are the calls of any method to chat.
func toChat(calls []apiCall, chat int64) []apiCall {
	var out []apiCall
	for _, c := range calls {
		if c.Params["chat_id"] == strconv.FormatInt(chat, 10) {
			out = append(out, c)
		}
	}
	return out
}

// TestVerifiedReportEarnsPoints: a report filed through Telegram earns its
// submitter nothing until the department's staff accept it and press 核实有效
// on it; then /points shows the award, once however often it is pressed.
func TestVerifiedReportEarnsPoints(t *testing.T) {
	ledger, err := points.Open(context.Background(), filepath.Join(t.TempDir(), "points.db"))
	require.NoError(t, err)
	t.Cleanup(func() { ledger.Close() })
	h := newHarness(t, withAssistant(bot.WithPoints(ledger)))
	h.start()
	api := h.api

	api.push(h.say(resident, "/report 快递站老板拖欠我们三个月工资"), h.say(resident, "建设路快递站"))
	draft := one(t, "draft", withText(sentTo(api.waitFor(t, "the draft", func(cs []apiCall) bool {
		return len(withText(sentTo(cs, resident), "请核对这条随手拍")) == 1
	}), resident), "请核对这条随手拍"))
	api.push(h.press(resident, draft, draft.buttons(t)["提交"]))
	calls := api.waitFor(t, "the card", func(cs []apiCall) bool { return len(sentTo(cs, deptChat)) == 1 })
	card := sentTo(calls, deptChat)[0]
	number := numberRE.FindString(card.plain())

	api.push(h.say(resident, "/points"))
	api.waitFor(t, "no points yet", func(cs []apiCall) bool { return len(withText(sentTo(cs, resident), "红色积分：0 分")) == 1 })

	api.push(h.press(staff, card, card.buttons(t)["接单"]))
	calls = api.waitFor(t, "accepted", func(cs []apiCall) bool { return len(withText(sentTo(cs, deptChat), "已接单")) == 1 })
	accepted := withText(sentTo(calls, deptChat), "已接单")[0]
	verify := accepted.buttons(t)["核实有效"]
	require.Equal(t, "vf:"+number, verify)
	api.push(h.press(staff, accepted, verify), h.press(staff, accepted, verify))
	api.waitFor(t, "verified", func(cs []apiCall) bool { return len(withText(sentTo(cs, deptChat), "红色积分 10 分")) == 1 })

	api.push(h.say(resident, "/points"))
	calls = api.waitFor(t, "the points", func(cs []apiCall) bool { return len(withText(sentTo(cs, resident), "红色积分：10 分")) == 1 })
	assert.Contains(t, withText(sentTo(calls, resident), "红色积分：10 分")[0].plain(), number)
	bal, err := ledger.Balance(context.Background(), strconv.FormatInt(resident, 10))
	require.NoError(t, err)
	assert.Equal(t, 10, bal, "awarded once")
}
