package feedback

import (
	"context"
	"fmt"

	"partybot/apperr"
	"partybot/sqlstore"
)

// CopyTo copies every answer and vote of s, a SQLite store, into dst, a
// PostgreSQL one (partybot migrate). Answers already in dst are left as
// they are, so copying again adds only what is new.
func (s *Store) CopyTo(ctx context.Context, dst *Store) (sqlstore.Copied, error) {
	if s.eng != sqlstore.SQLite || dst.eng != sqlstore.Postgres {
		return sqlstore.Copied{}, apperr.Errorf(apperr.EInvalid, "只能把 SQLite 反馈库复制到 PostgreSQL")
	}
	c, err := sqlstore.Copy(ctx, s.db, dst.db, "answers")
	if err != nil {
		return c, fmt.Errorf("复制反馈库：%w", err)
	}
	return c, nil
}
