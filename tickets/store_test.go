package tickets_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/tickets"
)

// clock is a settable clock for deadline tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, tickets.DefaultLocation)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// MustOpenStore opens a store on a new file in tb's temporary directory and
// closes it at the end of the test.
func MustOpenStore(tb testing.TB, opts ...tickets.Option) (*tickets.Store, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "tickets.db")
	return MustOpenPath(tb, path, opts...), path
}

// MustOpenPath opens a store on path and closes it at the end of the test.
func MustOpenPath(tb testing.TB, path string, opts ...tickets.Option) *tickets.Store {
	tb.Helper()
	s, err := tickets.Open(context.Background(), path, opts...)
	require.NoError(tb, err, "open store")
	tb.Cleanup(func() { s.Close() })
	return s
}

// MustCreate files a demand from user and returns the ticket.
func MustCreate(tb testing.TB, s *tickets.Store, user, text string) *tickets.Ticket {
	tb.Helper()
	t, err := s.CreateTicket(context.Background(), tickets.NewTicket{SubmitterID: user, SubmitterName: user, Text: text})
	require.NoError(tb, err, "create ticket")
	return t
}

var (
	admin = tickets.Viewer{UserID: "admin", Admin: true}
)

func staff(dept string) tickets.Viewer {
	return tickets.Viewer{UserID: "staff-" + dept, Departments: []string{dept}}
}

func user(id string) tickets.Viewer { return tickets.Viewer{UserID: id} }

func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	require.Equal(tb, code, apperr.Code(err), "error code (%v)", err)
}

// checkHistory verifies that t's history is a valid walk of the state
// machine that ends in t's status.
func checkHistory(tb testing.TB, t *tickets.Ticket) {
	tb.Helper()
	require.GreaterOrEqual(tb, len(t.History), 2, "%s: history rows", t.Number)
	var st tickets.Status
	for i, h := range t.History {
		require.Equal(tb, st, h.From, "%s: history row %d from", t.Number, i)
		if h.Action == tickets.ActionEscalate {
			require.Equal(tb, h.From, h.To, "%s: escalation moved %s→%s", t.Number, h.From, h.To)
			continue
		}
		to, err := tickets.Next(st, h.Action)
		require.NoError(tb, err, "%s: history row %d %s %s→%s is not a legal move", t.Number, i, h.Action, h.From, h.To)
		require.Equal(tb, h.To, to, "%s: history row %d %s %s→%s is not a legal move", t.Number, i, h.Action, h.From, h.To)
		st = to
	}
	require.Equal(tb, t.Status, st, "%s: history ends in %s, ticket is %s", t.Number, st, t.Status)
}

func TestCreateTicket(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		c := newClock()
		s, _ := e.MustOpen(t, tickets.WithClock(c.Now))
		ctx := context.Background()

		tk, err := s.CreateTicket(ctx, tickets.NewTicket{
			SubmitterID: "u1", SubmitterName: "张三",
			Text: "  我住在阳光小区3号楼，楼道里有人私拉电线给电动车充电，太危险了！电话 138-1234-5678  ",
		})
		require.NoError(t, err)
		assert.Equal(t, "2026-000001", tk.Number, "number")
		assert.Equal(t, "yingji", tk.Department, "department")
		assert.Equal(t, tickets.StatusDispatched, tk.Status, "status")
		assert.Equal(t, tickets.UrgencyUrgent, tk.Urgency, "urgency")
		assert.Equal(t, "阳光小区3号楼", tk.Location, "location")
		assert.Equal(t, "13812345678", tk.Contact, "contact")
		assert.False(t, strings.HasPrefix(tk.Text, " "), "text=%q", tk.Text)
		assert.NotEmpty(t, tk.Summary, "summary")
		assert.NotEmpty(t, tk.Category, "category")
		yj, _ := s.Department("yingji")
		respond, resolve := yj.Deadlines(tickets.UrgencyUrgent)
		assert.True(t, tk.RespondDue.Equal(c.Now().Add(respond)), "respond due=%v, want %v", tk.RespondDue, c.Now().Add(respond))
		assert.True(t, tk.DueAt.Equal(c.Now().Add(resolve)), "due=%v, want %v", tk.DueAt, c.Now().Add(resolve))
		got, err := s.FindTicketByNumber(ctx, user("u1"), "2026-1")
		require.NoError(t, err)
		assert.Equal(t, tk.Text, got.Text, "read back")
		assert.Equal(t, tk.Department, got.Department, "read back")
		assert.True(t, got.DueAt.Equal(tk.DueAt), "read back due=%v, want %v", got.DueAt, tk.DueAt)
		checkHistory(t, got)

		// numbers are per year
		MustCreate(t, s, "u2", "井盖丢了")
		c.Add(365 * 24 * time.Hour)
		assert.Equal(t, "2027-000001", MustCreate(t, s, "u2", "路灯坏了").Number, "next year's number")

		// the department's notification is queued with the ticket
		ns, err := s.PendingNotifications(ctx, 10)
		require.NoError(t, err)
		require.Len(t, ns, 3, "notifications=%+v", ns)
		assert.Equal(t, tickets.RecipientDepartment, ns[0].RecipientKind, "notifications=%+v", ns)
		assert.Equal(t, "yingji", ns[0].Recipient, "notifications=%+v", ns)
		assert.Equal(t, tk.Number, ns[0].Number, "notifications=%+v", ns)
	})
}

