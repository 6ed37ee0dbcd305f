package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"partybot/apperr"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLiteFile describes one of partybot's SQLite databases (the ticket
// store, the question log, the Telegram adapter's state …) for [OpenSQLite].
type SQLiteFile struct {
	// Path is the database file. Its directory is created (0700) when missing.
	Path string
	// Name says what the database is, for messages: "工单库".
	Name string
	// Tables are the tables of its schema. A database that has tables but
	// none of these belongs to something else and is not opened.
	Tables []string
	// Params are the modernc.org/sqlite DSN parameters of a read-write
	// connection ("_txlock=immediate&_busy_timeout=10000&_journal_mode=WAL…").
	// A read-only connection gets only a busy timeout.
	Params string
	// ReadOnly opens the database read-only even when it could be written.
	ReadOnly bool
	// AllowReadOnly opens the database read-only when the file or its
	// directory is not writable, instead of returning apperr.EReadOnly.
	AllowReadOnly bool
}

// OpenSQLite opens the database f describes, after checking that it is
// ours, and reports whether it was opened read-only.
//
// A missing file is created as a new, empty database, mode 0600, and put in
// place atomically (a crash never leaves an empty file behind). An existing
// file is refused when it is empty (0 bytes), is not a SQLite database, or
// holds tables but none of f.Tables: opening it would silently start over
// (ticket numbers again from 000001) or write into someone else's data. The
// refusal names the file and how to recover.
//
// Whatever the umask, group and other permissions are removed from the
// file (never added), and its -wal and -shm files get the file's own mode.
//
// Returns EINVALID for a path SQLite cannot take, apperr.EReadOnly when the file or
// its directory is not writable and f does not allow read-only (or the file
// is missing and cannot be created), and an apperr.EInternal [*apperr.Error] for a file
// that is not ours.
func OpenSQLite(ctx context.Context, f SQLiteFile) (db *sql.DB, readOnly bool, err error) {
	if f.Path == "" || f.Path == ":memory:" || strings.ContainsAny(f.Path, "?#") || strings.HasPrefix(f.Path, "file:") {
		return nil, false, apperr.Errorf(apperr.EInvalid, "%s路径无效：%q", f.Name, f.Path)
	}
	dir := filepath.Dir(f.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		if isPermission(err) {
			return nil, false, apperr.Errorf(apperr.EReadOnly, "无法创建数据目录 %s（没有写权限），%s %s 无法打开。请检查上级目录的权限。", dir, f.Name, f.Path)
		}
		return nil, false, fmt.Errorf("create %s directory: %w", f.Path, err)
	}
	st, err := os.Stat(f.Path)
	created := false
	switch {
	case errors.Is(err, fs.ErrNotExist) && f.ReadOnly:
		return nil, false, apperr.Errorf(apperr.ENotFound, "%s %s 不存在，无法以只读方式打开", f.Name, f.Path)
	case errors.Is(err, fs.ErrNotExist):
		if !writable(dir) {
			return nil, false, apperr.Errorf(apperr.EReadOnly, "数据目录 %s 只读，无法创建%s %s。请检查该目录的权限，或先在可写的数据目录中运行一次 partybot。", dir, f.Name, f.Path)
		}
		if err := createSQLite(ctx, f.Path); err != nil {
			return nil, false, err
		}
		created = true
	case err != nil:
		return nil, false, fmt.Errorf("open %s: %w", f.Path, err)
	case st.IsDir():
		return nil, false, apperr.Errorf(apperr.EInvalid, "%s路径 %s 是一个目录，不是数据库文件", f.Name, f.Path)
	case st.Size() == 0:
		return nil, false, apperr.Errorf(apperr.EInternal, "%s %s 是空文件（0 字节），不是有效的数据库；为免数据被当作从未存在（工单编号从头开始），已拒绝打开。%s",
			f.Name, f.Path, recoverHint(f.Path))
	}
	restrictModes(f.Path)

	readOnly = f.ReadOnly || !writable(f.Path) || !writable(dir)
	if readOnly && !f.ReadOnly && !f.AllowReadOnly {
		return nil, false, apperr.Errorf(apperr.EReadOnly, "数据目录只读：%s %s 或其所在目录不可写，无法打开。请检查数据目录及其中文件的权限（运行 partybot 的用户需要读写权限）。", f.Name, f.Path)
	}
	roDSN, err := readOnlyDSN(f, dir)
	if err != nil {
		return nil, false, err
	}
	if !created {
		// Check with a read-only connection: the read-write one's
		// parameters (journal_mode=WAL) would already change the file.
		if err := checkOurs(ctx, f, roDSN); err != nil {
			return nil, false, err
		}
	}
	dsn := roDSN
	if !readOnly {
		dsn = f.Path + "?" + f.Params
	}
	db, err = sql.Open("sqlite", dsn)
	if err != nil {
		return nil, false, fmt.Errorf("open %s: %w", f.Path, err)
	}
	if !readOnly {
		// Open the WAL (creating -wal and -shm), then make sure they are ours
		// alone too.
		if _, err := db.ExecContext(ctx, "SELECT count(*) FROM sqlite_schema"); err != nil {
			db.Close()
			return nil, false, fmt.Errorf("open %s: %w", f.Path, err)
		}
		restrictModes(f.Path)
	}
	return db, readOnly, nil
}

// recoverHint tells how to get out of a database file we refuse to open.
func recoverHint(path string) string {
	return fmt.Sprintf("请从备份恢复该文件；如确需从空库重新开始，请先将它移到别处（例如 mv %s %s.bad），再重新运行 partybot。", path, path)
}

