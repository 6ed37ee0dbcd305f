package tickets

import (
	"strings"
	"time"

	"partybot/apperr"
)

// Kind is what a ticket is: a demand, a report or a suggestion.
//
// A report (随手拍 of a hazard, a 线索) is routed and has deadlines as a
// demand has; staff may verify it ([Store.Verify]). A suggestion (建议) is
// routed as a demand is and has a response deadline (接单 by), but no
// resolution deadline: it is answered by adopting it or not
// ([Store.Adopt], [Store.Reject]), and is never overdue for resolution.
type Kind string

// The ticket kinds. Tickets filed before kinds existed are demands.
const (
	KindDemand     Kind = "demand"     // 诉求
	KindReport     Kind = "report"     // 随手拍 / 线索
	KindSuggestion Kind = "suggestion" // 建议
)

// Kinds lists every kind.
var Kinds = []Kind{KindDemand, KindReport, KindSuggestion}

// Label returns the kind in Chinese.
func (k Kind) Label() string {
	switch k {
	case KindReport:
		return "随手拍/线索"
	case KindSuggestion:
		return "建议"
	case KindDemand, "":
		return "诉求"
	}
	return string(k)
}

// ParseKind parses a kind key ("report") or its Chinese name ("随手拍",
// "线索", "建议", "诉求"); "" is a demand. Returns EINVALID for anything else.
func ParseKind(s string) (Kind, error) {
	switch strings.TrimSpace(s) {
	case "", "demand", "诉求":
		return KindDemand, nil
	case "report", "随手拍", "线索", "随手拍/线索":
		return KindReport, nil
	case "suggestion", "建议":
		return KindSuggestion, nil
	}
	return "", apperr.Errorf(apperr.EInvalid, "未知的工单类型 %q（可用：demand 诉求、report 随手拍/线索、suggestion 建议）", s)
}

// Outcome is the verdict staff gave on a report or a suggestion: what a
// caller awards points for. "" means none yet.
type Outcome string

// The outcomes.
const (
	OutcomeVerified      Outcome = "verified"       // 核实有效 (a report)
	OutcomeAdopted       Outcome = "adopted"        // 采纳
	OutcomePartlyAdopted Outcome = "partly_adopted" // 部分采纳
	OutcomeRejected      Outcome = "rejected"       // 暂不采纳 / 核实无效
)

// Label returns the outcome in Chinese; a rejected report reads 核实无效.
func (o Outcome) Label(k Kind) string {
	switch o {
	case OutcomeVerified:
		return "核实有效"
	case OutcomeAdopted:
		return "采纳"
	case OutcomePartlyAdopted:
		return "部分采纳"
	case OutcomeRejected:
		if k == KindReport {
			return "核实无效"
		}
		return "暂不采纳"
	}
	return string(o)
}

// deadlines returns the response and resolution deadlines of a ticket of
// kind k and urgency u given to d at now: a suggestion has no resolution
// deadline (zero).
func deadlines(d Department, k Kind, u Urgency, now time.Time) (respond, due time.Time) {
	r, res := d.Deadlines(u)
	if d.Key == "" { // the department is no longer configured
		r, res = 24*time.Hour, 5*24*time.Hour
	}
	if k == KindSuggestion {
		return now.Add(r), time.Time{}
	}
	return now.Add(r), now.Add(res)
}

// yours names the ticket as its submitter is told of it: 您的诉求, 您反映的问题, 您的建议.
func yours(t *Ticket) string {
	switch t.Kind {
	case KindReport:
		return "您反映的问题"
	case KindSuggestion:
		return "您的建议"
	}
	return "您的诉求"
}
