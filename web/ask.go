package web

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"partybot/apperr"
	"partybot/bot"
	"partybot/feedback"
	"partybot/tickets"
)

// Asker answers questions ([*bot.Answerer]).
type Asker interface {
	AskWith(ctx context.Context, q string, opt bot.AskOptions) (bot.Answer, error)
}

var _ Asker = (*bot.Answerer)(nil)

// WithAsker answers questions with a at /ask and POST /api/v1/ask. stream
// says a writes its answers with a chat model: the page then shows them as
// they are written.
func WithAsker(a Asker, stream bool) Option {
	return func(s *Server) { s.asker, s.stream = a, stream }
}

// Limits of a question asked in the console.
const (
	// askBody is the largest request body of a question: a question of
	// bot.MaxQuestionRunes fits many times over, so that a longer one is
	// told its length rather than refused as a body too large.
	askBody = 256 << 10
	// askTimeout bounds one answer, however the model behaves; the
	// answerer's own ModelTimeout is shorter and falls back to the
	// passages.
	askTimeout = 2 * time.Minute
)

//go:embed ask.js
var askScript []byte

var (
	errNoAsker  = apperr.Errorf(apperr.ENotFound, "本工作台未启用问答。")
	errAskBody  = apperr.Errorf(apperr.EInvalid, "问题太长或请求内容无效，请精简到 1000 字以内再问。")
	errNotUTF8  = apperr.Errorf(apperr.EInvalid, "问题中含有无法识别的字符（不是有效的 UTF-8 文本），请重新输入。")
	errInternal = apperr.Errorf(apperr.EInternal, "服务器内部错误，请稍后再试。")
)

// answer asks q for v and records the answer in the question log
// (channel web), returning it with its id in the log, 0 when it was not
// recorded. onDelta, when set, receives the model's text as it is written.
// Returns EINVALID for a question the assistant does not take (empty, too
// long …).
func (s *Server) answer(ctx context.Context, v tickets.Viewer, q string, onDelta func(string)) (bot.Answer, int64, error) {
	if s.asker == nil {
		return bot.Answer{}, 0, errNoAsker
	}
	if !utf8.ValidString(q) {
		return bot.Answer{}, 0, errNotUTF8
	}
	ctx, cancel := context.WithTimeout(ctx, askTimeout)
	defer cancel()
	ans, err := s.asker.AskWith(ctx, q, bot.AskOptions{OnDelta: onDelta})
	if err != nil {
		return ans, 0, err
	}
	if ans.ModelError != nil {
		s.logger.Warn("chat model failed; answered from the passages", "err", ans.ModelError)
	}
	if s.log == nil {
		return ans, 0, nil
	}
	rec := bot.FeedbackOf(bot.User{ID: v.UserID}, ans)
	rec.Channel = feedback.ChannelWeb
	id, err := s.log.RecordAnswer(context.WithoutCancel(ctx), rec)
	if err != nil {
		s.logger.Error("record web answer", "err", err) // the answer stands
		return ans, 0, nil
	}
	return ans, id, nil
}

// readQuestion reads the form's question, its body at most askBody.
func readQuestion(w http.ResponseWriter, r *http.Request) (string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, askBody)
	if err := r.ParseForm(); err != nil {
		return "", errAskBody
	}
	return r.PostFormValue("question"), nil
}

// askData is the 问答 page's template data.
type askData struct {
	viewData
	Question string
	Stream   bool
	Voted    bool
	Error    string
	Answer   *answerData
}

// answerData is an answer as the page shows it (template "answer").
type answerData struct {
	ID      int64 // in the question log; 0: not recorded, no vote
	Text    string
	Outcome string
	Class   string
	Missing string
	Sources []bot.SourceJSON
}

func newAnswerData(ans bot.Answer, id int64) *answerData {
	d := &answerData{ID: id, Text: ans.Text, Outcome: outcomeLabels[string(ans.Outcome)],
		Class: outcomeClass[string(ans.Outcome)], Missing: ans.Missing}
	for i, h := range ans.Sources {
		d.Sources = append(d.Sources, bot.SourceJSON{Rank: i + 1, Title: h.Title, Source: h.Source, Text: h.Text, Score: h.Score})
	}
	return d
}

// askPage serves GET /ask: the form.
func (s *Server) askPage(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	if s.asker == nil {
		s.forbiddenPage(w, r, v, errNoAsker)
		return
	}
	s.render(w, http.StatusOK, "ask.html", askData{viewData: viewData{"问答", v.UserID, v.Admin},
		Stream: s.stream, Voted: r.URL.Query().Get("voted") != ""})
}

