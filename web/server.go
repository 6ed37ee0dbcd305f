package web

import (
	"context"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/tickets"
)

//go:embed template/*.html
var templateFS embed.FS

var templates = template.Must(template.ParseFS(templateFS, "template/*.html"))

// CookieName is the name of the session cookie.
const CookieName = "partybot_session"

// TicketStore is what the server needs of the ticket store
// ([*tickets.Store]).
type TicketStore interface {
	FindTicketByNumber(ctx context.Context, v tickets.Viewer, number string) (*tickets.Ticket, error)
	Board(ctx context.Context, v tickets.Viewer, f tickets.BoardFilter) (tickets.BoardPage, error)
	Accept(ctx context.Context, v tickets.Viewer, number, note string) (*tickets.Ticket, error)
	Resolve(ctx context.Context, v tickets.Viewer, number, reply string) (*tickets.Ticket, error)
	Transfer(ctx context.Context, v tickets.Viewer, number, to, reason string) (*tickets.Ticket, error)
	Verify(ctx context.Context, v tickets.Viewer, number, note string) (*tickets.Ticket, error)
	Adopt(ctx context.Context, v tickets.Viewer, number, reply string, partial bool) (*tickets.Ticket, error)
	Reject(ctx context.Context, v tickets.Viewer, number, reply string) (*tickets.Ticket, error)
	Supervise(ctx context.Context, v tickets.Viewer, number, note string) (*tickets.Ticket, error)
	Departments() []tickets.Department
	StatsStore // the statistics page's (stats.go)
}

var _ TicketStore = (*tickets.Store)(nil)

// ViewerFunc returns who a user is: the departments they are staff of and
// whether they are an administrator (access.Policy.Viewer).
type ViewerFunc func(userID string) tickets.Viewer

// Server is the console's HTTP handler: sign-in at /login, pages, and the
// JSON API under /api/v1. Only department staff and administrators get in;
// who they are is asked of Viewer at every request, so a user taken off
// the staff list is out at once. Requests that change state are refused
// when a browser says they come from another site
// ([http.CrossOriginProtection]).
type Server struct {
	auth    *Store
	tickets TicketStore
	viewer  ViewerFunc
	secure  bool // the public URL is https: cookies are Secure
	logger  *slog.Logger
	files   *tickets.Files // the photos; nil: none served ([WithFiles])
	kb      KnowledgeBase  // the 知识库 page's; nil: none ([WithKnowledgeBase])
	asker   Asker          // the 问答 page; nil: none ([WithAsker])
	stream  bool           // asker's answers stream from a model
	log     QuestionLog    // the 问答记录 page; nil: none ([WithQuestionLog])
	cached  gapCache       // the knowledge gaps last shown
	handler http.Handler

	platform PlatformFunc // the points' and notices' figures; nil: none ([WithPlatform])
	ledger   Ledger       // the 红色积分 page's; nil: none ([WithPoints])
	stations StationList  // the 暖“新”驿站 page's; nil: none ([WithStations])
	notices  NoticeLog    // the 政策推送 page's; nil: none ([WithPush])
}

var _ http.Handler = (*Server)(nil)

// NewServer returns the console over the sign-in store auth and the ticket
// store ts. publicURL is the base URL users reach it at
// (PARTYBOT_WEB_URL); logger receives internal errors. Options set the
// rest: [WithFiles] for the tickets' photos.
func NewServer(auth *Store, ts TicketStore, viewer ViewerFunc, publicURL string, logger *slog.Logger, opts ...Option) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{auth: auth, tickets: ts, viewer: viewer, logger: logger,
		secure: strings.HasPrefix(strings.ToLower(publicURL), "https://")}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", s.login)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, DefaultNext, http.StatusSeeOther)
	})
	mux.Handle("GET /tickets", s.page(s.boardPage))
	mux.Handle("GET /tickets/{number}", s.page(s.detailPage))
	mux.Handle("POST /tickets/{number}/{action}", s.page(s.actionPost))
	mux.Handle("GET /tickets/{number}/photos/{sha256}", s.page(s.photo))
	s.routeStats(mux) // /stats, its downloads and /api/v1/stats
	mux.Handle("GET /api/v1/tickets", s.api(s.listTickets))
	mux.Handle("GET /api/v1/tickets/{number}", s.api(s.showTicket))
	mux.Handle("POST /api/v1/tickets/{number}/accept", s.api(s.acceptTicket))
	mux.Handle("POST /api/v1/tickets/{number}/resolve", s.api(s.resolveTicket))
	mux.Handle("POST /api/v1/tickets/{number}/transfer", s.api(s.transferTicket))
	s.kbRoutes(mux)
	s.routeQuestions(mux)
	s.routeServices(mux)
	mux.Handle("POST /api/v1/tickets/{number}/supervise", s.api(s.superviseTicket))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, apperr.ENotFound, "没有这个接口")
	})

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			writeError(w, http.StatusForbidden, apperr.EForbidden, "拒绝来自其他网站的请求")
			return
		}
		s.forbidden(w, errCrossOrigin)
	}))
	s.handler = compressed(cop.Handler(mux))
	return s
}

