package feedback_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/feedback"
)

// legacySchema is the schema feedback.db had before the store had
// migrations, as feedback/feedback.go created it up to commit 1e1a02a.
const legacySchema = `CREATE TABLE IF NOT EXISTS answers (
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

// legacyAdded are the statements with which that store added a column
// (addColumns), one at a time.
var legacyAdded = map[string]string{
	"outcome":   "ALTER TABLE answers ADD COLUMN outcome TEXT NOT NULL DEFAULT ''",
	"missing":   "ALTER TABLE answers ADD COLUMN missing TEXT NOT NULL DEFAULT ''",
	"judged_by": "ALTER TABLE answers ADD COLUMN judged_by TEXT NOT NULL DEFAULT ''",
}

// TestLegacyFeedbackDatabase: a feedback.db the store wrote before it had
// migrations — from before answers kept their outcome, after, or with an
// upgrade a crash cut short — opens with its rows, gains what it lacks and
// records its schema version, and opens again.
func TestLegacyFeedbackDatabase(t *testing.T) {
	for _, tc := range []struct {
		name  string
		added []string // the columns the old store had added
	}{
		{name: "before outcome"},
		{name: "with outcome", added: []string{"outcome", "missing", "judged_by"}},
		{name: "upgrade cut short", added: []string{"outcome"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "feedback.db")
			db, err := sql.Open("sqlite", path+"?_journal_mode=WAL")
			require.NoError(t, err)
			_, err = db.ExecContext(ctx, legacySchema)
			require.NoError(t, err)
			for _, c := range tc.added {
				_, err = db.ExecContext(ctx, legacyAdded[c])
				require.NoError(t, err)
			}
			now := time.Now().UnixMilli()
			_, err = db.ExecContext(ctx, `INSERT INTO answers (user_id, question, mode, refused, sources, created_at, vote, voted_at)
				VALUES ('u', '旧问题', 'extractive', 0, '[{"id":"p1","title":"旧通知","text":"旧段落"}]', 1, 1, 2),
				('u', '近来的问题', 'llm', 1, '[]', ?, 0, NULL)`, now)
			require.NoError(t, err)
			require.NoError(t, db.Close())

			for range 2 { // adopted, then as any migrated file
				store, err := feedback.Open(ctx, path)
				require.NoError(t, err)
				old, err := store.FindAnswer(ctx, 1)
				require.NoError(t, err)
				assert.Equal(t, "旧问题", old.Question)
				assert.Equal(t, feedback.Up, old.Vote)
				assert.Equal(t, []feedback.Source{{ID: "p1", Title: "旧通知", Text: "旧段落"}}, old.Sources)
				assert.Empty(t, old.Outcome)
				assert.Equal(t, feedback.ChannelTelegram, old.Channel, "answers from before channels came from Telegram")
				recent, err := store.FindAnswer(ctx, 2)
				require.NoError(t, err)
				assert.True(t, recent.Refused)

				id, err := store.RecordAnswer(ctx, feedback.Answer{UserID: "u", Question: "哪天启动？", Mode: "extractive",
					Outcome: "partial", Missing: "具体时间", JudgedBy: "model"})
				require.NoError(t, err)
				assert.Greater(t, id, int64(2))
				got, err := store.FindAnswer(ctx, id)
				require.NoError(t, err)
				assert.Equal(t, "partial", got.Outcome)
				assert.Equal(t, "具体时间", got.Missing)
				assert.Equal(t, "model", got.JudgedBy)
				require.NoError(t, store.Vote(ctx, 2, "u", feedback.Down))
				require.NoError(t, store.Close())
			}

			db, err = sql.Open("sqlite", path)
			require.NoError(t, err)
			defer db.Close()
			var versions []string
			rows, err := db.QueryContext(ctx, "SELECT version || ' ' || name FROM feedback_migrations ORDER BY version")
			require.NoError(t, err)
			for rows.Next() {
				var v string
				require.NoError(t, rows.Scan(&v))
				versions = append(versions, v)
			}
			require.NoError(t, rows.Err())
			assert.Equal(t, []string{"1 001_answers.sql", "2 002_outcome.sql", "3 003_channel.sql"}, versions)
			var n int
			require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM answers").Scan(&n))
			assert.Equal(t, 4, n, "two old answers and one per opening")
		})
	}
}
