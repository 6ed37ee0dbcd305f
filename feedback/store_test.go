package feedback_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/feedback"
)

// answer is an answer as the assistant records one, with a partial
// outcome and two cited passages.
func answer(userID, question string) feedback.Answer {
	return feedback.Answer{
		UserID: userID, Question: question, Mode: "extractive",
		Outcome: "partial", Missing: "具体时间", JudgedBy: "model",
		Sources: []feedback.Source{
			{ID: "p1", Title: "关于开展主题教育的通知", Source: "notice.docx", Doc: "d1", Text: "各党支部要落实“三会一课”制度，每季度至少召开一次支部党员大会。"},
			{ID: "p2", Title: "党费收缴办法", Text: "党员应按月交纳党费。"},
		},
	}
}

// TestRecordAndFindAnswer: an answer comes back as it was recorded, with
// its outcome and its passages in order, unvoted.
func TestRecordAndFindAnswer(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t)
		before := time.Now().Add(-time.Second)
		want := answer("u1", "支部党员大会多久开一次？")
		id, err := s.RecordAnswer(ctx, want)
		require.NoError(t, err)
		require.Positive(t, id)

		got, err := s.FindAnswer(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, id, got.ID)
		assert.Equal(t, want.UserID, got.UserID)
		assert.Equal(t, want.Question, got.Question)
		assert.Equal(t, want.Mode, got.Mode)
		assert.False(t, got.Refused)
		assert.Equal(t, "partial", got.Outcome)
		assert.Equal(t, "具体时间", got.Missing)
		assert.Equal(t, "model", got.JudgedBy)
		assert.Equal(t, want.Sources, got.Sources)
		assert.WithinRange(t, got.CreatedAt, before, time.Now().Add(time.Second))
		assert.Zero(t, got.Vote)
		assert.True(t, got.VotedAt.IsZero())

		refused, err := s.RecordAnswer(ctx, feedback.Answer{UserID: "u1", Question: "食堂几点开门？", Mode: "llm", Refused: true})
		require.NoError(t, err)
		assert.Greater(t, refused, id, "ids grow")
		got, err = s.FindAnswer(ctx, refused)
		require.NoError(t, err)
		assert.True(t, got.Refused)
		assert.Empty(t, got.Sources)
		assert.Empty(t, got.Outcome)

		_, err = s.FindAnswer(ctx, refused+1000)
		assert.Equal(t, apperr.ENotFound, apperr.Code(err))
	})
}

// TestVote: the asker's later vote replaces the earlier one; anyone else's
// vote, a vote on an unknown answer and a vote that is neither up nor
// down are refused and change nothing.
func TestVote(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t)
		id, err := s.RecordAnswer(ctx, answer("asker", "怎样落实“六同步”机制？"))
		require.NoError(t, err)

		for _, tc := range []struct {
			name     string
			id       int64
			user     string
			vote     int
			wantCode string // "" for accepted
			wantVote int    // the stored vote afterwards
		}{
			{name: "asker up", id: id, user: "asker", vote: feedback.Up, wantVote: feedback.Up},
			{name: "asker changes to down", id: id, user: "asker", vote: feedback.Down, wantVote: feedback.Down},
			{name: "another user", id: id, user: "someone-else", vote: feedback.Up, wantCode: apperr.ENotFound, wantVote: feedback.Down},
			{name: "unknown answer", id: id + 1000, user: "asker", vote: feedback.Up, wantCode: apperr.ENotFound, wantVote: feedback.Down},
			{name: "no vote", id: id, user: "asker", vote: 0, wantCode: apperr.EInvalid, wantVote: feedback.Down},
			{name: "two up", id: id, user: "asker", vote: 2, wantCode: apperr.EInvalid, wantVote: feedback.Down},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := s.Vote(ctx, tc.id, tc.user, tc.vote)
				if tc.wantCode == "" {
					require.NoError(t, err)
				} else {
					require.Error(t, err)
					assert.Equal(t, tc.wantCode, apperr.Code(err), "%v", err)
				}
				got, err := s.FindAnswer(ctx, id)
				require.NoError(t, err)
				assert.Equal(t, tc.wantVote, got.Vote)
				assert.False(t, got.VotedAt.IsZero())
			})
		}
	})
}

// TestVotesSurviveReopen: answers and votes are there when the store is
// opened again, and the next id follows the last.
func TestVotesSurviveReopen(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		dsn := e.NewDB(t)
		s, err := feedback.Open(ctx, dsn)
		require.NoError(t, err)
		up, err := s.RecordAnswer(ctx, answer("u1", "入党积极分子怎样培养？"))
		require.NoError(t, err)
		down, err := s.RecordAnswer(ctx, answer("u2", "发展党员要多长时间？"))
		require.NoError(t, err)
		require.NoError(t, s.Vote(ctx, up, "u1", feedback.Up))
		require.NoError(t, s.Vote(ctx, down, "u2", feedback.Down))
		require.NoError(t, s.Close())

		s = e.MustOpenAt(t, dsn)
		for id, vote := range map[int64]int{up: feedback.Up, down: feedback.Down} {
			got, err := s.FindAnswer(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, vote, got.Vote, "answer %d", id)
			assert.False(t, got.VotedAt.IsZero())
			assert.Equal(t, "partial", got.Outcome)
		}
		next, err := s.RecordAnswer(ctx, answer("u1", "再问一次"))
		require.NoError(t, err)
		assert.Greater(t, next, down)
	})
}

