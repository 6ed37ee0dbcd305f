package push

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"partybot/apperr"
)

// MaxList is the most rows one [Store.Notices] or [Store.Recipients]
// returns.
const MaxList = 500

// NoticeSummary is a document pushed (or held) and what became of its
// notices.
type NoticeSummary struct {
	Doc      string    `json:"doc"` // the document's name
	Title    string    `json:"title"`
	Number   string    `json:"number,omitempty"` // 文号
	Date     string    `json:"date,omitempty"`
	Held     bool      `json:"held"`               // an administrator holds its notices
	QueuedAt time.Time `json:"queued_at,omitzero"` // zero for one held before it was queued
	// Recipients are the users given a notice of it; Sent were sent,
	// Opened opened of those, Waiting are due later (quiet hours, the
	// daily limit) and the rest held.
	Recipients int `json:"recipients"`
	Sent       int `json:"sent"`
	Opened     int `json:"opened"`
	Waiting    int `json:"waiting"`
}

// Recipient is one user's notice of a document: who, why and what became
// of it. Times are zero until they happen; DueAt is zero while held.
type Recipient struct {
	UserID   int64     `json:"user_id"`
	Why      string    `json:"why"`
	QueuedAt time.Time `json:"queued_at"`
	DueAt    time.Time `json:"due_at,omitzero"`
	SentAt   time.Time `json:"sent_at,omitzero"`
	OpenedAt time.Time `json:"opened_at,omitzero"`
}

// checkPage checks a page's offset and limit.
func checkPage(offset, limit int) error {
	if limit < 1 || limit > MaxList || offset < 0 {
		return apperr.Errorf(apperr.EInvalid, "每页条数应在 1 到 %d 之间，起始位置不能为负数", MaxList)
	}
	return nil
}

// selectSummaries reads the documents with their deliveries' counts.
const selectSummaries = `SELECT d.name, d.title, d.doc_number, d.doc_date, d.status, d.queued_at,
	count(x.id), count(x.sent_at), count(x.opened_at),
	count(CASE WHEN x.sent_at IS NULL AND x.due_at IS NOT NULL THEN 1 END)
	FROM push_documents d LEFT JOIN push_deliveries x ON x.doc = d.name`

// Notices returns the documents pushed or held, the latest queued first,
// with what became of their notices, and how many there are. Returns
// EINVALID for a limit outside 1 to MaxList or a negative offset.
func (s *Store) Notices(ctx context.Context, offset, limit int) ([]NoticeSummary, int, error) {
	if err := checkPage(offset, limit); err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM push_documents").Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("list notices: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, s.eng.Bind(selectSummaries+
		" GROUP BY d.name ORDER BY coalesce(d.queued_at, d.updated_at) DESC, d.name LIMIT ? OFFSET ?"), limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list notices: %w", err)
	}
	out, err := s.scanSummaries(rows)
	if err != nil {
		return nil, 0, fmt.Errorf("list notices: %w", err)
	}
	return out, total, nil
}

// FindNotice returns the summary of document doc. Returns ENOTFOUND when
// it was never pushed nor held.
func (s *Store) FindNotice(ctx context.Context, doc string) (NoticeSummary, error) {
	rows, err := s.db.QueryContext(ctx, s.eng.Bind(selectSummaries+" WHERE d.name = ? GROUP BY d.name"), doc)
	if err != nil {
		return NoticeSummary{}, fmt.Errorf("find notice: %w", err)
	}
	out, err := s.scanSummaries(rows)
	if err != nil {
		return NoticeSummary{}, fmt.Errorf("find notice: %w", err)
	}
	if len(out) == 0 {
		return NoticeSummary{}, apperr.Errorf(apperr.ENotFound, "没有推送过文件“%s”", doc)
	}
	return out[0], nil
}

// scanSummaries reads and closes rows of selectSummaries.
func (s *Store) scanSummaries(rows *sql.Rows) ([]NoticeSummary, error) {
	defer rows.Close()
	var out []NoticeSummary
	for rows.Next() {
		var n NoticeSummary
		var status string
		var queued sql.NullInt64
		if err := rows.Scan(&n.Doc, &n.Title, &n.Number, &n.Date, &status, &queued,
			&n.Recipients, &n.Sent, &n.Opened, &n.Waiting); err != nil {
			return nil, err
		}
		n.Held, n.QueuedAt = status == statusHeld, s.fromNull(queued)
		out = append(out, n)
	}
	return out, rows.Err()
}

// Recipients returns the users given a notice of document doc — opened
// first, then sent, then waiting, each by user id — and how many there
// are. Returns EINVALID for a limit outside 1 to MaxList or a negative
// offset.
func (s *Store) Recipients(ctx context.Context, doc string, offset, limit int) ([]Recipient, int, error) {
	if err := checkPage(offset, limit); err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.db.QueryRowContext(ctx, s.eng.Bind("SELECT count(*) FROM push_deliveries WHERE doc = ?"), doc).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("list recipients: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, s.eng.Bind(`SELECT user_id, why, created_at, due_at, sent_at, opened_at
		FROM push_deliveries WHERE doc = ?
		ORDER BY CASE WHEN opened_at IS NOT NULL THEN 0 WHEN sent_at IS NOT NULL THEN 1 ELSE 2 END, user_id
		LIMIT ? OFFSET ?`), doc, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list recipients: %w", err)
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		var r Recipient
		var created int64
		var due, sent, opened sql.NullInt64
		if err := rows.Scan(&r.UserID, &r.Why, &created, &due, &sent, &opened); err != nil {
			return nil, 0, fmt.Errorf("list recipients: %w", err)
		}
		r.QueuedAt, r.DueAt, r.SentAt, r.OpenedAt = s.fromMS(created), s.fromNull(due), s.fromNull(sent), s.fromNull(opened)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list recipients: %w", err)
	}
	return out, total, nil
}

// Count is how many subscriptions name an audience or a topic.
type Count struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// SubscriptionCounts are the subscriptions counted by audience and by
// topic, the most named first.
type SubscriptionCounts struct {
	Subscribers int     `json:"subscribers"`
	Audiences   []Count `json:"audiences"`
	Topics      []Count `json:"topics"`
}

// CountSubscriptions counts the subscriptions by audience and topic.
func (s *Store) CountSubscriptions(ctx context.Context) (SubscriptionCounts, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT audiences, topics FROM push_subscriptions")
	if err != nil {
		return SubscriptionCounts{}, fmt.Errorf("count subscriptions: %w", err)
	}
	defer rows.Close()
	out := SubscriptionCounts{}
	aud, top := map[string]int{}, map[string]int{}
	for rows.Next() {
		var a, t string
		if err := rows.Scan(&a, &t); err != nil {
			return SubscriptionCounts{}, fmt.Errorf("count subscriptions: %w", err)
		}
		out.Subscribers++
		for _, w := range splitWords(a) {
			aud[w]++
		}
		for _, w := range splitWords(t) {
			top[w]++
		}
	}
	if err := rows.Err(); err != nil {
		return SubscriptionCounts{}, fmt.Errorf("count subscriptions: %w", err)
	}
	out.Audiences, out.Topics = sortedCounts(aud), sortedCounts(top)
	return out, nil
}

// sortedCounts returns m as counts, the largest first, then by name.
func sortedCounts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{k, n})
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Or(b.Count-a.Count, cmp.Compare(a.Name, b.Name)) })
	return out
}
