package tickets_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/tickets"
)

// mustFile files n and returns the ticket.
func mustFile(tb testing.TB, s *tickets.Store, n tickets.NewTicket) *tickets.Ticket {
	tb.Helper()
	t, err := s.CreateTicket(context.Background(), n)
	require.NoError(tb, err, "create ticket")
	return t
}

// report is a 随手拍 of a broken manhole cover at p, from user.
func report(user string, p tickets.LatLng) tickets.NewTicket {
	return tickets.NewTicket{SubmitterID: user, Text: "人行道上的井盖坏了，有人差点踩空", Kind: tickets.KindReport,
		Department: "chengguan", Category: "井盖", Coords: &p}
}

// suggestion is a suggestion from user to 区委社会工作部.
func suggestion(user string) tickets.NewTicket {
	return tickets.NewTicket{SubmitterID: user, Text: "建议在商圈增设暖“新”驿站，方便外卖小哥歇脚", Kind: tickets.KindSuggestion,
		Department: "shegong", Category: "驿站建设"}
}

var tiananmen = tickets.LatLng{Lat: 39.9087, Lng: 116.3975}

func TestKindsAndDeadlines(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		c := newClock()
		s, _ := e.MustOpen(t, tickets.WithClock(c.Now))
		ctx := context.Background()
		dem := MustCreate(t, s, "u1", "老板拖欠工资")
		rep := mustFile(t, s, report("u2", tiananmen))
		sug := mustFile(t, s, suggestion("u3"))
		tests := []struct {
			name   string
			tk     *tickets.Ticket
			kind   tickets.Kind
			hasDue bool
		}{
			{"demand", dem, tickets.KindDemand, true},
			{"report", rep, tickets.KindReport, true},
			{"suggestion", sug, tickets.KindSuggestion, false},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.FindTicketByNumber(ctx, admin, tc.tk.Number)
				require.NoError(t, err)
				assert.Equal(t, tc.kind, got.Kind, "kind")
				assert.False(t, got.RespondDue.IsZero(), "a response deadline")
				assert.Equal(t, tc.hasDue, !got.DueAt.IsZero(), "resolution deadline %v", got.DueAt)
			})
		}

		// a suggestion is escalated for a late response only
		c.Add(30 * 24 * time.Hour)
		_, err := s.Sweep(ctx, c.Now())
		require.NoError(t, err)
		got, err := s.FindTicketByNumber(ctx, admin, sug.Number)
		require.NoError(t, err)
		assert.Equal(t, 1, got.Escalation, "suggestion escalation")
		_, err = s.Accept(ctx, admin, sug.Number, "")
		require.NoError(t, err)
		c.Add(30 * 24 * time.Hour)
		res, err := s.Sweep(ctx, c.Now())
		require.NoError(t, err)
		got, _ = s.FindTicketByNumber(ctx, admin, sug.Number)
		assert.Equal(t, 1, got.Escalation, "accepted suggestion escalated for resolution (sweep %+v)", res)
		got, _ = s.FindTicketByNumber(ctx, admin, rep.Number)
		assert.Equal(t, 3, got.Escalation, "report escalation")

		// a transferred suggestion still has no due date
		tr, err := s.Transfer(ctx, admin, sug.Number, "gonghui", "属于工会驿站")
		require.NoError(t, err)
		assert.True(t, tr.DueAt.IsZero(), "transferred suggestion due %v", tr.DueAt)

		_, err = s.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "u", Text: "井盖丢了", Kind: "complaint"})
		wantCode(t, err, apperr.EInvalid)

		for _, k := range tickets.Kinds {
			ts, err := s.FindTickets(ctx, admin, tickets.TicketFilter{Kind: &k})
			require.NoError(t, err)
			require.Len(t, ts, 1, "%s tickets", k)
			assert.Equal(t, k, ts[0].Kind)
		}
		bad := tickets.Kind("complaint")
		_, err = s.FindTickets(ctx, admin, tickets.TicketFilter{Kind: &bad})
		wantCode(t, err, apperr.EInvalid)
	})
}

