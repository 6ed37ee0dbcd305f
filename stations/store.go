package stations

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"partybot/apperr"
	"partybot/sqlstore"
)

// The schema's migrations, the same SQL on both engines; applied versions
// are recorded in stations_migrations. See [sqlstore.Migrations].
//
//go:embed migration/*.sql
var migrationFS embed.FS

var schema = sqlstore.Migrations{Table: "stations_migrations", FS: migrationFS, Dir: "migration"}

// pgConns is the most connections a store holds to PostgreSQL: it reads
// the stations once per reload and writes them once per import.
const pgConns = 2

// insertBatch is how many stations one INSERT carries.
const insertBatch = 100

// Import is the record of an import.
type Import struct {
	At       time.Time
	Source   string // the file's name
	Stations int
	CRS      CRS // "" when the stations were written in several
}

// Store keeps the stations in a SQLite file (stations.db) or a
// PostgreSQL database that replicas share, and in memory for searching.
type Store struct {
	db  *sql.DB
	eng sqlstore.Engine
	mu  sync.Mutex // serialises reloads
	cur atomic.Pointer[snapshot]
	now func() time.Time
}

// snapshot is the stations as last loaded.
type snapshot struct {
	*Index
	last Import
	id   int64 // the import's id, 0 before any
}

// Open opens (creating if needed) the station database at dsn — a file
// path for SQLite, or a postgres:// URL (see [sqlstore.OpenPostgres]) —
// brings its schema up to date and loads the stations into memory.
//
// A file is checked as [sqlstore.OpenSQLite] does: one that is not a
// station database, or is not writable, is refused with an [apperr.Error]
// saying how to recover. A PostgreSQL database that cannot be reached is
// refused with an apperr.EInternal naming it, a malformed URL with
// apperr.EInvalid.
func Open(ctx context.Context, dsn string) (*Store, error) {
	eng := sqlstore.EngineOf(dsn)
	db, err := sqlstore.Open(ctx, eng, dsn, "驿站库", []string{"stations", "station_imports", schema.Table}, pgConns)
	if err != nil {
		if _, coded := errors.AsType[*apperr.Error](err); coded {
			return nil, err
		}
		return nil, fmt.Errorf("open station store: %w", err)
	}
	s := &Store{db: db, eng: eng, now: time.Now}
	if err := schema.Migrate(ctx, db, eng); err != nil {
		db.Close()
		return nil, fmt.Errorf("open station store: %w", err)
	}
	if err := s.Reload(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open station store: %w", err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Index returns the stations as last loaded.
func (s *Store) Index() *Index { return s.cur.Load().Index }

// Near is [Index.Near] on the stations as last loaded.
func (s *Store) Near(lat, lng float64, n int, f Filter) ([]Result, error) {
	return s.Index().Near(lat, lng, n, f)
}

// ByArea is [Index.ByArea] on the stations as last loaded.
func (s *Store) ByArea() []Area { return s.Index().ByArea() }

// LastImport returns the record of the import the stations in memory
// came from; ok=false before any.
func (s *Store) LastImport() (imp Import, ok bool) {
	c := s.cur.Load()
	return c.last, c.id > 0
}

// Import reads the file at path (see [Read]) and, when it has any
// station, replaces the stored ones with them. The report says what was
// imported and skipped. Returns EINVALID for a file [Read] refuses or
// with no station to import; the stored stations are then unchanged.
func (s *Store) Import(ctx context.Context, path string, opt ReadOptions) (Report, error) {
	sts, rep, err := ReadFile(path, opt)
	if err != nil {
		return rep, err
	}
	if len(sts) == 0 {
		return rep, apperr.Errorf(apperr.EInvalid, "%s 中没有可导入的驿站（%d 行均被跳过），原有驿站未改动", filepath.Base(path), len(rep.Skipped))
	}
	return rep, s.Replace(ctx, sts, Import{Source: filepath.Base(path), CRS: rep.CRS})
}

// Replace replaces every stored station with sts, numbered from 1 in
// order, in one transaction: a replica sees the old set or the new one,
// never a mix. It records imp (At and Stations are set here) and reloads.
func (s *Store) Replace(ctx context.Context, sts []Station, imp Import) error {
	imp.At, imp.Stations = s.now(), len(sts)
	if err := s.write(ctx, sts, imp); err != nil {
		return fmt.Errorf("replace stations: %w", err)
	}
	return s.Reload(ctx)
}

// write stores sts and imp.
func (s *Store) write(ctx context.Context, sts []Station, imp Import) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.eng.Lock(ctx, tx, "stations:import"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM stations"); err != nil {
		return err
	}
	for i := 0; i < len(sts); i += insertBatch {
		if err := s.insert(ctx, tx, sts[i:min(i+insertBatch, len(sts))], i); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, s.eng.Bind(`INSERT INTO station_imports (id, imported_at, source, stations, crs)
		SELECT coalesce(max(id), 0) + 1, ?, ?, ?, ? FROM station_imports`),
		imp.At.UnixMilli(), imp.Source, imp.Stations, string(imp.CRS)); err != nil {
		return err
	}
	return tx.Commit()
}

// insert stores sts as stations from+1 on.
func (s *Store) insert(ctx context.Context, tx *sql.Tx, sts []Station, from int) error {
	const cols = 9
	var b strings.Builder
	b.WriteString("INSERT INTO stations (id, name, address, area, lat, lng, services, hours, phone) VALUES ")
	args := make([]any, 0, len(sts)*cols)
	for i, st := range sts {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
		svc, err := json.Marshal(st.Services)
		if err != nil {
			return err
		}
		args = append(args, from+i+1, st.Name, st.Address, st.Area, st.Lat, st.Lng, string(svc), st.Hours, st.Phone)
	}
	_, err := tx.ExecContext(ctx, s.eng.Bind(b.String()), args...)
	return err
}

// Reload loads the stations again when another process (a replica, the
// CLI) imported since they were last loaded; otherwise it reads one row.
func (s *Store) Reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The import first: stations newer than it are only read again next
	// time, never taken for the older set.
	imp, id, err := s.lastImport(ctx)
	if err != nil {
		return fmt.Errorf("reload stations: %w", err)
	}
	if c := s.cur.Load(); c != nil && c.id == id {
		return nil
	}
	sts, err := s.load(ctx)
	if err != nil {
		return fmt.Errorf("reload stations: %w", err)
	}
	s.cur.Store(&snapshot{Index: NewIndex(sts), last: imp, id: id})
	return nil
}

// lastImport reads the newest import's record; id 0 for none.
func (s *Store) lastImport(ctx context.Context) (Import, int64, error) {
	var imp Import
	var id, at int64
	var crs string
	err := s.db.QueryRowContext(ctx, `SELECT id, imported_at, source, stations, crs FROM station_imports
		ORDER BY id DESC LIMIT 1`).Scan(&id, &at, &imp.Source, &imp.Stations, &crs)
	if errors.Is(err, sql.ErrNoRows) {
		return Import{}, 0, nil
	} else if err != nil {
		return Import{}, 0, err
	}
	imp.At, imp.CRS = time.UnixMilli(at), CRS(crs)
	return imp, id, nil
}

// load reads every station in order.
func (s *Store) load(ctx context.Context) ([]Station, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, address, area, lat, lng, services, hours, phone FROM stations ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Station
	for rows.Next() {
		var st Station
		var svc string
		if err := rows.Scan(&st.ID, &st.Name, &st.Address, &st.Area, &st.Lat, &st.Lng, &svc, &st.Hours, &st.Phone); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(svc), &st.Services); err != nil {
			return nil, fmt.Errorf("station %d: services: %w", st.ID, err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}
