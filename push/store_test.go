package push_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/push"
	"partybot/tickets"
)

// at is 2025-06-d h:m in China Standard Time.
func at(d, h, m int) time.Time { return time.Date(2025, 6, d, h, m, 0, 0, tickets.DefaultLocation) }

// mustSubscribe subscribes user (chat 1000+user) to audiences and topics.
func mustSubscribe(tb testing.TB, s *push.Store, user int64, audiences, topics []string) {
	tb.Helper()
	_, err := s.Subscribe(context.Background(), push.Subscription{UserID: user, ChatID: 1000 + user, Audiences: audiences, Topics: topics})
	require.NoError(tb, err)
}

// due leases every notice due at now and returns them, marked sent.
func due(tb testing.TB, s *push.Store, now time.Time) []push.Delivery {
	tb.Helper()
	ds, err := s.Due(context.Background(), now, 0)
	require.NoError(tb, err)
	for _, d := range ds {
		require.NoError(tb, s.MarkSent(context.Background(), d.ID))
	}
	return ds
}

func users(ds []push.Delivery) []int64 {
	var out []int64
	for _, d := range ds {
		out = append(out, d.UserID)
	}
	return out
}

func TestSubscribe(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t)
		got, err := s.Subscribe(ctx, push.Subscription{UserID: 7, ChatID: 70, Audiences: []string{"骑手"}, Topics: []string{"驿站"}})
		require.NoError(t, err)
		assert.Equal(t, []string{"外卖骑手"}, got.Audiences, "a synonym is kept as the audience's name")
		got, err = s.Subscribe(ctx, push.Subscription{UserID: 7, ChatID: 71, Audiences: []string{"外卖员", "快递小哥"}, Topics: []string{" 驿站 ", "党费"}})
		require.NoError(t, err)
		assert.Equal(t, []string{"外卖骑手", "快递员"}, got.Audiences)
		assert.Equal(t, []string{"驿站", "党费"}, got.Topics)
		assert.Equal(t, int64(71), got.ChatID)

		subs, err := s.Subscriptions(ctx, 7)
		require.NoError(t, err)
		require.Len(t, subs, 1)
		assert.Equal(t, got.Audiences, subs[0].Audiences)
		assert.Equal(t, got.Topics, subs[0].Topics)
		assert.WithinDuration(t, time.Now(), subs[0].CreatedAt, time.Minute)

		for _, tc := range []struct {
			name string
			sub  push.Subscription
			want string
		}{
			{"unknown audience", push.Subscription{UserID: 7, ChatID: 70, Audiences: []string{"外麦骑手"}}, "是否想选“外卖骑手”"},
			{"nothing", push.Subscription{UserID: 8, ChatID: 80}, "请至少选择一个身份"},
			{"short topic", push.Subscription{UserID: 8, ChatID: 80, Topics: []string{"党"}}, "话题“党”应为 2 到 20 个字"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.Subscribe(ctx, tc.sub)
				assert.Equal(t, apperr.EInvalid, apperr.Code(err))
				assert.Contains(t, apperr.Message(err), tc.want)
			})
		}

		require.NoError(t, s.Unsubscribe(ctx, 7, "快递员", "党费"))
		subs, err = s.Subscriptions(ctx, 7)
		require.NoError(t, err)
		assert.Equal(t, []string{"外卖骑手"}, subs[0].Audiences)
		assert.Equal(t, []string{"驿站"}, subs[0].Topics)
		err = s.Unsubscribe(ctx, 7, "子女")
		assert.Equal(t, apperr.ENotFound, apperr.Code(err))
		require.NoError(t, s.Unsubscribe(ctx, 7))
		subs, err = s.Subscriptions(ctx, 7)
		require.NoError(t, err)
		assert.Empty(t, subs)
		assert.Equal(t, apperr.ENotFound, apperr.Code(s.Unsubscribe(ctx, 7)))
	})
}

