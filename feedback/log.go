package feedback

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Channels an answer was given in.
const (
	ChannelTelegram = "telegram"
	ChannelTerminal = "terminal"
	ChannelWeb      = "web" // the console's 问答 page and POST /api/v1/ask
)

// ChannelOf is the channel of an answer to userID when the recorder did not
// say: the terminal chat's users are "terminal:NAME", everyone else came
// through Telegram.
func ChannelOf(userID string) string {
	if strings.HasPrefix(userID, "terminal:") {
		return ChannelTerminal
	}
	return ChannelTelegram
}

// AnswerFilter selects the answers of [Store.FindAnswers]. A nil pointer
// or a zero time is "not set".
type AnswerFilter struct {
	Refused *bool   // refused (partial included) or answered
	Vote    *int    // Up, Down, or 0 for not voted
	Channel *string // one of the Channel… constants
	// From and To bound when the answers were given: From ≤ t < To.
	From, To time.Time
	// Offset and Limit page the answers, newest first; Limit 0 is 20.
	Offset, Limit int
}

// AnswerPage is a page of [Store.FindAnswers]: the answers and how many
// match the filter in all.
type AnswerPage struct {
	Answers []Answer
	Total   int
}

// where returns f's conditions as a WHERE clause (or "") and its
// arguments.
func (f AnswerFilter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		conds = append(conds, cond)
		args = append(args, arg)
	}
	if f.Refused != nil {
		add("refused = ?", *f.Refused)
	}
	if f.Vote != nil {
		add("vote = ?", *f.Vote)
	}
	if f.Channel != nil {
		add("channel = ?", *f.Channel)
	}
	if !f.From.IsZero() {
		add("created_at >= ?", f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		add("created_at < ?", f.To.UnixMilli())
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// FindAnswers returns the answers that match f, newest first, with how
// many match in all.
func (s *Store) FindAnswers(ctx context.Context, f AnswerFilter) (AnswerPage, error) {
	where, args := f.where()
	var p AnswerPage
	if err := s.db.QueryRowContext(ctx, s.eng.Bind("SELECT COUNT(*) FROM answers"+where), args...).Scan(&p.Total); err != nil {
		return p, fmt.Errorf("find answers: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	rows, err := s.db.QueryContext(ctx, s.eng.Bind("SELECT "+answerColumns+" FROM answers"+where+
		" ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"), append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return p, fmt.Errorf("find answers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAnswer(rows)
		if err != nil {
			return p, fmt.Errorf("find answers: %w", err)
		}
		p.Answers = append(p.Answers, a)
	}
	if err := rows.Err(); err != nil {
		return p, fmt.Errorf("find answers: %w", err)
	}
	return p, nil
}

// Asked is a question as it was asked, maybe many times.
type Asked struct {
	Question string
	Count    int
	Last     time.Time
}

// RefusedQuestions returns the distinct questions refused (partial
// included) between from and to (From ≤ t < To; zero times do not bound),
// the most recently asked first, at most limit of them.
func (s *Store) RefusedQuestions(ctx context.Context, from, to time.Time, limit int) ([]Asked, error) {
	refused := true
	where, args := AnswerFilter{Refused: &refused, From: from, To: to}.where()
	rows, err := s.db.QueryContext(ctx, s.eng.Bind("SELECT question, COUNT(*), MAX(created_at) FROM answers"+where+
		" GROUP BY question ORDER BY MAX(created_at) DESC, question LIMIT ?"), append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("refused questions: %w", err)
	}
	defer rows.Close()
	var out []Asked
	for rows.Next() {
		var a Asked
		var last int64
		if err := rows.Scan(&a.Question, &a.Count, &last); err != nil {
			return nil, fmt.Errorf("refused questions: %w", err)
		}
		a.Last = time.UnixMilli(last)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("refused questions: %w", err)
	}
	return out, nil
}

// SetNow replaces the clock that dates recorded answers and votes, for
// tests.
func (s *Store) SetNow(now func() time.Time) { s.now = now }
