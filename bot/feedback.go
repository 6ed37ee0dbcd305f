package bot

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/tickets"
)

// Feedback is a user's verdict (👍 or 👎) on an answer, kept with what the
// answer showed them: the question, how it was answered and the passages
// it cited.
type Feedback struct {
	ID       int64
	UserID   string
	Question string
	Mode     string // "extractive" or "llm"
	Refused  bool
	// Sources are the passages the answer cited, [1] first.
	Sources   []FeedbackSource
	CreatedAt time.Time
	// Vote is VoteUp or VoteDown, 0 while the user has not voted.
	Vote    int
	VotedAt time.Time
}

// FeedbackSource is a passage an answer cited, as it was then.
type FeedbackSource struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Source string `json:"source,omitempty"`
	Doc    string `json:"doc,omitempty"`
	Text   string `json:"text"`
}

// Votes of a [Feedback].
const (
	VoteUp   = 1
	VoteDown = -1
)

// NewFeedback returns the record of answer a given to u, not yet voted on.
func NewFeedback(u User, a Answer) Feedback {
	f := Feedback{UserID: u.ID, Question: a.Question, Mode: a.Mode, Refused: a.Refused}
	for _, h := range a.Sources {
		f.Sources = append(f.Sources, FeedbackSource{ID: h.ID, Title: h.Title, Source: h.Source, Doc: h.Doc, Text: h.Text})
	}
	return f
}

// FeedbackRecorder keeps answers and the votes on them (*FeedbackStore).
type FeedbackRecorder interface {
	// RecordAnswer stores an answer as shown and returns its id.
	RecordAnswer(ctx context.Context, f Feedback) (int64, error)
	// Vote records userID's vote on answer id. Returns apperr.ENotFound unless
	// answer id was given to userID.
	Vote(ctx context.Context, id int64, userID string, vote int) error
}

var _ FeedbackRecorder = (*FeedbackStore)(nil)

// SetFeedback makes the assistant offer 👍/👎 buttons with every answer and
// record them with r. Call it before the assistant is used.
func (a *Assistant) SetFeedback(r FeedbackRecorder) { a.feedback = r }

