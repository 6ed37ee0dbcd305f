package web

import (
	"net/http"
	"net/url"
	"strconv"

	"partybot/push"
	"partybot/tickets"
)

// pushData is the 政策推送 page's template data.
type pushData struct {
	viewData
	Page          int
	Pages         int
	Total         int
	Rows          []noticeRow
	Subscriptions push.SubscriptionCounts
	Prev, Next    string
}

type noticeRow struct {
	push.NoticeSummary
	Link   string
	Queued string
}

// pushPage serves GET /push: the documents pushed, to how many, and the
// subscriptions by audience and topic. Administrators only.
func (s *Server) pushPage(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	body, err := s.listNotices(r, v)
	if err != nil {
		s.failPage(w, r, v, err)
		return
	}
	l := body.(NoticeList)
	page, _ := parsePage(r.URL.Query().Get("page"))
	d := pushData{viewData: viewData{"政策推送", v.UserID, v.Admin}, Page: page, Total: l.Total,
		Pages: max(1, (l.Total+NoticePageSize-1)/NoticePageSize), Subscriptions: l.Subscriptions}
	for _, n := range l.Notices {
		d.Rows = append(d.Rows, noticeRow{n, noticeLink(n.Doc, 1), queuedLabel(n.QueuedAt)})
	}
	d.Prev, d.Next = pagerLinks(page, d.Pages, func(p int) string {
		return pageLink("/push", url.Values{"page": {strconv.Itoa(p)}}.Encode())
	})
	s.render(w, http.StatusOK, "push.html", d)
}

// noticeData is the page of one notice's template data.
type noticeData struct {
	viewData
	N          push.NoticeSummary
	Queued     string
	Held       int // recipients held with the document
	Page       int
	Pages      int
	Total      int
	Rows       []recipientRow
	Prev, Next string
}

type recipientRow struct {
	push.Recipient
	Status, Class, When string
}

// noticePage serves GET /push/notices/{doc}: who a notice reached.
func (s *Server) noticePage(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	n, rs, total, page, err := s.findNotice(r.Context(), v, r.PathValue("doc"), r.URL.Query())
	if err != nil {
		s.failPage(w, r, v, err)
		return
	}
	d := noticeData{viewData: viewData{"推送：" + n.Title, v.UserID, v.Admin}, N: n, Queued: queuedLabel(n.QueuedAt),
		Held: n.Recipients - n.Sent - n.Waiting, Page: page, Total: total, Pages: max(1, (total+NoticePageSize-1)/NoticePageSize)}
	for _, rc := range rs {
		d.Rows = append(d.Rows, newRecipientRow(rc))
	}
	d.Prev, d.Next = pagerLinks(page, d.Pages, func(p int) string { return noticeLink(n.Doc, p) })
	s.render(w, http.StatusOK, "notice.html", d)
}

// newRecipientRow says what became of a recipient's notice, and when.
func newRecipientRow(rc push.Recipient) recipientRow {
	row := recipientRow{Recipient: rc}
	switch recipientStatus(rc) {
	case RecipientOpened:
		row.Status, row.When = "已打开", "打开于 "+formatTime(rc.OpenedAt)
	case RecipientSent:
		row.Status, row.When = "已送达", "送达于 "+formatTime(rc.SentAt)
	case RecipientHeld:
		row.Status, row.Class, row.When = "暂缓推送", "red", "管理员暂缓了该文件"
	default:
		row.Status, row.Class, row.When = "待发送", "amber", "顺延至 "+formatTime(rc.DueAt)
		if !rc.DueAt.After(rc.QueuedAt) {
			row.When = "排队于 " + formatTime(rc.QueuedAt)
		}
	}
	return row
}

// noticeLink is the path of page page of notice doc.
func noticeLink(doc string, page int) string {
	p := "/push/notices/" + url.PathEscape(doc)
	if page > 1 {
		p += "?page=" + strconv.Itoa(page)
	}
	return p
}
