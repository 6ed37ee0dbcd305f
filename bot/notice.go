package bot

import (
	"context"
	"strconv"
	"time"

	"partybot/tickets"
)

// outbox is the store's queue of notifications to deliver.
type outbox interface {
	LeaseNotifications(ctx context.Context, limit int, lease time.Duration) ([]tickets.Notification, error)
	MarkDelivered(ctx context.Context, id int64) error
	MarkFailed(ctx context.Context, id int64, cause error) error
}

// Notice is a message to deliver outside a conversation: a new ticket to
// its department's chat, progress to the submitter, 督办 to the admins.
type Notice struct {
	ID int64
	// RecipientKind is tickets.RecipientDepartment, RecipientUser or
	// RecipientAdmins; Recipient the department key or user id.
	RecipientKind string
	Recipient     string
	// ChatID is where to send it when known: the department's configured
	// chat, or the user's id when it is numeric (a Telegram private chat).
	// Zero for admins and for departments without a chat.
	ChatID  int64
	Text    string
	Buttons [][]Button
}

// NoticeLease is how long the notices PendingNotices returns are the
// caller's alone: no other call returns them meanwhile, in this process or
// in another replica on the same database. It outlasts a send that waits
// out Telegram's retry_after (up to 60 s); a caller still holding notices
// when the lease is half gone should leave the rest to a later call.
const NoticeLease = 2 * time.Minute

// PendingNotices leases up to limit notices due for delivery, oldest
// first, for [NoticeLease] (see [tickets.Store.LeaseNotifications]), with
// the buttons their recipients act with: a new ticket offers its
// department 接单 and 转派, a resolved one offers its submitter the 1–5
// rating. Deliver each, then call NoticeDelivered or NoticeFailed, which
// end its lease; one left unmarked comes back when the lease ends. Without
// a desk there is nothing to deliver.
func (a *Assistant) PendingNotices(ctx context.Context, limit int) ([]Notice, error) {
	if a.desk == nil {
		return nil, nil
	}
	ns, err := a.desk.Store.LeaseNotifications(ctx, limit, NoticeLease)
	if err != nil {
		return nil, err
	}
	out := make([]Notice, 0, len(ns))
	for _, n := range ns {
		nt := Notice{ID: n.ID, RecipientKind: n.RecipientKind, Recipient: n.Recipient, Text: n.Text}
		switch n.RecipientKind {
		case tickets.RecipientDepartment:
			if d, ok := a.desk.Store.Department(n.Recipient); ok {
				nt.ChatID = d.ChatID
			}
			if n.Kind == "dispatched" {
				nt.Buttons = [][]Button{{{Text: "接单", Data: "ac:" + n.Number}, {Text: "转派", Data: "tr:" + n.Number}}}
			}
		case tickets.RecipientUser:
			if id, err := strconv.ParseInt(n.Recipient, 10, 64); err == nil {
				nt.ChatID = id
			}
			if n.Kind == "resolved" {
				nt.Buttons = RatingButtons(n.Number)
			}
		}
		out = append(out, nt)
	}
	return out, nil
}

// NoticeDelivered records that notice id was delivered; it is not
// returned again.
func (a *Assistant) NoticeDelivered(ctx context.Context, id int64) error {
	return a.desk.Store.MarkDelivered(ctx, id)
}

// NoticeFailed records a failed delivery of notice id; it comes back after
// a backoff, until the store's attempt limit.
func (a *Assistant) NoticeFailed(ctx context.Context, id int64, cause error) error {
	return a.desk.Store.MarkFailed(ctx, id, cause)
}
