package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/internal/browsertest"
	"partybot/points"
	"partybot/push"
	"partybot/stations"
)

// TestBrowserServices opens 红色积分, 驿站, 政策推送 and a notice's
// recipients as an administrator, on an office screen and on a phone:
// each shows its data, with no script error and no sideways scrolling.
func TestBrowserServices(t *testing.T) {
	browsertest.Require(t)
	e, sv := newServicesEnv(t)
	ctx := context.Background()
	first := award(t, sv.ledger, points.Award{UserID: "tg:100", Reason: points.ReportVerified, TicketNumber: e.renshe.Number,
		By: "tg:renshe", Key: "verified:" + e.renshe.Number})
	award(t, sv.ledger, points.Award{UserID: "tg:100", Reason: points.Correction, Points: -4, Corrects: first.ID,
		By: "tg:admin", Note: "隐患部分属实，按规则少记 4 分"})
	require.NoError(t, sv.stations.Replace(ctx, testStations, stations.Import{At: time.Now(), Source: "驿站名单.xlsx", Stations: len(testStations)}))
	_, err := sv.push.Subscribe(ctx, push.Subscription{UserID: 1, ChatID: 1001, Audiences: []string{"外卖骑手"}})
	require.NoError(t, err)
	doc := riderNotice(t)
	_, err = sv.push.Queue(ctx, doc, time.Now())
	require.NoError(t, err)

	tab := e.tab(t, "tg:admin", "/points")
	pages := []struct{ path, heading, shows string }{
		{"/points", "红色积分", "隐患部分属实"},
		{"/stations", "暖“新”驿站", "黄浦驿站"},
		{"/push", "政策推送", doc.Title},
		{"/push/notices/" + url.PathEscape(doc.Name), doc.Title, "身份：外卖骑手"},
	}
	for _, size := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"office", 1366, 768, false}, {"phone", browsertest.PhoneWidth, browsertest.PhoneHeight, true}} {
		browsertest.Resize(t, tab, size.width, size.height, size.mobile)
		for _, p := range pages {
			t.Run(size.name+p.path, func(t *testing.T) {
				require.EqualValues(t, http.StatusOK, browsertest.Open(t, tab, e.ts.URL+p.path))
				assert.Equal(t, p.heading, browsertest.Text(t, tab, "h1"))
				assert.Contains(t, browsertest.Text(t, tab, "main"), p.shows)
				assert.Zero(t, browsertest.Overflow(t, tab), "%s scrolls sideways", p.path)
			})
		}
	}
	assert.Empty(t, browsertest.PageErrors(tab))
}
