package push

import (
	"embed"

	"partybot/sqlstore"
)

// The schema's migrations: migration/sqlite/ and migration/postgres/ hold
// each engine's version of 001 (the tables with their types); later ones
// that are the same on both go in migration/. Applied versions are
// recorded in push_migrations. See [sqlstore.Migrations].
//
//go:embed migration
var migrationFS embed.FS

var schema = sqlstore.Migrations{Table: "push_migrations", FS: migrationFS, Dir: "migration"}