// TestQuietHours: a notice queued at 23:00 waits until 08:00; with quiet
// hours off it goes at once.
func TestQuietHours(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t)
		mustSubscribe(t, s, 1, []string{"外卖骑手"}, nil)
		mustSubscribe(t, s, 2, []string{"货车司机"}, nil)
		rider := mustDoc(t, "rider.txt")
		n, err := s.Queue(ctx, rider, at(10, 23, 0))
		require.NoError(t, err)
		assert.Equal(t, 1, n, "riders, not truck drivers")
		assert.Empty(t, due(t, s, at(10, 23, 30)))
		assert.Empty(t, due(t, s, at(11, 7, 59)))
		ds := due(t, s, at(11, 8, 0))
		require.Len(t, ds, 1)
		d := ds[0]
		assert.Equal(t, int64(1), d.UserID)
		assert.Equal(t, int64(1001), d.ChatID)
		assert.Equal(t, at(11, 8, 0), d.DueAt)
		assert.Equal(t, "身份：外卖骑手", d.Why)
		text := d.Text()
		for _, want := range []string{"【政策推送】关于加强外卖骑手劳动权益保障和服务工作的通知", "某社工发〔2025〕8号，2025年5月20日",
			"现就有关事项通知如下。[1]", "推送原因：身份：外卖骑手"} {
			assert.Contains(t, text, want)
		}
		assert.Len(t, d.Notice.Cites, 2)
		assert.Equal(t, rider.Passages[0].ID, d.Notice.Cites[0])

		off := ""
		s2, _ := e.MustOpen(t, push.WithConfig(push.Config{QuietHours: &off}))
		mustSubscribe(t, s2, 1, []string{"外卖骑手"}, nil)
		_, err = s2.Queue(ctx, rider, at(10, 23, 0))
		require.NoError(t, err)
		assert.Len(t, due(t, s2, at(10, 23, 0)), 1)
	})
}

// variant is the document name with yizhan.txt's text.
func variant(tb testing.TB, name string) push.Document {
	doc := mustDoc(tb, "yizhan.txt")
	doc.Name = name
	return doc
}

// TestDailyLimit: the 4th notice of a day goes to the next morning.
func TestDailyLimit(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t)
		mustSubscribe(t, s, 1, nil, []string{"驿站"})
		for _, name := range []string{"a.txt", "b.txt", "c.txt", "d.txt"} {
			_, err := s.Queue(ctx, variant(t, name), at(10, 10, 0))
			require.NoError(t, err)
		}
		assert.Len(t, due(t, s, at(10, 21, 0)), 3)
		assert.Empty(t, due(t, s, at(11, 7, 0)))
		ds := due(t, s, at(11, 8, 0))
		require.Len(t, ds, 1)
		assert.Equal(t, "d.txt", ds[0].Notice.Doc)
		assert.Equal(t, at(11, 8, 0), ds[0].DueAt)

		// A fifth the next day shares that day with the fourth.
		s5 := variant(t, "e.txt")
		_, err := s.Queue(ctx, s5, at(11, 9, 0))
		require.NoError(t, err)
		assert.Len(t, due(t, s, at(11, 9, 0)), 1)
	})
}

// TestOnce: queueing a document again gives no one a second notice; a
// user who subscribed since gets one.
func TestOnce(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t)
		mustSubscribe(t, s, 1, []string{"外卖骑手"}, nil)
		doc := mustDoc(t, "rider.txt")
		n, err := s.Queue(ctx, doc, at(10, 10, 0))
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Len(t, due(t, s, at(10, 10, 0)), 1)
		n, err = s.Queue(ctx, doc, at(10, 11, 0))
		require.NoError(t, err)
		assert.Zero(t, n)

		mustSubscribe(t, s, 2, []string{"骑手"}, nil)
		p, err := s.Plan(ctx, doc, at(10, 12, 0))
		require.NoError(t, err)
		assert.Equal(t, []push.Match{{UserID: 2, ChatID: 1002, Why: "身份：外卖骑手"}}, p.Recipients)
		assert.Equal(t, 1, p.Already)
		n, err = s.Queue(ctx, doc, at(10, 12, 0))
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Equal(t, []int64{2}, users(due(t, s, at(10, 12, 0))))
	})
}

