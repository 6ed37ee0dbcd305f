package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"partybot/apperr"
	"partybot/sqlstore"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteEngine runs a [Store] on a SQLite file (modernc.org/sqlite): WAL,
// synchronous=FULL (a commit is durable when it returns), a busy timeout,
// foreign keys, immediate transactions. Writes go through one writer
// goroutine that commits concurrent writes together, each in a savepoint
// ([groupCommit]); reads run concurrently on the connection pool. The file is checked before it is
// opened ([sqlstore.OpenSQLite]) and opened read-only when it cannot be written.
type sqliteEngine struct{}

var sqliteDialect = &dialect{
	name:        "SQLite",
	eng:         sqlstore.SQLite,
	limitAll:    "LIMIT -1",
	statsFrom:   " FROM tickets INDEXED BY tickets_stats",
	packedStats: true,
}

func (sqliteEngine) open(ctx context.Context, s *Store) (*sql.DB, bool, error) {
	if s.dsn == "" || strings.ContainsAny(s.dsn, "?#") || s.dsn == ":memory:" {
		return nil, false, apperr.Errorf(apperr.EInvalid, "工单数据库路径无效：%q", s.dsn)
	}
	db, ro, err := sqlstore.OpenSQLite(ctx, sqlstore.SQLiteFile{
		Path: s.dsn, Name: "工单库", Tables: ticketTables,
		Params:   "_txlock=immediate&_busy_timeout=10000&_foreign_keys=on&_journal_mode=WAL&_synchronous=FULL",
		ReadOnly: s.readOnly, AllowReadOnly: true,
	})
	if err != nil {
		return nil, false, err
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	return db, ro, nil
}

// start checks the journal mode and starts the writer.
func (sqliteEngine) start(ctx context.Context, s *Store) (committer, error) {
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return nil, fmt.Errorf("check journal mode: %w", err)
	}
	// Read-only, an immutable database reports "delete": nothing is written.
	if !s.readOnly && !strings.EqualFold(mode, "wal") {
		return nil, fmt.Errorf("open ticket database: journal mode is %q, want wal", mode)
	}
	return newGroupCommit(s, sqliteEngine{}, false, nil), nil
}

// insertTicket writes r with one statement per row: calls within the
// process cost little.
func (sqliteEngine) insertTicket(ctx context.Context, s *Store, tx *sql.Tx, r newTicketRows) error {
	return s.insertTicketRows(ctx, tx, r)
}

func (sqliteEngine) readOnlyError(s *Store) error {
	return apperr.Errorf(apperr.EReadOnly, "数据目录只读，无法保存更改：工单库 %s 是以只读方式打开的（该文件或其所在目录不可写），目前只能查看工单。请检查数据目录及其中文件的权限。", s.label)
}

// formatError translates SQLite errors: a UNIQUE failure becomes
// EConflict, a busy database an EConflict asking to retry, each over the
// driver's error. Other errors pass through.
func (sqliteEngine) formatError(err error) error {
	var se *sqlite.Error
	if err == nil || !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CONSTRAINT:
		if strings.Contains(se.Error(), "UNIQUE") || se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE {
			return apperr.Wrap(err, apperr.EConflict, "数据冲突，请刷新后重试")
		}
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return apperr.Wrap(err, apperr.EConflict, "系统繁忙，请稍后重试")
	}
	return err
}