func TestCreateTicketConfirmedDraft(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, _ := e.MustOpen(t)
		ctx := context.Background()
		d := tickets.Extract("老板拖欠我们快递员三个月工资了")
		tk, err := s.CreateTicket(ctx, tickets.NewTicket{
			SubmitterID: "u1", Text: d.Text, Department: "sifa", Confidence: 1, Category: d.Category,
			Urgency: d.Urgency, Summary: d.Summary, IdempotencyKey: "chat1:msg7",
		})
		require.NoError(t, err)
		assert.Equal(t, "sifa", tk.Department, "confirmed department not kept")
		assert.False(t, tk.ManualDispatch, "confirmed department flagged for manual dispatch")
		assert.Equal(t, 1.0, tk.Confidence, "confirmed department's confidence")

		// low confidence goes to the fallback department, flagged
		tk, err = s.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "u1", Text: "你好，请问一下"})
		require.NoError(t, err)
		assert.Equal(t, tickets.FallbackDepartment, tk.Department, "vague demand: department")
		assert.True(t, tk.ManualDispatch, "vague demand: manual dispatch")
	})
}

func TestIdempotency(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, _ := e.MustOpen(t)
		ctx := context.Background()
		n := tickets.NewTicket{SubmitterID: "u1", Text: "小区电梯坏了", IdempotencyKey: "tg:42:1001"}

		// concurrent retries of one submission make one ticket
		var wg sync.WaitGroup
		got := make([]*tickets.Ticket, 8)
		for i := range got {
			wg.Go(func() {
				tk, err := s.CreateTicket(ctx, n)
				if !assert.NoError(t, err) {
					return
				}
				got[i] = tk
			})
		}
		wg.Wait()
		for _, tk := range got {
			require.NotNil(t, tk, "a retry gave no ticket")
			require.Equal(t, got[0].Number, tk.Number, "retries gave different tickets")
			require.Equal(t, got[0].ID, tk.ID, "retries gave different tickets")
		}
		all, err := s.FindTickets(ctx, admin, tickets.TicketFilter{})
		require.NoError(t, err)
		assert.Len(t, all, 1, "tickets")

		// the same key for another demand is a conflict
		_, err = s.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "u1", Text: "另一件事", IdempotencyKey: n.IdempotencyKey})
		wantCode(t, err, apperr.EConflict)
		_, err = s.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "u2", Text: n.Text, IdempotencyKey: n.IdempotencyKey})
		wantCode(t, err, apperr.EConflict)
	})
}

// op is one step of a lifecycle case.
type op struct {
	name   string
	do     func(ctx context.Context, s *tickets.Store, number string) (*tickets.Ticket, error)
	code   string         // expected error code, "" for success
	status tickets.Status // expected status afterwards
}

func accept(v tickets.Viewer) func(context.Context, *tickets.Store, string) (*tickets.Ticket, error) {
	return func(ctx context.Context, s *tickets.Store, n string) (*tickets.Ticket, error) {
		return s.Accept(ctx, v, n, "")
	}
}

func transfer(v tickets.Viewer, to, reason string) func(context.Context, *tickets.Store, string) (*tickets.Ticket, error) {
	return func(ctx context.Context, s *tickets.Store, n string) (*tickets.Ticket, error) {
		return s.Transfer(ctx, v, n, to, reason)
	}
}

func resolve(v tickets.Viewer, reply string) func(context.Context, *tickets.Store, string) (*tickets.Ticket, error) {
	return func(ctx context.Context, s *tickets.Store, n string) (*tickets.Ticket, error) {
		return s.Resolve(ctx, v, n, reply)
	}
}

func rate(v tickets.Viewer, r int) func(context.Context, *tickets.Store, string) (*tickets.Ticket, error) {
	return func(ctx context.Context, s *tickets.Store, n string) (*tickets.Ticket, error) {
		return s.Rate(ctx, v, n, r, "评价")
	}
}

