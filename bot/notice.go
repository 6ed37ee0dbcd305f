package bot

import (
	"cmp"
	"context"
	"fmt"
	"io"
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
	// Push is set for a policy push notice (ID is its delivery's), unset
	// for a ticket's (ID is the outbox's).
	Push bool
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
	// Photos and Venues go with a new report's card: its photos and the
	// point where it was taken.
	Photos []File
	Venues []Venue
}

// NoticeLease is how long the notices PendingNotices returns are the
// caller's alone: no other call returns them meanwhile, in this process or
// in another replica on the same database. It outlasts a send that waits
// out Telegram's retry_after (up to 60 s); a caller still holding notices
// when the lease is half gone should leave the rest to a later call.
const NoticeLease = 2 * time.Minute

// WithNoticeLease sets how long notices stay leased ([NoticeLease] when d
// is not positive): a replica killed mid-send leaves them to the others
// when it ends.
func WithNoticeLease(d time.Duration) Option {
	return func(a *Assistant) {
		if d > 0 {
			a.noticeLease = d
		}
	}
}

// NoticeLease is how long the notices [Assistant.PendingNotices] returns
// stay leased.
func (a *Assistant) NoticeLease() time.Duration { return a.noticeLease }

// PendingNotices leases up to limit notices due for delivery, oldest
// first, for the notice lease ([WithNoticeLease]; see [tickets.Store.LeaseNotifications]), with
// the buttons their recipients act with: a new ticket offers its
// department 接单 and 转派, a resolved one offers its submitter the 1–5
// rating. Deliver each, then call NoticeDelivered or NoticeFailed, which
// end its lease; one left unmarked comes back when the lease ends. Without
// a desk there is nothing to deliver.
func (a *Assistant) PendingNotices(ctx context.Context, limit int) ([]Notice, error) {
	if a.desk == nil {
		return a.pushNotices(ctx, limit)
	}
	ns, err := a.desk.Store.LeaseNotifications(ctx, limit, a.noticeLease)
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
				a.attachReport(ctx, &nt, n.Number)
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
	pushed, err := a.pushNotices(ctx, limit-len(out))
	return append(out, pushed...), err
}

// NoticeDelivered records that notice n was delivered; it is not
// returned again.
func (a *Assistant) NoticeDelivered(ctx context.Context, n Notice) error {
	if n.Push {
		return a.push.MarkSent(ctx, n.ID)
	}
	return a.desk.Store.MarkDelivered(ctx, n.ID)
}

// NoticeFailed records a failed delivery of notice id; it comes back after
// a backoff, until the store's attempt limit.
func (a *Assistant) NoticeFailed(ctx context.Context, n Notice, cause error) error {
	if n.Push {
		return nil // its lease ends and it is due again, up to push's attempt limit
	}
	return a.desk.Store.MarkFailed(ctx, n.ID, cause)
}

// attachReport puts the photos and the point of report number on its
// department's card. A photo that cannot be read is left out: the card
// still goes, and its text lists the attachments.
func (a *Assistant) attachReport(ctx context.Context, nt *Notice, number string) {
	t, err := a.desk.Store.FindTicketByNumber(ctx, tickets.Viewer{UserID: "system", Admin: true}, number)
	if err != nil || t.Kind != tickets.KindReport {
		return
	}
	for _, at := range t.Attachments {
		f, err := a.desk.Files.Open(at.SHA256)
		if err != nil {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(f, MaxPhotoBytes+1))
		f.Close()
		if err == nil && int64(len(data)) <= MaxPhotoBytes {
			nt.Photos = append(nt.Photos, File{Name: at.Name, Data: data})
		}
	}
	if c := t.Coords; c != nil {
		nt.Venues = []Venue{{Lat: c.Lat, Lng: c.Lng, Title: "随手拍 " + t.Number, Address: cmp.Or(t.Location, fmt.Sprintf("%.6f, %.6f", c.Lat, c.Lng))}}
	}
}