// TestPlan shows who a document would reach, and writes nothing.
func TestPlan(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, dsn := e.MustOpen(t)
		mustSubscribe(t, s, 1, []string{"外卖骑手"}, []string{"驿站"})
		mustSubscribe(t, s, 2, []string{"货车司机"}, nil)
		p, err := s.Plan(ctx, mustDoc(t, "yizhan.txt"), at(10, 23, 0))
		require.NoError(t, err)
		assert.Equal(t, []push.Match{{UserID: 1, ChatID: 1001, Why: "身份：外卖骑手；话题：驿站"}}, p.Recipients)
		assert.False(t, p.Held)
		assert.Equal(t, at(11, 8, 0), p.At)
		assert.Contains(t, p.Notice.Extract, "[1]")
		for _, table := range []string{"push_documents", "push_deliveries"} {
			var n int
			require.NoError(t, e.RawDB(t, dsn).QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n))
			assert.Zero(t, n, table)
		}
		var v int
		require.NoError(t, e.RawDB(t, dsn).QueryRowContext(ctx, "SELECT max(version) FROM push_migrations").Scan(&v))
		assert.Equal(t, 1, v)
	})
}

// TestHoldRelease: a held document's notices wait; released, they go as
// if queued then.
func TestHoldRelease(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t)
		mustSubscribe(t, s, 1, []string{"外卖骑手"}, nil)
		mustSubscribe(t, s, 2, nil, []string{"驿站"})
		doc := mustDoc(t, "yizhan.txt")

		// Held before it is queued.
		require.NoError(t, s.Hold(ctx, doc.Name))
		p, err := s.Plan(ctx, doc, at(10, 10, 0))
		require.NoError(t, err)
		assert.True(t, p.Held)
		n, err := s.Queue(ctx, doc, at(10, 10, 0))
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		assert.Empty(t, due(t, s, at(12, 10, 0)))
		n, err = s.Release(ctx, doc.Name, at(12, 23, 0))
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		assert.Empty(t, due(t, s, at(12, 23, 30)), "quiet hours apply from the release")
		assert.Equal(t, []int64{1, 2}, users(due(t, s, at(13, 8, 0))))

		// Held after it is queued: what is not sent waits.
		mustSubscribe(t, s, 3, []string{"快递员"}, nil)
		_, err = s.Queue(ctx, doc, at(13, 9, 0))
		require.NoError(t, err)
		require.NoError(t, s.Hold(ctx, doc.Name))
		assert.Empty(t, due(t, s, at(13, 9, 0)))
		_, err = s.Release(ctx, doc.Name, at(13, 10, 0))
		require.NoError(t, err)
		assert.Equal(t, []int64{3}, users(due(t, s, at(13, 10, 0))))

		_, err = s.Release(ctx, doc.Name, at(13, 11, 0))
		assert.Equal(t, apperr.ENotFound, apperr.Code(err), "not held")

		// Held and released before it is queued: queued as usual.
		other := variant(t, "other.txt")
		require.NoError(t, s.Hold(ctx, other.Name))
		_, err = s.Release(ctx, other.Name, at(13, 11, 0))
		require.NoError(t, err)
		_, err = s.Queue(ctx, other, at(13, 12, 0))
		require.NoError(t, err)
		assert.Equal(t, []int64{1, 2, 3}, users(due(t, s, at(13, 12, 0))))
	})
}

// TestLease: a leased notice is not due again until its lease ends, and
// is given up after five leases.
func TestLease(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t, push.WithLease(time.Minute))
		mustSubscribe(t, s, 1, []string{"外卖骑手"}, nil)
		_, err := s.Queue(ctx, mustDoc(t, "rider.txt"), at(10, 10, 0))
		require.NoError(t, err)
		now := at(10, 10, 0)
		for i := range 5 {
			ds, err := s.Due(ctx, now, 10)
			require.NoError(t, err)
			assert.Len(t, ds, 1, "lease %d", i+1)
			ds, err = s.Due(ctx, now.Add(30*time.Second), 10)
			require.NoError(t, err)
			assert.Empty(t, ds, "leased")
			now = now.Add(time.Minute)
		}
		ds, err := s.Due(ctx, now, 10)
		require.NoError(t, err)
		assert.Empty(t, ds, "given up")
	})
}

