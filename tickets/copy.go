package tickets

import (
	"context"
	"fmt"

	"partybot/apperr"
	"partybot/sqlstore"
)

// copyTables are the store's tables, each after those it refers to.
var copyTables = []string{"ticket_seq", "tickets", "ticket_history", "notifications", "ticket_escalations", "ticket_attachments"}

// CopyTo copies every record of s, a SQLite store, into dst, a PostgreSQL
// one (partybot migrate, for a district that grows): tickets with their
// numbers, history, outbox, 督办 ledger and attachments' records (the
// photos' files stay in the data directory, which the replicas share). Records already in dst are
// left as they are, so copying again adds only what is new. It returns
// what it did per table.
func (s *Store) CopyTo(ctx context.Context, dst *Store) ([]sqlstore.Copied, error) {
	if s.sql.eng != sqlstore.SQLite || dst.sql.eng != sqlstore.Postgres {
		return nil, apperr.Errorf(apperr.EInvalid, "只能把 SQLite 工单库复制到 PostgreSQL")
	}
	if dst.readOnly {
		return nil, dst.eng.readOnlyError(dst)
	}
	var out []sqlstore.Copied
	for _, t := range copyTables {
		c, err := sqlstore.Copy(ctx, s.db, dst.db, t)
		out = append(out, c)
		if err != nil {
			return out, fmt.Errorf("复制工单库：%w", err)
		}
	}
	return out, nil
}