func closeT(v tickets.Viewer) func(context.Context, *tickets.Store, string) (*tickets.Ticket, error) {
	return func(ctx context.Context, s *tickets.Store, n string) (*tickets.Ticket, error) {
		return s.CloseTicket(ctx, v, n, "")
	}
}

func TestLifecycle(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		const text = "老板拖欠我们三个月工资了" // routes to renshe
		sub := user("sub")
		rs := staff("renshe")
		tests := []struct {
			name string
			ops  []op
		}{
			{"happy path", []op{
				{"accept", accept(rs), "", tickets.StatusAccepted},
				{"resolve", resolve(rs, "已责令企业发放工资"), "", tickets.StatusResolved},
				{"rate 5", rate(sub, 5), "", tickets.StatusRated},
				{"close", closeT(admin), "", tickets.StatusClosed},
			}},
			{"rate before resolve", []op{
				{"rate", rate(sub, 5), apperr.EConflict, tickets.StatusDispatched},
				{"accept", accept(rs), "", tickets.StatusAccepted},
				{"rate", rate(sub, 5), apperr.EConflict, tickets.StatusAccepted},
			}},
			{"accept twice", []op{
				{"accept", accept(rs), "", tickets.StatusAccepted},
				{"accept again", accept(admin), apperr.EConflict, tickets.StatusAccepted},
			}},
			{"resolve before accept", []op{
				{"resolve", resolve(rs, "答复"), apperr.EConflict, tickets.StatusDispatched},
			}},
			{"resolve needs a reply", []op{
				{"accept", accept(rs), "", tickets.StatusAccepted},
				{"resolve", resolve(rs, "  "), apperr.EInvalid, tickets.StatusAccepted},
			}},
			{"second rating", []op{
				{"accept", accept(rs), "", tickets.StatusAccepted},
				{"resolve", resolve(rs, "已处理"), "", tickets.StatusResolved},
				{"rate 4", rate(sub, 4), "", tickets.StatusRated},
				{"rate 5", rate(sub, 5), apperr.EConflict, tickets.StatusRated},
			}},
			{"rating out of range", []op{
				{"accept", accept(rs), "", tickets.StatusAccepted},
				{"resolve", resolve(rs, "已处理"), "", tickets.StatusResolved},
				{"rate 0", rate(sub, 0), apperr.EInvalid, tickets.StatusResolved},
				{"rate 6", rate(sub, 6), apperr.EInvalid, tickets.StatusResolved},
			}},
			{"unsatisfied rating reopens", []op{
				{"accept", accept(rs), "", tickets.StatusAccepted},
				{"resolve", resolve(rs, "已处理"), "", tickets.StatusResolved},
				{"rate 2", rate(sub, 2), "", tickets.StatusDispatched},
				{"accept again", accept(rs), "", tickets.StatusAccepted},
				{"resolve again", resolve(rs, "已足额发放"), "", tickets.StatusResolved},
				{"rate 5", rate(sub, 5), "", tickets.StatusRated},
			}},
			{"accept closed", []op{
				{"accept", accept(rs), "", tickets.StatusAccepted},
				{"resolve", resolve(rs, "已处理"), "", tickets.StatusResolved},
				{"close unrated", closeT(rs), "", tickets.StatusClosed},
				{"accept", accept(rs), apperr.EConflict, tickets.StatusClosed},
				{"rate", rate(sub, 5), apperr.EConflict, tickets.StatusClosed},
			}},
			{"close open ticket", []op{
				{"close", closeT(admin), apperr.EConflict, tickets.StatusDispatched},
			}},
			{"transfer", []op{
				{"no reason", transfer(rs, "sifa", ""), apperr.EInvalid, tickets.StatusDispatched},
				{"unknown department", transfer(rs, "nosuch", "不归我们"), apperr.EInvalid, tickets.StatusDispatched},
				{"same department", transfer(rs, "renshe", "理由"), apperr.EInvalid, tickets.StatusDispatched},
				{"accept", accept(rs), "", tickets.StatusAccepted},
				{"transfer", transfer(rs, "sifa", "属于民间借贷纠纷"), "", tickets.StatusDispatched},
				{"old department", accept(rs), apperr.EForbidden, tickets.StatusDispatched},
				{"new department", accept(staff("sifa")), "", tickets.StatusAccepted},
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s, _ := e.MustOpen(t)
				ctx := context.Background()
				tk := MustCreate(t, s, "sub", text)
				require.Equal(t, "renshe", tk.Department, "routed to")
				for _, o := range tc.ops {
					got, err := o.do(ctx, s, tk.Number)
					require.Equal(t, o.code, apperr.Code(err), "%s: code (%v)", o.name, err)
					if err == nil {
						require.Equal(t, o.status, got.Status, "%s: returned status", o.name)
					}
					stored, err := s.FindTicketByNumber(ctx, admin, tk.Number)
					require.NoError(t, err)
					require.Equal(t, o.status, stored.Status, "%s: stored status", o.name)
					checkHistory(t, stored)
				}
			})
		}
	})
}

