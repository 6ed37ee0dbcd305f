package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"partybot/apperr"
	"partybot/redact"
)

// OpenPostgres connects to the PostgreSQL database at dsn
// (postgres://user:password@host:port/database?sslmode=…, or a socket
// directory as ?host=/run/postgresql) through pgx's database/sql driver,
// with a pool of at most maxConns connections, and pings it. what names
// the store in messages ("工单库"). The password may also come from
// PGPASSWORD or ~/.pgpass; it never appears in an error.
func OpenPostgres(ctx context.Context, dsn, what string, maxConns int) (*sql.DB, error) {
	if !IsPostgresURL(dsn) {
		return nil, apperr.Errorf(apperr.EInvalid, "PostgreSQL 数据库地址应以 postgres:// 开头")
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		var pe *pgconn.ParseConfigError
		if errors.As(err, &pe) {
			err = pe.Unwrap()
		}
		msg := "格式不正确"
		if err != nil {
			msg = RedactDSN(dsn, err).Error()
		}
		return nil, apperr.Errorf(apperr.EInvalid, "PostgreSQL 数据库地址无效：%s", msg)
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "partybot"
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		err = RedactDSN(dsn, err)
		return nil, apperr.Wrap(err, apperr.EInternal, "无法连接%s %s：%s", what, Label(dsn), err)
	}
	return db, nil
}

// Label names the database of a PostgreSQL dsn in messages: its name and
// host, never the user or password.
func Label(dsn string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "（PostgreSQL）"
	}
	host := cfg.Host
	if !strings.HasPrefix(host, "/") { // a socket directory stands alone
		host = fmt.Sprintf("%s:%d", host, cfg.Port)
	}
	return fmt.Sprintf("%s（PostgreSQL，%s）", cfg.Database, host)
}

// RedactDSN returns err with dsn and its password masked wherever they
// appear in its text; errors.Is and errors.As still see err.
func RedactDSN(dsn string, err error) error {
	secrets := []string{dsn}
	if u, perr := url.Parse(dsn); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p)
		}
	}
	if cfg, perr := pgx.ParseConfig(dsn); perr == nil && cfg.Password != "" {
		secrets = append(secrets, cfg.Password)
	}
	if msg := redact.New(secrets...).Error(err); msg != err.Error() {
		return &redactedError{msg: msg, err: err}
	}
	return err
}

// redactedError is an error whose text had secrets masked.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// PostgreSQL error codes the stores translate.
const (
	pgUniqueViolation      = "23505"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
	pgLockNotAvailable     = "55P03"
)

// IsUniqueViolation reports whether err is PostgreSQL's unique violation.
func IsUniqueViolation(err error) bool { return pgCode(err) == pgUniqueViolation }

// IsBusy reports whether err is PostgreSQL's deadlock, serialization
// failure or lock not available: the write may succeed when run again.
func IsBusy(err error) bool {
	switch pgCode(err) {
	case pgSerializationFailure, pgDeadlockDetected, pgLockNotAvailable:
		return true
	}
	return false
}

// Retryable reports whether a transaction that failed with err may
// succeed when run again: it lost a deadlock or a serialization conflict.
func Retryable(err error) bool {
	c := pgCode(err)
	return c == pgSerializationFailure || c == pgDeadlockDetected
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if err == nil || !errors.As(err, &pe) {
		return ""
	}
	return pe.Code
}
