package tickets

import (
	"strings"

	"partybot/apperr"
)

// transitions is the lifecycle state machine: for each state, the actions
// allowed in it and the state each leads to. Escalation (督办) is not a move:
// it flags an open ticket and keeps its state.
//
//	(new) ──create──▶ submitted ──dispatch──▶ dispatched ──accept──▶ accepted ──resolve──▶ resolved
//	                                   ▲  └──transfer──┘                │  adopt, reject        │
//	                                   ├──────────transfer──────────────┘             rate/close
//	                                   └──────reopen (rating 1–2)────── rated ◀──rate──────┘
//	                                                                      └──close──▶ closed
//
// Verify (a report found true), attach (a photo added) and supervise (an
// administrator's 督办 note) keep the state: verify in accepted, attach and
// supervise in dispatched and accepted. Which kinds each
// action takes is the Store's rule ([Store.Verify], [Store.Adopt]).
var transitions = map[Status]map[Action]Status{
	"":              {ActionCreate: StatusSubmitted},
	StatusSubmitted: {ActionDispatch: StatusDispatched},
	StatusDispatched: {ActionAccept: StatusAccepted, ActionTransfer: StatusDispatched, ActionAttach: StatusDispatched,
		ActionSupervise: StatusDispatched},
	StatusAccepted: {ActionTransfer: StatusDispatched, ActionResolve: StatusResolved, ActionAdopt: StatusResolved,
		ActionReject: StatusResolved, ActionVerify: StatusAccepted, ActionAttach: StatusAccepted, ActionSupervise: StatusAccepted},
	StatusResolved: {ActionRate: StatusRated, ActionClose: StatusClosed},
	StatusRated:    {ActionReopen: StatusDispatched, ActionClose: StatusClosed},
	StatusClosed:   {},
}

// Next returns the state that action leads to from state from.
// Returns apperr.EConflict when the state machine does not allow the move.
func Next(from Status, action Action) (Status, error) {
	if to, ok := transitions[from][action]; ok {
		return to, nil
	}
	return "", illegal(from, action)
}

// Allowed lists the actions allowed in state s.
func Allowed(s Status) []Action {
	var as []Action
	for _, a := range []Action{ActionCreate, ActionDispatch, ActionAccept, ActionTransfer, ActionResolve, ActionRate, ActionReopen, ActionClose,
		ActionVerify, ActionAdopt, ActionReject, ActionAttach, ActionSupervise} {
		if _, ok := transitions[s][a]; ok {
			as = append(as, a)
		}
	}
	return as
}

// illegal explains in Chinese why action is not possible in state from.
func illegal(from Status, action Action) *apperr.Error {
	switch {
	case action == ActionSupervise:
		return apperr.Errorf(apperr.EConflict, "工单当前状态为“%s”，无需再督办：督办只用于尚未办结的工单", from.Label())
	case from == StatusClosed:
		return apperr.Errorf(apperr.EConflict, "工单已销号，不能再%s", action.Label())
	case action == ActionAccept && from == StatusAccepted:
		return apperr.Errorf(apperr.EConflict, "工单已被接单，不能重复接单")
	case action == ActionRate && (from == StatusRated):
		return apperr.Errorf(apperr.EConflict, "工单已评价，不能重复评价")
	case action == ActionRate:
		return apperr.Errorf(apperr.EConflict, "工单尚未办结，暂不能评价（当前状态：%s）", from.Label())
	case from == StatusDispatched && afterAccept[action] != "":
		return apperr.Errorf(apperr.EConflict, "工单尚未接单，请先接单再%s", afterAccept[action])
	case action == ActionAttach:
		return apperr.Errorf(apperr.EConflict, "工单已%s，不能再补充照片", strings.TrimPrefix(from.Label(), "已"))
	}
	return apperr.Errorf(apperr.EConflict, "工单当前状态为“%s”，不能%s", from.Label(), action.Label())
}

// afterAccept names the actions that need the ticket accepted first.
var afterAccept = map[Action]string{ActionResolve: "办结", ActionAdopt: "答复", ActionReject: "答复", ActionVerify: "核实"}