func TestReopenDetails(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		c := newClock()
		s, _ := e.MustOpen(t, tickets.WithClock(c.Now))
		ctx := context.Background()
		tk := MustCreate(t, s, "sub", "物业公司不按合同打扫楼道")
		zj := staff("zhujian")
		_, err := s.Accept(ctx, zj, tk.Number, "")
		require.NoError(t, err)
		_, err = s.Resolve(ctx, zj, tk.Number, "已督促物业整改")
		require.NoError(t, err)
		now := c.Add(48 * time.Hour)
		got, err := s.Rate(ctx, user("sub"), tk.Number, 1, "根本没变化")
		require.NoError(t, err)
		d, _ := s.Department("zhujian")
		_, resolveIn := d.Deadlines(tk.Urgency)
		assert.Equal(t, 1, got.Reopened, "after reopening: %+v", got)
		assert.True(t, got.AcceptedAt.IsZero(), "after reopening: %+v", got)
		assert.True(t, got.ResolvedAt.IsZero(), "after reopening: %+v", got)
		assert.True(t, got.DueAt.Equal(now.Add(resolveIn)), "after reopening: due %v, want %v", got.DueAt, now.Add(resolveIn))
		assert.Equal(t, 1, got.Rating, "after reopening: %+v", got)
		full, _ := s.FindTicketByNumber(ctx, admin, tk.Number)
		last := full.History[len(full.History)-2:]
		assert.Equal(t, []tickets.Action{tickets.ActionRate, tickets.ActionReopen}, []tickets.Action{last[0].Action, last[1].Action},
			"last history rows: %+v", last)
	})
}

func TestAuthorization(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		const secret = "我家住在幸福里小区5号楼，老板拖欠工资" // content nobody else may see
		tests := []struct {
			name    string
			viewer  tickets.Viewer
			see     bool
			handle  bool // accept / resolve / transfer
			canRate bool
		}{
			{"submitter", user("sub"), true, false, true},
			{"stranger", user("other"), false, false, false},
			{"no identity", tickets.Viewer{}, false, false, false},
			{"staff of the department", staff("renshe"), true, true, false},
			{"staff of another department", staff("sifa"), false, false, false},
			{"admin", admin, true, true, false}, // the rating is the submitter's (TestRatingIsTheSubmitters)
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s, _ := e.MustOpen(t)
				ctx := context.Background()
				tk := MustCreate(t, s, "sub", secret)
				noLeak := func(err error) {
					t.Helper()
					msg := apperr.Message(err)
					for _, word := range []string{"幸福里", "工资", "renshe", "人社"} {
						require.NotContains(t, msg, word, "error leaks content")
					}
				}
				expect := func(what string, allowed bool, err error) {
					t.Helper()
					if allowed {
						require.NoError(t, err, what)
						return
					}
					wantCode(t, err, apperr.EForbidden)
					noLeak(err)
				}

				_, err := s.FindTicketByNumber(ctx, tc.viewer, tk.Number)
				expect("view", tc.see, err)
				if !tc.see {
					require.Equal(t, "无权查看该工单", apperr.Message(err), "view: message")
				}
				list, err := s.FindTickets(ctx, tc.viewer, tickets.TicketFilter{})
				require.NoError(t, err)
				require.Equal(t, tc.see, len(list) == 1, "list shows it")

				_, err = s.Transfer(ctx, tc.viewer, tk.Number, "sifa", "试试")
				expect("transfer", tc.handle, err)
				if tc.handle { // put it back
					_, err := s.Transfer(ctx, admin, tk.Number, "renshe", "退回")
					require.NoError(t, err)
				}
				_, err = s.Accept(ctx, tc.viewer, tk.Number, "")
				expect("accept", tc.handle, err)
				if !tc.handle {
					_, err := s.Accept(ctx, admin, tk.Number, "")
					require.NoError(t, err)
				}
				_, err = s.Resolve(ctx, tc.viewer, tk.Number, "已处理")
				expect("resolve", tc.handle, err)
				if !tc.handle {
					_, err := s.Resolve(ctx, admin, tk.Number, "已处理")
					require.NoError(t, err)
				}
				_, err = s.Rate(ctx, tc.viewer, tk.Number, 5, "")
				expect("rate", tc.canRate, err)

				// nothing a refused viewer did changed the ticket beyond the allowed moves
				stored, err := s.FindTicketByNumber(ctx, admin, tk.Number)
				require.NoError(t, err)
				checkHistory(t, stored)
				refused := !(tc.handle || tc.canRate) && tc.viewer.UserID != "sub"
				for _, h := range stored.History {
					require.False(t, refused && h.Actor == tc.viewer.UserID, "refused viewer appears in history: %+v", h)
				}
			})
		}
	})
}