// FeedbackButtons are the 👍/👎 buttons of answer id.
func FeedbackButtons(id int64) [][]Button {
	return [][]Button{{
		{Text: "👍 有帮助", Data: FeedbackData(id, VoteUp)},
		{Text: "👎 没帮助", Data: FeedbackData(id, VoteDown)},
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
		vote = VoteUp
	case "-":
		vote = VoteDown
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

// FeedbackStore keeps answers and votes in a small SQLite database
// (modernc.org/sqlite): WAL, one connection.
type FeedbackStore struct {
	db     *sql.DB
	insert *sql.Stmt
	now    func() time.Time
}

// feedbackKeep is how long an answer nobody voted on is kept.
const feedbackKeep = 90 * 24 * time.Hour

const feedbackSchema = `CREATE TABLE IF NOT EXISTS answers (
	id         INTEGER PRIMARY KEY,
	user_id    TEXT    NOT NULL,
	question   TEXT    NOT NULL,
	mode       TEXT    NOT NULL,
	refused    INTEGER NOT NULL,
	sources    TEXT    NOT NULL, -- JSON array of FeedbackSource
	created_at INTEGER NOT NULL, -- unix milliseconds
	vote       INTEGER NOT NULL DEFAULT 0,
	voted_at   INTEGER
);
CREATE INDEX IF NOT EXISTS answers_voted ON answers (vote, created_at);`

// OpenFeedbackStore opens (creating if needed) the feedback database at
// path. Answers nobody voted on are dropped after 90 days, when it opens.
//
// The file is checked and kept private as [tickets.OpenSQLite] does: an
// empty file or one that is not a feedback database is refused with a
// message (a apperr.Error) saying how to recover, and so is a file or
// directory that is not writable (apperr.EReadOnly).
func OpenFeedbackStore(ctx context.Context, path string) (*FeedbackStore, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open feedback store: invalid path %q", path)
	}
	db, _, err := tickets.OpenSQLite(ctx, tickets.SQLiteFile{
		Path: path, Name: "反馈库", Tables: []string{"answers"},
		Params: "_txlock=immediate&_busy_timeout=10000&_journal_mode=WAL&_synchronous=NORMAL",
	})
	if err != nil {
		if _, coded := errors.AsType[*apperr.Error](err); coded {
			return nil, err // its message names the file and what to do
		}
		return nil, fmt.Errorf("open feedback store: %w", err)
	}
	db.SetMaxOpenConns(1)
	s := &FeedbackStore{db: db, now: time.Now}
	if _, err := db.ExecContext(ctx, feedbackSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("open feedback store: %w", err)
	}
	if _, err := db.ExecContext(ctx, "DELETE FROM answers WHERE vote = 0 AND created_at < ?",
		s.now().Add(-feedbackKeep).UnixMilli()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open feedback store: %w", err)
	}
	if s.insert, err = db.PrepareContext(ctx, `INSERT INTO answers (user_id, question, mode, refused, sources, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("open feedback store: %w", err)
	}
	return s, nil
}

// Close closes the database.
func (s *FeedbackStore) Close() error {
	s.insert.Close()
	return s.db.Close()
}

// RecordAnswer stores f (its ID and vote ignored) and returns its id.
func (s *FeedbackStore) RecordAnswer(ctx context.Context, f Feedback) (int64, error) {
	src, err := json.Marshal(f.Sources)
	if err != nil {
		return 0, fmt.Errorf("record answer: %w", err)
	}
	res, err := s.insert.ExecContext(ctx, f.UserID, f.Question, f.Mode, f.Refused, string(src), s.now().UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("record answer: %w", err)
	}
	return res.LastInsertId()
}

// Vote records userID's vote (VoteUp or VoteDown) on answer id; a later
// vote replaces an earlier one. Returns EINVALID for another vote and
// apperr.ENotFound unless answer id was given to userID.
func (s *FeedbackStore) Vote(ctx context.Context, id int64, userID string, vote int) error {
	if vote != VoteUp && vote != VoteDown {
		return apperr.Errorf(apperr.EInvalid, "评价应为“有帮助”或“没帮助”")
	}
	res, err := s.db.ExecContext(ctx, "UPDATE answers SET vote = ?, voted_at = ? WHERE id = ? AND user_id = ?",
		vote, s.now().UnixMilli(), id, userID)
	if err != nil {
		return fmt.Errorf("vote: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("vote: %w", err)
	} else if n == 0 {
		return apperr.Errorf(apperr.ENotFound, "没有找到这条回答")
	}
	return nil
}

// FindFeedback returns answer id with its vote. Returns apperr.ENotFound for an
// unknown id.
func (s *FeedbackStore) FindFeedback(ctx context.Context, id int64) (Feedback, error) {
	var f Feedback
	var src string
	var created int64
	var voted sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT id, user_id, question, mode, refused, sources, created_at, vote, voted_at
		FROM answers WHERE id = ?`, id).Scan(&f.ID, &f.UserID, &f.Question, &f.Mode, &f.Refused, &src, &created, &f.Vote, &voted)
	if errors.Is(err, sql.ErrNoRows) {
		return Feedback{}, apperr.Errorf(apperr.ENotFound, "没有找到这条回答")
	} else if err != nil {
		return Feedback{}, fmt.Errorf("find feedback: %w", err)
	}
	if err := json.Unmarshal([]byte(src), &f.Sources); err != nil {
		return Feedback{}, fmt.Errorf("find feedback: %w", err)
	}
	f.CreatedAt = time.UnixMilli(created)
	if voted.Valid {
		f.VotedAt = time.UnixMilli(voted.Int64)
	}
	return f, nil
}
