// Package points keeps the red points (红色积分) couriers, riders and
// drivers earn when Party-affairs staff confirm something they did: a
// hazard report verified (核实有效), a lead (线索) or a suggestion (建议)
// adopted, a volunteer service recorded. Submitting alone earns nothing,
// so nobody farms points.
//
// Points live in an append-only ledger: every change is an [Entry], and a
// mistake is put right by a new entry (a correction) that references the
// one it corrects, never by changing or deleting one; the database itself
// refuses an UPDATE or DELETE of the ledger. Each entry carries the
// user's balance after it, so a balance is one indexed read.
//
// The ledger is a SQLite file (points.db) in the data directory, or a
// PostgreSQL database several replicas share (tables points_*).
//
// What the package does not know: who users are and who may award. Points
// are keyed by a user id string; the caller says whether a user exists
// ([WithKnown]) and checks that whoever acts is staff or an admin before
// calling [Store.Award].
package points

import (
	"time"
)

// Reason is why points changed.
type Reason string

// Reasons the rules give points for: a confirmed contribution. Their points
// come from [Rules.Earn], and they count against the caps.
const (
	ReportVerified          Reason = "report_verified"           // a hazard report 核实有效
	LeadAdopted             Reason = "lead_adopted"              // a 线索 采纳
	SuggestionAdopted       Reason = "suggestion_adopted"        // a 建议 采纳
	SuggestionPartlyAdopted Reason = "suggestion_partly_adopted" // a 建议 部分采纳
	VolunteerService        Reason = "volunteer_service"         // a volunteer service recorded by staff
)

// Reasons an administrator gives points for, with points of their own
// choosing: not in the rules, and not capped.
const (
	// Manual is an award an administrator makes by hand (positive).
	Manual Reason = "manual"
	// Correction puts an earlier entry right (positive or negative); it
	// references that entry.
	Correction Reason = "correction"
)

// RuleReasons are the reasons the rules give points for, in the order
// they are shown.
var RuleReasons = []Reason{ReportVerified, LeadAdopted, SuggestionAdopted, SuggestionPartlyAdopted, VolunteerService}

var labels = map[Reason]string{
	ReportVerified:          "隐患报告核实有效",
	LeadAdopted:             "线索被采纳",
	SuggestionAdopted:       "建议被采纳",
	SuggestionPartlyAdopted: "建议被部分采纳",
	VolunteerService:        "志愿服务",
	Manual:                  "管理员奖励",
	Correction:              "更正",
}

// Label returns the reason as users read it ("隐患报告核实有效"); an
// unknown reason is returned as it is.
func (r Reason) Label() string {
	if l, ok := labels[r]; ok {
		return l
	}
	return string(r)
}

// ruled reports whether the rules give r its points (and the caps apply).
func (r Reason) ruled() bool {
	_, ok := labels[r]
	return ok && r != Manual && r != Correction
}

// Entry is one change of a user's points. Entries are never changed or
// deleted.
type Entry struct {
	ID     int64  `json:"id"`
	UserID string `json:"user_id"`
	// Points is the change, signed: negative only for a correction.
	Points int    `json:"points"`
	Reason Reason `json:"reason"`
	// TicketNumber is the ticket the award is for, if any (2026-000123).
	TicketNumber string `json:"ticket_number,omitempty"`
	// By is who acted: a staff or admin user id, or "system".
	By   string `json:"by"`
	Note string `json:"note,omitempty"`
	// Key is the award's idempotency key, if it had one.
	Key string `json:"key,omitempty"`
	// Corrects is the entry a correction corrects, 0 for other entries.
	Corrects int64 `json:"corrects,omitempty"`
	// Balance is the user's balance after this entry.
	Balance int       `json:"balance"`
	At      time.Time `json:"at"`
}

// System is the By of awards no person made (an automatic rule).
const System = "system"