func TestNotFoundVersusForbidden(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, _ := e.MustOpen(t)
		ctx := context.Background()
		MustCreate(t, s, "sub", "井盖丢了")
		_, err := s.FindTicketByNumber(ctx, user("x"), "2026-999999")
		wantCode(t, err, apperr.ENotFound)
		_, err = s.Accept(ctx, admin, "2026-999999", "")
		wantCode(t, err, apperr.ENotFound)
		_, err = s.Verify(ctx, admin, "2026-999999", "")
		wantCode(t, err, apperr.ENotFound)
		_, err = s.Adopt(ctx, admin, "2026-999999", "答复", false)
		wantCode(t, err, apperr.ENotFound)
		_, err = s.Reject(ctx, admin, "2026-999999", "答复")
		wantCode(t, err, apperr.ENotFound)
		_, err = s.Verify(ctx, user("x"), "2026-000001", "")
		wantCode(t, err, apperr.EForbidden)
		_, err = s.FindTicketByNumber(ctx, user("x"), "abc")
		wantCode(t, err, apperr.EInvalid)
	})
}

func TestConcurrentAccept(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, path := e.MustOpen(t)
		// A second store on the same file: its own writer and connections, as a
		// second process would have.
		s2 := e.MustOpenAt(t, path)
		for round := range 10 {
			tk := MustCreate(t, s, "sub", fmt.Sprintf("第%d次：小区电梯坏了", round))
			start := make(chan struct{})
			errs := make([]error, 4)
			var wg sync.WaitGroup
			for i := range errs {
				st := []*tickets.Store{s, s2}[i%2]
				wg.Go(func() {
					<-start
					_, errs[i] = st.Accept(ctx, tickets.Viewer{UserID: fmt.Sprintf("staff%d", i), Departments: []string{"zhujian"}}, tk.Number, "")
				})
			}
			close(start)
			wg.Wait()
			won := 0
			for _, err := range errs {
				if code := apperr.Code(err); code == "" {
					won++
				} else {
					require.Equal(t, apperr.EConflict, code, "accept: %v", err)
				}
			}
			require.Equal(t, 1, won, "round %d: accepts succeeded (%v)", round, errs)
			stored, err := s.FindTicketByNumber(ctx, admin, tk.Number)
			require.NoError(t, err)
			accepts := 0
			for _, h := range stored.History {
				if h.Action == tickets.ActionAccept {
					accepts++
				}
			}
			require.Equal(t, 1, accepts, "round %d: accept rows in history", round)
		}
	})
}