// readOnlyDSN is the DSN of a read-only connection to f. In a directory we
// can write, or when the -wal and -shm files exist, mode=ro reads the WAL
// too. Otherwise SQLite could not create them, and immutable=1 reads the
// main file alone, which then holds everything: a database whose WAL is
// missing its -shm is refused rather than read without its last commits.
func readOnlyDSN(f SQLiteFile, dir string) (string, error) {
	uri := "file:" + strings.ReplaceAll(f.Path, "%", "%25") + "?"
	const params = "&_busy_timeout=10000"
	if writable(dir) {
		return uri + "mode=ro" + params, nil
	}
	wal, werr := os.Stat(f.Path + "-wal")
	_, serr := os.Stat(f.Path + "-shm")
	switch {
	case werr == nil && serr == nil:
		return uri + "mode=ro" + params, nil
	case werr == nil && wal.Size() > 0:
		return "", apperr.Errorf(apperr.EReadOnly, "数据目录 %s 只读，而%s %s 还有未合并的日志（%s-wal），此时无法安全读取。请在数据目录可写时运行一次 partybot 后再试。",
			dir, f.Name, f.Path, filepath.Base(f.Path))
	}
	return uri + "immutable=1" + params, nil
}

// checkOurs refuses a file that is not a SQLite database, or one whose
// tables are none of f.Tables. A database with no tables at all is a new one.
func checkOurs(ctx context.Context, f SQLiteFile, dsn string) error {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return fmt.Errorf("open %s: %w", f.Path, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!'")
	if err != nil {
		if se, ok := errors.AsType[*sqlite.Error](err); ok {
			switch se.Code() & 0xff {
			case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
				return apperr.Errorf(apperr.EInternal, "%s %s 不是 SQLite 数据库文件（或已损坏），已拒绝打开。%s", f.Name, f.Path, recoverHint(f.Path))
			}
		}
		return fmt.Errorf("open %s: %w", f.Path, err)
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("open %s: %w", f.Path, err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("open %s: %w", f.Path, err)
	}
	if len(tables) == 0 || slices.ContainsFunc(tables, func(t string) bool { return slices.Contains(f.Tables, t) }) {
		return nil
	}
	return apperr.Errorf(apperr.EInternal, "%s %s 是其他程序的 SQLite 数据库（其中的表 %s 都不属于%s），已拒绝打开，以免改动其中的数据。请检查数据目录（PARTYBOT_DATA）是否设置正确，或从备份恢复；如确需从空库重新开始，请先将它移到别处（例如 mv %s %s.bad），再重新运行 partybot。",
		f.Name, f.Path, strings.Join(tables[:min(len(tables), 5)], "、"), f.Name, f.Path, f.Path)
}

// createSQLite creates an empty database in WAL mode at path, mode 0600. It
// is built under a temporary name and linked into place, so path is never
// an empty file, and a database another process created meanwhile is kept.
func createSQLite(ctx context.Context, path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".new-*")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	name := tmp.Name()
	defer os.Remove(name)
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := os.Chmod(name, 0o600); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", name+"?_journal_mode=WAL")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	// journal_mode=WAL writes the header, and Close checkpoints and removes
	// the -wal and -shm files.
	if _, err := db.ExecContext(ctx, "PRAGMA user_version"); err != nil {
		db.Close()
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if st, err := os.Stat(name); err != nil || st.Size() == 0 {
		return fmt.Errorf("create %s: new database is empty (%v)", path, err)
	}
	switch err := os.Link(name, path); {
	case err == nil, errors.Is(err, fs.ErrExist):
		return nil
	}
	// No hard links here (some file systems): rename, unless someone was faster.
	if _, err := os.Lstat(path); err == nil {
		return nil
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	return nil
}

// restrictModes removes group and other permissions from the database file
// and its -wal and -shm files, and gives those two the file's own mode, as
// SQLite does when it creates them. Files that are not ours to chmod are
// left alone.
func restrictModes(path string) {
	st, err := os.Stat(path)
	if err != nil {
		return
	}
	mode := st.Mode().Perm() &^ 0o077
	if st.Mode().Perm() != mode {
		os.Chmod(path, mode)
	}
	for _, p := range []string{path + "-wal", path + "-shm"} {
		if st, err := os.Stat(p); err == nil && st.Mode().Perm() != mode {
			os.Chmod(p, mode)
		}
	}
}

func isPermission(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)
}

// storeParams are the read-write parameters of the stores' SQLite files:
// writes take the lock at once, wait up to 10 s for another process, and
// go through the write-ahead log.
const storeParams = "_txlock=immediate&_busy_timeout=10000&_journal_mode=WAL&_synchronous=NORMAL"

// Open opens a store's database at dsn on engine eng: PostgreSQL with at
// most pgConns connections ([OpenPostgres]), or a SQLite file checked and
// kept private as [OpenSQLite] does, named name in messages and holding
// tables, on one connection (writes are serialized here rather than by
// SQLite's busy handler, and each is short).
func Open(ctx context.Context, eng Engine, dsn, name string, tables []string, pgConns int) (*sql.DB, error) {
	if eng == Postgres {
		return OpenPostgres(ctx, dsn, name, pgConns)
	}
	db, _, err := OpenSQLite(ctx, SQLiteFile{Path: dsn, Name: name, Tables: tables, Params: storeParams})
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}
