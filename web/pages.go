package web

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/tickets"
)

// flashCookie carries the message shown once on the page an action
// redirects to.
const flashCookie = "partybot_flash"

// Option is an optional setting of [NewServer].
type Option func(*Server)

// WithFiles serves the photos of tickets from f (the files of
// [tickets.Files], kept under the data directory's attachments/). Without
// it a photo's link answers 404.
func WithFiles(f tickets.Files) Option { return func(s *Server) { s.files = &f } }

// viewData is what every page's header shows.
type viewData struct {
	Title  string
	UserID string
	Admin  bool
}

// boardData is the board's template data.
type boardData struct {
	viewData
	Query       TicketQuery
	Page        TicketPage
	Pages       int
	Departments []tickets.Department // those the viewer may filter by
	Statuses    []statusCount
	Rows        []boardRow
	Prev, Next  string // links to the neighbouring pages, "" when none
	Flash       string // the message of the action just done, once
}

type statusCount struct {
	Status tickets.Status
	Label  string
	Count  int
	Link   string
	On     bool
}

type boardRow struct {
	*tickets.Ticket
	Dept     string
	Deadline string
	Brief    string // the summary, or the start of the text
}

// boardPage serves GET /tickets: the board (工单).
func (s *Server) boardPage(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	q, err := ParseTicketQuery(r.URL.Query())
	if err == nil && q.Department != "" && !v.Admin && !v.Staff(q.Department) {
		err = apperr.Errorf(apperr.EInvalid, "您只能查看本部门的工单")
	}
	if err != nil {
		s.errorPage(w, r, v, err)
		return
	}
	p, err := s.findTickets(r.Context(), v, q, Urgent)
	if err != nil {
		s.errorPage(w, r, v, err)
		return
	}
	names := s.deptNames()
	d := boardData{viewData: viewData{"工单", v.UserID, v.Admin}, Query: q, Page: p, Flash: takeFlash(w, r),
		Pages: max(1, (p.Total+PageSize-1)/PageSize)}
	for _, dept := range s.tickets.Departments() {
		if v.Admin || v.Staff(dept.Key) {
			d.Departments = append(d.Departments, dept)
		}
	}
	all := q
	all.Status, all.Page = "", 1
	total := 0
	for _, st := range tickets.Statuses {
		total += p.Counts[st]
	}
	d.Statuses = append(d.Statuses, statusCount{Label: "全部", Count: total, Link: pageLink("/tickets", all.Values().Encode()), On: q.Status == ""})
	for _, st := range tickets.Statuses {
		one := all
		one.Status = st
		d.Statuses = append(d.Statuses, statusCount{st, st.Label(), p.Counts[st], pageLink("/tickets", one.Values().Encode()), q.Status == st})
	}
	for _, t := range p.Tickets {
		d.Rows = append(d.Rows, boardRow{t, cmp.Or(names[t.Department], t.Department), formatTime(deadline(t)),
			clip(cmp.Or(t.Summary, t.Text), 60)})
	}
	d.Prev, d.Next = pagerLinks(q.Page, d.Pages, func(page int) string {
		q.Page = page
		return pageLink("/tickets", q.Values().Encode())
	})
	s.render(w, http.StatusOK, "board.html", d)
}

// deadline is the ticket's resolution deadline, or its response deadline
// where it has none (a suggestion); zero when neither.
func deadline(t *tickets.Ticket) time.Time {
	return cmp.Or(t.DueAt, t.RespondDue)
}

// formatTime formats t for a page; "—" when zero.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return tickets.FormatTime(t)
}

// clip returns s cut to n runes, with an ellipsis when cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// deptNames maps department keys to names.
func (s *Server) deptNames() map[string]string {
	m := map[string]string{}
	for _, d := range s.tickets.Departments() {
		m[d.Key] = d.Name
	}
	return m
}

// detailData is the ticket page's template data.
type detailData struct {
	viewData
	T         *tickets.Ticket
	Dept      string
	Outcome   string
	History   []historyRow
	Flash     string
	Error     string
	Form      url.Values // what was typed, when an action failed
	Actions   actions
	Transfers []tickets.Department

	Created, RespondDue, DueAt string
}

type historyRow struct {
	tickets.HistoryEntry
	When string
}

// actions are the actions the viewer may take on a ticket now.
type actions struct {
	Accept, Resolve, Transfer, Verify, Judge bool
	Supervise                                bool // an administrator's 督办 note
	RejectLabel                              string
}

func (a actions) Any() bool {
	return a.Accept || a.Resolve || a.Transfer || a.Verify || a.Judge || a.Supervise
}

