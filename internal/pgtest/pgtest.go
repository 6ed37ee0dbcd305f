// Package pgtest gives each test a PostgreSQL schema of its own, in the
// database that PARTYBOT_TEST_DATABASE_URL names, dropped when the test
// ends. Without the variable a test that needs PostgreSQL is skipped with a
// message; under CI=true it fails instead, since CI must test PostgreSQL
// (.ci/run starts a throwaway server and sets the variable).
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvURL is the variable naming the test database: a postgres:// URL of a
// role that may create schemas in it.
const EnvURL = "PARTYBOT_TEST_DATABASE_URL"

// Available reports whether the test database is configured.
func Available() bool { return os.Getenv(EnvURL) != "" }

// Require skips tb when the test database is not configured, or fails it
// under CI=true.
func Require(tb testing.TB) {
	tb.Helper()
	if Available() {
		return
	}
	const msg = "PostgreSQL tests need " + EnvURL + " (a postgres:// URL of a database this user may create schemas in); .ci/run starts a throwaway server and sets it"
	if os.Getenv("CI") == "true" {
		tb.Fatal("CI=true: " + msg)
	}
	tb.Skip("skipped: " + msg)
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
)

// db is the connection to the test database that creates and drops the
// schemas, shared by the tests of a process.
func db() (*sql.DB, error) {
	adminOnce.Do(func() {
		admin, adminErr = sql.Open("pgx", os.Getenv(EnvURL))
		if adminErr == nil {
			admin.SetMaxOpenConns(4)
			adminErr = admin.PingContext(context.Background())
		}
	})
	return admin, adminErr
}

var unsafe = regexp.MustCompile(`[^a-z0-9_]+`)

// URL returns the URL of a new, empty schema of the test database: the
// configured URL with search_path set to it. The schema and everything in
// it are dropped when tb ends, after the cleanups registered later (such
// as closing a store opened on it). See [Require] for when it skips.
func URL(tb testing.TB) string {
	tb.Helper()
	Require(tb)
	d, err := db()
	if err != nil {
		tb.Fatalf("pgtest: connect to %s: %v", EnvURL, err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := strings.Trim(unsafe.ReplaceAllString(strings.ToLower(tb.Name()), "_"), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	schema := "t_" + name + "_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if _, err := d.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("pgtest: create schema %s: %v", schema, err)
	}
	tb.Cleanup(func() {
		if _, err := d.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	u, err := WithSearchPath(os.Getenv(EnvURL), schema)
	if err != nil {
		tb.Fatalf("pgtest: %s: %v", EnvURL, err)
	}
	return u
}

// WithSearchPath returns the postgres:// URL dsn with its search_path (the
// schema its tables are created in) set to schema.
func WithSearchPath(dsn, schema string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("not a postgres:// URL")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
