//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package tickets_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/sqlstore"
	"partybot/tickets"
)

// permissionsEnforced reports whether this process is refused writes to a
// directory it may only read (false for root, which ignores permissions).
func permissionsEnforced(tb testing.TB) bool {
	tb.Helper()
	dir := tb.TempDir()
	require.NoError(tb, os.Chmod(dir, 0o500))
	defer os.Chmod(dir, 0o700)
	f, err := os.Create(filepath.Join(dir, "probe"))
	if err == nil {
		f.Close()
		return false
	}
	return true
}

// withUmask runs the rest of the test with umask mask, so that modes the
// code sets are seen not to depend on it.
func withUmask(tb testing.TB, mask int) {
	old := syscall.Umask(mask)
	tb.Cleanup(func() { syscall.Umask(old) })
}

// makeReadOnly makes dir and the files in it read-only (0500, 0400) until
// the end of the test.
func makeReadOnly(tb testing.TB, dir string) {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(tb, err)
	for _, e := range entries {
		require.NoError(tb, os.Chmod(filepath.Join(dir, e.Name()), 0o400))
	}
	require.NoError(tb, os.Chmod(dir, 0o500))
	tb.Cleanup(func() {
		os.Chmod(dir, 0o700)
		for _, e := range entries {
			os.Chmod(filepath.Join(dir, e.Name()), 0o600)
		}
	})
}

func mode(tb testing.TB, path string) os.FileMode {
	tb.Helper()
	st, err := os.Stat(path)
	require.NoError(tb, err)
	return st.Mode().Perm()
}

// TestOpenRefusesEmptyDatabaseFile: a zero-length tickets.db (a botched
// restore, a full disk) is not silently made a new database whose numbers
// start again at 000001; the refusal says which file and how to recover.
func TestOpenRefusesEmptyDatabaseFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.db")
	require.NoError(t, os.WriteFile(path, nil, 0o600))

	_, err := tickets.Open(context.Background(), path)
	require.Error(t, err)
	msg := apperr.Message(err)
	assert.Contains(t, msg, path)
	assert.Contains(t, msg, "空文件")
	assert.Contains(t, msg, "备份恢复")
	assert.Contains(t, msg, "mv "+path)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Zero(t, st.Size(), "the empty file was written to")
}

// TestOpenRefusesForeignFile: a file that is not a SQLite database, or a
// SQLite database of something else (another program's, or partybot's
// Telegram state put where the tickets belong), is refused and left as it
// was: not converted to WAL, no tables added.
func TestOpenRefusesForeignFile(t *testing.T) {
	ctx := context.Background()
	sqliteWith := func(schema string) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			db, err := sql.Open("sqlite", path)
			require.NoError(t, err)
			defer db.Close()
			_, err = db.ExecContext(ctx, schema)
			require.NoError(t, err)
		}
	}
	tests := []struct {
		name string
		make func(t *testing.T, path string)
		want string
	}{
		{"text file", func(t *testing.T, path string) {
			require.NoError(t, os.WriteFile(path, []byte("工单编号,诉求\n2026-000001,井盖丢了\n"), 0o600))
		}, "不是 SQLite 数据库"},
		{"another program's database", sqliteWith("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'x')"), "其他程序"},
		{"the telegram state", sqliteWith("CREATE TABLE updates (bot_id INTEGER, update_id INTEGER, at INTEGER)"), "updates"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tickets.db")
			tc.make(t, path)
			before, err := os.ReadFile(path)
			require.NoError(t, err)

			_, err = tickets.Open(ctx, path)
			require.Error(t, err)
			msg := apperr.Message(err)
			assert.Contains(t, msg, tc.want)
			assert.Contains(t, msg, path)
			assert.Contains(t, msg, "备份恢复")
			after, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, before, after, "the refused file was changed")
		})
	}
}

