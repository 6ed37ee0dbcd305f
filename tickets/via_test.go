package tickets_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/tickets"
)

// via returns v acting from where.
func via(v tickets.Viewer, where tickets.Via) tickets.Viewer {
	v.Via = where
	return v
}

// vias lists the actor and where of each history row.
func vias(t *tickets.Ticket) [][2]string {
	var out [][2]string
	for _, h := range t.History {
		out = append(out, [2]string{h.Actor, string(h.Via)})
	}
	return out
}

// TestHistoryVia: every action is recorded with where it was taken — the
// filer's channel on 点单, the viewer's on each move, system on dispatch
// and the sweep — read back by FindTicketByNumber and the export, and
// written in the history's text and JSON.
func TestHistoryVia(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		c := newClock()
		s, _ := e.MustOpen(t, tickets.WithClock(c.Now))
		tk, err := s.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "phone:张三", SubmitterName: "张三",
			Channel: tickets.ChannelPhone, Text: "小区门口井盖丢了", Department: "chengguan", Confidence: 1,
			Actor: "cli", Via: tickets.ViaCLI})
		require.NoError(t, err)

		_, err = s.Accept(ctx, via(staff("chengguan"), tickets.ViaWeb), tk.Number, "")
		require.NoError(t, err)
		_, err = s.Transfer(ctx, via(admin, tickets.ViaTelegram), tk.Number, "zhujian", "属住建")
		require.NoError(t, err)
		c.Add(30 * 24 * time.Hour)
		_, err = s.Sweep(ctx, c.Now())
		require.NoError(t, err)
		_, err = s.Accept(ctx, staff("zhujian"), tk.Number, "") // an entry point that says nothing
		require.NoError(t, err)

		got, err := s.FindTicketByNumber(ctx, admin, tk.Number)
		require.NoError(t, err)
		checkHistory(t, got)
		want := [][2]string{{"cli", "cli"}, {"system", "system"}, {"staff-chengguan", "web"},
			{"admin", "telegram"}, {"system", "system"}, {"staff-zhujian", ""}}
		require.GreaterOrEqual(t, len(got.History), len(want))
		assert.Equal(t, want[:4], vias(got)[:4])
		assert.Equal(t, want[4:], vias(got)[len(got.History)-2:], "the sweep, then the last accept")

		exported, err := s.ExportTickets(ctx, admin, tickets.TicketFilter{})
		require.NoError(t, err)
		require.Len(t, exported, 1)
		assert.Equal(t, vias(got), vias(exported[0]), "the export reads the same")

		assert.Contains(t, got.Describe("城管"), "staff-chengguan（经工作台） 接单")
		b, err := json.Marshal(got.History[2])
		require.NoError(t, err)
		assert.Contains(t, string(b), `"via":"web"`)
	})
}

// TestViaLabel: the console's and the command's wording of each place.
func TestViaLabel(t *testing.T) {
	for _, tc := range []struct {
		via  tickets.Via
		want string
	}{
		{tickets.ViaWeb, "经工作台"}, {tickets.ViaTelegram, "经 Telegram"}, {tickets.ViaCLI, "经命令行"},
		{tickets.ViaSystem, "系统自动"}, {"", ""}, {"fax", ""},
	} {
		t.Run(string(tc.via), func(t *testing.T) {
			assert.Equal(t, tc.want, tc.via.Label())
		})
	}
}
