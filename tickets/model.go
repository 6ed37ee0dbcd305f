// Package tickets turns demands (诉求), reports (随手拍, 线索) and
// suggestions (建议) into tracked tickets: the ticket model, its photos and
// coordinates, and its lifecycle state machine (点单 → 派单 → 接单 → 办结 →
// 评单 → 销号, with 核实 and 采纳 for reports and suggestions),
// routing to departments, deadlines and escalation (督办), a durable SQLite
// store with an audit history and a notification outbox, statistics as
// 接诉即办 reports them, and the 台账 export (.xlsx, CSV).
//
// Every outcome a user sees is an [*apperr.Error] with a code ([apperr.EInvalid],
// [apperr.ENotFound], [apperr.EForbidden], [apperr.EConflict], [apperr.ETooMany], [apperr.EReadOnly],
// [apperr.EInternal]) and a message in Simplified Chinese.
package tickets

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/width"

	"partybot/apperr"
)

// Status is a ticket's lifecycle state.
type Status string

// The ticket states, in lifecycle order.
const (
	StatusSubmitted  Status = "submitted"  // 点单: received, not yet routed
	StatusDispatched Status = "dispatched" // 派单: department and deadlines set, awaiting acceptance
	StatusAccepted   Status = "accepted"   // 接单: the department is handling it
	StatusResolved   Status = "resolved"   // 办结: replied to the submitter
	StatusRated      Status = "rated"      // 评单: the submitter rated the outcome
	StatusClosed     Status = "closed"     // 销号: done
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{StatusSubmitted, StatusDispatched, StatusAccepted, StatusResolved, StatusRated, StatusClosed}

// Label returns the status in Chinese.
func (s Status) Label() string {
	switch s {
	case StatusSubmitted:
		return "已点单"
	case StatusDispatched:
		return "已派单"
	case StatusAccepted:
		return "已接单"
	case StatusResolved:
		return "已办结"
	case StatusRated:
		return "已评价"
	case StatusClosed:
		return "已销号"
	case "":
		return "—"
	}
	return string(s)
}

// Open reports whether the ticket still awaits resolution.
func (s Status) Open() bool {
	return s == StatusSubmitted || s == StatusDispatched || s == StatusAccepted
}

// ParseStatus parses a status key ("accepted") or its Chinese label ("已接单").
// Returns EINVALID for anything else.
func ParseStatus(s string) (Status, error) {
	s = strings.TrimSpace(s)
	for _, st := range Statuses {
		if s == string(st) || s == st.Label() {
			return st, nil
		}
	}
	return "", apperr.Errorf(apperr.EInvalid, "未知的工单状态 %q（可用：submitted、dispatched、accepted、resolved、rated、closed）", s)
}

// Urgency is how urgent a demand is.
type Urgency string

// The urgency levels.
const (
	UrgencyNormal Urgency = "normal" // 一般
	UrgencyUrgent Urgency = "urgent" // 急
)

// Label returns the urgency in Chinese.
func (u Urgency) Label() string {
	if u == UrgencyUrgent {
		return "急"
	}
	return "一般"
}

// Action is what a history row records.
type Action string

// The actions of the lifecycle.
const (
	ActionCreate    Action = "create"    // 点单
	ActionDispatch  Action = "dispatch"  // 派单
	ActionAccept    Action = "accept"    // 接单
	ActionTransfer  Action = "transfer"  // 转派
	ActionResolve   Action = "resolve"   // 办结
	ActionRate      Action = "rate"      // 评单
	ActionReopen    Action = "reopen"    // 重办
	ActionClose     Action = "close"     // 销号
	ActionEscalate  Action = "escalate"  // 督办
	ActionVerify    Action = "verify"    // 核实有效
	ActionAdopt     Action = "adopt"     // 采纳, 部分采纳
	ActionReject    Action = "reject"    // 暂不采纳, 核实无效
	ActionAttach    Action = "attach"    // 补充照片
	ActionSupervise Action = "supervise" // 督办意见: an administrator's note to the department
)

// Label returns the action in Chinese.
func (a Action) Label() string {
	switch a {
	case ActionCreate:
		return "点单"
	case ActionDispatch:
		return "派单"
	case ActionAccept:
		return "接单"
	case ActionTransfer:
		return "转派"
	case ActionResolve:
		return "办结"
	case ActionRate:
		return "评单"
	case ActionReopen:
		return "重办"
	case ActionClose:
		return "销号"
	case ActionEscalate:
		return "督办"
	case ActionVerify:
		return "核实"
	case ActionAdopt:
		return "采纳"
	case ActionReject:
		return "不予采纳"
	case ActionAttach:
		return "补充照片"
	case ActionSupervise:
		return "督办意见"
	}
	return string(a)
}

// Ticket is a demand, report or suggestion being tracked. Zero times mean
// "not yet".
type Ticket struct {
	ID     int64  `json:"id"`
	Number string `json:"number"` // human-readable: year of creation and a per-year sequence, "2026-000123"

	SubmitterID   string `json:"submitter_id"` // chat user id, or "phone:NAME" for demands entered by staff
	SubmitterName string `json:"submitter_name"`
	Channel       string `json:"channel"` // "chat" or "phone": how the demand arrived

	Kind           Kind    `json:"kind"` // demand, report or suggestion
	Text           string  `json:"text"`
	Summary        string  `json:"summary,omitempty"`
	Category       string  `json:"category,omitempty"`
	Department     string  `json:"department"` // department key
	Urgency        Urgency `json:"urgency"`
	Location       string  `json:"place,omitempty"` // the place in words (地点)
	Coords         *LatLng `json:"location"`        // the point the submitter shared, nil when none
	Contact        string  `json:"contact,omitempty"`
	Confidence     float64 `json:"confidence"`      // routing confidence, 0..1
	ManualDispatch bool    `json:"manual_dispatch"` // routing was not confident: the fallback department dispatches by hand

	// Attachments are the photos, in the order given; filled by
	// FindTicketByNumber, FindTickets, the export and CreateTicket.
	Attachments []Attachment `json:"attachments"`
	// Duplicates are the numbers of open reports of the same category
	// filed within 50 m in the 24 hours before this report (疑似重复).
	Duplicates []string `json:"possible_duplicates,omitempty"`

	Status     Status    `json:"status"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	RespondDue time.Time `json:"respond_due,omitzero"` // accept by (响应期限)
	DueAt      time.Time `json:"due_at,omitzero"`      // resolve by (办结期限)
	AcceptedAt time.Time `json:"accepted_at,omitzero"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	RatedAt    time.Time `json:"rated_at,omitzero"`
	ClosedAt   time.Time `json:"closed_at,omitzero"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`

	Reply      string    `json:"reply,omitempty"`   // the department's answer to the submitter
	Outcome    Outcome   `json:"outcome,omitempty"` // the verdict on a report or suggestion
	VerifiedAt time.Time `json:"verified_at,omitzero"`
	Rating     int       `json:"rating,omitzero"` // 1..5, 0 when not rated
	Comment    string    `json:"comment,omitempty"`

	Overdue    bool `json:"overdue"`             // a deadline was missed (督办)
	Escalation int  `json:"escalation,omitzero"` // 0 none, 1 response overdue, 2 resolution overdue, 3 seriously overdue
	Reopened   int  `json:"reopened,omitzero"`   // times reopened after an unsatisfied rating
	Version    int  `json:"version"`             // incremented by every change

	History []HistoryEntry `json:"history,omitempty"` // filled by FindTicketByNumber and the export
}

// MarshalJSON writes t with "attachments" as an empty array when it has none.
func (t Ticket) MarshalJSON() ([]byte, error) {
	type plain Ticket
	if t.Attachments == nil {
		t.Attachments = []Attachment{}
	}
	return json.Marshal(plain(t))
}

// HistoryEntry is one append-only row of a ticket's audit trail.
type HistoryEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Via    Via       `json:"via"` // where the actor acted; "" for rows written before it was recorded
	Action Action    `json:"action"`
	From   Status    `json:"from"` // "" for the creation row
	To     Status    `json:"to"`
	Note   string    `json:"note,omitempty"`
}

