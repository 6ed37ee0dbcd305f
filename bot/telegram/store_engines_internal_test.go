package telegram

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/internal/pgtest"
	"partybot/sqlstore"
)

// eachStore runs test on a new state store in a SQLite file and, when
// PARTYBOT_TEST_DATABASE_URL is set, in a new PostgreSQL schema; it
// returns where the store is, for opening it again.
func eachStore(t *testing.T, test func(t *testing.T, st *store, dsn string)) {
	for _, e := range []struct {
		name string
		dsn  func(tb testing.TB) string
	}{
		{"sqlite", func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "telegram.db") }},
		{"postgres", pgtest.URL},
	} {
		t.Run(e.name, func(t *testing.T) {
			dsn := e.dsn(t)
			st := mustOpenStore(t, dsn)
			test(t, st, dsn)
		})
	}
}

func mustOpenStore(tb testing.TB, dsn string) *store {
	tb.Helper()
	st, err := openStore(context.Background(), dsn, 4)
	require.NoError(tb, err)
	tb.Cleanup(func() { st.close() })
	return st
}

// TestClaimLease: an update claimed is the claimant's until its lease
// ends, then anyone's who claims it; once done, nobody's.
func TestClaimLease(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store, _ string) {
		ctx := context.Background()
		now := time.UnixMilli(1_800_000_000_000)
		const lease = time.Minute
		claim := func(who string, at time.Time) bool {
			t.Helper()
			ok, err := st.claim(ctx, 7, 100, who, []byte(`{"update_id":100}`), at, lease)
			require.NoError(t, err)
			return ok
		}
		begin := func(who string, at time.Time) (int, bool) {
			t.Helper()
			n, ok, err := st.begin(ctx, 7, 100, who, at, lease)
			require.NoError(t, err)
			return n, ok
		}
		require.True(t, claim("a", now), "a new update")
		assert.False(t, claim("b", now.Add(time.Second)), "claimed while a's lease holds")
		_, ok := begin("b", now.Add(time.Second))
		assert.False(t, ok, "b began a's update")
		n, ok := begin("a", now.Add(time.Second))
		require.True(t, ok)
		assert.Equal(t, 1, n)

		os, err := st.orphans(ctx, 7, now.Add(30*time.Second), 10)
		require.NoError(t, err)
		assert.Empty(t, os, "orphaned while its lease holds")
		later := now.Add(2 * lease)
		os, err = st.orphans(ctx, 7, later, 10)
		require.NoError(t, err)
		require.Len(t, os, 1, "the update whose claimant died")
		assert.Equal(t, int64(100), os[0].id)
		assert.JSONEq(t, `{"update_id":100}`, string(os[0].payload))

		require.True(t, claim("b", later), "taken over once the lease ended")
		_, ok = begin("a", later)
		assert.False(t, ok, "a went on with an update taken over")
		n, ok = begin("b", later)
		require.True(t, ok)
		assert.Equal(t, 2, n, "the second handling")

		_, err = st.finish(ctx, 7, 100, nil, later)
		require.NoError(t, err)
		assert.False(t, claim("c", later.Add(time.Hour)), "claimed once done")
		os, err = st.orphans(ctx, 7, later.Add(time.Hour), 10)
		require.NoError(t, err)
		assert.Empty(t, os, "a done update orphaned")
		assert.True(t, func() bool { ok, err := st.claim(ctx, 8, 100, "a", nil, now, lease); return err == nil && ok }(),
			"another bot's update of the same id")
	})
}

// TestClaimRace: of replicas claiming one update at once, one gets it.
func TestClaimRace(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store, _ string) {
		var wg sync.WaitGroup
		wins := make([]bool, 8)
		for i := range wins {
			wg.Go(func() {
				ok, err := st.claim(context.Background(), 1, 5, string(rune('a'+i)), nil, time.Now(), time.Minute)
				assert.NoError(t, err)
				wins[i] = ok
			})
		}
		wg.Wait()
		n := 0
		for _, w := range wins {
			if w {
				n++
			}
		}
		assert.Equal(t, 1, n, "claims won")
	})
}

