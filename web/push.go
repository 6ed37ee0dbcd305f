package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"partybot/apperr"
	"partybot/push"
	"partybot/tickets"
)

// NoticeLog is what the 政策推送 page needs of the push store
// ([*push.Store]).
type NoticeLog interface {
	Notices(ctx context.Context, offset, limit int) ([]push.NoticeSummary, int, error)
	FindNotice(ctx context.Context, doc string) (push.NoticeSummary, error)
	Recipients(ctx context.Context, doc string, offset, limit int) ([]push.Recipient, int, error)
	CountSubscriptions(ctx context.Context) (push.SubscriptionCounts, error)
}

var _ NoticeLog = (*push.Store)(nil)

// WithPush shows the notices pushed by n at /push and
// GET /api/v1/push/notices.
func WithPush(n NoticeLog) Option { return func(s *Server) { s.notices = n } }

// NoticePageSize is how many notices, or recipients of one, a page holds.
const NoticePageSize = 50

var (
	errNoPush        = apperr.Errorf(apperr.ENotFound, "本工作台未启用政策推送。")
	errPushForbidden = apperr.Errorf(apperr.EForbidden, "政策推送记录仅对管理员开放。")
)

// pushViewer checks that notices are kept and that v may read who they
// reached: administrators only, as only they push and hold documents.
func (s *Server) pushViewer(v tickets.Viewer) error {
	switch {
	case s.notices == nil:
		return errNoPush
	case !v.Admin:
		return errPushForbidden
	}
	return nil
}

// Statuses of a recipient's notice.
const (
	RecipientOpened  = "opened"  // sent, and the passages opened
	RecipientSent    = "sent"    // delivered
	RecipientWaiting = "waiting" // due later: quiet hours or the daily limit
	RecipientHeld    = "held"    // the document is held
)

// recipientStatus is what became of r's notice.
func recipientStatus(r push.Recipient) string {
	switch {
	case !r.OpenedAt.IsZero():
		return RecipientOpened
	case !r.SentAt.IsZero():
		return RecipientSent
	case r.DueAt.IsZero():
		return RecipientHeld
	}
	return RecipientWaiting
}

// NoticeList is the body of GET /api/v1/push/notices.
type NoticeList struct {
	Total         int                     `json:"total"`
	Notices       []push.NoticeSummary    `json:"notices"`
	Subscriptions push.SubscriptionCounts `json:"subscriptions"`
}

// RecipientJSON is a recipient in GET /api/v1/push/notices/{id}.
type RecipientJSON struct {
	push.Recipient
	Status string `json:"status"` // opened, sent, waiting or held
}

// NoticeDetail is the body of GET /api/v1/push/notices/{id}: the notice
// and who it reached, a page of them.
type NoticeDetail struct {
	push.NoticeSummary
	Total      int             `json:"total"` // recipients
	Recipients []RecipientJSON `json:"recipients"`
}

// listNotices serves GET /api/v1/push/notices?page=: the documents pushed,
// the latest first, and the subscriptions counted.
func (s *Server) listNotices(r *http.Request, v tickets.Viewer) (any, error) {
	if err := s.pushViewer(v); err != nil {
		return nil, err
	}
	page, err := parsePage(r.URL.Query().Get("page"))
	if err != nil {
		return nil, err
	}
	ns, total, err := s.notices.Notices(r.Context(), (page-1)*NoticePageSize, NoticePageSize)
	if err != nil {
		return nil, err
	}
	subs, err := s.notices.CountSubscriptions(r.Context())
	if err != nil {
		return nil, err
	}
	return NoticeList{Total: total, Notices: append([]push.NoticeSummary{}, ns...), Subscriptions: subs}, nil
}

// showNotice serves GET /api/v1/push/notices/{id}?page=: {id} is the
// document's name.
func (s *Server) showNotice(r *http.Request, v tickets.Viewer) (any, error) {
	n, rs, total, _, err := s.findNotice(r.Context(), v, r.PathValue("id"), r.URL.Query())
	if err != nil {
		return nil, err
	}
	out := NoticeDetail{NoticeSummary: n, Total: total, Recipients: []RecipientJSON{}}
	for _, rc := range rs {
		out.Recipients = append(out.Recipients, RecipientJSON{rc, recipientStatus(rc)})
	}
	return out, nil
}

// findNotice returns notice doc and the page of its recipients ?page=
// asks for, with their total and the page number.
func (s *Server) findNotice(ctx context.Context, v tickets.Viewer, doc string, q url.Values) (push.NoticeSummary, []push.Recipient, int, int, error) {
	if err := s.pushViewer(v); err != nil {
		return push.NoticeSummary{}, nil, 0, 0, err
	}
	page, err := parsePage(q.Get("page"))
	if err != nil {
		return push.NoticeSummary{}, nil, 0, 0, err
	}
	n, err := s.notices.FindNotice(ctx, doc)
	if err != nil {
		return push.NoticeSummary{}, nil, 0, 0, err
	}
	rs, total, err := s.notices.Recipients(ctx, doc, (page-1)*NoticePageSize, NoticePageSize)
	return n, rs, total, page, err
}

// queuedLabel is when a notice was queued, for a page.
func queuedLabel(t time.Time) string {
	if t.IsZero() {
		return "未排队（暂缓）"
	}
	return formatTime(t)
}