// String renders the entry in one Chinese line, hidden characters shown as
// ⟨U+202E⟩ ([ShowHidden]).
func (h HistoryEntry) String() string {
	actor := h.Actor
	if l := h.Via.Label(); l != "" {
		actor += "（" + l + "）"
	}
	s := fmt.Sprintf("%s %s %s：%s→%s", h.At.Format("2006-01-02 15:04"), actor, h.Action.Label(), h.From.Label(), h.To.Label())
	if h.Note != "" {
		s += "（" + h.Note + "）"
	}
	return ShowHidden(s)
}

// Via is where an action on a ticket was taken, recorded with its actor
// in the history. It is not [Ticket.Channel], which says how the demand
// itself arrived (chat or phone).
type Via string

// Where actions are taken.
const (
	ViaWeb      Via = "web"      // the web console and its API
	ViaTelegram Via = "telegram" // the bot on Telegram
	ViaCLI      Via = "cli"      // the partybot command, its terminal chat included
	ViaSystem   Via = "system"   // the program itself: dispatch on filing, the 督办 sweep
)

// Label returns where in Chinese ("经工作台"), "" when not recorded.
func (v Via) Label() string {
	switch v {
	case ViaWeb:
		return "经工作台"
	case ViaTelegram:
		return "经 Telegram"
	case ViaCLI:
		return "经命令行"
	case ViaSystem:
		return "系统自动"
	}
	return ""
}

