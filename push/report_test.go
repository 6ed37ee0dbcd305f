package push_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/push"
)

// TestNoticeReport: the documents pushed with what became of their
// notices — sent, opened, waiting for the morning, held — who each
// reached, and the subscriptions counted by audience and topic.
func TestNoticeReport(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t)
		mustSubscribe(t, s, 1, []string{"外卖骑手"}, []string{"驿站"})
		mustSubscribe(t, s, 2, []string{"外卖骑手"}, nil)
		mustSubscribe(t, s, 3, []string{"货车司机"}, []string{"驿站"})
		rider := mustDoc(t, "rider.txt")
		n, err := s.Queue(ctx, rider, at(10, 7, 0))
		require.NoError(t, err)
		require.Equal(t, 2, n)
		sent := due(t, s, at(10, 8, 0))
		require.Len(t, sent, 2)
		require.NoError(t, s.MarkOpened(ctx, 1, rider.Name))
		yizhan := mustDoc(t, "yizhan.txt")
		require.NoError(t, s.Hold(ctx, yizhan.Name))
		_, err = s.Queue(ctx, yizhan, at(11, 9, 0))
		require.NoError(t, err)

		list, total, err := s.Notices(ctx, 0, 10)
		require.NoError(t, err)
		assert.Equal(t, 2, total)
		require.Len(t, list, 2)
		assert.Equal(t, yizhan.Name, list[0].Doc, "the latest queued first")
		assert.True(t, list[0].Held)
		assert.Zero(t, list[0].Sent)
		r := list[1]
		assert.Equal(t, rider.Name, r.Doc)
		assert.Equal(t, "关于加强外卖骑手劳动权益保障和服务工作的通知", r.Title)
		assert.Equal(t, push.NoticeSummary{Doc: r.Doc, Title: r.Title, Number: r.Number, Date: r.Date,
			QueuedAt: at(10, 7, 0), Recipients: 2, Sent: 2, Opened: 1}, r)

		got, err := s.FindNotice(ctx, rider.Name)
		require.NoError(t, err)
		assert.Equal(t, r, got)
		_, err = s.FindNotice(ctx, "nothing.txt")
		assert.Equal(t, apperr.ENotFound, apperr.Code(err))

		who, total, err := s.Recipients(ctx, rider.Name, 0, 10)
		require.NoError(t, err)
		assert.Equal(t, 2, total)
		require.Len(t, who, 2)
		assert.Equal(t, int64(1), who[0].UserID, "opened first")
		assert.False(t, who[0].OpenedAt.IsZero())
		assert.Equal(t, at(10, 8, 0), who[1].DueAt)
		assert.True(t, who[1].OpenedAt.IsZero())
		assert.Equal(t, "身份：外卖骑手", who[1].Why)
		page2, _, err := s.Recipients(ctx, rider.Name, 1, 1)
		require.NoError(t, err)
		assert.Equal(t, who[1:], page2)
		held, _, err := s.Recipients(ctx, yizhan.Name, 0, 10)
		require.NoError(t, err)
		for _, h := range held {
			assert.True(t, h.DueAt.IsZero(), "held: not due")
		}
		_, _, err = s.Recipients(ctx, rider.Name, 0, 0)
		assert.Equal(t, apperr.EInvalid, apperr.Code(err))

		c, err := s.CountSubscriptions(ctx)
		require.NoError(t, err)
		assert.Equal(t, push.SubscriptionCounts{Subscribers: 3,
			Audiences: []push.Count{{"外卖骑手", 2}, {"货车司机", 1}},
			Topics:    []push.Count{{"驿站", 2}}}, c)
	})
}
