package web

import (
	"net/http"

	"partybot/apperr"
	"partybot/feedback"
	"partybot/tickets"
)

// questionsData is the question log page's template data.
type questionsData struct {
	viewData
	Query      QuestionQuery
	Total      int
	Pages      int
	Rows       []questionRow
	Gaps       []gapRow
	GapPeriod  string
	Prev, Next string
}

type questionRow struct {
	feedback.Answer
	When    string
	Channel string
	Outcome string
	Class   string // the outcome's tag colour
	Vote    string
}

type gapRow struct {
	feedback.Gap
	Last string
}

// Labels of the log's values on the page.
var (
	channelLabels = map[string]string{feedback.ChannelTelegram: "Telegram", feedback.ChannelTerminal: "终端", feedback.ChannelWeb: "工作台"}
	outcomeLabels = map[string]string{"answered": "已回答", "partial": "部分回答", "refused": "未能回答"}
	outcomeClass  = map[string]string{"partial": "amber", "refused": "red"}
)

// questionsPage serves GET /questions: the question log (问答记录), with
// the knowledge gaps of the period above it.
func (s *Server) questionsPage(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	if err := s.logViewer(v); err != nil {
		s.forbiddenPage(w, r, v, err)
		return
	}
	q, err := ParseQuestionQuery(r.URL.Query())
	if err != nil {
		s.errorPage(w, r, v, err)
		return
	}
	p, err := s.log.FindAnswers(r.Context(), q.filter())
	if err != nil {
		s.errorPage(w, r, v, err)
		return
	}
	gaps, label, err := s.gaps(r.Context(), q, pageGaps)
	if err != nil {
		s.errorPage(w, r, v, err)
		return
	}
	d := questionsData{viewData: viewData{"问答记录", v.UserID, v.Admin}, Query: q, Total: p.Total,
		Pages: max(1, (p.Total+QuestionPageSize-1)/QuestionPageSize), GapPeriod: label}
	for _, a := range p.Answers {
		o := outcomeOf(a)
		row := questionRow{Answer: a, When: formatTime(a.CreatedAt), Channel: channelLabels[a.Channel],
			Outcome: outcomeLabels[o], Class: outcomeClass[o]}
		switch a.Vote {
		case feedback.Up:
			row.Vote = "👍"
		case feedback.Down:
			row.Vote = "👎"
		}
		d.Rows = append(d.Rows, row)
	}
	for _, g := range gaps {
		d.Gaps = append(d.Gaps, gapRow{g, formatTime(g.Last)})
	}
	d.Prev, d.Next = pagerLinks(q.Page, d.Pages, func(page int) string {
		q.Page = page
		return pageLink("/questions", q.Values().Encode())
	})
	s.render(w, http.StatusOK, "questions.html", d)
}

// forbiddenPage writes err (the log is not kept, or not the viewer's to
// read) as the page of a signed-in viewer.
func (s *Server) forbiddenPage(w http.ResponseWriter, r *http.Request, v tickets.Viewer, err error) {
	s.render(w, statuses[apperr.Code(err)], "error.html", struct {
		viewData
		Message string
	}{viewData{"无法查看", v.UserID, v.Admin}, apperr.Message(err)})
}
