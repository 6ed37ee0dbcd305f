package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"partybot/apperr"
	"partybot/tickets"
)

// PageSize is how many tickets a page of GET /api/v1/tickets holds.
const PageSize = 50

// maxPage is the highest page number the API accepts.
const maxPage = 1_000_000

// maxBody is the largest request body the API reads.
const maxBody = 64 << 10

// apiError is the body of an API error: an [apperr] code and a message in
// Chinese.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// TicketList is the body of GET /api/v1/tickets.
type TicketList struct {
	Total   int               `json:"total"`
	Tickets []*tickets.Ticket `json:"tickets"`
}

// api wraps an API handler: it authenticates the request (403 JSON when
// it cannot) and writes what the handler returns as JSON, or its error.
func (s *Server) api(fn func(r *http.Request, v tickets.Viewer) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := s.authenticate(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		out, err := fn(r, v)
		if err != nil {
			s.error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// statuses maps the codes of apperr to HTTP statuses.
var statuses = map[string]int{
	apperr.EConflict:  http.StatusConflict,
	apperr.EForbidden: http.StatusForbidden,
	apperr.EInvalid:   http.StatusBadRequest,
	apperr.ENotFound:  http.StatusNotFound,
	apperr.EReadOnly:  http.StatusServiceUnavailable,
	apperr.ETooMany:   http.StatusTooManyRequests,
}

// error writes err as a JSON error, logging it when it is internal.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	code := apperr.Code(err)
	status, ok := statuses[code]
	if !ok {
		code, status = apperr.EInternal, http.StatusInternalServerError
		s.logger.Error("web api", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeError(w, status, code, apperr.Message(err))
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiError{Code: code, Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	// Encoded as json.Marshal does, as "partybot tickets show --json" prints.
	json.NewEncoder(w).Encode(v)
}

// listTickets serves GET /api/v1/tickets?status=&department=&overdue=&q=&page=:
// the tickets the viewer handles, newest first, PageSize a page (page 1
// first), with the total that match.
func (s *Server) listTickets(r *http.Request, v tickets.Viewer) (any, error) {
	q, err := ParseTicketQuery(r.URL.Query())
	if err != nil {
		return nil, err
	}
	p, err := s.findTickets(r.Context(), v, q, Newest)
	if err != nil {
		return nil, err
	}
	return TicketList{Total: p.Total, Tickets: p.Tickets}, nil
}

// findVisible returns the ticket of the path's {number}, which the viewer
// must handle ([tickets.Viewer.CanHandle]). A ticket that does not exist
// and one the viewer may not see are the same 404, body and all.
func (s *Server) findVisible(r *http.Request, v tickets.Viewer) (*tickets.Ticket, error) {
	number := r.PathValue("number")
	t, err := s.tickets.FindTicketByNumber(r.Context(), v, number)
	switch apperr.Code(err) {
	case "":
		if !v.CanHandle(t) { // a staff member's own demand to another department
			return nil, errNoTicket
		}
		return t, nil
	case apperr.ENotFound, apperr.EForbidden:
		return nil, errNoTicket
	default:
		return nil, err
	}
}

// showTicket serves GET /api/v1/tickets/{number}.
func (s *Server) showTicket(r *http.Request, v tickets.Viewer) (any, error) {
	return s.findVisible(r, v)
}

// acceptTicket serves POST /api/v1/tickets/{number}/accept {"note"}.
func (s *Server) acceptTicket(r *http.Request, v tickets.Viewer) (any, error) {
	var in struct {
		Note string `json:"note"`
	}
	t, err := s.prepare(r, v, &in)
	if err != nil {
		return nil, err
	}
	return s.tickets.Accept(r.Context(), v, t.Number, in.Note)
}

// resolveTicket serves POST /api/v1/tickets/{number}/resolve {"reply"}.
func (s *Server) resolveTicket(r *http.Request, v tickets.Viewer) (any, error) {
	var in struct {
		Reply string `json:"reply"`
	}
	t, err := s.prepare(r, v, &in)
	if err != nil {
		return nil, err
	}
	return s.tickets.Resolve(r.Context(), v, t.Number, in.Reply)
}

// transferTicket serves POST /api/v1/tickets/{number}/transfer {"to", "reason"}.
func (s *Server) transferTicket(r *http.Request, v tickets.Viewer) (any, error) {
	var in struct {
		To     string `json:"to"`
		Reason string `json:"reason"`
	}
	t, err := s.prepare(r, v, &in)
	if err != nil {
		return nil, err
	}
	return s.tickets.Transfer(r.Context(), v, t.Number, in.To, in.Reason)
}

// superviseTicket serves POST /api/v1/tickets/{number}/supervise {"note"}:
// an administrator's 督办 note, sent to the department.
func (s *Server) superviseTicket(r *http.Request, v tickets.Viewer) (any, error) {
	var in struct {
		Note string `json:"note"`
	}
	t, err := s.prepare(r, v, &in)
	if err != nil {
		return nil, err
	}
	return s.tickets.Supervise(r.Context(), v, t.Number, in.Note)
}

// prepare reads an action's JSON body into in and returns the ticket it
// acts on, which the viewer must be able to see (else 404).
func (s *Server) prepare(r *http.Request, v tickets.Viewer, in any) (*tickets.Ticket, error) {
	t, err := s.findVisible(r, v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(in); err != nil && !errors.Is(err, io.EOF) {
		return nil, apperr.Wrap(err, apperr.EInvalid, "请求内容应为 JSON 对象")
	}
	return t, nil
}

// errNoTicket is the one answer for a ticket that does not exist and one
// the viewer may not see: it does not name the number, so that the bodies
// are the same.
var errNoTicket = apperr.Errorf(apperr.ENotFound, "没有找到该工单，或您无权查看。")