// TestConcurrentRecordAnswer: answers recorded from many goroutines at
// once each get an id of their own and are all kept.
func TestConcurrentRecordAnswer(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t)
		const workers, each = 16, 25
		ids := make([][]int64, workers)
		errs := make([]error, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					id, err := s.RecordAnswer(ctx, answer(fmt.Sprint("u", w), fmt.Sprintf("问题 %d-%d", w, i)))
					if err != nil {
						errs[w] = err
						return
					}
					ids[w] = append(ids[w], id)
				}
			})
		}
		wg.Wait()
		seen := map[int64]string{}
		for w := range workers {
			require.NoError(t, errs[w], "worker %d", w)
			require.Len(t, ids[w], each)
			for i, id := range ids[w] {
				q := fmt.Sprintf("问题 %d-%d", w, i)
				require.NotContains(t, seen, id, "id %d given to %q and %q", id, seen[id], q)
				seen[id] = q
			}
		}
		assert.Len(t, seen, workers*each)
		for id, q := range seen {
			got, err := s.FindAnswer(ctx, id)
			require.NoError(t, err)
			require.Equal(t, q, got.Question, "answer %d", id)
		}
	})
}

// TestPruneUnvotedAnswers: opening the store drops the answers nobody
// voted on in 90 days, and keeps voted ones however old.
func TestPruneUnvotedAnswers(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		dsn := e.NewDB(t)
		s, err := feedback.Open(ctx, dsn)
		require.NoError(t, err)
		ids := map[string]int64{}
		for _, name := range []string{"old unvoted", "old voted", "recent unvoted", "just kept"} {
			ids[name], err = s.RecordAnswer(ctx, answer("u", name))
			require.NoError(t, err)
		}
		require.NoError(t, s.Vote(ctx, ids["old voted"], "u", feedback.Down))
		require.NoError(t, s.Close())

		// Age them behind the store's back.
		db := e.RawDB(t, dsn)
		now := time.Now()
		for name, age := range map[string]time.Duration{
			"old unvoted":    91 * 24 * time.Hour,
			"old voted":      400 * 24 * time.Hour,
			"recent unvoted": 30 * 24 * time.Hour,
			"just kept":      89 * 24 * time.Hour,
		} {
			_, err := db.ExecContext(ctx, e.Eng.Bind("UPDATE answers SET created_at = ? WHERE id = ?"), now.Add(-age).UnixMilli(), ids[name])
			require.NoError(t, err)
		}
		require.NoError(t, db.Close())

		s = e.MustOpenAt(t, dsn)
		_, err = s.FindAnswer(ctx, ids["old unvoted"])
		assert.Equal(t, apperr.ENotFound, apperr.Code(err), "old unvoted answer pruned")
		for _, name := range []string{"old voted", "recent unvoted", "just kept"} {
			got, err := s.FindAnswer(ctx, ids[name])
			require.NoError(t, err, name)
			assert.Equal(t, name, got.Question)
		}
	})
}

// TestOpenTogether: stores opening a new database at the same time (the
// bot's replicas starting) all open it, and the schema is made once.
func TestOpenTogether(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		dsn := e.NewDB(t)
		stores := make([]*feedback.Store, 4)
		errs := make([]error, len(stores))
		var wg sync.WaitGroup
		for i := range stores {
			wg.Go(func() { stores[i], errs[i] = feedback.Open(ctx, dsn) })
		}
		wg.Wait()
		for i, s := range stores {
			require.NoError(t, errs[i], "store %d", i)
			t.Cleanup(func() { s.Close() })
		}
		id, err := stores[0].RecordAnswer(ctx, answer("u", "谁能看到？"))
		require.NoError(t, err)
		got, err := stores[3].FindAnswer(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, "谁能看到？", got.Question)

		var n, latest int
		require.NoError(t, e.RawDB(t, dsn).QueryRowContext(ctx, "SELECT count(*), max(version) FROM feedback_migrations").Scan(&n, &latest))
		assert.Equal(t, 3, n, "each migration recorded once")
		assert.Equal(t, 3, latest)
	})
}

// TestOpenPostgresKeepsThePasswordOut: a PostgreSQL database that cannot
// be reached, or a malformed URL, is refused without the password.
func TestOpenPostgresKeepsThePasswordOut(t *testing.T) {
	ctx := context.Background()
	for _, dsn := range []string{
		"postgres://clerk:s3cretPW@127.0.0.1:1/partybot?connect_timeout=2",
		"postgres://clerk:s3cretPW@127.0.0.1:notaport/partybot",
	} {
		_, err := feedback.Open(ctx, dsn)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "s3cretPW")
		assert.Contains(t, []string{apperr.EInternal, apperr.EInvalid}, apperr.Code(err))
		assert.NotContains(t, fmt.Sprintf("%+v", err), "s3cretPW")
	}
}

// BenchmarkRecordAnswer records one answer with two passages at a time,
// as the bot does after each reply.
func BenchmarkRecordAnswer(b *testing.B) {
	for _, e := range engines {
		b.Run(e.Name, func(b *testing.B) {
			ctx := context.Background()
			s, _ := e.MustOpen(b)
			a := answer("u1", "支部党员大会多久开一次？")
			for b.Loop() {
				if _, err := s.RecordAnswer(ctx, a); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
