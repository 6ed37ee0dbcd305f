package bot_test

import (
	"context"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/tickets"
)

// FuzzCallback: whatever data a button carries, a user who owns nothing
// changes nothing and gets an answer.
func FuzzCallback(f *testing.F) {
	for _, s := range []string{"", "dm:ok:", "dm:no:x", "rt:2026-000001:5", "ac:2026-000001", "rs:2026-1", "tr:2026000001",
		"fb:1:+", "fb:9223372036854775807:-", "zz:1", "ac:../../etc", "\xff:\xff"} {
		f.Add(s)
	}
	fx := newDeskFixture(f)
	fx.say(f, fx.resident, "/demand 老板拖欠工资三个月了")
	number := numberIn(fx.say(f, fx.resident, "确认").Text) // the resident's
	f.Fuzz(func(t *testing.T, data string) {
		r, err := fx.asst.Callback(context.Background(), fx.stranger, data)
		require.NoError(t, err, "%q", data)
		assert.NotEmpty(t, r.Text, "%q: reply %+v", data, r)
		if utf8.ValidString(data) {
			assert.True(t, utf8.ValidString(r.Text), "%q: reply %+v", data, r)
		}
		assert.Equal(t, 1, fx.count(t), "%q: tickets", data)
		tk, err := fx.store.FindTicketByNumber(context.Background(), tickets.Viewer{Admin: true}, number)
		require.NoError(t, err, "%q", data)
		assert.Equal(t, tickets.StatusDispatched, tk.Status, "%q changed the ticket: %+v", data, tk)
		assert.Len(t, tk.History, 2, "%q changed the ticket: %+v", data, tk)
	})
}