func TestSuggestionNotices(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, _ := e.MustOpen(t)
		ctx := context.Background()
		sug := mustFile(t, s, suggestion("u3"))
		_, err := s.Accept(ctx, staff("shegong"), sug.Number, "")
		require.NoError(t, err)
		ns, err := s.PendingNotifications(ctx, 10)
		require.NoError(t, err)
		require.Len(t, ns, 2)
		assert.Contains(t, ns[0].Text, "【新建议】", "dispatch notice")
		assert.Contains(t, ns[0].Text, "不设办结期限", "dispatch notice")
		assert.NotContains(t, ns[0].Text, "前办结", "dispatch notice")
		assert.Contains(t, ns[1].Text, "您的建议", "accept notice")
		assert.NotContains(t, ns[1].Text, "前办结", "accept notice")
	})
}

// judge is one staff action on a report or suggestion.
type judge struct {
	name string
	do   func(ctx context.Context, s *tickets.Store, v tickets.Viewer, number string) (*tickets.Ticket, error)
}

var (
	verify = judge{"verify", func(ctx context.Context, s *tickets.Store, v tickets.Viewer, n string) (*tickets.Ticket, error) {
		return s.Verify(ctx, v, n, "已到现场查看")
	}}
	adopt = judge{"adopt", func(ctx context.Context, s *tickets.Store, v tickets.Viewer, n string) (*tickets.Ticket, error) {
		return s.Adopt(ctx, v, n, "已纳入年度计划", false)
	}}
	adoptPart = judge{"adopt partly", func(ctx context.Context, s *tickets.Store, v tickets.Viewer, n string) (*tickets.Ticket, error) {
		return s.Adopt(ctx, v, n, "先在两个商圈试点", true)
	}}
	reject = judge{"reject", func(ctx context.Context, s *tickets.Store, v tickets.Viewer, n string) (*tickets.Ticket, error) {
		return s.Reject(ctx, v, n, "附近已有驿站")
	}}
)