func TestBadInput(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, _ := e.MustOpen(t)
		ctx := context.Background()
		MustCreate(t, s, "sub", "路灯坏了")
		count := func() (tickets, history, notes, seq int) {
			t.Helper()
			db := s.DB()
			for _, q := range []struct {
				sql string
				dst *int
			}{
				{"SELECT count(*) FROM tickets", &tickets},
				{"SELECT count(*) FROM ticket_history", &history},
				{"SELECT count(*) FROM notifications", &notes},
				{"SELECT coalesce(sum(last), 0) FROM ticket_seq", &seq},
			} {
				require.NoError(t, db.QueryRowContext(ctx, q.sql).Scan(q.dst), q.sql)
			}
			return
		}
		t0, h0, n0, s0 := count()
		big := strings.Repeat("欠薪", 100*1024/6+1) // about 100 KB
		tests := []struct {
			name string
			n    tickets.NewTicket
		}{
			{"empty", tickets.NewTicket{SubmitterID: "u", Text: ""}},
			{"blank", tickets.NewTicket{SubmitterID: "u", Text: " \n\t　"}},
			{"100 KB", tickets.NewTicket{SubmitterID: "u", Text: big}},
			{"invalid UTF-8", tickets.NewTicket{SubmitterID: "u", Text: "欠薪\xff\xfe"}},
			{"no submitter", tickets.NewTicket{Text: "欠薪"}},
			{"unknown department", tickets.NewTicket{SubmitterID: "u", Text: "欠薪", Department: "nosuch"}},
			{"bad urgency", tickets.NewTicket{SubmitterID: "u", Text: "欠薪", Urgency: "very"}},
			{"bad channel", tickets.NewTicket{SubmitterID: "u", Text: "欠薪", Channel: "fax"}},
			{"long contact", tickets.NewTicket{SubmitterID: "u", Text: "欠薪", Contact: strings.Repeat("1", 300)}},
			{"bad confidence", tickets.NewTicket{SubmitterID: "u", Text: "欠薪", Department: "renshe", Confidence: 2}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.CreateTicket(ctx, tc.n)
				wantCode(t, err, apperr.EInvalid)
				msg := apperr.Message(err)
				assert.NotEmpty(t, msg, "message")
				assert.NotContains(t, msg, "internal", "message")
			})
		}
		t.Run("dates out of range", func(t *testing.T) {
			for _, f := range []tickets.StatsFilter{
				{From: time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC)},
				{To: time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)},
				{From: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
			} {
				_, err := s.Stats(ctx, admin, f)
				wantCode(t, err, apperr.EInvalid)
			}
			from := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
			_, err := s.FindTickets(ctx, admin, tickets.TicketFilter{From: &from})
			wantCode(t, err, apperr.EInvalid)
			_, err = s.Sweep(ctx, time.Time{})
			wantCode(t, err, apperr.EInvalid)
			_, err = s.Sweep(ctx, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))
			wantCode(t, err, apperr.EInvalid)
		})
		t.Run("unknown department in filters", func(t *testing.T) {
			d := "nosuch"
			_, err := s.FindTickets(ctx, admin, tickets.TicketFilter{Department: &d})
			wantCode(t, err, apperr.EInvalid)
			_, err = s.Stats(ctx, admin, tickets.StatsFilter{Department: &d})
			wantCode(t, err, apperr.EInvalid)
			st := tickets.Status("lost")
			_, err = s.FindTickets(ctx, admin, tickets.TicketFilter{Status: &st})
			wantCode(t, err, apperr.EInvalid)
			_, err = s.FindTickets(ctx, admin, tickets.TicketFilter{Limit: -1})
			wantCode(t, err, apperr.EInvalid)
		})
		t.Run("oversized notes", func(t *testing.T) {
			_, err := s.Transfer(ctx, admin, "2026-000001", "sifa", big)
			wantCode(t, err, apperr.EInvalid)
			_, err = s.Accept(ctx, admin, "2026-000001", big)
			wantCode(t, err, apperr.EInvalid)
		})
		t1, h1, n1, s1 := count()
		assert.Equal(t, [4]int{t0, h0, n0, s0}, [4]int{t1, h1, n1, s1}, "bad input wrote something: tickets, history, notifications, seq")
	})
}

func TestSweepAcrossRestarts(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		c := newClock()
		path := e.NewDB(t)
		open := func() *tickets.Store {
			s, err := e.open(ctx, path, tickets.WithClock(c.Now))
			require.NoError(t, err)
			return s
		}
		s := open()
		late := MustCreate(t, s, "u1", "路灯坏了一个多月了")             // chengguan, never accepted
		slow := MustCreate(t, s, "u2", "公司不跟我签劳动合同，试用期还要延长到半年") // renshe, accepted but not resolved
		done := MustCreate(t, s, "u3", "超市卖的牛奶过期了还在架上")         // shichang, resolved in time
		_, err := s.Accept(ctx, admin, slow.Number, "")
		require.NoError(t, err)
		_, err = s.Accept(ctx, admin, done.Number, "")
		require.NoError(t, err)
		_, err = s.Resolve(ctx, admin, done.Number, "已下架处理")
		require.NoError(t, err)

		type want struct{ late, slow, escalated, queued, closed int }
		steps := []struct {
			name    string
			at      time.Time
			restart bool
			want    want
		}{
			{"before any deadline", late.RespondDue.Add(-time.Minute), false, want{0, 0, 0, 0, 0}},
			{"response deadline missed", late.RespondDue, false, want{1, 0, 1, 1, 0}},
			{"same time again", late.RespondDue, false, want{1, 0, 0, 0, 0}},
			{"same time after restart", late.RespondDue, true, want{1, 0, 0, 0, 0}},
			{"past both due dates", slow.DueAt.Add(time.Hour), true, want{2, 2, 2, 4, 0}},
			// 9 days after creation: the resolved, unrated ticket closes (7 days)
			{"seriously overdue", slow.DueAt.Add(100 * time.Hour), false, want{3, 3, 2, 4, 1}},
			{"and again after restart", slow.DueAt.Add(200 * time.Hour), true, want{3, 3, 0, 0, 0}},
		}
		for _, st := range steps {
			if st.restart {
				require.NoError(t, s.Close())
				s = open()
			}
			res, err := s.Sweep(ctx, st.at)
			require.NoError(t, err)
			require.Equal(t, st.want.escalated, res.Escalated, "%s: sweep %+v escalated", st.name, res)
			require.Equal(t, st.want.queued, res.Queued, "%s: sweep %+v queued", st.name, res)
			require.Equal(t, st.want.closed, res.Closed, "%s: sweep %+v closed", st.name, res)
			for _, c := range []struct {
				number string
				level  int
			}{{late.Number, st.want.late}, {slow.Number, st.want.slow}, {done.Number, 0}} {
				tk, err := s.FindTicketByNumber(ctx, admin, c.number)
				require.NoError(t, err)
				require.Equal(t, c.level, tk.Escalation, "%s: %s escalation", st.name, c.number)
				require.Equal(t, c.level > 0, tk.Overdue, "%s: %s overdue at escalation %d", st.name, c.number, c.level)
				checkHistory(t, tk)
			}
		}
		tk, _ := s.FindTicketByNumber(ctx, admin, done.Number)
		require.Equal(t, tickets.StatusClosed, tk.Status, "status")
		checkHistory(t, tk)
		s.Close()
	})
}

