package tickets_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/tickets"
)

// TestSupervise: an administrator's 督办 note on an open ticket is in its
// history with who and where, and reaches the department through the
// outbox; anyone else is refused, and a ticket done is not supervised.
func TestSupervise(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t)
		tk := MustCreate(t, s, "u1", "老板拖欠工资三个月了")
		dept := tk.Department
		before := pendingKinds(t, s)

		got, err := s.Supervise(ctx, via(admin, tickets.ViaWeb), tk.Number, "  请三日内约谈企业负责人  ")
		require.NoError(t, err)
		assert.Equal(t, tickets.StatusDispatched, got.Status, "the state stays")
		assert.Equal(t, tk.Version+1, got.Version)

		full, err := s.FindTicketByNumber(ctx, admin, tk.Number)
		require.NoError(t, err)
		checkHistory(t, full)
		last := full.History[len(full.History)-1]
		assert.Equal(t, tickets.ActionSupervise, last.Action)
		assert.Equal(t, "admin", last.Actor)
		assert.Equal(t, tickets.ViaWeb, last.Via)
		assert.Equal(t, "请三日内约谈企业负责人", last.Note)

		ns, err := s.PendingNotifications(ctx, 100)
		require.NoError(t, err)
		require.Len(t, ns, len(before)+1)
		n := ns[len(ns)-1]
		assert.Equal(t, "supervised", n.Kind)
		assert.Equal(t, tickets.RecipientDepartment, n.RecipientKind)
		assert.Equal(t, dept, n.Recipient)
		assert.Contains(t, n.Text, "【督办】工单 "+tk.Number)
		assert.Contains(t, n.Text, "督办意见：请三日内约谈企业负责人")
		assert.Contains(t, n.Text, "尚未接单")

		for _, tc := range []struct {
			name string
			v    tickets.Viewer
			note string
			code string
		}{
			{"staff", staff(dept), "催一下", apperr.EForbidden},
			{"submitter", user("u1"), "催一下", apperr.EForbidden},
			{"no note", admin, " ", apperr.EInvalid},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.Supervise(ctx, tc.v, tk.Number, tc.note)
				wantCode(t, err, tc.code)
			})
		}

		_, err = s.Accept(ctx, staff(dept), tk.Number, "")
		require.NoError(t, err)
		_, err = s.Supervise(ctx, admin, tk.Number, "请按期办结")
		require.NoError(t, err, "an accepted ticket is supervised too")
		_, err = s.Resolve(ctx, staff(dept), tk.Number, "已补发")
		require.NoError(t, err)
		_, err = s.Supervise(ctx, admin, tk.Number, "还要再催")
		wantCode(t, err, apperr.EConflict)
		assert.Contains(t, apperr.Message(err), "“已办结”，无需再督办")
	})
}

// pendingKinds lists the kinds of the notifications waiting.
func pendingKinds(tb testing.TB, s *tickets.Store) []string {
	tb.Helper()
	ns, err := s.PendingNotifications(context.Background(), 100)
	require.NoError(tb, err)
	var out []string
	for _, n := range ns {
		out = append(out, n.Kind)
	}
	return out
}