// TestOpenAcceptsNewAndOwnDatabases: a missing file becomes a database, a
// database without tables (created, then the process stopped) is
// initialised, and a ticket database reopens.
func TestOpenAcceptsNewAndOwnDatabases(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	blank := filepath.Join(dir, "blank.db")
	db, err := sql.Open("sqlite", blank+"?_journal_mode=WAL")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "PRAGMA user_version")
	require.NoError(t, err)
	require.NoError(t, db.Close())

	for _, path := range []string{filepath.Join(dir, "new", "tickets.db"), blank} {
		s := MustOpenPath(t, path)
		tk := MustCreate(t, s, "u", "井盖丢了")
		assert.Regexp(t, `^\d{4}-000001$`, tk.Number)
		require.NoError(t, s.Close())
		s2 := MustOpenPath(t, path)
		got, err := s2.FindTicketByNumber(ctx, admin, tk.Number)
		require.NoError(t, err)
		assert.Equal(t, tk.Text, got.Text)
	}
	leftovers, err := filepath.Glob(filepath.Join(dir, "new", ".tickets.db.new-*"))
	require.NoError(t, err)
	assert.Empty(t, leftovers, "temporary files left behind")
}

// TestDatabaseFilesArePrivate: whatever the umask, the ticket database and
// its -wal and -shm files are 0600 and a directory the store creates is
// 0700; a file an older version left 0644 is made 0600, and a directory
// the user made keeps its mode.
func TestDatabaseFilesArePrivate(t *testing.T) {
	withUmask(t, 0)
	ctx := context.Background()

	t.Run("new", func(t *testing.T) {
		root := t.TempDir()
		require.NoError(t, os.Chmod(root, 0o755))
		path := filepath.Join(root, "data", "tickets.db")
		s := MustOpenPath(t, path)
		MustCreate(t, s, "u", "井盖丢了")
		assert.Equal(t, os.FileMode(0o700), mode(t, filepath.Dir(path)))
		assert.Equal(t, os.FileMode(0o755), mode(t, root), "a directory we did not create was changed")
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			assert.Equal(t, os.FileMode(0o600), mode(t, p), p)
		}
	})

	t.Run("left 0644 by an older version", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tickets.db")
		s := MustOpenPath(t, path)
		MustCreate(t, s, "u", "井盖丢了")
		// what an older partybot (or a copy) left behind, while in use
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			require.NoError(t, os.Chmod(p, 0o644))
		}
		s2 := MustOpenPath(t, path)
		_, err := s2.FindTickets(ctx, admin, tickets.TicketFilter{})
		require.NoError(t, err)
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			assert.Equal(t, os.FileMode(0o600), mode(t, p), p)
		}
	})
}

// TestReadOnlyStore: a store opened read-only reads everything and refuses
// every write with EReadOnly, and says so. Root runs it too: SQLite itself
// enforces the read-only open.
func TestReadOnlyStore(t *testing.T) {
	c := newClock()
	s, path := MustOpenStore(t, tickets.WithClock(c.Now))
	tk := MustCreate(t, s, "u1", "老板拖欠工资三个月了")
	require.NoError(t, s.Close())

	ro := MustOpenPath(t, path, tickets.WithReadOnly(), tickets.WithClock(c.Now))
	assert.True(t, ro.ReadOnly())
	checkReadOnlyStore(t, ro, tk)
}

func checkReadOnlyStore(t *testing.T, s *tickets.Store, tk *tickets.Ticket) {
	t.Helper()
	ctx := context.Background()
	got, err := s.FindTicketByNumber(ctx, admin, tk.Number)
	require.NoError(t, err)
	assert.Equal(t, tk.Text, got.Text)
	list, err := s.FindTickets(ctx, admin, tickets.TicketFilter{})
	require.NoError(t, err)
	assert.Len(t, list, 1)
	_, err = s.Stats(ctx, admin, tickets.StatsFilter{})
	require.NoError(t, err)
	exp, err := s.ExportTickets(ctx, admin, tickets.TicketFilter{})
	require.NoError(t, err)
	assert.Len(t, exp, 1)

	_, err = s.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "u2", Text: "井盖丢了"})
	assert.Equal(t, apperr.EReadOnly, apperr.Code(err))
	assert.Contains(t, apperr.Message(err), "数据目录只读")
	_, err = s.Accept(ctx, admin, tk.Number, "")
	assert.Equal(t, apperr.EReadOnly, apperr.Code(err))
	_, err = s.Sweep(ctx, time.Now())
	assert.Equal(t, apperr.EReadOnly, apperr.Code(err))
}

