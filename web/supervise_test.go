package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/tickets"
)

// TestSupervise: an administrator adds a 督办 note to an open ticket from
// its page or the API; it is in the timeline with who and where, and the
// department is notified. Staff get no form and are refused; another
// department's staff learn nothing; a stale page or a resolved ticket gets
// a clear message.
func TestSupervise(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	admin, renshe, sifa := e.signIn(t, "tg:admin"), e.signIn(t, "tg:renshe"), e.signIn(t, "tg:sifa")
	number := e.renshe.Number
	page := "/tickets/" + number
	form := `action="/tickets/` + number + `/supervise"`
	version := func() string { return strconv.Itoa(e.current(t, number).Version) }

	_, body := e.do(t, "GET", page, admin, "")
	assert.Contains(t, body, form, "an administrator may supervise")
	_, body = e.do(t, "GET", page, renshe, "")
	assert.NotContains(t, body, form, "staff may not")

	stale := version()
	resp, body := e.post(t, page+"/supervise", admin, url.Values{"version": {stale}, "supervision": {"请今天内联系企业"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	_, body = e.do(t, "GET", page, admin, "")
	assert.Contains(t, body, "<strong>督办意见</strong>")
	assert.Contains(t, body, "tg:admin（经工作台）")
	assert.Contains(t, body, "请今天内联系企业")
	ns, err := e.tickets.PendingNotifications(ctx, 100)
	require.NoError(t, err)
	last := ns[len(ns)-1]
	assert.Equal(t, "supervised", last.Kind)
	assert.Equal(t, "renshe", last.Recipient)
	assert.Contains(t, last.Text, "督办意见：请今天内联系企业")

	t.Run("stale page", func(t *testing.T) {
		resp, body := e.post(t, page+"/supervise", admin, url.Values{"version": {stale}, "supervision": {"再催一次"}})
		assert.Equal(t, http.StatusConflict, resp.StatusCode)
		assert.Contains(t, body, "已被他人更新")
		assert.Contains(t, body, "再催一次", "what was typed stays")
	})
	t.Run("staff form refused", func(t *testing.T) {
		before := version()
		resp, body := e.post(t, page+"/supervise", renshe, url.Values{"version": {before}, "supervision": {"自己督办自己"}})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		assert.Contains(t, body, "只有管理员可以督办")
		assert.Equal(t, before, version(), "nothing written")
	})
	t.Run("api", func(t *testing.T) {
		api := "/api/v1/tickets/" + number + "/supervise"
		_, none := e.do(t, "POST", "/api/v1/tickets/2026-099999/supervise", sifa, `{"note":"x"}`)
		for _, tc := range []struct {
			name, sid, body string
			status          int
			want            string
		}{
			{"admin", admin, `{"note":"请本周内办结"}`, http.StatusOK, `"status":"dispatched"`},
			{"no note", admin, `{"note":""}`, http.StatusBadRequest, "必须填写督办意见"},
			{"staff", renshe, `{"note":"x"}`, http.StatusForbidden, "只有管理员可以督办"},
			{"another department", sifa, `{"note":"x"}`, http.StatusNotFound, none},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := e.do(t, "POST", api, tc.sid, tc.body)
				assert.Equal(t, tc.status, resp.StatusCode, body)
				assert.Contains(t, body, tc.want)
			})
		}
		got := e.current(t, number)
		h := got.History[len(got.History)-1]
		assert.Equal(t, tickets.ActionSupervise, h.Action)
		assert.Equal(t, tickets.ViaWeb, h.Via)
		assert.Equal(t, "请本周内办结", h.Note)
	})
	t.Run("resolved", func(t *testing.T) {
		_, err := e.tickets.Accept(ctx, viewer("tg:renshe"), number, "")
		require.NoError(t, err)
		_, err = e.tickets.Resolve(ctx, viewer("tg:renshe"), number, "已补发")
		require.NoError(t, err)
		_, body := e.do(t, "GET", page, admin, "")
		assert.NotContains(t, body, form, "nothing to supervise")
		resp, body := e.post(t, page+"/supervise", admin, url.Values{"version": {version()}, "supervision": {"还要催"}})
		assert.Equal(t, http.StatusConflict, resp.StatusCode)
		assert.Contains(t, body, "“已办结”，无需再督办")
		resp, body = e.do(t, "POST", "/api/v1/tickets/"+number+"/supervise", admin, `{"note":"还要催"}`)
		assert.Equal(t, http.StatusConflict, resp.StatusCode)
		var apiErr struct{ Code, Message string }
		require.NoError(t, json.Unmarshal([]byte(body), &apiErr))
		assert.Equal(t, "conflict", apiErr.Code)
		assert.Contains(t, apiErr.Message, "无需再督办")
	})
}
