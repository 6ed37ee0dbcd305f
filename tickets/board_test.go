package tickets_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"partybot/sqlstore"
	"partybot/tickets"
)

// TestBoard: Board gives what reading every visible ticket with
// FindTickets and then matching, counting, sorting and paging them gives,
// on both engines.
func TestBoard(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		s, _ := e.MustOpen(t)
		fillBoard(t, s, e.Eng, 400)

		admin := tickets.Viewer{UserID: "tg:admin", Admin: true}
		staff := tickets.Viewer{UserID: "u1", Departments: []string{"renshe", "sifa"}}
		ptr := func(s string) *string { return &s }
		yes, no := true, false
		status := func(st tickets.Status) *tickets.Status { return &st }
		report := tickets.KindReport
		for _, tc := range []struct {
			name string
			v    tickets.Viewer
			f    tickets.BoardFilter
		}{
			{"admin all", admin, tickets.BoardFilter{}},
			{"admin page 3", admin, tickets.BoardFilter{Page: 3}},
			{"admin newest page 2", admin, tickets.BoardFilter{Newest: true, Page: 2}},
			{"admin past the end", admin, tickets.BoardFilter{Page: 100}},
			{"staff", staff, tickets.BoardFilter{}},
			{"staff page 2", staff, tickets.BoardFilter{Page: 2}},
			{"staff newest", staff, tickets.BoardFilter{Newest: true}},
			{"staff one department", staff, tickets.BoardFilter{Department: ptr("sifa")}},
			{"staff another department", staff, tickets.BoardFilter{Department: ptr("jiaoyu")}},
			{"nobody", tickets.Viewer{UserID: "u2"}, tickets.BoardFilter{}},
			{"overdue", admin, tickets.BoardFilter{Overdue: &yes}},
			{"not overdue", staff, tickets.BoardFilter{Overdue: &no}},
			{"status", admin, tickets.BoardFilter{Status: status(tickets.StatusAccepted)}},
			{"status staff", staff, tickets.BoardFilter{Status: status(tickets.StatusClosed), Page: 2}},
			{"kind", admin, tickets.BoardFilter{Kind: &report}},
			{"text", admin, tickets.BoardFilter{Text: "路灯"}},
			{"text percent", admin, tickets.BoardFilter{Text: "100%"}},
			{"text percent alone", admin, tickets.BoardFilter{Text: "%"}},
			{"text underscore", admin, tickets.BoardFilter{Text: "a_b"}},
			{"text underscore alone", staff, tickets.BoardFilter{Text: "_"}},
			{"text backslash", admin, tickets.BoardFilter{Text: `\%`}},
			{"text number", admin, tickets.BoardFilter{Text: "2025-00012"}},
			{"text location", admin, tickets.BoardFilter{Text: "幸福里"}},
			{"text and status", staff, tickets.BoardFilter{Text: "件：", Status: status(tickets.StatusAccepted), Overdue: &yes}},
			{"period", admin, tickets.BoardFilter{From: june(5), To: june(10)}},
			{"period from", staff, tickets.BoardFilter{From: june(12)}},
			{"period to, page 2", admin, tickets.BoardFilter{To: june(8), Page: 2}},
			{"period and status", staff, tickets.BoardFilter{From: june(3), To: june(9), Status: status(tickets.StatusDispatched)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := tc.f
				f.PerPage = 20
				got, err := s.Board(ctx, tc.v, f)
				require.NoError(t, err)
				want := bruteBoard(t, s, tc.v, f)
				if tc.name != "nobody" && tc.name != "staff another department" {
					require.NotZero(t, want.Total, "a case that tells nothing")
				}
				require.Equal(t, want.Total, got.Total, "total")
				require.Equal(t, want.Counts, got.Counts, "counts")
				require.Equal(t, numbers(want.Tickets), numbers(got.Tickets), "order")
				require.Equal(t, want.Tickets, got.Tickets, "tickets with their attachments")
			})
		}

		t.Run("invalid", func(t *testing.T) {
			for _, f := range []tickets.BoardFilter{
				{Department: ptr("nowhere")},
				{Status: status("lost")},
				{Page: -1},
				{From: june(9), To: june(5)},
				{From: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)},
			} {
				_, err := s.Board(ctx, admin, f)
				require.Error(t, err, "%+v", f)
			}
		})
	})
}

// june is June n, 2025, the month fillBoard files its tickets in.
func june(n int) time.Time { return time.Date(2025, 6, n, 0, 0, 0, 0, time.UTC) }

func numbers(ts []*tickets.Ticket) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Number
	}
	return out
}

