package push

import (
	"context"
	"fmt"

	"partybot/apperr"
	"partybot/sqlstore"
)

// copyTables are the store's records, each after those it refers to;
// push_state is the store's own counter, not copied.
var copyTables = []string{"push_subscriptions", "push_documents", "push_deliveries"}

// CopyTo copies the subscriptions, documents and notices of s, a SQLite
// store, into dst, a PostgreSQL one (partybot migrate). Records already in
// dst are left as they are, so copying again adds only what is new. The
// subscriptions' revision moves on, so that replicas rebuild their index.
func (s *Store) CopyTo(ctx context.Context, dst *Store) ([]sqlstore.Copied, error) {
	if s.eng != sqlstore.SQLite || dst.eng != sqlstore.Postgres {
		return nil, apperr.Errorf(apperr.EInvalid, "只能把 SQLite 推送库复制到 PostgreSQL")
	}
	var out []sqlstore.Copied
	for _, t := range copyTables {
		c, err := sqlstore.Copy(ctx, s.db, dst.db, t)
		out = append(out, c)
		if err != nil {
			return out, fmt.Errorf("复制推送库：%w", err)
		}
	}
	if _, err := dst.db.ExecContext(ctx, "UPDATE push_state SET rev = rev + 1"); err != nil {
		return out, fmt.Errorf("复制推送库：%w", err)
	}
	return out, nil
}
