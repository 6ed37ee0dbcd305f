package feedback

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"time"

	"partybot/sqlstore"
)

// The schema's migrations: migration/NNN_name.sql runs on both engines,
// migration/sqlite/ and migration/postgres/ hold an engine's own version of
// a migration whose SQL differs (001, the table with its types). Applied
// versions are recorded in feedback_migrations. See [sqlstore.Migrations].
//
//go:embed migration/*.sql migration/sqlite/*.sql migration/postgres/*.sql
var migrationFS embed.FS

var schema = sqlstore.Migrations{Table: "feedback_migrations", FS: migrationFS, Dir: "migration"}

// migrate brings the database to the newest schema, under a lock against
// replicas starting together.
func migrate(ctx context.Context, db *sql.DB, e sqlstore.Engine) error {
	if e == sqlstore.SQLite {
		if err := adoptLegacy(ctx, db); err != nil {
			return err
		}
	}
	return schema.Migrate(ctx, db, e)
}

// legacyColumns are the columns migration 002 adds, with their
// definitions: before the store had migrations, it added them itself when
// it opened a file that lacked them.
var legacyColumns = [][2]string{
	{"outcome", "TEXT NOT NULL DEFAULT ''"},
	{"missing", "TEXT NOT NULL DEFAULT ''"},
	{"judged_by", "TEXT NOT NULL DEFAULT ''"},
}

// adoptLegacy records in feedback_migrations the versions that a
// feedback.db written before the store had migrations already has, so that
// [sqlstore.Migrations.Migrate] applies only what it lacks. A file that
// has the table answers but no version table is such a file.
//
// Why in Go, before Migrate: the old store created answers (001) and then
// added the columns of 002 one ALTER TABLE at a time, each committed on
// its own, so an old file has none of them, all of them, or — after a
// crash between two — some. 001 is harmless on it (CREATE … IF NOT
// EXISTS), but SQLite has neither ADD COLUMN IF NOT EXISTS nor any other
// conditional DDL, so no 002 written in SQL can add just the missing
// columns. Here 001 is recorded; 002 is recorded too when the file has any
// of its columns, after adding the others; with none, Migrate applies 002
// as it does on a new file. PostgreSQL needs none of this: the store came
// to it with migrations.
//
// What this knows is the schema as the store left it before migrations,
// and must not change with later migrations.
func adoptLegacy(ctx context.Context, db *sql.DB) error {
	// Immediate, as every transaction of the store (_txlock): BEGIN takes
	// the write lock, so two processes opening the file do not both adopt.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("adopt legacy schema: %w", err)
	}
	defer tx.Rollback()
	e := sqlstore.SQLite
	versioned, err := e.TableExists(ctx, tx, schema.Table)
	if err != nil {
		return fmt.Errorf("adopt legacy schema: %w", err)
	}
	legacy, err := e.TableExists(ctx, tx, "answers")
	if err != nil {
		return fmt.Errorf("adopt legacy schema: %w", err)
	}
	if versioned || !legacy {
		return nil
	}
	have, err := columns(ctx, tx, "answers")
	if err != nil {
		return fmt.Errorf("adopt legacy schema: %w", err)
	}
	adopt := []int{1}
	var missing []string
	for _, c := range legacyColumns {
		if !have[c[0]] {
			missing = append(missing, "ALTER TABLE answers ADD COLUMN "+c[0]+" "+c[1])
		}
	}
	if len(missing) < len(legacyColumns) {
		for _, stmt := range missing {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("adopt legacy schema: %w", err)
			}
		}
		adopt = append(adopt, 2)
	}
	// The version table as Migrate creates it.
	if _, err := tx.ExecContext(ctx, "CREATE TABLE "+schema.Table+
		" (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"); err != nil {
		return fmt.Errorf("adopt legacy schema: %w", err)
	}
	for _, v := range adopt {
		name, err := migrationName(v)
		if err != nil {
			return fmt.Errorf("adopt legacy schema: %w", err)
		}
		if _, err := tx.ExecContext(ctx, e.Bind("INSERT INTO "+schema.Table+" (version, name, applied_at) VALUES (?, ?, ?)"),
			v, name, time.Now().UnixMilli()); err != nil {
			return fmt.Errorf("adopt legacy schema: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("adopt legacy schema: %w", err)
	}
	return nil
}

// columns returns the names of table's columns (SQLite).
func columns(ctx context.Context, tx *sql.Tx, table string) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		have[name] = true
	}
	return have, rows.Err()
}

// migrationName returns the base name of SQLite's migration of version v,
// as the version table records it.
func migrationName(v int) (string, error) {
	for _, pattern := range []string{"%s/%03d_*.sql", "%s/sqlite/%03d_*.sql"} {
		files, err := fs.Glob(schema.FS, fmt.Sprintf(pattern, schema.Dir, v))
		if err != nil {
			return "", err
		}
		if len(files) > 0 {
			return path.Base(files[0]), nil
		}
	}
	return "", fmt.Errorf("no migration of version %d", v)
}
