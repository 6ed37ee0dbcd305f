package points

import (
	"context"
	"database/sql"
	"fmt"

	"partybot/apperr"
	"partybot/sqlstore"
)

// CopyTo copies the ledger and the rank opt-ins of s, a SQLite store, into
// dst, a PostgreSQL one (partybot migrate). Entries already in dst are
// left as they are, so copying again adds only what is new.
//
// A ledger is a chain of balances, so dst must hold nothing but an earlier
// copy of s: when its entries are not the same as s's first ones (the bot
// already awarded on PostgreSQL), the copy is refused with
// apperr.EConflict before anything is written.
func (s *Store) CopyTo(ctx context.Context, dst *Store) ([]sqlstore.Copied, error) {
	if s.eng != sqlstore.SQLite || dst.eng != sqlstore.Postgres {
		return nil, apperr.Errorf(apperr.EInvalid, "只能把 SQLite 积分库复制到 PostgreSQL")
	}
	if err := s.checkPrefix(ctx, dst); err != nil {
		return nil, err
	}
	var out []sqlstore.Copied
	for _, table := range []string{"points_entries", "points_rank_optin"} {
		c, err := sqlstore.Copy(ctx, s.db, dst.db, table)
		out = append(out, c)
		if err != nil {
			return out, fmt.Errorf("复制积分库：%w", err)
		}
	}
	return out, nil
}

// checkPrefix refuses a dst whose entries are not the first ones of s.
func (s *Store) checkPrefix(ctx context.Context, dst *Store) error {
	var maxID int64
	if err := dst.db.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM points_entries").Scan(&maxID); err != nil {
		return fmt.Errorf("复制积分库：%w", err)
	}
	theirs, err := digest(ctx, dst.db, dst.eng, maxID)
	if err != nil {
		return fmt.Errorf("复制积分库：%w", err)
	}
	ours, err := digest(ctx, s.db, s.eng, maxID)
	if err != nil {
		return fmt.Errorf("复制积分库：%w", err)
	}
	if ours != theirs {
		return apperr.Errorf(apperr.EConflict, "PostgreSQL 积分库中已有 SQLite 积分库之外的记录，不能再复制（以免账目错乱）；请先核对两边的积分记录")
	}
	return nil
}

// digest sums up the entries up to id maxID: their count, and sums of
// their ids, sequence numbers, points and balances.
func digest(ctx context.Context, db *sql.DB, e sqlstore.Engine, maxID int64) ([5]int64, error) {
	var d [5]int64
	err := db.QueryRowContext(ctx, e.Bind(`SELECT count(*), CAST(coalesce(sum(id), 0) AS BIGINT), CAST(coalesce(sum(seq), 0) AS BIGINT),
		CAST(coalesce(sum(points), 0) AS BIGINT), CAST(coalesce(sum(balance), 0) AS BIGINT)
		FROM points_entries WHERE id <= ?`), maxID).Scan(&d[0], &d[1], &d[2], &d[3], &d[4])
	return d, err
}
