package tickets

import (
	"context"
	"database/sql"
	"fmt"
)

// FindSubmitterNotifications returns the notifications of ticket number
// meant for its submitter, oldest first, delivered or not, for a viewer
// who may see the ticket: a submitter who never opened a private chat with
// the bot receives none of them, and reads them here. Returns apperr.ENotFound
// for an unknown ticket and apperr.EForbidden when v may not see it.
func (s *Store) FindSubmitterNotifications(ctx context.Context, v Viewer, number string) ([]Notification, error) {
	t, err := s.FindTicketByNumber(ctx, v, number)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, recipient, text, attempts, created_at, delivered_at, last_error
		FROM notifications WHERE ticket_id = ? AND recipient_kind = ? ORDER BY id`, t.ID, RecipientUser)
	if err != nil {
		return nil, fmt.Errorf("find notifications: %w", err)
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		n := Notification{TicketID: t.ID, Number: t.Number, RecipientKind: RecipientUser}
		var created int64
		var delivered sql.NullInt64
		if err := rows.Scan(&n.ID, &n.Kind, &n.Recipient, &n.Text, &n.Attempts, &created, &delivered, &n.LastError); err != nil {
			return nil, fmt.Errorf("find notifications: %w", err)
		}
		n.CreatedAt, n.DeliveredAt = s.fromMS(created), s.fromNull(delivered)
		out = append(out, n)
	}
	return out, rows.Err()
}