// TestReadOnlyDataDirectory: with the data directory 0500 and its files
// 0400, the store opens read-only by itself, after a clean close (no -wal
// file: SQLite could not create one) and while another connection has the
// WAL open (its commits are read).
func TestReadOnlyDataDirectory(t *testing.T) {
	if !permissionsEnforced(t) {
		t.Skip("file permissions are not enforced for this user (root?)")
	}
	t.Run("after a clean close", func(t *testing.T) {
		s, path := MustOpenStore(t)
		tk := MustCreate(t, s, "u1", "老板拖欠工资三个月了")
		require.NoError(t, s.Close())
		_, err := os.Stat(path + "-wal")
		require.ErrorIs(t, err, os.ErrNotExist)
		makeReadOnly(t, filepath.Dir(path))

		ro := MustOpenPath(t, path)
		assert.True(t, ro.ReadOnly())
		checkReadOnlyStore(t, ro, tk)
	})
	t.Run("with the WAL in use", func(t *testing.T) {
		s, path := MustOpenStore(t)
		tk := MustCreate(t, s, "u1", "老板拖欠工资三个月了")
		_, err := os.Stat(path + "-wal")
		require.NoError(t, err)
		makeReadOnly(t, filepath.Dir(path))

		ro := MustOpenPath(t, path)
		assert.True(t, ro.ReadOnly())
		checkReadOnlyStore(t, ro, tk)
	})
	t.Run("no database yet", func(t *testing.T) {
		dir := t.TempDir()
		makeReadOnly(t, dir)
		_, err := tickets.Open(context.Background(), filepath.Join(dir, "tickets.db"))
		assert.Equal(t, apperr.EReadOnly, apperr.Code(err))
		assert.Contains(t, apperr.Message(err), "只读")
	})
}

// TestReadOnlyRefusesMigration: read-only, a database whose schema is not
// current is refused clearly instead of being migrated.
func TestReadOnlyRefusesMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tickets.db")
	db, err := sql.Open("sqlite", path+"?_journal_mode=WAL")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)")
	require.NoError(t, err)
	require.NoError(t, db.Close())

	_, err = tickets.Open(ctx, path, tickets.WithReadOnly())
	assert.Equal(t, apperr.EReadOnly, apperr.Code(err))
	assert.Contains(t, apperr.Message(err), "可写")
	assert.Contains(t, apperr.Message(err), path)

	// writable, the same file is migrated and then opens read-only
	s := MustOpenPath(t, path)
	require.NoError(t, s.Close())
	ro := MustOpenPath(t, path, tickets.WithReadOnly())
	v, err := ro.SchemaVersion(ctx)
	require.NoError(t, err)
	assert.Equal(t, latestVersion, v)
}

// TestOpenSQLiteForOtherStores: sqlstore.OpenSQLite, which the other stores
// use, refuses rather than opens read-only what they cannot write.
func TestOpenSQLiteForOtherStores(t *testing.T) {
	ctx := context.Background()
	f := sqlstore.SQLiteFile{Path: filepath.Join(t.TempDir(), "feedback.db"), Name: "反馈库", Tables: []string{"answers"},
		Params: "_busy_timeout=10000&_journal_mode=WAL"}
	db, ro, err := sqlstore.OpenSQLite(ctx, f)
	require.NoError(t, err)
	assert.False(t, ro)
	_, err = db.ExecContext(ctx, "CREATE TABLE answers (id INTEGER PRIMARY KEY)")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	assert.Equal(t, os.FileMode(0o600), mode(t, f.Path))

	if permissionsEnforced(t) {
		makeReadOnly(t, filepath.Dir(f.Path))
		_, _, err = sqlstore.OpenSQLite(ctx, f)
		assert.Equal(t, apperr.EReadOnly, apperr.Code(err))
		assert.Contains(t, apperr.Message(err), "反馈库")
	}
}