// Channels a demand arrives through.
const (
	ChannelChat  = "chat"
	ChannelPhone = "phone"
)

// NewTicket is a demand to file. Text and SubmitterID are required; empty
// optional fields are filled from the store's extractor (department, category,
// urgency, location, contact).
type NewTicket struct {
	SubmitterID   string
	SubmitterName string
	Channel       string // ChannelChat (default) or ChannelPhone
	Text          string

	// Department, when set, is the department the user confirmed; it must be
	// a known key. Confidence and ManualDispatch then come from the fields below.
	Department     string
	Confidence     float64
	ManualDispatch bool
	Category       string
	Urgency        Urgency
	Location       string
	Contact        string
	Summary        string

	Kind        Kind         // "" is a demand
	Coords      *LatLng      // optional; must lie in China ([LatLng.Validate])
	Attachments []Attachment // at most [MaxAttachments], stored first with [Files.Put]

	// IdempotencyKey makes creation retry-safe: a second CreateTicket with the
	// same key returns the first ticket instead of filing another.
	IdempotencyKey string
	// Actor is who files the demand (for the history); defaults to SubmitterID.
	Actor string
	// Via is where Actor filed it ([ViaTelegram], [ViaCLI]…), recorded
	// with the 点单 row.
	Via Via
}

// Limits on what a demand may contain.
const (
	MaxTextRunes   = 4000 // about one Telegram message
	MaxFieldRunes  = 200  // name, contact, location, category, key, actor
	MaxNoteRunes   = 2000 // reasons, replies, comments
	maxSummaryRune = 60
)

// Validate reports the first problem with n as an EINVALID error.
func (n *NewTicket) Validate() error {
	if err := CheckText(n.Text); err != nil {
		return err
	}
	if strings.TrimSpace(n.SubmitterID) == "" {
		return apperr.Errorf(apperr.EInvalid, "缺少提交人")
	}
	if n.Channel != "" && n.Channel != ChannelChat && n.Channel != ChannelPhone {
		return apperr.Errorf(apperr.EInvalid, "未知的诉求来源 %q", n.Channel)
	}
	if n.Urgency != "" && n.Urgency != UrgencyNormal && n.Urgency != UrgencyUrgent {
		return apperr.Errorf(apperr.EInvalid, "未知的紧急程度 %q", n.Urgency)
	}
	if n.Confidence < 0 || n.Confidence > 1 {
		return apperr.Errorf(apperr.EInvalid, "置信度应在 0 到 1 之间")
	}
	if _, err := ParseKind(string(n.Kind)); err != nil {
		return err
	}
	if n.Coords != nil {
		if err := n.Coords.Validate(); err != nil {
			return err
		}
	}
	if _, err := cleanAttachments(n.Attachments, 0); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{
		{"提交人", n.SubmitterID}, {"提交人姓名", n.SubmitterName}, {"类别", n.Category},
		{"地点", n.Location}, {"联系方式", n.Contact}, {"幂等键", n.IdempotencyKey},
		{"部门", n.Department}, {"经办人", n.Actor}, {"摘要", n.Summary},
	} {
		if !utf8.ValidString(f.v) {
			return apperr.Errorf(apperr.EInvalid, "%s含有无效字符", f.name)
		}
		if utf8.RuneCountInString(f.v) > MaxFieldRunes {
			return apperr.Errorf(apperr.EInvalid, "%s过长（不超过 %d 字）", f.name, MaxFieldRunes)
		}
	}
	return nil
}