// bruteBoard is Board computed over every ticket FindTickets returns.
func bruteBoard(tb testing.TB, s *tickets.Store, v tickets.Viewer, f tickets.BoardFilter) tickets.BoardPage {
	tb.Helper()
	tf := tickets.TicketFilter{Department: f.Department, Overdue: f.Overdue, Kind: f.Kind}
	if !f.From.IsZero() {
		tf.From = &f.From
	}
	if !f.To.IsZero() {
		tf.To = &f.To
	}
	all, err := s.FindTickets(context.Background(), v, tf)
	require.NoError(tb, err)
	out := tickets.BoardPage{Counts: map[tickets.Status]int{}, Tickets: []*tickets.Ticket{}}
	var kept []*tickets.Ticket
	for _, t := range all {
		if !v.CanHandle(t) {
			continue
		}
		if f.Text != "" && !slices.ContainsFunc([]string{t.Number, t.Text, t.Summary, t.Category, t.Location},
			func(s string) bool { return strings.Contains(s, f.Text) }) {
			continue
		}
		out.Counts[t.Status]++
		if f.Status == nil || *f.Status == t.Status {
			kept = append(kept, t)
		}
	}
	out.Total = len(kept)
	if !f.Newest {
		slices.SortStableFunc(kept, func(a, b *tickets.Ticket) int {
			ka, kb := boardKey(a), boardKey(b)
			return cmp.Or(cmp.Compare(ka[0], kb[0]), cmp.Compare(ka[1], kb[1]), cmp.Compare(ka[2], kb[2]))
		})
	}
	start := (max(f.Page, 1) - 1) * f.PerPage
	if start < len(kept) {
		out.Tickets = kept[start:min(start+f.PerPage, len(kept))]
	}
	return out
}

// boardKey is where t goes on the board: open first, then overdue, urgent,
// the earliest deadline (none last), the one waiting longest.
func boardKey(t *tickets.Ticket) [3]int64 {
	var rank int64
	if !t.Status.Open() {
		rank += 4
	}
	if !t.Overdue {
		rank += 2
	}
	if t.Urgency != tickets.UrgencyUrgent {
		rank++
	}
	due := int64(1<<63 - 1)
	if d := cmp.Or(t.DueAt, t.RespondDue); !d.IsZero() {
		due = d.UnixMilli()
	}
	return [3]int64{rank, due, t.ID}
}

// fillBoard writes n varied tickets straight into s's database: every
// status, both urgencies, some overdue, deadlines shared or missing, and
// texts with % and _; every 17th has a photo.
func fillBoard(tb testing.TB, s *tickets.Store, eng sqlstore.Engine, n int) {
	tb.Helper()
	ctx := context.Background()
	depts := []string{"renshe", "sifa", "jiaoyu", "zhujian"}
	texts := []string{"路灯不亮", "涨幅 100% 以上", "文件名 a_b.txt", "ab 无关", `反斜杠 \% 与 %`, "下划线_", "普通诉求"}
	tx, err := s.DB().BeginTx(ctx, nil)
	require.NoError(tb, err)
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, eng.Bind(`INSERT INTO tickets (number, year, seq, submitter_id, channel,
		text, summary, category, department, urgency, location, status, created_at, respond_due, due_at, accepted_at,
		resolved_at, updated_at, overdue, kind)
		VALUES (?, 2025, ?, ?, 'chat', ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
	require.NoError(tb, err)
	base := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	statuses := tickets.Statuses
	for i := range n {
		created := base.Add(time.Duration(i) * time.Hour)
		status := statuses[i%len(statuses)]
		var accepted, resolved any
		if status != tickets.StatusSubmitted && status != tickets.StatusDispatched {
			accepted = created.Add(time.Hour).UnixMilli()
		}
		if !status.Open() {
			resolved = created.Add(2 * time.Hour).UnixMilli()
		}
		urgency := tickets.UrgencyNormal
		if i%3 == 0 {
			urgency = tickets.UrgencyUrgent
		}
		// Few distinct deadlines, so that ties fall to the id.
		var respond, due any
		switch i % 5 {
		case 0:
		case 1:
			respond = base.Add(time.Duration(i%4) * 24 * time.Hour).UnixMilli()
		default:
			respond = base.UnixMilli()
			due = base.Add(time.Duration(i%6) * 24 * time.Hour).UnixMilli()
		}
		kind := tickets.KindDemand
		if i%4 == 0 {
			kind = tickets.KindReport
		}
		submitter := fmt.Sprintf("s%d", i%9)
		if i%11 == 0 {
			submitter = "u1" // the staff member's own demands, to any department
		}
		location := ""
		if i%13 == 0 {
			location = "幸福里 3 号"
		}
		text := fmt.Sprintf("第 %d 件：%s", i, texts[i%len(texts)])
		_, err := st.ExecContext(ctx, tickets.FormatNumber(2025, i+1), i+1, submitter, text, texts[(i+2)%len(texts)],
			depts[i%len(depts)], urgency, location, status, created.UnixMilli(), respond, due, accepted, resolved,
			created.UnixMilli(), status.Open() && i%4 != 1, kind)
		require.NoError(tb, err)
		if i%17 == 0 {
			_, err := tx.ExecContext(ctx, eng.Bind(`INSERT INTO ticket_attachments (ticket_id, position, name, size, sha256)
				SELECT id, 1, 'a.jpg', 10, ? FROM tickets WHERE number = ?`), strings.Repeat("a", 64), tickets.FormatNumber(2025, i+1))
			require.NoError(tb, err)
		}
	}
	require.NoError(tb, tx.Commit())
}
