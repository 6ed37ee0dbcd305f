// Package feedback keeps the answers the assistant gave, with the passages
// each showed, and the votes (👍/👎) users cast on them: the question log a
// knowledge-base keeper reads to see what is missing. It is a SQLite file
// (feedback.db) in the data directory, or a PostgreSQL database that
// several replicas share.
package feedback

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"partybot/apperr"
	"partybot/sqlstore"
)

// Answer is an answer the assistant gave, kept with what it showed the
// user — the question, how it was answered and the passages it cited — and
// the user's verdict on it (👍 or 👎), once they give one.
type Answer struct {
	ID       int64
	UserID   string
	Question string
	// Channel is where it was asked: [ChannelTelegram], [ChannelTerminal]
	// or [ChannelWeb]; [Store.RecordAnswer] works it out from UserID when
	// it is empty.
	Channel string
	Mode    string // "extractive" or "llm"
	Refused bool
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

// Store keeps answers and votes in a SQLite file (modernc.org/sqlite: WAL,
// one connection) or a PostgreSQL database (pgx, a small pool). Every
// statement is the same on both but for placeholders ([sqlstore.Engine.Bind]).
type Store struct {
	db     *sql.DB
	eng    sqlstore.Engine
	insert *sql.Stmt
	now    func() time.Time
}

// keep is how long an answer nobody voted on is kept.
const keep = 90 * 24 * time.Hour

// pgConns is the most connections a store holds to PostgreSQL: an answer
// is one short INSERT, a vote one UPDATE.
const pgConns = 4

// Open opens (creating if needed) the feedback database at dsn: a file path
// for SQLite, or a postgres:// URL (postgres://user:password@host:port/db,
// see [sqlstore.OpenPostgres]; the password never appears in an error). It
// brings the schema up to date, a feedback.db written before the store had
// migrations included, and drops the answers nobody voted on in 90 days.
//
// A file is checked and kept private as [sqlstore.OpenSQLite] does: an
// empty file or one that is not a feedback database is refused with a
// message (an [apperr.Error]) saying how to recover, and so is a file or
// directory that is not writable (apperr.EReadOnly). A PostgreSQL database
// that cannot be reached is refused with an apperr.EInternal naming it, a
// malformed URL with apperr.EInvalid.
func Open(ctx context.Context, dsn string) (*Store, error) {
	eng := sqlstore.EngineOf(dsn)
	db, err := sqlstore.Open(ctx, eng, dsn, "反馈库", []string{"answers", schema.Table}, pgConns)
	if err != nil {
		if _, coded := errors.AsType[*apperr.Error](err); coded {
			return nil, err // its message names the database and what to do
		}
		return nil, fmt.Errorf("open feedback store: %w", err)
	}
	s := &Store{db: db, eng: eng, now: time.Now}
	if err := s.start(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open feedback store: %w", err)
	}
	return s, nil
}

// start migrates the database, prunes it and prepares the insert.
func (s *Store) start(ctx context.Context) error {
	if err := migrate(ctx, s.db, s.eng); err != nil {
		return err
	}
	if err := s.prune(ctx); err != nil {
		return err
	}
	var err error
	s.insert, err = s.db.PrepareContext(ctx, s.eng.Bind(`INSERT INTO answers (user_id, question, mode, refused, outcome, missing, judged_by, sources, created_at, channel)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`))
	if err != nil {
		return fmt.Errorf("prepare insert: %w", err)
	}
	return nil
}

// prune drops the answers nobody voted on that are older than keep. Voted
// answers are kept: they are what the question log is read for. Replicas
// opening together each run it; the second finds nothing to drop.
func (s *Store) prune(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, s.eng.Bind("DELETE FROM answers WHERE vote = 0 AND created_at < ?"),
		s.now().Add(-keep).UnixMilli()); err != nil {
		return fmt.Errorf("prune answers: %w", err)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.insert.Close()
	return s.db.Close()
}

// RecordAnswer stores f (its ID and vote ignored) and returns its id. An
// empty Channel is [ChannelOf] the user.
func (s *Store) RecordAnswer(ctx context.Context, f Answer) (int64, error) {
	src, err := json.Marshal(f.Sources)
	if err != nil {
		return 0, fmt.Errorf("record answer: %w", err)
	}
	var id int64
	if err := s.insert.QueryRowContext(ctx, f.UserID, f.Question, f.Mode, f.Refused, f.Outcome, f.Missing, f.JudgedBy,
		string(src), s.now().UnixMilli(), cmp.Or(f.Channel, ChannelOf(f.UserID))).Scan(&id); err != nil {
		return 0, fmt.Errorf("record answer: %w", err)
	}
	return id, nil
}

// Vote records userID's vote (Up or Down) on answer id; a later
// vote replaces an earlier one. Returns EINVALID for another vote and
// apperr.ENotFound unless answer id was given to userID.
func (s *Store) Vote(ctx context.Context, id int64, userID string, vote int) error {
	if vote != Up && vote != Down {
		return apperr.Errorf(apperr.EInvalid, "评价应为“有帮助”或“没帮助”")
	}
	res, err := s.db.ExecContext(ctx, s.eng.Bind("UPDATE answers SET vote = ?, voted_at = ? WHERE id = ? AND user_id = ?"),
		vote, s.now().UnixMilli(), id, userID)
	return sqlstore.Changed(res, err, "vote", apperr.Errorf(apperr.ENotFound, "没有找到这条回答"))
}

// FindAnswer returns answer id with its vote. Returns ENotFound for an
// unknown id.
func (s *Store) FindAnswer(ctx context.Context, id int64) (Answer, error) {
	f, err := scanAnswer(s.db.QueryRowContext(ctx, s.eng.Bind(`SELECT `+answerColumns+` FROM answers WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Answer{}, apperr.Errorf(apperr.ENotFound, "没有找到这条回答")
	} else if err != nil {
		return Answer{}, fmt.Errorf("find answer: %w", err)
	}
	return f, nil
}

// answerColumns are the columns [scanAnswer] reads, in its order.
const answerColumns = `id, user_id, question, mode, refused, outcome, missing, judged_by, sources, created_at, vote, voted_at, channel`

// scanAnswer reads an answer's [answerColumns] from row.
func scanAnswer(row interface{ Scan(...any) error }) (Answer, error) {
	var f Answer
	var src string
	var created int64
	var voted sql.NullInt64
	if err := row.Scan(&f.ID, &f.UserID, &f.Question, &f.Mode, &f.Refused, &f.Outcome, &f.Missing, &f.JudgedBy,
		&src, &created, &f.Vote, &voted, &f.Channel); err != nil {
		return Answer{}, err
	}
	if err := json.Unmarshal([]byte(src), &f.Sources); err != nil {
		return Answer{}, err
	}
	f.CreatedAt = time.UnixMilli(created)
	if voted.Valid {
		f.VotedAt = time.UnixMilli(voted.Int64)
	}
	return f, nil
}