func TestOutbox(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		c := newClock()
		s, _ := e.MustOpen(t, tickets.WithClock(c.Now))
		tk := MustCreate(t, s, "u1", "井盖丢了")
		_, err := s.Accept(ctx, admin, tk.Number, "")
		require.NoError(t, err)
		ns, err := s.PendingNotifications(ctx, 10)
		require.NoError(t, err)
		require.Len(t, ns, 2, "pending: %+v", ns)
		require.Equal(t, "dispatched", ns[0].Kind, "pending: %+v", ns)
		require.Equal(t, "accepted", ns[1].Kind, "pending: %+v", ns)
		require.Equal(t, tickets.RecipientUser, ns[1].RecipientKind, "pending: %+v", ns)
		require.Equal(t, "u1", ns[1].Recipient, "pending: %+v", ns)
		require.NoError(t, s.MarkDelivered(ctx, ns[0].ID))
		require.NoError(t, s.MarkDelivered(ctx, ns[0].ID), "second MarkDelivered")
		require.NoError(t, s.MarkFailed(ctx, ns[1].ID, errors.New("telegram: 502")))
		ns, _ = s.PendingNotifications(ctx, 10)
		require.Empty(t, ns, "failed notification retried before its backoff")
		c.Add(tickets.Backoff(1))
		ns, _ = s.PendingNotifications(ctx, 10)
		require.Len(t, ns, 1, "after backoff: %+v", ns)
		require.Equal(t, 1, ns[0].Attempts, "after backoff: %+v", ns)
		require.Equal(t, "telegram: 502", ns[0].LastError, "after backoff: %+v", ns)
		for i := 1; i < s.MaxAttempts(); i++ {
			require.NoError(t, s.MarkFailed(ctx, ns[0].ID, errors.New("still down")))
			c.Add(time.Hour)
		}
		ns, _ = s.PendingNotifications(ctx, 10)
		require.Empty(t, ns, "notification retried after %d attempts", s.MaxAttempts())
		wantCode(t, s.MarkDelivered(ctx, 9999), apperr.ENotFound)
		wantCode(t, s.MarkFailed(ctx, 9999, nil), apperr.ENotFound)

		for _, tc := range []struct {
			attempts int
			want     time.Duration
		}{{1, 30 * time.Second}, {2, time.Minute}, {3, 2 * time.Minute}, {8, time.Hour}, {50, time.Hour}} {
			assert.Equal(t, tc.want, tickets.Backoff(tc.attempts), "Backoff(%d)", tc.attempts)
		}
	})
}