// TestOpenedAndCounts: the button counts as opened; Counts reports sent
// and opened notices of a period.
func TestOpenedAndCounts(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		clock := at(10, 10, 0)
		s, _ := e.MustOpen(t, push.WithClock(func() time.Time { return clock }))
		mustSubscribe(t, s, 1, []string{"外卖骑手"}, nil)
		mustSubscribe(t, s, 2, []string{"骑手"}, nil)
		doc := mustDoc(t, "rider.txt")
		_, err := s.Queue(ctx, doc, clock)
		require.NoError(t, err)
		ds := due(t, s, clock)
		require.Len(t, ds, 2)
		require.NoError(t, s.MarkOpened(ctx, 1, doc.Name))
		require.NoError(t, s.MarkOpened(ctx, 1, doc.Name))
		assert.Equal(t, apperr.ENotFound, apperr.Code(s.MarkOpened(ctx, 3, doc.Name)))
		assert.Equal(t, apperr.ENotFound, apperr.Code(s.MarkSent(ctx, 999)))

		d, err := s.FindDelivery(ctx, ds[0].ID)
		require.NoError(t, err)
		assert.Equal(t, clock, d.SentAt)
		assert.Equal(t, clock, d.OpenedAt)
		assert.Equal(t, doc.Name, d.Notice.Doc)

		pushed, opened, err := s.Counts(ctx, at(10, 0, 0), at(11, 0, 0))
		require.NoError(t, err)
		assert.Equal(t, [2]int{2, 1}, [2]int{pushed, opened})
		pushed, _, err = s.Counts(ctx, at(11, 0, 0), at(12, 0, 0))
		require.NoError(t, err)
		assert.Zero(t, pushed)
	})
}

// TestTwoStores: two stores on one database — two replicas — queueing the
// same document together give each user one notice, and leasing together
// send each notice once.
func TestTwoStores(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		a, dsn := e.MustOpen(t)
		b := e.MustOpenAt(t, dsn)
		for u := range int64(50) {
			mustSubscribe(t, a, u+1, []string{"外卖骑手"}, nil)
		}
		doc := mustDoc(t, "rider.txt")
		var wg sync.WaitGroup
		counts := make([]int, 4)
		for i := range counts {
			s := []*push.Store{a, b}[i%2]
			wg.Go(func() {
				n, err := s.Queue(ctx, doc, at(10, 10, 0))
				assert.NoError(t, err)
				counts[i] = n
			})
		}
		wg.Wait()
		assert.Equal(t, 50, counts[0]+counts[1]+counts[2]+counts[3])

		var mu sync.Mutex
		seen := map[int64]int{}
		for i := range 4 {
			s := []*push.Store{a, b}[i%2]
			wg.Go(func() {
				for {
					ds, err := s.Due(ctx, at(10, 10, 0), 7)
					if !assert.NoError(t, err) || len(ds) == 0 {
						return
					}
					mu.Lock()
					for _, d := range ds {
						seen[d.UserID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		assert.Len(t, seen, 50)
		for u, n := range seen {
			assert.Equal(t, 1, n, "user %d", u)
		}
	})
}

// TestOpenRefusesBadConfig: a malformed setting is refused when opening.
func TestOpenRefusesBadConfig(t *testing.T) {
	bad := "十点到八点"
	_, err := push.Open(context.Background(), t.TempDir()+"/push.db", push.WithConfig(push.Config{QuietHours: &bad}))
	assert.Equal(t, apperr.EInvalid, apperr.Code(err))
	assert.True(t, strings.Contains(apperr.Message(err), "push.quiet_hours"), apperr.Message(err))
}
