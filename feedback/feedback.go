// Package feedback keeps the answers the assistant gave, with the passages
// each showed, and the votes (👍/👎) users cast on them: the question log a
// knowledge-base keeper reads to see what is missing. It is a small SQLite
// database (feedback.db) until the store layer takes it over.
package feedback

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/tickets"
)

// Answer is an answer the assistant gave, kept with what it showed the
// user — the question, how it was answered and the passages it cited — and
// the user's verdict on it (👍 or 👎), once they give one.
type Answer struct {
	ID       int64
	UserID   string
	Question string
	Mode     string // "extractive" or "llm"
	Refused  bool
	// Outcome is answered, partial or refused; Missing what a partial
	// answer lacked; JudgedBy who decided ("offline" or "model").
	Outcome  string
	Missing  string
	JudgedBy string
	// Sources are the passages the answer cited, [1] first.
	Sources   []Source
	CreatedAt time.Time
	// Vote is Up or Down, 0 while the user has not voted.
	Vote    int
	VotedAt time.Time
}

// Source is a passage an answer cited, as it was then.
type Source struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Source string `json:"source,omitempty"`
	Doc    string `json:"doc,omitempty"`
	Text   string `json:"text"`
}

// Votes on an [Answer].
const (
	Up   = 1
	Down = -1
)

// Store keeps answers and votes in a small SQLite database
// (modernc.org/sqlite): WAL, one connection.
type Store struct {
	db     *sql.DB
	insert *sql.Stmt
	now    func() time.Time
}

// keep is how long an answer nobody voted on is kept.
const keep = 90 * 24 * time.Hour

const schema = `CREATE TABLE IF NOT EXISTS answers (
	id         INTEGER PRIMARY KEY,
	user_id    TEXT    NOT NULL,
	question   TEXT    NOT NULL,
	mode       TEXT    NOT NULL,
	refused    INTEGER NOT NULL,
	sources    TEXT    NOT NULL, -- JSON array of Source
	created_at INTEGER NOT NULL, -- unix milliseconds
	vote       INTEGER NOT NULL DEFAULT 0,
	voted_at   INTEGER
);
CREATE INDEX IF NOT EXISTS answers_voted ON answers (vote, created_at);`

// Open opens (creating if needed) the feedback database at path. Answers nobody voted on are dropped after 90 days, when it opens.
//
// The file is checked and kept private as [tickets.OpenSQLite] does: an
// empty file or one that is not a feedback database is refused with a
// message (a apperr.Error) saying how to recover, and so is a file or
// directory that is not writable (apperr.EReadOnly).
func Open(ctx context.Context, path string) (*Store, error) {
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
	s := &Store{db: db, now: time.Now}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("open feedback store: %w", err)
	}
	if err := addColumns(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open feedback store: %w", err)
	}
	if _, err := db.ExecContext(ctx, "DELETE FROM answers WHERE vote = 0 AND created_at < ?",
		s.now().Add(-keep).UnixMilli()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open feedback store: %w", err)
	}
	if s.insert, err = db.PrepareContext(ctx, `INSERT INTO answers (user_id, question, mode, refused, outcome, missing, judged_by, sources, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("open feedback store: %w", err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.insert.Close()
	return s.db.Close()
}

// RecordAnswer stores f (its ID and vote ignored) and returns its id.
func (s *Store) RecordAnswer(ctx context.Context, f Answer) (int64, error) {
	src, err := json.Marshal(f.Sources)
	if err != nil {
		return 0, fmt.Errorf("record answer: %w", err)
	}
	res, err := s.insert.ExecContext(ctx, f.UserID, f.Question, f.Mode, f.Refused, f.Outcome, f.Missing, f.JudgedBy, string(src), s.now().UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("record answer: %w", err)
	}
	return res.LastInsertId()
}

// Vote records userID's vote (Up or Down) on answer id; a later
// vote replaces an earlier one. Returns EINVALID for another vote and
// apperr.ENotFound unless answer id was given to userID.
func (s *Store) Vote(ctx context.Context, id int64, userID string, vote int) error {
	if vote != Up && vote != Down {
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

// FindAnswer returns answer id with its vote. Returns ENotFound for an
// unknown id.
func (s *Store) FindAnswer(ctx context.Context, id int64) (Answer, error) {
	var f Answer
	var src string
	var created int64
	var voted sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT id, user_id, question, mode, refused, outcome, missing, judged_by, sources, created_at, vote, voted_at
		FROM answers WHERE id = ?`, id).Scan(&f.ID, &f.UserID, &f.Question, &f.Mode, &f.Refused, &f.Outcome, &f.Missing, &f.JudgedBy,
		&src, &created, &f.Vote, &voted)
	if errors.Is(err, sql.ErrNoRows) {
		return Answer{}, apperr.Errorf(apperr.ENotFound, "没有找到这条回答")
	} else if err != nil {
		return Answer{}, fmt.Errorf("find answer: %w", err)
	}
	if err := json.Unmarshal([]byte(src), &f.Sources); err != nil {
		return Answer{}, fmt.Errorf("find answer: %w", err)
	}
	f.CreatedAt = time.UnixMilli(created)
	if voted.Valid {
		f.VotedAt = time.UnixMilli(voted.Int64)
	}
	return f, nil
}

// addedColumns are the columns added to answers since it was first
// created, with their definitions: a database of an earlier version gets
// them when it opens.
var addedColumns = [][2]string{
	{"outcome", "TEXT NOT NULL DEFAULT ''"},
	{"missing", "TEXT NOT NULL DEFAULT ''"},
	{"judged_by", "TEXT NOT NULL DEFAULT ''"},
}

// addColumns adds the columns of addedColumns that answers lacks.
func addColumns(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "SELECT name FROM pragma_table_info('answers')")
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		have[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range addedColumns {
		if !have[c[0]] {
			if _, err := db.ExecContext(ctx, "ALTER TABLE answers ADD COLUMN "+c[0]+" "+c[1]); err != nil {
				return err
			}
		}
	}
	return nil
}