// askPost serves POST /ask: the form sent without JavaScript; the page
// comes back with the whole answer.
func (s *Server) askPost(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	d := askData{viewData: viewData{"问答", v.UserID, v.Admin}, Stream: s.stream}
	q, err := readQuestion(w, r)
	var ans bot.Answer
	var id int64
	if err == nil {
		ans, id, err = s.answer(r.Context(), v, q, nil)
	}
	status := http.StatusOK
	if err != nil {
		status = s.askStatus(r, err)
		d.Error = apperr.Message(err)
		if status == http.StatusInternalServerError {
			d.Error = apperr.Message(errInternal)
		}
	} else {
		d.Answer = newAnswerData(ans, id)
	}
	if utf8.ValidString(q) && len(q) <= askBody {
		d.Question = q
	}
	s.render(w, status, "ask.html", d)
}

// askStatus is the HTTP status of err, logged when it is internal.
func (s *Server) askStatus(r *http.Request, err error) int {
	if status, ok := statuses[apperr.Code(err)]; ok {
		return status
	}
	s.logger.Error("web ask", "method", r.Method, "path", r.URL.Path, "err", err)
	return http.StatusInternalServerError
}

// askStream serves POST /ask/stream, the page's script's request: the
// answer as server-sent events (text/event-stream) — "delta" events with
// the model's text as it is written ({"text"}), then "done" with the
// answer as the page shows it ({"html"}, citations and passages
// included), or "error" ({"message"}). Offline, "done" comes at once.
func (s *Server) askStream(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	q, err := readQuestion(w, r)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("X-Accel-Buffering", "no") // a proxy in front must not hold the events back
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	var mu sync.Mutex // the model's deltas and the last event
	send := func(event string, data any) {
		mu.Lock()
		defer mu.Unlock()
		b, _ := json.Marshal(data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
		rc.Flush()
	}
	var ans bot.Answer
	var id int64
	if err == nil {
		ans, id, err = s.answer(r.Context(), v, q, func(d string) { send("delta", map[string]string{"text": d}) })
	}
	if err != nil {
		msg := apperr.Message(err)
		if s.askStatus(r, err) == http.StatusInternalServerError {
			msg = apperr.Message(errInternal)
		}
		send("error", map[string]string{"message": msg})
		return
	}
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, "answer", newAnswerData(ans, id)); err != nil {
		s.logger.Error("web render", "template", "answer", "err", err)
	}
	send("done", map[string]string{"html": b.String()})
}

// votePost serves POST /ask/{id}/vote (vote=up|down): the asker's 👍 or
// 👎 on an answer of the 问答 page; then back to the page.
func (s *Server) votePost(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	vote := map[string]int{"up": feedback.Up, "down": feedback.Down}[r.PostFormValue("vote")]
	switch {
	case s.log == nil:
		err = errNoLog
	case err != nil || vote == 0:
		err = apperr.Errorf(apperr.EInvalid, "评价应为“有帮助”或“没帮助”")
	default:
		err = s.log.Vote(r.Context(), id, v.UserID, vote)
	}
	if err != nil {
		s.errorPage(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/ask?voted=1", http.StatusSeeOther)
}

// serveAskScript serves GET /ask.js, the 问答 page's script.
func serveAskScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Write(askScript)
}

// apiAsk serves POST /api/v1/ask {"question"}: the same object as
// "partybot ask --json" prints ([bot.AnswerJSON]). A question the
// assistant does not take is a 400 with the reason.
func (s *Server) apiAsk(r *http.Request, v tickets.Viewer) (any, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, askBody+1))
	if err != nil || len(body) > askBody {
		return nil, errAskBody
	}
	if !utf8.Valid(body) {
		return nil, errNotUTF8
	}
	var in struct {
		Question *string `json:"question"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || in.Question == nil {
		if errors.Is(err, io.EOF) || in.Question == nil {
			return nil, apperr.Errorf(apperr.EInvalid, "请求内容应为 JSON 对象 {\"question\": \"…\"}")
		}
		return nil, apperr.Wrap(err, apperr.EInvalid, "请求内容应为 JSON 对象 {\"question\": \"…\"}")
	}
	ans, _, err := s.answer(r.Context(), v, *in.Question, nil)
	if err != nil {
		return nil, err
	}
	return bot.NewAnswerJSON(*in.Question, ans, nil), nil
}

// routeQuestions adds the routes of the 问答 and 问答记录 pages and their
// API to mux.
func (s *Server) routeQuestions(mux *http.ServeMux) {
	mux.Handle("GET /questions", s.page(s.questionsPage))
	mux.Handle("GET /ask", s.page(s.askPage))
	mux.Handle("POST /ask", s.page(s.askPost))
	mux.Handle("POST /ask/stream", s.page(s.askStream))
	mux.Handle("POST /ask/{id}/vote", s.page(s.votePost))
	mux.HandleFunc("GET /ask.js", serveAskScript)
	mux.Handle("POST /api/v1/ask", s.api(s.apiAsk))
	mux.Handle("GET /api/v1/questions", s.api(s.listQuestions))
	mux.Handle("GET /api/v1/questions/gaps", s.api(s.listGaps))
}
