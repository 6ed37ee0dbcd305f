package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"partybot/sqlstore"
	"partybot/strictyaml"
	"partybot/tickets"
)

// databaseConfig is the "database" section: where the durable state lives
// when it is not the SQLite files of the data directory.
type databaseConfig struct {
	// URL is a postgres:// URL shared by every replica; empty keeps the
	// SQLite files in the data directory. PARTYBOT_DATABASE_URL overrides
	// it.
	URL string `yaml:"url"`
}

// validate checks the URL's form. A password is refused in the file, as
// every secret is: it belongs in PARTYBOT_DATABASE_URL, PGPASSWORD or
// ~/.pgpass.
func (d databaseConfig) validate() error {
	if d.URL == "" {
		return nil
	}
	if err := checkDatabaseURL(d.URL); err != nil {
		return strictyaml.Errorf("url", "database.url %s", err)
	}
	if u, err := url.Parse(d.URL); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			return strictyaml.Errorf("url", "database.url 不能含密码：请把密码写在 PGPASSWORD 或 ~/.pgpass 中，或整个地址放在环境变量 PARTYBOT_DATABASE_URL 中")
		}
	}
	if strings.Contains(d.URL, "password=") {
		return strictyaml.Errorf("url", "database.url 不能含密码：请把密码写在 PGPASSWORD 或 ~/.pgpass 中，或整个地址放在环境变量 PARTYBOT_DATABASE_URL 中")
	}
	return nil
}

// checkDatabaseURL checks that raw is a PostgreSQL URL. The error never
// repeats raw, which may hold a password.
func checkDatabaseURL(raw string) error {
	if !sqlstore.IsPostgresURL(raw) {
		return fmt.Errorf("应为 PostgreSQL 地址（postgres://用户@主机:端口/库名）；不设置则使用数据目录中的 SQLite 文件")
	}
	if _, err := url.Parse(raw); err != nil {
		return fmt.Errorf("不是有效的地址")
	}
	return nil
}

// readDatabaseEnv applies PARTYBOT_DATABASE_URL, which wins over the file.
func (c *Config) readDatabaseEnv() {
	if v := strings.TrimSpace(os.Getenv("PARTYBOT_DATABASE_URL")); v != "" {
		c.DatabaseURL = v
	}
}

// storeDSN is where the store named file lives: the shared PostgreSQL
// database when one is configured, else the SQLite file of that name in
// the data directory. A configured URL that is not PostgreSQL's is an
// error naming the variable, never a silent fall back to SQLite.
func (c *Config) storeDSN(file string) (string, error) {
	if c.DatabaseURL == "" {
		return filepath.Join(c.DataDir, file), nil
	}
	if err := checkDatabaseURL(c.DatabaseURL); err != nil {
		return "", fmt.Errorf("数据库地址（PARTYBOT_DATABASE_URL 或 database.url）%w", err)
	}
	return c.DatabaseURL, nil
}

// openTicketStore opens the ticket store at dsn on its engine.
func openTicketStore(ctx context.Context, dsn string, opts ...tickets.Option) (*tickets.Store, error) {
	if sqlstore.IsPostgresURL(dsn) {
		return tickets.OpenPostgres(ctx, dsn, opts...)
	}
	return tickets.Open(ctx, dsn, opts...)
}
