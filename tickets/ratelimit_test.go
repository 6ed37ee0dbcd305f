package tickets_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/tickets"
)

// TestTicketsPerHourCap: over the cap a chat submitter is told how many
// they filed and when they may submit again; others, staff-entered phone
// demands and idempotent retries are not affected, and the hour slides.
func TestTicketsPerHourCap(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		c := newClock() // 2026-03-02 09:00
		s, _ := e.MustOpen(t, tickets.WithClock(c.Now), tickets.WithTicketsPerHour(3))
		ctx := context.Background()
		require.Equal(t, 3, s.TicketsPerHour())
		chat := func(user, text, key string) (*tickets.Ticket, error) {
			return s.CreateTicket(ctx, tickets.NewTicket{SubmitterID: user, Text: text, IdempotencyKey: key})
		}

		c.Add(30 * time.Second) // 09:00:30
		first, err := chat("u1", "井盖丢了", "k1")
		require.NoError(t, err)
		c.Add(10 * time.Minute)
		_, err = chat("u1", "路灯坏了", "k2")
		require.NoError(t, err)
		c.Add(10 * time.Minute) // 09:20:30
		_, err = chat("u1", "垃圾没人清运", "k3")
		require.NoError(t, err)

		c.Add(10 * time.Minute)
		_, err = chat("u1", "又一件事：楼道堆满杂物", "k4")
		wantCode(t, err, apperr.ETooMany)
		msg := apperr.Message(err)
		assert.Contains(t, msg, "每小时最多提交 3 条")
		assert.Contains(t, msg, "已提交 3 条")
		assert.Contains(t, msg, "2026-03-02 10:01", "the first one leaves the hour at 10:00:30: the minute after, not before")

		// a retry of a submission that went through is not a new one
		again, err := chat("u1", "井盖丢了", "k1")
		require.NoError(t, err)
		assert.Equal(t, first.Number, again.Number)
		// someone else, and staff entering a phone demand for u1, are not capped
		_, err = chat("u2", "井盖丢了", "")
		require.NoError(t, err)
		_, err = s.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "u1", Channel: tickets.ChannelPhone, Text: "电话反映：井盖丢了", Actor: "staff"})
		require.NoError(t, err)

		c.Add(30 * time.Minute) // 10:00:30: the first left the hour
		tk, err := chat("u1", "又一件事：楼道堆满杂物", "k4")
		require.NoError(t, err)
		assert.Equal(t, "2026-000006", tk.Number, "a refused submission takes no number")
		_, err = chat("u1", "还有一件事", "k5")
		wantCode(t, err, apperr.ETooMany)
	})
}

// TestTicketsPerHourConcurrent: the cap holds for concurrent submissions,
// which the count in the creating transaction sees one after another.
func TestTicketsPerHourConcurrent(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, _ := e.MustOpen(t, tickets.WithTicketsPerHour(5))
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make([]error, 20)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = s.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "spammer", Text: fmt.Sprintf("第 %d 条：井盖丢了", i)})
			})
		}
		wg.Wait()
		var ok, limited int
		for _, err := range errs {
			switch apperr.Code(err) {
			case "":
				ok++
			case apperr.ETooMany:
				limited++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		assert.Equal(t, 5, ok)
		assert.Equal(t, 15, limited)
	})
}

// TestNoTicketCapByDefault: a store without WithTicketsPerHour does not cap.
func TestNoTicketCapByDefault(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, _ := e.MustOpen(t)
		require.Zero(t, s.TicketsPerHour())
		for i := range 12 {
			MustCreate(t, s, "u1", fmt.Sprintf("第 %d 条：井盖丢了", i))
		}
	})
}

// TestRatingIsTheSubmitters: only the submitter rates a chat ticket, not an
// administrator nor the department rated; a phone demand's rating, given
// on a return call, is recorded by an administrator on the submitter's
// behalf, and the history says so.
func TestRatingIsTheSubmitters(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t)
		resolved := func(n tickets.NewTicket) *tickets.Ticket {
			t.Helper()
			tk, err := s.CreateTicket(ctx, n)
			require.NoError(t, err)
			_, err = s.Accept(ctx, admin, tk.Number, "")
			require.NoError(t, err)
			tk, err = s.Resolve(ctx, admin, tk.Number, "已补装井盖")
			require.NoError(t, err)
			return tk
		}

		chat := resolved(tickets.NewTicket{SubmitterID: "sub", Text: "井盖丢了"})
		for name, v := range map[string]tickets.Viewer{"admin": admin, "staff": staff(chat.Department), "stranger": user("x")} {
			_, err := s.Rate(ctx, v, chat.Number, 5, "")
			assert.Equal(t, apperr.EForbidden, apperr.Code(err), name)
		}
		got, err := s.Rate(ctx, user("sub"), chat.Number, 4, "还行")
		require.NoError(t, err)
		assert.Equal(t, 4, got.Rating)

		phone := resolved(tickets.NewTicket{SubmitterID: "phone:李四", SubmitterName: "李四", Channel: tickets.ChannelPhone, Text: "井盖丢了"})
		_, err = s.Rate(ctx, staff(phone.Department), phone.Number, 5, "")
		assert.Equal(t, apperr.EForbidden, apperr.Code(err), "the department rates its own work")
		_, err = s.Rate(ctx, admin, phone.Number, 5, "很满意")
		require.NoError(t, err)
		full, err := s.FindTicketByNumber(ctx, admin, phone.Number)
		require.NoError(t, err)
		last := full.History[len(full.History)-1]
		assert.Equal(t, tickets.ActionRate, last.Action)
		assert.Equal(t, admin.UserID, last.Actor)
		assert.Contains(t, last.Note, "代李四评价（电话回访）")
		assert.Contains(t, last.Note, "5 分 很满意")
	})
}
