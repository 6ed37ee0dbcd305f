package tickets

import (
	"context"
	"embed"
	"fmt"

	"partybot/apperr"
	"partybot/sqlstore"
)

// The schema's migrations: migration/NNN_name.sql runs on both engines,
// migration/sqlite/ and migration/postgres/ hold an engine's own version of
// a migration whose SQL differs (001, the tables with their types). Applied
// versions are recorded in schema_migrations, the table every existing
// tickets.db already has. See [sqlstore.Migrations].
//
//go:embed migration/*.sql migration/sqlite/*.sql migration/postgres/*.sql
var migrationFS embed.FS

var schema = sqlstore.Migrations{Table: "schema_migrations", FS: migrationFS, Dir: "migration"}

// checkSchema is migrate for a read-only store: it applies nothing, and
// refuses a database that needs a migration (apperr.EReadOnly) or is newer
// than this program.
func (s *Store) checkSchema(ctx context.Context) error {
	latest, err := schema.Latest(s.sql.eng)
	if err != nil {
		return err
	}
	have, err := schema.Applied(ctx, s.db, s.sql.eng)
	if err != nil {
		return fmt.Errorf("check schema: %w", err)
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

// migrate applies the migrations not yet recorded, under a lock against
// replicas starting together.
func (s *Store) migrate(ctx context.Context) error {
	if err := schema.Migrate(ctx, s.db, s.sql.eng); err != nil {
		return s.eng.formatError(err)
	}
	return nil
}

// SchemaVersion returns the highest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	return schema.Applied(ctx, s.db, s.sql.eng)
}

// SchemaLatest returns the version of the newest migration this program
// holds for the store's engine: [Store.SchemaVersion] once it is migrated.
func (s *Store) SchemaLatest() int {
	v, _ := schema.Latest(s.sql.eng)
	return v
}
