package bot

import (
	"context"
	"strconv"
	"strings"

	"partybot/apperr"
	"partybot/feedback"
)

// feedbackOf is the record of answer a given to u, not yet voted on.
func feedbackOf(u User, a Answer) feedback.Answer {
	f := feedback.Answer{UserID: u.ID, Question: a.Question, Mode: a.Mode, Refused: a.Refused,
		Outcome: string(a.Outcome), Missing: a.Missing, JudgedBy: a.JudgedBy}
	for _, h := range a.Sources {
		f.Sources = append(f.Sources, feedback.Source{ID: h.ID, Title: h.Title, Source: h.Source, Doc: h.Doc, Text: h.Text})
	}
	return f
}

// FeedbackRecorder keeps answers and the votes on them (*feedback.Store).
type FeedbackRecorder interface {
	// RecordAnswer stores an answer as shown and returns its id.
	RecordAnswer(ctx context.Context, f feedback.Answer) (int64, error)
	// Vote records userID's vote on answer id. Returns apperr.ENotFound unless
	// answer id was given to userID.
	Vote(ctx context.Context, id int64, userID string, vote int) error
}

var _ FeedbackRecorder = (*feedback.Store)(nil)

// FeedbackButtons are the 👍/👎 buttons of answer id.
func FeedbackButtons(id int64) [][]Button {
	return [][]Button{{
		{Text: "👍 有帮助", Data: FeedbackData(id, feedback.Up)},
		{Text: "👎 没帮助", Data: FeedbackData(id, feedback.Down)},
	}}
}

// FeedbackData is the callback data of a vote on answer id: "fb:12:+" or
// "fb:12:-".
func FeedbackData(id int64, vote int) string {
	sign := "+"
	if vote < 0 {
		sign = "-"
	}
	return "fb:" + strconv.FormatInt(id, 10) + ":" + sign
}

// ParseFeedbackData parses what [FeedbackData] returns: a positive answer id
// in plain decimal and a vote. It reports false for anything else.
func ParseFeedbackData(data string) (id int64, vote int, ok bool) {
	rest, found := strings.CutPrefix(data, "fb:")
	if !found {
		return 0, 0, false
	}
	return parseVote(rest)
}

// parseVote parses "12:+" or "12:-".
func parseVote(s string) (id int64, vote int, ok bool) {
	num, sign, _ := strings.Cut(s, ":")
	switch sign {
	case "+":
		vote = feedback.Up
	case "-":
		vote = feedback.Down
	default:
		return 0, 0, false
	}
	if num == "" || len(num) > 18 || num[0] == '0' {
		return 0, 0, false
	}
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, 0, false
		}
	}
	id, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return id, vote, true
}

// vote records a pressed 👍/👎 button: "12:+".
func (a *Assistant) vote(ctx context.Context, s *Session, rest string) (Reply, error) {
	id, v, ok := parseVote(rest)
	if !ok || a.feedback == nil {
		return stale(), nil
	}
	if err := a.feedback.Vote(ctx, id, s.User.ID, v); err != nil {
		if apperr.Code(err) == apperr.ENotFound {
			return Reply{Text: "只能评价您自己提问得到的回答。", Personal: true}, nil
		}
		return Reply{Text: "抱歉，暂时无法记录您的评价，请稍后再试。", Personal: true}, err
	}
	return Reply{Text: "感谢反馈！您的评价已记录，我们会据此改进。", Personal: true, Settled: true}, nil
}