func TestVerifyAdoptReject(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		tests := []struct {
			name    string
			n       tickets.NewTicket
			dept    string
			act     judge
			code    string // "" for success
			status  tickets.Status
			outcome tickets.Outcome
			notice  string // in the submitter's notice
		}{
			{"verify a report", report("sub", tiananmen), "chengguan", verify, "", tickets.StatusAccepted, tickets.OutcomeVerified, "核实属实"},
			{"adopt a report", report("sub", tiananmen), "chengguan", adopt, "", tickets.StatusResolved, tickets.OutcomeAdopted, "采纳"},
			{"reject a report", report("sub", tiananmen), "chengguan", reject, "", tickets.StatusResolved, tickets.OutcomeRejected, "核实无效"},
			{"adopt a suggestion", suggestion("sub"), "shegong", adopt, "", tickets.StatusResolved, tickets.OutcomeAdopted, "已被区委社会工作部采纳"},
			{"adopt a suggestion partly", suggestion("sub"), "shegong", adoptPart, "", tickets.StatusResolved, tickets.OutcomePartlyAdopted, "部分采纳"},
			{"reject a suggestion", suggestion("sub"), "shegong", reject, "", tickets.StatusResolved, tickets.OutcomeRejected, "暂不采纳"},
			{"verify a suggestion", suggestion("sub"), "shegong", verify, apperr.EInvalid, tickets.StatusAccepted, "", ""},
			{"verify a demand", tickets.NewTicket{SubmitterID: "sub", Text: "老板拖欠工资"}, "renshe", verify, apperr.EInvalid, tickets.StatusAccepted, "", ""},
			{"adopt a demand", tickets.NewTicket{SubmitterID: "sub", Text: "老板拖欠工资"}, "renshe", adopt, apperr.EInvalid, tickets.StatusAccepted, "", ""},
			{"reject a demand", tickets.NewTicket{SubmitterID: "sub", Text: "老板拖欠工资"}, "renshe", reject, apperr.EInvalid, tickets.StatusAccepted, "", ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s, _ := e.MustOpen(t)
				ctx := context.Background()
				tk := mustFile(t, s, tc.n)
				require.Equal(t, tc.dept, tk.Department)
				_, err := s.Accept(ctx, staff(tc.dept), tk.Number, "")
				require.NoError(t, err)
				got, err := tc.act.do(ctx, s, staff(tc.dept), tk.Number)
				require.Equal(t, tc.code, apperr.Code(err), "%v", err)
				msg := apperr.Message(err)
				stored, err := s.FindTicketByNumber(ctx, admin, tk.Number)
				require.NoError(t, err)
				checkHistory(t, stored)
				assert.Equal(t, tc.status, stored.Status, "status")
				assert.Equal(t, tc.outcome, stored.Outcome, "outcome")
				if tc.code != "" {
					assert.Contains(t, msg, "不能", "refusal")
					return
				}
				assert.Equal(t, tc.outcome, got.Outcome, "returned outcome")
				last := stored.History[len(stored.History)-1]
				assert.Equal(t, "staff-"+tc.dept, last.Actor, "history %+v", last)
				assert.Equal(t, tc.outcome == tickets.OutcomeVerified || tk.Kind == tickets.KindReport && tc.outcome != tickets.OutcomeRejected,
					!stored.VerifiedAt.IsZero(), "verified at %v", stored.VerifiedAt)
				notes, err := s.FindSubmitterNotifications(ctx, user("sub"), tk.Number)
				require.NoError(t, err)
				require.NotEmpty(t, notes)
				assert.Contains(t, notes[len(notes)-1].Text, tc.notice, "submitter's notice")
				assert.Contains(t, notes[len(notes)-1].Text, tk.Number, "submitter's notice")
				if tc.status == tickets.StatusResolved {
					assert.NotEmpty(t, stored.Reply, "reply")
					_, err := s.Rate(ctx, user("sub"), tk.Number, 5, "")
					require.NoError(t, err, "rate after %s", tc.act.name)
				}
			})
		}
	})
}

func TestVerdictStates(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, _ := e.MustOpen(t)
		ctx := context.Background()
		cg := staff("chengguan")
		rep := mustFile(t, s, report("sub", tiananmen))
		for _, j := range []judge{verify, adopt, reject} {
			_, err := j.do(ctx, s, cg, rep.Number)
			wantCode(t, err, apperr.EConflict) // not accepted yet
			assert.Contains(t, apperr.Message(err), "请先接单", j.name)
		}
		_, err := s.Accept(ctx, cg, rep.Number, "")
		require.NoError(t, err)
		_, err = verify.do(ctx, s, cg, rep.Number)
		require.NoError(t, err)
		_, err = verify.do(ctx, s, admin, rep.Number)
		wantCode(t, err, apperr.EConflict) // verified once
		got, err := s.Resolve(ctx, cg, rep.Number, "井盖已更换")
		require.NoError(t, err)
		assert.Equal(t, tickets.OutcomeVerified, got.Outcome, "a verified report resolved")
		_, err = adopt.do(ctx, s, cg, rep.Number)
		wantCode(t, err, apperr.EConflict) // resolved already
		_, err = s.Adopt(ctx, cg, rep.Number, " ", false)
		wantCode(t, err, apperr.EInvalid)

		// an unsatisfied rating withdraws an adoption, not a verification
		sug := mustFile(t, s, suggestion("sub"))
		_, err = s.Accept(ctx, admin, sug.Number, "")
		require.NoError(t, err)
		_, err = adopt.do(ctx, s, admin, sug.Number)
		require.NoError(t, err)
		got, err = s.Rate(ctx, user("sub"), sug.Number, 1, "没有下文")
		require.NoError(t, err)
		assert.Equal(t, tickets.StatusDispatched, got.Status)
		assert.Empty(t, got.Outcome, "outcome after reopening")
		assert.True(t, got.DueAt.IsZero(), "reopened suggestion due %v", got.DueAt)
		_, err = s.Rate(ctx, user("sub"), rep.Number, 2, "又坏了")
		require.NoError(t, err)
		got, _ = s.FindTicketByNumber(ctx, admin, rep.Number)
		assert.Equal(t, tickets.OutcomeVerified, got.Outcome, "reopened verified report")
		checkHistory(t, got)
	})
}

