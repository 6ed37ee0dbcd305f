package tickets_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/tickets"
)

func TestNext(t *testing.T) {
	legal := map[tickets.Status]map[tickets.Action]tickets.Status{
		"":                      {tickets.ActionCreate: tickets.StatusSubmitted},
		tickets.StatusSubmitted: {tickets.ActionDispatch: tickets.StatusDispatched},
		tickets.StatusDispatched: {tickets.ActionAccept: tickets.StatusAccepted, tickets.ActionTransfer: tickets.StatusDispatched,
			tickets.ActionAttach: tickets.StatusDispatched, tickets.ActionSupervise: tickets.StatusDispatched},
		tickets.StatusAccepted: {tickets.ActionTransfer: tickets.StatusDispatched, tickets.ActionResolve: tickets.StatusResolved,
			tickets.ActionAdopt: tickets.StatusResolved, tickets.ActionReject: tickets.StatusResolved,
			tickets.ActionVerify: tickets.StatusAccepted, tickets.ActionAttach: tickets.StatusAccepted,
			tickets.ActionSupervise: tickets.StatusAccepted},
		tickets.StatusResolved: {tickets.ActionRate: tickets.StatusRated, tickets.ActionClose: tickets.StatusClosed},
		tickets.StatusRated:    {tickets.ActionReopen: tickets.StatusDispatched, tickets.ActionClose: tickets.StatusClosed},
		tickets.StatusClosed:   {},
	}
	actions := []tickets.Action{tickets.ActionCreate, tickets.ActionDispatch, tickets.ActionAccept, tickets.ActionTransfer,
		tickets.ActionResolve, tickets.ActionRate, tickets.ActionReopen, tickets.ActionClose, tickets.ActionEscalate,
		tickets.ActionVerify, tickets.ActionAdopt, tickets.ActionReject, tickets.ActionAttach, tickets.ActionSupervise}
	for from, moves := range legal {
		for _, a := range actions {
			t.Run(string(from)+"/"+string(a), func(t *testing.T) {
				to, err := tickets.Next(from, a)
				want, ok := moves[a]
				if ok {
					require.NoError(t, err)
					assert.Equal(t, want, to, "Next")
					return
				}
				assert.Equal(t, apperr.EConflict, apperr.Code(err), "illegal move allowed or badly reported: %s, %v", to, err)
				assert.NotEmpty(t, apperr.Message(err), "illegal move reported without a message: %v", err)
			})
		}
		assert.Len(t, tickets.Allowed(from), len(moves), "Allowed(%q)", from)
	}
}

func TestParseStatus(t *testing.T) {
	for _, s := range tickets.Statuses {
		for _, in := range []string{string(s), s.Label()} {
			got, err := tickets.ParseStatus(in)
			if assert.NoError(t, err, "ParseStatus(%q)", in) {
				assert.Equal(t, s, got, "ParseStatus(%q)", in)
			}
		}
	}
	_, err := tickets.ParseStatus("lost")
	assert.Equal(t, apperr.EInvalid, apperr.Code(err), "ParseStatus(lost): %v", err)
}
