package sqlstore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"partybot/internal/pgtest"
	"partybot/sqlstore"
)

func TestBind(t *testing.T) {
	for _, c := range []struct{ in, sqlite, pg string }{
		{"SELECT 1", "SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = ? AND b = ?", "a = $1 AND b = $2"},
		{"a = ?2 OR b = ?1", "a = ?2 OR b = ?1", "a = $2 OR b = $1"},
		{"x = '?' AND y = ?", "x = '?' AND y = ?", "x = '?' AND y = $1"},
		{`"a?b" = ?`, `"a?b" = ?`, `"a?b" = $1`},
	} {
		assert.Equal(t, c.sqlite, sqlstore.SQLite.Bind(c.in))
		assert.Equal(t, c.pg, sqlstore.Postgres.Bind(c.in))
	}
}

func TestEngineOf(t *testing.T) {
	assert.Equal(t, sqlstore.Postgres, sqlstore.EngineOf("postgres://u@h/db"))
	assert.Equal(t, sqlstore.Postgres, sqlstore.EngineOf("postgresql://u@h/db"))
	assert.Equal(t, sqlstore.SQLite, sqlstore.EngineOf("/var/lib/partybot/tickets.db"))
}

// TestOpenPostgresKeepsThePasswordOut connects to a port nothing listens
// on and to a malformed URL: neither message holds the password.
func TestOpenPostgresKeepsThePasswordOut(t *testing.T) {
	ctx := context.Background()
	for _, dsn := range []string{
		"postgres://clerk:s3cretPW@127.0.0.1:1/partybot?connect_timeout=2",
		"postgres://clerk:s3cretPW@127.0.0.1:notaport/partybot",
	} {
		_, err := sqlstore.OpenPostgres(ctx, dsn, "工单库", 2)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "s3cretPW")
		assert.NotContains(t, err.Error(), dsn)
	}
	_, err := sqlstore.OpenPostgres(ctx, "/tmp/x.db", "工单库", 2)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "postgres://")
}

var migrations = fstest.MapFS{
	"m/001_init.sql":          {Data: []byte("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL);")},
	"m/sqlite/002_more.sql":   {Data: []byte("ALTER TABLE things ADD COLUMN at INTEGER;")},
	"m/postgres/002_more.sql": {Data: []byte("ALTER TABLE things ADD COLUMN at BIGINT;")},
	"m/003_index.sql":         {Data: []byte("CREATE INDEX things_name ON things (name);")},
}

// openEach runs test on a new SQLite file and, when configured, a new
// PostgreSQL schema.
func openEach(t *testing.T, test func(t *testing.T, db *sql.DB, e sqlstore.Engine, dsn string)) {
	t.Run("sqlite", func(t *testing.T) {
		dsn := "file:" + filepath.Join(t.TempDir(), "x.db") + "?_txlock=immediate&_busy_timeout=10000"
		db, err := sql.Open("sqlite", dsn)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		test(t, db, sqlstore.SQLite, dsn)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.URL(t)
		db, err := sqlstore.OpenPostgres(context.Background(), dsn, "测试库", 8)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		test(t, db, sqlstore.Postgres, dsn)
	})
}

func TestMigrate(t *testing.T) {
	openEach(t, func(t *testing.T, db *sql.DB, e sqlstore.Engine, _ string) {
		ctx := context.Background()
		m := sqlstore.Migrations{Table: "thing_migrations", FS: migrations, Dir: "m"}
		have, err := m.Applied(ctx, db, e)
		require.NoError(t, err)
		assert.Zero(t, have, "nothing applied to a new database")

		// Replicas starting together apply each migration once.
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() { errs[i] = m.Migrate(ctx, db, e) })
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		have, err = m.Applied(ctx, db, e)
		require.NoError(t, err)
		assert.Equal(t, 3, have)
		var n int
		require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM thing_migrations").Scan(&n))
		assert.Equal(t, 3, n)
		_, err = db.ExecContext(ctx, e.Bind("INSERT INTO things (id, name, at) VALUES (?, ?, ?)"), 1, "a", 5)
		require.NoError(t, err)

		// A program older than the database refuses it.
		old := sqlstore.Migrations{Table: "thing_migrations", FS: fstest.MapFS{"m/001_init.sql": migrations["m/001_init.sql"]}, Dir: "m"}
		err = old.Migrate(ctx, db, e)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "newer than this program")
	})
}

// TestMigrateAllOrNothing: a failing migration leaves no trace of the
// ones before it in the same run.
func TestMigrateAllOrNothing(t *testing.T) {
	openEach(t, func(t *testing.T, db *sql.DB, e sqlstore.Engine, _ string) {
		ctx := context.Background()
		bad := fstest.MapFS{
			"m/001_init.sql": migrations["m/001_init.sql"],
			"m/002_bad.sql":  {Data: []byte("ALTER TABLE nothing ADD COLUMN x INTEGER;")},
		}
		m := sqlstore.Migrations{Table: "thing_migrations", FS: bad, Dir: "m"}
		err := m.Migrate(ctx, db, e)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "002_bad.sql")
		ok, err := e.TableExists(ctx, db, "things")
		require.NoError(t, err)
		assert.False(t, ok, "001 was rolled back with 002")
	})
}

func TestBadMigrationNames(t *testing.T) {
	for _, fsys := range []fstest.MapFS{
		{"m/init.sql": {Data: []byte("SELECT 1")}},
		{"m/001_a.sql": {Data: []byte("SELECT 1")}, "m/sqlite/001_b.sql": {Data: []byte("SELECT 1")}},
	} {
		_, err := sqlstore.Migrations{Table: "t", FS: fsys, Dir: "m"}.Latest(sqlstore.SQLite)
		assert.Error(t, err)
	}
}

// TestTryLock: of two transactions on PostgreSQL, one gets a lock; it is
// free again when that one ends. SQLite always grants it.
func TestTryLock(t *testing.T) {
	openEach(t, func(t *testing.T, db *sql.DB, e sqlstore.Engine, _ string) {
		ctx := context.Background()
		if e == sqlstore.SQLite {
			ok, err := e.TryLock(ctx, nil, "sweep")
			require.NoError(t, err)
			assert.True(t, ok)
			return
		}
		tx1, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		ok, err := e.TryLock(ctx, tx1, "sweep")
		require.NoError(t, err)
		require.True(t, ok)

		tx2, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		defer tx2.Rollback()
		ok, err = e.TryLock(ctx, tx2, "sweep")
		require.NoError(t, err)
		assert.False(t, ok, "held by tx1")
		ok, err = e.TryLock(ctx, tx2, "other")
		require.NoError(t, err)
		assert.True(t, ok, "another key is free")

		require.NoError(t, tx1.Commit())
		ok, err = e.TryLock(ctx, tx2, "sweep")
		require.NoError(t, err)
		assert.True(t, ok, "free once tx1 ended")
	})
}
