package tickets

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"partybot/apperr"
)

// The schema's migrations: migration/NNN_name.sql runs on both engines,
// migration/sqlite/ and migration/postgres/ hold an engine's own version of
// a migration whose SQL differs (001, the tables with their types). Each
// version has one file per engine, recorded by its name in
// schema_migrations.
//
// Why our own runner and not pressly/goose or golang-migrate: it is sixty
// lines; it applies the pending migrations and records them in the same
// transaction (all or nothing, on PostgreSQL too), under the engine's lock so
// that replicas starting together apply each once; it checks without
// writing for a read-only SQLite file; and it keeps the schema_migrations
// table every existing tickets.db already has. goose and golang-migrate
// bring their own version tables (goose_db_version; a schema_migrations
// with a dirty flag that clashes with ours), global state, and drivers of
// their own beside the ones the store uses.
//
//go:embed migration/*.sql migration/sqlite/*.sql migration/postgres/*.sql
var migrationFS embed.FS

// migration is one embedded migration file.
type migration struct {
	version int
	name    string // the file's base name, as recorded
	file    string // its path in migrationFS
}

// migrations returns the migrations of the engine whose own files are in
// migration/dir, in version order.
func migrations(dir string) ([]migration, error) {
	var ms []migration
	for _, pattern := range []string{"migration/*.sql", "migration/" + dir + "/*.sql"} {
		files, err := fs.Glob(migrationFS, pattern)
		if err != nil {
			return nil, fmt.Errorf("list migrations: %w", err)
		}
		for _, f := range files {
			base := path.Base(f)
			v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
			if err != nil || v <= 0 {
				return nil, fmt.Errorf("migrate: bad migration name %q", f)
			}
			ms = append(ms, migration{version: v, name: base, file: f})
		}
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrate: two migrations of version %d: %s and %s", ms[i].version, ms[i-1].file, ms[i].file)
		}
	}
	return ms, nil
}

// latestVersion is the version of the last migration, 0 for none.
func latestVersion(ms []migration) int {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// checkSchema is migrate for a read-only store: it applies nothing, and
// refuses a database that needs a migration (apperr.EReadOnly) or is newer than
// this program.
func (s *Store) checkSchema(ctx context.Context) error {
	ms, err := migrations(s.sql.dir)
	if err != nil {
		return err
	}
	latest := latestVersion(ms)
	var have int
	ok, err := s.eng.tableExists(ctx, s.db, "schema_migrations")
	if err != nil {
		return fmt.Errorf("check schema: %w", err)
	}
	if ok {
		if err := s.db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&have); err != nil {
			return fmt.Errorf("check schema: %w", err)
		}
	}
	switch {
	case have > latest:
		return fmt.Errorf("migrate: database schema version %d is newer than this program's %d", have, latest)
	case have == 0:
		return apperr.Errorf(apperr.EReadOnly, "工单库 %s 尚未初始化，而数据目录只读，无法初始化。请在数据目录可写时运行一次 partybot（例如 partybot tickets list）。", s.label)
	case have < latest:
		return apperr.Errorf(apperr.EReadOnly, "工单库 %s 需要升级（数据结构版本 %d → %d），而数据目录只读，无法升级。请在数据目录可写时运行一次 partybot（例如 partybot tickets list）完成升级后再试。", s.label, have, latest)
	}
	return nil
}

// migrate applies the embedded migrations not yet recorded in
// schema_migrations, all in one transaction under the engine's lock
// (SQLite: an immediate transaction), so that two processes opening a new
// database do not both apply them.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations(s.sql.dir)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", s.eng.formatError(err))
	}
	defer tx.Rollback()
	if err := s.eng.lock(ctx, tx, "migrate"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var have int
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&have); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if latest := latestVersion(ms); have > latest {
		return fmt.Errorf("migrate: database schema version %d is newer than this program's %d", have, latest)
	}
	for _, m := range ms {
		if m.version <= have {
			continue
		}
		body, err := migrationFS.ReadFile(m.file)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
		if _, err := s.exec(ctx, tx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.version, m.name, time.Now().UnixMilli()); err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", s.eng.formatError(err))
	}
	return nil
}

// SchemaVersion returns the highest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}

// SchemaLatest returns the version of the newest migration this program
// holds for the store's engine: [Store.SchemaVersion] once it is migrated.
func (s *Store) SchemaLatest() int {
	ms, err := migrations(s.sql.dir)
	if err != nil {
		return 0
	}
	return latestVersion(ms)
}