func TestVerdictAuthorization(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		tests := []struct {
			name    string
			viewer  tickets.Viewer
			code    string
			message string
		}{
			{"department staff", staff("chengguan"), "", ""},
			{"admin", admin, "", ""},
			{"submitter", user("sub"), apperr.EForbidden, "无权"},
			{"staff of another department", staff("renshe"), apperr.EForbidden, "无权查看该工单"},
			{"stranger", user("other"), apperr.EForbidden, "无权查看该工单"},
		}
		for _, j := range []judge{verify, adopt, adoptPart, reject} {
			for _, tc := range tests {
				t.Run(j.name+"/"+tc.name, func(t *testing.T) {
					s, _ := e.MustOpen(t)
					ctx := context.Background()
					tk := mustFile(t, s, report("sub", tiananmen))
					_, err := s.Accept(ctx, admin, tk.Number, "")
					require.NoError(t, err)
					_, err = j.do(ctx, s, tc.viewer, tk.Number)
					require.Equal(t, tc.code, apperr.Code(err), "%v", err)
					assert.Contains(t, apperr.Message(err), tc.message)
					stored, _ := s.FindTicketByNumber(ctx, admin, tk.Number)
					if tc.code != "" {
						assert.Empty(t, stored.Outcome, "a refused viewer changed the outcome")
						assert.NotContains(t, apperr.Message(err), "井盖", "refusal leaks content")
					}
					_, err = j.do(ctx, s, tc.viewer, "2026-999999")
					wantCode(t, err, apperr.ENotFound)
					_, err = j.do(ctx, s, tc.viewer, "abc")
					wantCode(t, err, apperr.EInvalid)
				})
			}
		}
	})
}

func TestKindLabels(t *testing.T) {
	for _, k := range tickets.Kinds {
		for _, in := range []string{string(k), k.Label()} {
			got, err := tickets.ParseKind(in)
			require.NoError(t, err, in)
			assert.Equal(t, k, got, in)
		}
	}
	assert.Equal(t, "核实无效", tickets.OutcomeRejected.Label(tickets.KindReport))
	assert.Equal(t, "暂不采纳", tickets.OutcomeRejected.Label(tickets.KindSuggestion))
	_, err := tickets.ParseKind("投诉")
	wantCode(t, err, apperr.EInvalid)
	assert.True(t, strings.Contains(apperr.Message(err), "report"), apperr.Message(err))
}

