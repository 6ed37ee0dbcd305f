package push

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"partybot/apperr"
	"partybot/glossary"
	"partybot/sqlstore"
)

// Subscription is what a user asked to be told of: documents for any of
// Audiences (names of the [Vocabulary]; none: any document) that name any
// of Topics (words matched through the glossary; none: any topic). A
// subscription with neither is told of nothing.
type Subscription struct {
	UserID, ChatID int64
	Audiences      []string
	Topics         []string
	CreatedAt      time.Time
}

// Limits of a subscription.
const (
	maxAudiences  = 10
	maxTopics     = 20
	maxTopicRunes = 20
)

// Subscribe adds the audiences and topics of sub to user sub.UserID's
// subscription, creating it, and sets its chat; a user has one
// subscription. Audience words may be synonyms (快递小哥 is 快递员); topic
// words are kept as written. Returns the subscription as it now is.
//
// Returns apperr.EInvalid for an unknown audience (suggesting the nearest,
// see [Vocabulary.Resolve]), a topic of one character or over 20, more
// than 10 audiences or 20 topics, a missing user or chat id, or when the
// subscription would have neither audiences nor topics.
func (s *Store) Subscribe(ctx context.Context, sub Subscription) (Subscription, error) {
	add, err := s.clean(sub)
	if err != nil {
		return Subscription{}, err
	}
	var out Subscription
	err = s.write(ctx, "", func(tx *sql.Tx) error {
		old, found, err := s.bump(ctx, tx, sub.UserID)
		if err != nil {
			return err
		}
		if !found {
			old = Subscription{UserID: sub.UserID, CreatedAt: s.now()}
		}
		out = merge(old, add)
		out.ChatID = sub.ChatID
		if len(out.Audiences) > maxAudiences || len(out.Topics) > maxTopics {
			return apperr.Errorf(apperr.EInvalid, "最多订阅 %d 个身份、%d 个话题", maxAudiences, maxTopics)
		}
		return s.saveSubscription(ctx, tx, out)
	})
	if err != nil {
		return Subscription{}, err
	}
	return out, nil
}

// clean checks sub and resolves its audience words to names.
func (s *Store) clean(sub Subscription) (Subscription, error) {
	if sub.UserID == 0 || sub.ChatID == 0 {
		return Subscription{}, apperr.Errorf(apperr.EInvalid, "订阅需要用户和会话")
	}
	out := Subscription{UserID: sub.UserID}
	for _, a := range sub.Audiences {
		name, err := s.rules.vocab.Resolve(a)
		if err != nil {
			return Subscription{}, err
		}
		out.Audiences = append(out.Audiences, name)
	}
	for _, t := range sub.Topics {
		t = strings.TrimSpace(t)
		if strings.ContainsFunc(t, unicode.IsControl) {
			return Subscription{}, apperr.Errorf(apperr.EInvalid, "话题不能含换行等控制字符")
		}
		if n := utf8.RuneCountInString(glossary.Normalize(t)); n < 2 || n > maxTopicRunes {
			return Subscription{}, apperr.Errorf(apperr.EInvalid, "话题“%s”应为 2 到 %d 个字", t, maxTopicRunes)
		}
		out.Topics = append(out.Topics, t)
	}
	if len(out.Audiences)+len(out.Topics) == 0 {
		return Subscription{}, apperr.Errorf(apperr.EInvalid, "请至少选择一个身份（如外卖骑手）或话题（如驿站）")
	}
	return out, nil
}

// merge returns a with the audiences and topics of b it lacks; topics are
// the same when they are after [glossary.Normalize].
func merge(a, b Subscription) Subscription {
	a.Audiences = slices.Clone(a.Audiences)
	for _, x := range b.Audiences {
		if !slices.Contains(a.Audiences, x) {
			a.Audiences = append(a.Audiences, x)
		}
	}
	a.Topics = slices.Clone(a.Topics)
	for _, x := range b.Topics {
		if !slices.ContainsFunc(a.Topics, sameTopic(x)) {
			a.Topics = append(a.Topics, x)
		}
	}
	return a
}

func sameTopic(x string) func(string) bool {
	nx := glossary.Normalize(x)
	return func(y string) bool { return glossary.Normalize(y) == nx }
}

// Unsubscribe removes the audiences and topics named by what from user
// userID's subscription, or the whole subscription when what is empty or
// nothing would be left; then the user's unsent notices go too. Returns
// apperr.ENotFound when the user has no subscription or it has no word of
// what, and then changes nothing.
func (s *Store) Unsubscribe(ctx context.Context, userID int64, what ...string) error {
	return s.write(ctx, "", func(tx *sql.Tx) error {
		sub, found, err := s.bump(ctx, tx, userID)
		if err != nil {
			return err
		}
		if !found {
			return apperr.Errorf(apperr.ENotFound, "你还没有订阅政策推送")
		}
		for _, w := range what {
			if sub, err = s.drop(sub, w); err != nil {
				return err
			}
		}
		if len(what) > 0 && len(sub.Audiences)+len(sub.Topics) > 0 {
			return s.saveSubscription(ctx, tx, sub)
		}
		return s.deleteSubscription(ctx, tx, userID)
	})
}