// allowedActions returns what v may do to t in its state.
func allowedActions(v tickets.Viewer, t *tickets.Ticket) actions {
	if !v.CanHandle(t) {
		return actions{}
	}
	accepted := t.Status == tickets.StatusAccepted
	judged := t.Kind == tickets.KindReport || t.Kind == tickets.KindSuggestion
	return actions{
		Accept:      t.Status == tickets.StatusDispatched,
		Resolve:     accepted && t.Kind != tickets.KindSuggestion,
		Transfer:    t.Status == tickets.StatusDispatched || accepted,
		Verify:      accepted && t.Kind == tickets.KindReport && t.VerifiedAt.IsZero(),
		Judge:       accepted && judged,
		Supervise:   v.Admin && (t.Status == tickets.StatusDispatched || accepted),
		RejectLabel: tickets.OutcomeRejected.Label(t.Kind),
	}
}

// detailPage serves GET /tickets/{number}: the ticket (工单详情).
func (s *Server) detailPage(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	t, err := s.findVisible(r, v)
	if err != nil {
		s.errorPage(w, r, v, err)
		return
	}
	s.renderDetail(w, http.StatusOK, v, t, takeFlash(w, r), "", nil)
}

// setFlash keeps msg for the next page of the board or a ticket.
func (s *Server) setFlash(w http.ResponseWriter, r *http.Request, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), Path: "/tickets",
		MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure || r.TLS != nil})
}

// takeFlash returns the message setFlash kept, once: the cookie is cleared.
func takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/tickets", MaxAge: -1, HttpOnly: true})
	msg, _ := url.QueryUnescape(c.Value)
	return msg
}

func (s *Server) renderDetail(w http.ResponseWriter, status int, v tickets.Viewer, t *tickets.Ticket, flash, errMsg string, form url.Values) {
	names := s.deptNames()
	d := detailData{viewData: viewData{"工单 " + t.Number, v.UserID, v.Admin}, T: t,
		Dept: cmp.Or(names[t.Department], t.Department), Flash: flash, Error: errMsg, Form: form,
		Actions: allowedActions(v, t),
		Created: formatTime(t.CreatedAt), RespondDue: formatTime(t.RespondDue), DueAt: formatTime(t.DueAt)}
	if t.Outcome != "" {
		d.Outcome = t.Outcome.Label(t.Kind)
	}
	for _, h := range slices.Backward(t.History) {
		d.History = append(d.History, historyRow{h, formatTime(h.At)})
	}
	for _, dept := range s.tickets.Departments() {
		if dept.Key != t.Department {
			d.Transfers = append(d.Transfers, dept)
		}
	}
	s.render(w, status, "detail.html", d)
}

// actionFunc does one action of the ticket page's forms.
type actionFunc func(s *Server, r *http.Request, v tickets.Viewer, number string) (*tickets.Ticket, string, error)

// formActions are the actions of POST /tickets/{number}/{action}, with
// the message each leaves on success.
var formActions = map[string]actionFunc{
	"accept": func(s *Server, r *http.Request, v tickets.Viewer, n string) (*tickets.Ticket, string, error) {
		t, err := s.tickets.Accept(r.Context(), v, n, r.PostFormValue("note"))
		return t, "已接单。", err
	},
	"resolve": func(s *Server, r *http.Request, v tickets.Viewer, n string) (*tickets.Ticket, string, error) {
		t, err := s.tickets.Resolve(r.Context(), v, n, r.PostFormValue("reply"))
		return t, "已办结，答复已发送给提交人。", err
	},
	"transfer": func(s *Server, r *http.Request, v tickets.Viewer, n string) (*tickets.Ticket, string, error) {
		t, err := s.tickets.Transfer(r.Context(), v, n, r.PostFormValue("to"), r.PostFormValue("reason"))
		if err != nil {
			return nil, "", err
		}
		return t, "已转派至" + cmp.Or(s.deptNames()[t.Department], t.Department) + "。", nil
	},
	"verify": func(s *Server, r *http.Request, v tickets.Viewer, n string) (*tickets.Ticket, string, error) {
		t, err := s.tickets.Verify(r.Context(), v, n, r.PostFormValue("note"))
		return t, "已核实有效。", err
	},
	"adopt": func(s *Server, r *http.Request, v tickets.Viewer, n string) (*tickets.Ticket, string, error) {
		t, err := s.tickets.Adopt(r.Context(), v, n, r.PostFormValue("reply"), false)
		return t, "已采纳，答复已发送给提交人。", err
	},
	"partial": func(s *Server, r *http.Request, v tickets.Viewer, n string) (*tickets.Ticket, string, error) {
		t, err := s.tickets.Adopt(r.Context(), v, n, r.PostFormValue("reply"), true)
		return t, "已部分采纳，答复已发送给提交人。", err
	},
	"supervise": func(s *Server, r *http.Request, v tickets.Viewer, n string) (*tickets.Ticket, string, error) {
		t, err := s.tickets.Supervise(r.Context(), v, n, r.PostFormValue("supervision"))
		return t, "督办意见已记录，并已通知承办部门。", err
	},
	"reject": func(s *Server, r *http.Request, v tickets.Viewer, n string) (*tickets.Ticket, string, error) {
		t, err := s.tickets.Reject(r.Context(), v, n, r.PostFormValue("reply"))
		if err != nil {
			return nil, "", err
		}
		return t, "已答复“" + tickets.OutcomeRejected.Label(t.Kind) + "”。", nil
	},
}