func TestFindTickets(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		c := newClock()
		s, _ := e.MustOpen(t, tickets.WithClock(c.Now))
		MustCreate(t, s, "u1", "井盖丢了")
		c.Add(time.Hour)
		b := MustCreate(t, s, "u2", "老板拖欠工资")
		c.Add(time.Hour)
		MustCreate(t, s, "u1", "垃圾桶满了没人清运")
		_, err := s.Accept(ctx, admin, b.Number, "")
		require.NoError(t, err)
		str := func(s string) *string { return &s }
		st := func(s tickets.Status) *tickets.Status { return &s }
		tests := []struct {
			name   string
			viewer tickets.Viewer
			filter tickets.TicketFilter
			want   []string
		}{
			{"admin sees all, newest first", admin, tickets.TicketFilter{}, []string{"2026-000003", "2026-000002", "2026-000001"}},
			{"submitter sees own", user("u1"), tickets.TicketFilter{}, []string{"2026-000003", "2026-000001"}},
			{"staff sees department", staff("renshe"), tickets.TicketFilter{}, []string{"2026-000002"}},
			{"by status", admin, tickets.TicketFilter{Status: st(tickets.StatusAccepted)}, []string{"2026-000002"}},
			{"by department", admin, tickets.TicketFilter{Department: str("chengguan")}, []string{"2026-000003", "2026-000001"}},
			{"limit and offset", admin, tickets.TicketFilter{Limit: 1, Offset: 1}, []string{"2026-000002"}},
			{"offset only", admin, tickets.TicketFilter{Offset: 2}, []string{"2026-000001"}},
			{"stranger", user("zz"), tickets.TicketFilter{}, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				ts, err := s.FindTickets(ctx, tc.viewer, tc.filter)
				require.NoError(t, err)
				var got []string
				for _, tk := range ts {
					got = append(got, tk.Number)
				}
				assert.Equal(t, tc.want, got)
			})
		}
	})
}

func TestReopenDatabase(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, path := e.MustOpen(t)
		tk := MustCreate(t, s, "u", "井盖丢了")
		s.Close()
		s2 := e.MustOpenAt(t, path)
		v, err := s2.SchemaVersion(context.Background())
		require.NoError(t, err, "schema version")
		require.Equal(t, latestVersion, v, "schema version")
		got, err := s2.FindTicketByNumber(context.Background(), admin, tk.Number)
		require.NoError(t, err, "after reopening")
		require.Equal(t, tk.Text, got.Text, "after reopening")
		n := MustCreate(t, s2, "u", "路灯坏了").Number
		assert.True(t, strings.HasSuffix(n, "-000002"), "number after reopening: %s", n)
	})
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, p := range []string{"", ":memory:", filepath.Join(t.TempDir(), "a?b.db")} {
		_, err := tickets.Open(ctx, p)
		wantCode(t, err, apperr.EInvalid)
	}
	_, err := tickets.Open(ctx, filepath.Join(t.TempDir(), "t.db"), tickets.WithDepartments([]tickets.Department{{Key: "x", Name: "X"}}))
	wantCode(t, err, apperr.EInvalid)
}

var benchTexts = []string{
	"老板拖欠我们快递员三个月工资了，怎么办？",
	"我住在阳光小区3号楼，楼道里好多电动车推进来充电，太危险了",
	"人行道上的地砖翘起来了，老人容易绊倒",
	"孩子暑假想参加托管班，在哪里报名？",
	"建议在商圈增设暖“新”驿站",
}

// BenchmarkCreateTicket routes, extracts and durably stores one ticket per
// iteration, one creator at a time: every creation waits for its own commit.
func BenchmarkCreateTicket(b *testing.B) {
	s, _ := MustOpenStore(b)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		_, err := s.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "u", Text: benchTexts[i%len(benchTexts)]})
		require.NoError(b, err)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
}

// BenchmarkCreateTicketParallel is the same with many concurrent creators
// (as chat users submitting at once): each still returns only after the
// commit that contains its ticket, but concurrent creations share commits.
func BenchmarkCreateTicketParallel(b *testing.B) {
	s, _ := MustOpenStore(b)
	ctx := context.Background()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			_, err := s.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "u", Text: benchTexts[i%len(benchTexts)]})
			if !assert.NoError(b, err) {
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
}

// BenchmarkPostgresCreateTicket is ticket creation on PostgreSQL with 1, 8
// and 32 concurrent creators, each creation its own durable transaction
// (routing and extraction included, as in BenchmarkCreateTicket). It needs
// PARTYBOT_TEST_DATABASE_URL (.ci/postgres start DIR starts a throwaway server and prints it).
func BenchmarkPostgresCreateTicket(b *testing.B) {
	for _, creators := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("creators=%d", creators), func(b *testing.B) {
			s, _ := postgresEngine.MustOpen(b)
			benchCreate(b, s, creators)
		})
	}
}

// benchCreate files b.N tickets on s from creators goroutines and reports
// tickets/s.
func benchCreate(b *testing.B, s *tickets.Store, creators int) {
	ctx := context.Background()
	var next atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	for range creators {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				_, err := s.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "u", Text: benchTexts[i%int64(len(benchTexts))]})
				if !assert.NoError(b, err) {
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
}
