package tickets_test

import (
	"testing"

	"partybot/apperr"
	"partybot/tickets"
)

func TestNext(t *testing.T) {
	legal := map[tickets.Status]map[tickets.Action]tickets.Status{
		"":                       {tickets.ActionCreate: tickets.StatusSubmitted},
		tickets.StatusSubmitted:  {tickets.ActionDispatch: tickets.StatusDispatched},
		tickets.StatusDispatched: {tickets.ActionAccept: tickets.StatusAccepted, tickets.ActionTransfer: tickets.StatusDispatched},
		tickets.StatusAccepted:   {tickets.ActionTransfer: tickets.StatusDispatched, tickets.ActionResolve: tickets.StatusResolved},
		tickets.StatusResolved:   {tickets.ActionRate: tickets.StatusRated, tickets.ActionClose: tickets.StatusClosed},
		tickets.StatusRated:      {tickets.ActionReopen: tickets.StatusDispatched, tickets.ActionClose: tickets.StatusClosed},
		tickets.StatusClosed:     {},
	}
	actions := []tickets.Action{tickets.ActionCreate, tickets.ActionDispatch, tickets.ActionAccept, tickets.ActionTransfer,
		tickets.ActionResolve, tickets.ActionRate, tickets.ActionReopen, tickets.ActionClose, tickets.ActionEscalate}
	for from, moves := range legal {
		for _, a := range actions {
			t.Run(string(from)+"/"+string(a), func(t *testing.T) {
				to, err := tickets.Next(from, a)
				want, ok := moves[a]
				if ok {
					if err != nil || to != want {
						t.Fatalf("Next=%s,%v, want %s", to, err, want)
					}
					return
				}
				if apperr.Code(err) != apperr.EConflict || apperr.Message(err) == "" {
					t.Fatalf("illegal move allowed or badly reported: %s, %v", to, err)
				}
			})
		}
		if got := len(tickets.Allowed(from)); got != len(moves) {
			t.Errorf("Allowed(%q) has %d actions, want %d", from, got, len(moves))
		}
	}
}

func TestParseStatus(t *testing.T) {
	for _, s := range tickets.Statuses {
		for _, in := range []string{string(s), s.Label()} {
			if got, err := tickets.ParseStatus(in); err != nil || got != s {
				t.Errorf("ParseStatus(%q)=%s,%v", in, got, err)
			}
		}
	}
	if _, err := tickets.ParseStatus("lost"); apperr.Code(err) != apperr.EInvalid {
		t.Errorf("ParseStatus(lost): %v", err)
	}
}
