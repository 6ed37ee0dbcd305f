package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Copied is what [Copy] did to one table.
type Copied struct {
	Table   string
	Read    int // rows in the source
	Written int // rows new to the destination
}

// copyBatch is how many rows one INSERT carries.
const copyBatch = 200

// Copy copies every row of table from src (SQLite) to dst (PostgreSQL),
// whose schema must already have the table with the same column names.
// A row whose key or unique column is already in dst is left as it is
// (ON CONFLICT DO NOTHING), so running Copy again copies nothing twice.
// SQLite's 0/1 integers become booleans where dst's column is one. The
// identity sequence of dst's id column, if any, is moved past the highest
// id, so rows created later do not collide with the copied ones.
func Copy(ctx context.Context, src, dst *sql.DB, table string) (Copied, error) {
	res := Copied{Table: table}
	bools, err := booleanColumns(ctx, dst, table)
	if err != nil {
		return res, err
	}
	rows, err := src.QueryContext(ctx, "SELECT * FROM "+table)
	if err != nil {
		return res, fmt.Errorf("copy %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return res, fmt.Errorf("copy %s: %w", table, err)
	}
	var batch [][]any
	flush := func() error {
		n, err := insertRows(ctx, dst, table, cols, batch)
		res.Written += n
		batch = batch[:0]
		return err
	}
	for rows.Next() {
		row := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return res, fmt.Errorf("copy %s: %w", table, err)
		}
		for i, c := range cols {
			if bools[c] {
				row[i] = asBool(row[i])
			}
		}
		batch = append(batch, row)
		res.Read++
		if len(batch) == copyBatch {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("copy %s: %w", table, err)
	}
	if err := flush(); err != nil {
		return res, err
	}
	return res, resetIdentity(ctx, dst, table)
}

// insertRows writes rows into table with one statement, skipping those
// already there, and returns how many it wrote.
func insertRows(ctx context.Context, db *sql.DB, table string, cols []string, rows [][]any) (int, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
	args := make([]any, 0, len(rows)*len(cols))
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")")
		args = append(args, r...)
	}
	b.WriteString(" ON CONFLICT DO NOTHING")
	res, err := db.ExecContext(ctx, Postgres.Bind(b.String()), args...)
	if err != nil {
		return 0, fmt.Errorf("copy %s: %w", table, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// booleanColumns are the columns of table in db (PostgreSQL) of type
// boolean.
func booleanColumns(ctx context.Context, db *sql.DB, table string) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 AND data_type = 'boolean'`, table)
	if err != nil {
		return nil, fmt.Errorf("copy %s: %w", table, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("copy %s: %w", table, err)
		}
		out[c] = true
	}
	return out, rows.Err()
}

// asBool reads SQLite's stored truth value.
func asBool(v any) any {
	switch x := v.(type) {
	case int64:
		return x != 0
	case nil, bool:
		return x
	}
	return v
}

// resetIdentity moves the sequence behind table's id column, when it has
// one, past the highest id.
func resetIdentity(ctx context.Context, db *sql.DB, table string) error {
	var seq sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT pg_get_serial_sequence($1, 'id')", table).Scan(&seq); err != nil || !seq.Valid {
		return nil // no id column, or not an identity: nothing to move
	}
	_, err := db.ExecContext(ctx, fmt.Sprintf("SELECT setval($1, coalesce(max(id), 0) + 1, false) FROM %s", table), seq.String)
	if err != nil {
		return fmt.Errorf("copy %s: reset ids: %w", table, err)
	}
	return nil
}
