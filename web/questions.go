package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"partybot/apperr"
	"partybot/feedback"
	"partybot/question"
	"partybot/tickets"
)

// QuestionLog is what the console needs of the question log
// ([*feedback.Store]).
type QuestionLog interface {
	RecordAnswer(ctx context.Context, f feedback.Answer) (int64, error)
	Vote(ctx context.Context, id int64, userID string, vote int) error
	FindAnswers(ctx context.Context, f feedback.AnswerFilter) (feedback.AnswerPage, error)
	RefusedQuestions(ctx context.Context, from, to time.Time, limit int) ([]feedback.Asked, error)
}

var _ QuestionLog = (*feedback.Store)(nil)

// WithQuestionLog shows the question log l at /questions and records the
// console's own answers in it (channel web).
func WithQuestionLog(l QuestionLog) Option { return func(s *Server) { s.log = l } }

// Sizes of the question log's pages.
const (
	// QuestionPageSize is how many questions a page of /questions and of
	// GET /api/v1/questions holds: each shows its passages, so fewer than
	// the board's tickets.
	QuestionPageSize = 20
	// gapDays is the period of the knowledge gaps when none is asked for.
	gapDays = 30
	// maxGapQuestions bounds the distinct refused questions grouped into
	// gaps, the most recent first, so that a busy period costs no more.
	maxGapQuestions = 2000
	// pageGaps and apiGaps are how many gaps the page and the API show.
	pageGaps = 15
	apiGaps  = 50
)

// canReadLog reports whether v may read the question log. Only
// administrators may: the log holds every user's questions from every
// channel, not a department's work, and the knowledge-base keepers are the
// administrators (only they manage documents, /kb in the chat). A
// department's staff ask at /ask like anyone, but do not read what
// residents asked.
func canReadLog(v tickets.Viewer) bool { return v.Admin }

var (
	errLogForbidden = apperr.Errorf(apperr.EForbidden, "问答记录仅对管理员（知识库维护人员）开放。")
	errNoLog        = apperr.Errorf(apperr.ENotFound, "本工作台未启用问答记录。")
)

// QuestionQuery is what a listing of the question log asks for: the
// filters of /questions and GET /api/v1/questions. Zero fields are "not
// set".
type QuestionQuery struct {
	Refused  string // "", "true" or "false"
	Vote     string // "", "up", "down" or "none"
	Channel  string // "", or a feedback.Channel…
	From, To string // days, 2026-03-01, both included
	Page     int    // 1 first
	period   tickets.Period
}

// ParseQuestionQuery reads a [QuestionQuery] from the query string
// ?refused=&vote=&channel=&from=&to=&page=. Returns EINVALID for a value
// it does not know.
func ParseQuestionQuery(q url.Values) (QuestionQuery, error) {
	qq := QuestionQuery{Vote: q.Get("vote"), Channel: q.Get("channel"), From: strings.TrimSpace(q.Get("from")),
		To: strings.TrimSpace(q.Get("to")), Page: 1}
	if r := q.Get("refused"); r != "" {
		refused, err := strconv.ParseBool(r)
		if err != nil {
			return qq, apperr.Errorf(apperr.EInvalid, "refused 应为 true 或 false")
		}
		qq.Refused = strconv.FormatBool(refused)
	}
	switch qq.Vote {
	case "", "up", "down", "none":
	default:
		return qq, apperr.Errorf(apperr.EInvalid, "vote 应为 up、down 或 none")
	}
	switch qq.Channel {
	case "", feedback.ChannelTelegram, feedback.ChannelTerminal, feedback.ChannelWeb:
	default:
		return qq, apperr.Errorf(apperr.EInvalid, "channel 应为 telegram、terminal 或 web")
	}
	p, err := tickets.DatePeriod(qq.From, qq.To, tickets.DefaultLocation)
	if err != nil {
		return qq, err
	}
	if !p.From.IsZero() && !p.To.IsZero() && !p.From.Before(p.To) {
		return qq, apperr.Errorf(apperr.EInvalid, "开始日期应不晚于结束日期。")
	}
	qq.period = p
	qq.Page, err = parsePage(q.Get("page"))
	return qq, err
}

// Values returns q as a query string's values, page included when not 1.
func (q QuestionQuery) Values() url.Values {
	return queryValues(q.Page, "refused", q.Refused, "vote", q.Vote, "channel", q.Channel, "from", q.From, "to", q.To)
}

// filter is q as the store's filter of page q.Page.
func (q QuestionQuery) filter() feedback.AnswerFilter {
	f := feedback.AnswerFilter{From: q.period.From, To: q.period.To,
		Offset: (max(q.Page, 1) - 1) * QuestionPageSize, Limit: QuestionPageSize}
	if q.Refused != "" {
		refused := q.Refused == "true"
		f.Refused = &refused
	}
	if q.Vote != "" {
		vote := map[string]int{"up": feedback.Up, "down": feedback.Down}[q.Vote]
		f.Vote = &vote
	}
	if q.Channel != "" {
		f.Channel = &q.Channel
	}
	return f
}

// gapPeriod is the period of the knowledge gaps: q's, or the last gapDays
// days (today included) when q names none.
func (q QuestionQuery) gapPeriod(now time.Time) (from, to time.Time, label string) {
	if q.From != "" || q.To != "" {
		return q.period.From, q.period.To, q.period.Label
	}
	y, m, d := now.In(tickets.DefaultLocation).Date()
	from = time.Date(y, m, d-gapDays+1, 0, 0, 0, 0, tickets.DefaultLocation)
	return from, time.Time{}, "近 " + strconv.Itoa(gapDays) + " 天"
}