// ServeHTTP serves the console.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer") // sign-in links carry a secret
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	s.handler.ServeHTTP(w, r)
}

// login redeems the sign-in link in ?token=, sets the session cookie and
// redirects to the link's next path. Only GET redeems (the pattern also
// matches HEAD). A link of someone who is not staff
// or an administrator is used up but signs nobody in.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		// A link checker's HEAD must not use the link up.
		w.WriteHeader(http.StatusOK)
		return
	}
	sid, userID, next, err := s.auth.Redeem(r.Context(), r.URL.Query().Get("token"))
	if err != nil {
		s.forbidden(w, err)
		return
	}
	if !s.allowed(s.viewer(userID)) {
		s.forbidden(w, errNotStaff)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: sid, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.secure || r.TLS != nil,
		// The store ends the session after 12 idle hours; the browser
		// keeps the cookie no longer than that after sign-in.
		MaxAge: int(SessionIdle / time.Second),
	})
	http.Redirect(w, r, LocalPath(next), http.StatusSeeOther)
}

var errCrossOrigin = apperr.Errorf(apperr.EForbidden, "该操作来自其他网站，已被拒绝。请在工作台页面内操作。")

var errNotStaff = apperr.Errorf(apperr.EForbidden, "工作台仅对部门工作人员和管理员开放。")

// allowed reports whether v may use the console.
func (s *Server) allowed(v tickets.Viewer) bool {
	return v.UserID != "" && (v.Admin || len(v.Departments) > 0)
}

// authenticate returns who sent r: by the bearer token in Authorization,
// or else by the session cookie. Returns EFORBIDDEN when neither names a
// live sign-in of staff or an administrator.
func (s *Server) authenticate(r *http.Request) (tickets.Viewer, error) {
	var userID string
	var err error
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, token, _ := strings.Cut(auth, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return tickets.Viewer{}, errToken
		}
		userID, err = s.auth.TokenUser(r.Context(), strings.TrimSpace(token))
	} else if c, cerr := r.Cookie(CookieName); cerr == nil {
		userID, err = s.auth.Session(r.Context(), c.Value)
	} else {
		err = errSignIn
	}
	if err != nil {
		return tickets.Viewer{}, err
	}
	v := s.viewer(userID)
	if !s.allowed(v) {
		return tickets.Viewer{}, errNotStaff
	}
	v.Via = tickets.ViaWeb
	return v, nil
}

var errSignIn = apperr.Errorf(apperr.EForbidden, "您尚未登录。")

// page wraps a page handler: visitors not signed in get the 403 page.
func (s *Server) page(fn func(w http.ResponseWriter, r *http.Request, v tickets.Viewer)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := s.authenticate(r)
		if err != nil {
			s.forbidden(w, err)
			return
		}
		fn(w, r, v)
	})
}

// forbidden writes the polite 403 page, saying why when err is a coded
// error, and logs an internal one.
func (s *Server) forbidden(w http.ResponseWriter, err error) {
	msg := apperr.Message(err)
	status := http.StatusForbidden
	if apperr.Code(err) == apperr.EInternal {
		s.logger.Error("web sign-in", "err", err)
		status = http.StatusInternalServerError
	}
	s.render(w, status, "forbidden.html", struct{ Message string }{msg})
}

// render writes the template name with data.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := templates.ExecuteTemplate(w, name, data); err != nil {
		s.logger.Error("web render", "template", name, "err", err)
	}
}