// errStale is the answer to a form sent from a page older than the
// ticket: someone else changed it in between.
func errStale(t *tickets.Ticket) error {
	return apperr.Errorf(apperr.EConflict, "该工单已被他人更新（当前状态：%s），您的操作未执行。请查看下方最新情况后再决定是否重新操作。", t.Status.Label())
}

// actionPost serves POST /tickets/{number}/{action}: an action of the
// ticket page's forms. The form carries the version of the ticket it was
// shown with; if the ticket changed since, nothing is done and the page
// says so. On success it redirects to the ticket's page with a message
// (POST-redirect-GET); on failure it shows the page again with the error
// and what was typed.
func (s *Server) actionPost(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	do, ok := formActions[r.PathValue("action")]
	t, err := s.findVisible(r, v)
	if err == nil && !ok {
		err = errNoTicket
	}
	if err != nil {
		s.errorPage(w, r, v, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, v, apperr.Wrap(err, apperr.EInvalid, "表单内容无效或过长"))
		return
	}
	if version, verr := strconv.Atoi(r.PostFormValue("version")); verr != nil || version != t.Version {
		err = errStale(t)
	} else {
		var msg string
		var done *tickets.Ticket
		done, msg, err = do(s, r, v, t.Number)
		if err == nil {
			s.setFlash(w, r, msg)
			next := "/tickets/" + done.Number
			if !v.CanHandle(done) {
				next = "/tickets" // transferred away: the ticket is no longer the viewer's
			}
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
	}
	code := apperr.Code(err)
	status, known := statuses[code]
	if !known {
		s.errorPage(w, r, v, err)
		return
	}
	// Show the ticket as it is now, with the error.
	if now, ferr := s.findVisible(r, v); ferr == nil {
		t = now
	} else if apperr.Code(ferr) == apperr.ENotFound { // e.g. transferred away meanwhile
		s.errorPage(w, r, v, ferr)
		return
	}
	if code == apperr.EConflict && !strings.Contains(apperr.Message(err), "他人") {
		err = apperr.Errorf(code, "%s。该工单可能已被他人处理，您的操作未执行，请查看最新情况。", strings.TrimRight(apperr.Message(err), "。"))
	}
	s.renderDetail(w, status, v, t, "", apperr.Message(err), r.PostForm)
}

// photo serves GET /tickets/{number}/photos/{sha256}: a photo of a ticket
// the viewer handles. Any other checksum, a ticket the viewer may not see
// and a missing file are the same 404 page.
func (s *Server) photo(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	t, err := s.findVisible(r, v)
	if err != nil {
		s.errorPage(w, r, v, err)
		return
	}
	sum := r.PathValue("sha256")
	i := slices.IndexFunc(t.Attachments, func(a tickets.Attachment) bool { return a.SHA256 == sum })
	if i < 0 || s.files == nil {
		s.errorPage(w, r, v, errNoTicket)
		return
	}
	a := t.Attachments[i]
	f, err := s.files.Open(sum)
	if err != nil {
		if apperr.Code(err) == apperr.ENotFound {
			err = errNoTicket
		}
		s.errorPage(w, r, v, err)
		return
	}
	defer f.Close()
	ctype := "application/octet-stream"
	if strings.HasPrefix(a.MIME, "image/") && !strings.Contains(a.MIME, "svg") {
		ctype = a.MIME
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Disposition", fmt.Sprintf("inline; filename*=UTF-8''%s", url.PathEscape(a.Name)))
	// The checksum names the bytes: the browser may keep them privately.
	h.Set("Cache-Control", "private, max-age=86400")
	var mod time.Time
	if st, err := f.Stat(); err == nil {
		mod = st.ModTime()
	}
	http.ServeContent(w, r, "", mod, io.ReadSeeker(f))
}

// errorPage writes the page of err: 404 for a ticket not found (or not
// the viewer's), the polite message for the others; internal errors are
// logged.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, v tickets.Viewer, err error) {
	code := apperr.Code(err)
	status, ok := statuses[code]
	msg := apperr.Message(err)
	if !ok {
		status, msg = http.StatusInternalServerError, "服务器内部错误，请稍后再试。"
		s.logger.Error("web page", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	title := "出错了"
	if errors.Is(err, errNoTicket) || code == apperr.ENotFound {
		title = "未找到工单"
	}
	s.render(w, status, "error.html", struct {
		viewData
		Message string
	}{viewData{title, v.UserID, v.Admin}, msg})
}
