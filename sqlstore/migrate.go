package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Migrations are a store's versioned schema changes, embedded in the
// program: Dir/NNN_name.sql runs on both engines, Dir/sqlite/ and
// Dir/postgres/ hold an engine's own version of a migration whose SQL
// differs. Each version has one file per engine, recorded by its base name
// in Table.
//
// Why our own runner and not pressly/goose or golang-migrate: it is short;
// it applies the pending migrations and records them in the same
// transaction (all or nothing, on PostgreSQL too), under a lock so that
// replicas starting together apply each once; it lets a read-only store
// check without writing; and it keeps the version table every existing
// tickets.db already has. goose and golang-migrate bring version tables of
// their own, global state, and drivers beside the ones the stores use.
type Migrations struct {
	Table string // e.g. "schema_migrations"
	FS    fs.FS
	Dir   string // e.g. "migration"
}

type migration struct {
	version int
	name    string // the file's base name, as recorded
	file    string // its path in FS
}

// list returns e's migrations in version order.
func (m Migrations) list(e Engine) ([]migration, error) {
	var ms []migration
	for _, pattern := range []string{m.Dir + "/*.sql", m.Dir + "/" + e.dirName() + "/*.sql"} {
		files, err := fs.Glob(m.FS, pattern)
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

func (e Engine) dirName() string {
	if e == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// Latest returns the version of e's newest migration, 0 for none.
func (m Migrations) Latest(e Engine) (int, error) {
	ms, err := m.list(e)
	if err != nil || len(ms) == 0 {
		return 0, err
	}
	return ms[len(ms)-1].version, nil
}

// Applied returns the highest version recorded in the database, 0 when
// none is (or the table does not exist). It writes nothing.
func (m Migrations) Applied(ctx context.Context, q Querier, e Engine) (int, error) {
	ok, err := e.TableExists(ctx, q, m.Table)
	if err != nil || !ok {
		return 0, err
	}
	var have int
	err = q.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM "+m.Table).Scan(&have)
	return have, err
}

// Migrate applies the migrations not yet recorded, all in one transaction
// under a lock (on SQLite, open the database with immediate transactions:
// BEGIN then takes the write lock), so that two processes opening a new
// database do not both apply them. A database newer than the program is
// refused.
func (m Migrations) Migrate(ctx context.Context, db *sql.DB, e Engine) error {
	ms, err := m.list(e)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	if err := e.Lock(ctx, tx, m.Table+":migrate"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+m.Table+
		" (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	have, err := m.Applied(ctx, tx, e)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(ms) > 0 && have > ms[len(ms)-1].version {
		return fmt.Errorf("migrate: database schema version %d is newer than this program's %d", have, ms[len(ms)-1].version)
	}
	for _, mg := range ms {
		if mg.version > have {
			if err := m.apply(ctx, tx, e, mg); err != nil {
				return err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// apply runs one migration and records it.
func (m Migrations) apply(ctx context.Context, tx *sql.Tx, e Engine, mg migration) error {
	body, err := fs.ReadFile(m.FS, mg.file)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("migrate %s: %w", mg.name, err)
	}
	if _, err := tx.ExecContext(ctx, e.Bind("INSERT INTO "+m.Table+" (version, name, applied_at) VALUES (?, ?, ?)"),
		mg.version, mg.name, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("migrate %s: %w", mg.name, err)
	}
	return nil
}