// drop removes word w from sub's audiences and topics. Returns
// apperr.ENotFound when sub has no such word.
func (s *Store) drop(sub Subscription, w string) (Subscription, error) {
	name, isAudience := s.rules.vocab.Lookup(w)
	n := len(sub.Audiences) + len(sub.Topics)
	if isAudience {
		sub.Audiences = slices.DeleteFunc(slices.Clone(sub.Audiences), func(a string) bool { return a == name })
	}
	sub.Topics = slices.DeleteFunc(slices.Clone(sub.Topics), sameTopic(w))
	if len(sub.Audiences)+len(sub.Topics) == n {
		return sub, apperr.Errorf(apperr.ENotFound, "你没有订阅“%s”", strings.TrimSpace(w))
	}
	return sub, nil
}

// Subscriptions returns user userID's subscription: none, or one (a user
// has at most one; [Store.Subscribe] adds to it).
func (s *Store) Subscriptions(ctx context.Context, userID int64) ([]Subscription, error) {
	rows, err := s.db.QueryContext(ctx, s.eng.Bind(selectSubscriptions+" WHERE user_id = ?"), userID)
	if err != nil {
		return nil, fmt.Errorf("find subscriptions: %w", err)
	}
	return s.scanSubscriptions(rows)
}

const selectSubscriptions = "SELECT user_id, chat_id, audiences, topics, created_at FROM push_subscriptions"

// bump raises the subscriptions' revision — which also holds the other
// writers of subscriptions off until tx ends — and reads user userID's
// subscription.
func (s *Store) bump(ctx context.Context, tx *sql.Tx, userID int64) (Subscription, bool, error) {
	if _, err := tx.ExecContext(ctx, "UPDATE push_state SET rev = rev + 1 WHERE id = 1"); err != nil {
		return Subscription{}, false, fmt.Errorf("update subscription: %w", err)
	}
	rows, err := tx.QueryContext(ctx, s.eng.Bind(selectSubscriptions+" WHERE user_id = ?"), userID)
	if err != nil {
		return Subscription{}, false, fmt.Errorf("update subscription: %w", err)
	}
	subs, err := s.scanSubscriptions(rows)
	if err != nil || len(subs) == 0 {
		return Subscription{}, false, err
	}
	return subs[0], true, nil
}

// saveSubscription writes sub.
func (s *Store) saveSubscription(ctx context.Context, tx *sql.Tx, sub Subscription) error {
	now := s.now().UnixMilli()
	_, err := tx.ExecContext(ctx, s.eng.Bind(`INSERT INTO push_subscriptions (user_id, chat_id, audiences, topics, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id,
		audiences = excluded.audiences, topics = excluded.topics, updated_at = excluded.updated_at`),
		sub.UserID, sub.ChatID, strings.Join(sub.Audiences, "\n"), strings.Join(sub.Topics, "\n"), sub.CreatedAt.UnixMilli(), now)
	if err != nil {
		return fmt.Errorf("save subscription: %w", err)
	}
	return nil
}

// deleteSubscription removes user userID's subscription and unsent
// notices.
func (s *Store) deleteSubscription(ctx context.Context, tx *sql.Tx, userID int64) error {
	for _, q := range []string{
		"DELETE FROM push_subscriptions WHERE user_id = ?",
		"DELETE FROM push_deliveries WHERE user_id = ? AND sent_at IS NULL",
	} {
		if _, err := tx.ExecContext(ctx, s.eng.Bind(q), userID); err != nil {
			return fmt.Errorf("unsubscribe: %w", err)
		}
	}
	return nil
}

// splitWords reads a list of words as saveSubscription writes it, one a
// line (no word holds a line break: [Store.Subscribe] refuses them).
func splitWords(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// scanSubscriptions reads and closes rows of selectSubscriptions.
func (s *Store) scanSubscriptions(rows *sql.Rows) ([]Subscription, error) {
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		var sub Subscription
		var aud, top string
		var created int64
		if err := rows.Scan(&sub.UserID, &sub.ChatID, &aud, &top, &created); err != nil {
			return nil, fmt.Errorf("read subscriptions: %w", err)
		}
		sub.Audiences, sub.Topics = splitWords(aud), splitWords(top)
		sub.CreatedAt = s.fromMS(created)
		out = append(out, sub)
	}
	return out, rows.Err()
}

// index returns the index of every subscription, as of q's view: the one
// kept since the last call unless the subscriptions' revision moved.
func (s *Store) index(ctx context.Context, q sqlstore.Querier) (*Index, error) {
	var rev int64
	if err := q.QueryRowContext(ctx, "SELECT rev FROM push_state WHERE id = 1").Scan(&rev); err != nil {
		return nil, fmt.Errorf("read subscriptions: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idx != nil && s.idxRev == rev {
		return s.idx, nil
	}
	rows, err := q.QueryContext(ctx, selectSubscriptions+" ORDER BY user_id")
	if err != nil {
		return nil, fmt.Errorf("read subscriptions: %w", err)
	}
	subs, err := s.scanSubscriptions(rows)
	if err != nil {
		return nil, err
	}
	s.idx, s.idxRev = s.rules.NewIndex(subs), rev
	return s.idx, nil
}