// Viewer is who asks: a chat user, department staff or an administrator.
// Submitters see their own tickets, staff their departments' tickets,
// administrators all.
type Viewer struct {
	UserID      string
	Admin       bool
	Departments []string // department keys the user is staff of
	// Via is where the user acts from; the history records it with each
	// action. Every entry point sets it ([ViaWeb], [ViaTelegram], [ViaCLI]).
	Via Via
}

// Staff reports whether v is staff of department key.
func (v Viewer) Staff(key string) bool { return slices.Contains(v.Departments, key) }

// owns reports whether v submitted t. An empty user id owns nothing.
func (v Viewer) owns(t *Ticket) bool { return v.UserID != "" && v.UserID == t.SubmitterID }

// CanView reports whether v may see t.
func (v Viewer) CanView(t *Ticket) bool { return v.Admin || v.owns(t) || v.Staff(t.Department) }

// CanHandle reports whether v may accept, transfer or resolve t.
func (v Viewer) CanHandle(t *Ticket) bool { return v.Admin || v.Staff(t.Department) }

// actor is the name written into history rows.
func (v Viewer) actor() string {
	if v.UserID == "" {
		return "system"
	}
	return v.UserID
}

// TicketFilter selects tickets. Pointer fields are "not set".
type TicketFilter struct {
	Status      *Status
	Department  *string
	SubmitterID *string
	Overdue     *bool
	Kind        *Kind
	Open        *bool      // true: submitted, dispatched or accepted; false: the rest
	From        *time.Time // created at or after
	To          *time.Time // created before

	Offset int
	Limit  int // 0: no limit
}

// Notification is a message waiting in the outbox for a chat adapter.
// Recipient is a department key, a user id, or "" for the administrators,
// according to RecipientKind.
type Notification struct {
	ID            int64
	TicketID      int64
	Number        string
	Kind          string // "dispatched", "accepted", "resolved", "rated", "reopened", "escalated", "closed"
	RecipientKind string // RecipientDepartment, RecipientUser or RecipientAdmins
	Recipient     string
	Department    string // the ticket's department when queued
	Text          string
	Attempts      int
	NextAttemptAt time.Time
	CreatedAt     time.Time
	DeliveredAt   time.Time // zero while not delivered
	LastError     string
	LeasedUntil   time.Time // set by [Store.LeaseNotifications]: held for the caller until then
}

// Recipient kinds of a [Notification].
const (
	RecipientDepartment = "department" // the department's chat
	RecipientUser       = "user"       // the submitter
	RecipientAdmins     = "admins"     // every administrator
)

// FormatNumber returns the human-readable ticket number of year and seq.
func FormatNumber(year, seq int) string { return fmt.Sprintf("%04d-%06d", year, seq) }

// ParseNumber parses "2026-000123" (also "2026-123", "2026000123" and full-width
// digits) into year and sequence. Returns EINVALID otherwise.
func ParseNumber(s string) (year, seq int, err error) {
	s = strings.TrimSpace(width.Fold.String(s))
	s = strings.TrimPrefix(s, "#")
	bad := apperr.Errorf(apperr.EInvalid, "工单编号格式不正确，应为 2026-000123 这样的形式")
	var ys, ss string
	if i := strings.IndexAny(s, "-－—"); i >= 0 {
		ys, ss = s[:i], strings.TrimLeft(s[i:], "-－—")
	} else if len(s) == 10 {
		ys, ss = s[:4], s[4:]
	} else {
		return 0, 0, bad
	}
	if len(ys) != 4 || len(ss) == 0 || len(ss) > 9 {
		return 0, 0, bad
	}
	y, err1 := strconv.Atoi(ys)
	n, err2 := strconv.Atoi(ss)
	if err1 != nil || err2 != nil || y < 2000 || y > 9999 || n < 1 || strings.HasPrefix(ss, "+") {
		return 0, 0, bad
	}
	return y, n, nil
}