func TestStatsKinds(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		c := newClock()
		s, _ := e.MustOpen(t, tickets.WithClock(c.Now))
		ctx := context.Background()
		cg, sg := staff("chengguan"), staff("shegong")
		file := func(n tickets.NewTicket, acts ...judge) {
			t.Helper()
			tk := mustFile(t, s, n)
			if len(acts) == 0 {
				return
			}
			_, err := s.Accept(ctx, admin, tk.Number, "")
			require.NoError(t, err)
			for _, a := range acts {
				_, err := a.do(ctx, s, admin, tk.Number)
				require.NoError(t, err, a.name)
			}
		}
		resolve := judge{"resolve", func(ctx context.Context, s *tickets.Store, v tickets.Viewer, n string) (*tickets.Ticket, error) {
			return s.Resolve(ctx, v, n, "已处理")
		}}
		p := tiananmen
		file(report("u1", p))                               // open
		file(report("u2", north(p, 500)), verify)           // verified, not yet fixed
		file(report("u3", north(p, 1000)), verify, resolve) // verified and fixed
		file(report("u4", north(p, 1500)), adopt)           // a 线索 adopted: verified and fixed
		file(report("u5", north(p, 2000)), reject)          // found untrue
		file(suggestion("u6"))
		file(suggestion("u7"), adopt)
		file(suggestion("u8"), adoptPart)
		file(suggestion("u9"), reject)
		MustCreate(t, s, "u10", "井盖丢了") // a demand of chengguan
		c.Add(10 * 24 * time.Hour)

		st, err := s.Stats(ctx, admin, tickets.StatsFilter{})
		require.NoError(t, err)
		got := map[string]tickets.DepartmentStats{}
		for _, d := range st.Departments {
			got[d.Department] = d
		}
		type kinds struct{ received, reports, verified, fixed, suggestions, adopted, resolutionDue, open, overdue int }
		of := func(d tickets.DepartmentStats) kinds {
			return kinds{d.Received, d.Reports, d.ReportsVerified, d.ReportsFixed, d.Suggestions, d.SuggestionsAdopted, d.ResolutionDue, d.Open, d.Overdue}
		}
		assert.Equal(t, kinds{6, 5, 3, 2, 0, 0, 6, 3, 3}, of(got["chengguan"]), "chengguan")
		// suggestions are never due for resolution; the open one is overdue for its response
		assert.Equal(t, kinds{4, 0, 0, 0, 4, 2, 0, 1, 1}, of(got["shegong"]), "shegong")
		assert.Equal(t, kinds{10, 5, 3, 2, 4, 2, 6, 4, 4}, of(st.Total), "total")

		mine, err := s.Stats(ctx, sg, tickets.StatsFilter{})
		require.NoError(t, err)
		require.Len(t, mine.Departments, 1)
		assert.Equal(t, of(got["shegong"]), of(mine.Departments[0]), "staff's own")
		mine, err = s.Stats(ctx, cg, tickets.StatsFilter{From: c.Now().AddDate(0, -1, 0), To: c.Now()})
		require.NoError(t, err)
		assert.Equal(t, of(got["chengguan"]), of(mine.Departments[0]), "staff's own, in a period")
	})
}

// TestConcurrentVerdicts: staff answering a suggestion at once, through
// two stores on one database, give it one outcome and one history row.
func TestConcurrentVerdicts(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, dsn := e.MustOpen(t)
		s2 := e.MustOpenAt(t, dsn)
		for round := range 5 {
			tk := mustFile(t, s, suggestion(fmt.Sprintf("u%d", round)))
			_, err := s.Accept(ctx, admin, tk.Number, "")
			require.NoError(t, err)
			start := make(chan struct{})
			errs := make([]error, 4)
			var wg sync.WaitGroup
			for i := range errs {
				st, j := []*tickets.Store{s, s2}[i%2], []judge{adopt, reject}[i/2]
				wg.Go(func() {
					<-start
					_, errs[i] = j.do(ctx, st, staff("shegong"), tk.Number)
				})
			}
			close(start)
			wg.Wait()
			won := 0
			for _, err := range errs {
				if err == nil {
					won++
				} else {
					require.Equal(t, apperr.EConflict, apperr.Code(err), "%v", err)
				}
			}
			require.Equal(t, 1, won, "round %d: %v", round, errs)
			stored, err := s.FindTicketByNumber(ctx, admin, tk.Number)
			require.NoError(t, err)
			checkHistory(t, stored)
			verdicts := 0
			for _, h := range stored.History {
				if h.Action == tickets.ActionAdopt || h.Action == tickets.ActionReject {
					verdicts++
				}
			}
			require.Equal(t, 1, verdicts, "round %d: verdicts in history", round)
		}
	})
}