func TestCallsRecorded(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store, _ string) {
		ctx := context.Background()
		for _, seq := range []int{1, 3, 3} {
			require.NoError(t, st.recordCall(ctx, 1, 9, seq, time.Now()))
		}
		require.NoError(t, st.recordCall(ctx, 1, 10, 2, time.Now()))
		made, err := st.calls(ctx, 1, 9)
		require.NoError(t, err)
		assert.Equal(t, map[int]bool{1: true, 3: true}, made)
	})
}

// TestSessionSaves: a conversation saved is loaded back; each save is a
// version more, and the later of two saves wins; finish saves it with the
// update's done mark.
func TestSessionSaves(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store, dsn string) {
		ctx := context.Background()
		state, version, err := st.loadSession(ctx, 1, -100, 5)
		require.NoError(t, err)
		assert.Zero(t, version)
		assert.Nil(t, state)

		_, err = st.claim(ctx, 1, 77, "a", nil, time.Now(), time.Minute)
		require.NoError(t, err)
		v, err := st.finish(ctx, 1, 77, &saving{chat: -100, user: 5, state: []byte(`{"v":1,"n":1}`)}, time.Now())
		require.NoError(t, err)
		assert.Equal(t, int64(1), v)
		v, err = st.saveSession(ctx, nil, 1, &saving{chat: -100, user: 5, state: []byte(`{"v":1,"n":2}`)}, time.Now())
		require.NoError(t, err)
		assert.Equal(t, int64(2), v)

		other := mustOpenStore(t, dsn) // another replica
		state, version, err = other.loadSession(ctx, 1, -100, 5)
		require.NoError(t, err)
		assert.Equal(t, int64(2), version)
		assert.JSONEq(t, `{"v":1,"n":2}`, string(state))
		ok, err := other.claim(ctx, 1, 77, "b", nil, time.Now().Add(time.Hour), time.Minute)
		require.NoError(t, err)
		assert.False(t, ok, "the update finished with the save is done")
	})
}

// TestOpenStoreAgain: replicas opening one store at once migrate it once.
func TestOpenStoreAgain(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store, dsn string) {
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() { mustOpenStore(t, dsn) })
		}
		wg.Wait()
		have, err := schema.Applied(context.Background(), st.db, st.eng)
		require.NoError(t, err)
		latest, err := schema.Latest(st.eng)
		require.NoError(t, err)
		assert.Equal(t, latest, have)
	})
}

// TestAdoptOldStateFile: a telegram.db written before versioned
// migrations opens: its updates count as done, its notice deliveries are
// kept.
func TestAdoptOldStateFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "telegram.db")
	old, err := sql.Open("sqlite", path+"?_journal_mode=WAL")
	require.NoError(t, err)
	_, err = old.ExecContext(ctx, `CREATE TABLE updates (bot_id INTEGER NOT NULL, update_id INTEGER NOT NULL, at INTEGER NOT NULL,
		PRIMARY KEY (bot_id, update_id)) WITHOUT ROWID;
	CREATE INDEX updates_at ON updates (at);
	CREATE TABLE notice_sends (notice TEXT NOT NULL, chat_id INTEGER NOT NULL, at INTEGER NOT NULL,
		PRIMARY KEY (notice, chat_id)) WITHOUT ROWID;
	CREATE INDEX notice_sends_at ON notice_sends (at);
	INSERT INTO updates VALUES (1, 100, 1000);
	INSERT INTO notice_sends VALUES ('5:abc', -100777, 1000);`)
	require.NoError(t, err)
	require.NoError(t, old.Close())

	st := mustOpenStore(t, path)
	have, err := schema.Applied(ctx, st.db, sqlstore.SQLite)
	require.NoError(t, err)
	latest, err := schema.Latest(sqlstore.SQLite)
	require.NoError(t, err)
	assert.Equal(t, latest, have)
	ok, err := st.claim(ctx, 1, 100, "a", nil, time.Now(), time.Minute)
	require.NoError(t, err)
	assert.False(t, ok, "an update taken before the upgrade is handled again")
	sent, err := st.sent(ctx, "5:abc", -100777)
	require.NoError(t, err)
	assert.True(t, sent, "a notice delivery was forgotten")
	ok, err = st.claim(ctx, 1, 101, "a", nil, time.Now(), time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "a new update")
}