// shippedCues are the question cue words the assistant analyses
// questions with, for the gaps' topics.
var shippedCues = sync.OnceValues(question.Shipped)

// gapTTL is how long the gaps of a period are kept: grouping a busy
// month's refused questions is the page's dearest part, and a summary a
// minute old serves the keeper as well (the list below is live).
const gapTTL = time.Minute

// gapCache keeps the gaps of the period last asked for.
type gapCache struct {
	mu       sync.Mutex
	from, to time.Time
	at       time.Time
	gaps     []feedback.Gap
}

// gaps returns the knowledge gaps of q's period, at most n, and the
// period's label: the refused questions grouped by topic ([feedback.Gaps])
// by the focus the assistant's question analysis finds in them.
func (s *Server) gaps(ctx context.Context, q QuestionQuery, n int) ([]feedback.Gap, string, error) {
	now := time.Now()
	from, to, label := q.gapPeriod(now)
	c := &s.cached
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.from.Equal(from) || !c.to.Equal(to) || now.Sub(c.at) > gapTTL {
		cues, err := shippedCues()
		if err != nil {
			return nil, "", err
		}
		asked, err := s.log.RefusedQuestions(ctx, from, to, maxGapQuestions)
		if err != nil {
			return nil, "", err
		}
		c.gaps = feedback.Gaps(asked, func(q string) string { return cues.Analyze(q).Focus })
		c.from, c.to, c.at = from, to, now
	}
	return c.gaps[:min(n, len(c.gaps))], label, nil
}

// logViewer checks that the log is kept and that v may read it.
func (s *Server) logViewer(v tickets.Viewer) error {
	switch {
	case s.log == nil:
		return errNoLog
	case !canReadLog(v):
		return errLogForbidden
	}
	return nil
}

// QuestionJSON is a logged answer in GET /api/v1/questions.
type QuestionJSON struct {
	ID       int64             `json:"id"`
	Question string            `json:"question"`
	Channel  string            `json:"channel"`
	Outcome  string            `json:"outcome"`
	Refused  bool              `json:"refused"`
	Missing  string            `json:"missing,omitempty"`
	Mode     string            `json:"mode"`
	Vote     string            `json:"vote,omitempty"` // up or down
	AskedAt  time.Time         `json:"asked_at"`
	Sources  []feedback.Source `json:"sources"`
}

// QuestionList is the body of GET /api/v1/questions. Who asked is left
// out: the keeper needs what was asked, not by whom.
type QuestionList struct {
	Total     int            `json:"total"`
	Questions []QuestionJSON `json:"questions"`
}

// GapJSON is a knowledge gap in GET /api/v1/questions/gaps.
type GapJSON struct {
	Topic     string    `json:"topic"`
	Count     int       `json:"count"`
	Examples  []string  `json:"examples"`
	LastAsked time.Time `json:"last_asked"`
}

// GapList is the body of GET /api/v1/questions/gaps.
type GapList struct {
	Period string    `json:"period"`
	Gaps   []GapJSON `json:"gaps"`
}

func questionJSON(a feedback.Answer) QuestionJSON {
	q := QuestionJSON{ID: a.ID, Question: a.Question, Channel: a.Channel, Outcome: outcomeOf(a), Refused: a.Refused,
		Missing: a.Missing, Mode: a.Mode, AskedAt: a.CreatedAt, Sources: a.Sources}
	if q.Sources == nil {
		q.Sources = []feedback.Source{}
	}
	switch a.Vote {
	case feedback.Up:
		q.Vote = "up"
	case feedback.Down:
		q.Vote = "down"
	}
	return q
}

// outcomeOf is a's outcome; answers logged before outcomes were kept
// have only Refused.
func outcomeOf(a feedback.Answer) string {
	switch {
	case a.Outcome != "":
		return a.Outcome
	case a.Refused:
		return string(question.Refused)
	}
	return string(question.Answered)
}

// listQuestions serves GET /api/v1/questions?refused=&vote=&channel=&from=&to=&page=.
func (s *Server) listQuestions(r *http.Request, v tickets.Viewer) (any, error) {
	if err := s.logViewer(v); err != nil {
		return nil, err
	}
	q, err := ParseQuestionQuery(r.URL.Query())
	if err != nil {
		return nil, err
	}
	p, err := s.log.FindAnswers(r.Context(), q.filter())
	if err != nil {
		return nil, err
	}
	out := QuestionList{Total: p.Total, Questions: []QuestionJSON{}}
	for _, a := range p.Answers {
		out.Questions = append(out.Questions, questionJSON(a))
	}
	return out, nil
}

// listGaps serves GET /api/v1/questions/gaps?from=&to=: the knowledge gaps
// of the period (the last 30 days by default), the most asked first.
func (s *Server) listGaps(r *http.Request, v tickets.Viewer) (any, error) {
	if err := s.logViewer(v); err != nil {
		return nil, err
	}
	q, err := ParseQuestionQuery(r.URL.Query())
	if err != nil {
		return nil, err
	}
	gaps, label, err := s.gaps(r.Context(), q, apiGaps)
	if err != nil {
		return nil, err
	}
	out := GapList{Period: label, Gaps: []GapJSON{}}
	for _, g := range gaps {
		out.Gaps = append(out.Gaps, GapJSON{Topic: g.Topic, Count: g.Count, Examples: g.Examples, LastAsked: g.Last})
	}
	return out, nil
}
