package tickets_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/tickets"
)

// photos stores n different photos in a new directory.
func photos(tb testing.TB, n int) []tickets.Attachment {
	tb.Helper()
	f := tickets.Files{Dir: filepath.Join(tb.TempDir(), "attachments")}
	as := make([]tickets.Attachment, n)
	for i := range as {
		a, err := f.Put(bytes.NewReader(fmt.Appendf(nil, "照片 %d", i)), 0)
		require.NoError(tb, err)
		a.Name = fmt.Sprintf("IMG_%d.jpg", i)
		as[i] = a
	}
	return as
}

func TestAttachments(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, _ := e.MustOpen(t)
		ctx := context.Background()
		six := photos(t, 6)
		n := report("sub", tiananmen)

		n.Attachments = six
		_, err := s.CreateTicket(ctx, n)
		wantCode(t, err, apperr.EInvalid)
		assert.Contains(t, apperr.Message(err), "最多 5 张", "six photos")

		n.Attachments = six[:4]
		tk := mustFile(t, s, n)
		assert.Equal(t, six[:4], tk.Attachments, "returned attachments")
		got, err := s.FindTicketByNumber(ctx, user("sub"), tk.Number)
		require.NoError(t, err)
		assert.Equal(t, six[:4], got.Attachments, "stored attachments")

		got, err = s.AddAttachment(ctx, user("sub"), tk.Number, six[4])
		require.NoError(t, err)
		assert.Equal(t, six[:5], got.Attachments, "after adding the 5th")
		_, err = s.AddAttachment(ctx, staff("chengguan"), tk.Number, six[5])
		wantCode(t, err, apperr.EInvalid) // the 6th
		_, err = s.AddAttachment(ctx, user("other"), tk.Number, six[5])
		wantCode(t, err, apperr.EForbidden)
		list, err := s.FindTickets(ctx, admin, tickets.TicketFilter{})
		require.NoError(t, err)
		require.Len(t, list, 1)
		assert.Equal(t, six[:5], list[0].Attachments, "listed attachments")
		stored, _ := s.FindTicketByNumber(ctx, admin, tk.Number)
		checkHistory(t, stored)
		last := stored.History[len(stored.History)-1]
		assert.Equal(t, tickets.ActionAttach, last.Action, "history %+v", last)
		assert.Equal(t, six[4].Name, last.Note, "history %+v", last)

		ns, err := s.PendingNotifications(ctx, 10)
		require.NoError(t, err)
		assert.Contains(t, ns[0].Text, "照片：4 张", "dispatch notice")
	})
}

func TestAttachmentChecks(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, _ := e.MustOpen(t)
		ctx := context.Background()
		good := photos(t, 1)[0]
		tests := []struct {
			name string
			edit func(a *tickets.Attachment)
		}{
			{"short checksum", func(a *tickets.Attachment) { a.SHA256 = a.SHA256[:10] }},
			{"upper-case checksum", func(a *tickets.Attachment) { a.SHA256 = "ABCDEF" + a.SHA256[6:] }},
			{"path in checksum", func(a *tickets.Attachment) { a.SHA256 = "../" + a.SHA256[3:] }},
			{"empty", func(a *tickets.Attachment) { a.Size = 0 }},
			{"broken name", func(a *tickets.Attachment) { a.Name = "a\xff" }},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				a := good
				tc.edit(&a)
				n := report("sub", tiananmen)
				n.Attachments = []tickets.Attachment{a}
				_, err := s.CreateTicket(ctx, n)
				wantCode(t, err, apperr.EInvalid)
			})
		}
		// a photo without a name is named by its checksum
		a := good
		a.Name = " \u200b "
		n := report("sub", tiananmen)
		n.Attachments = []tickets.Attachment{a}
		tk := mustFile(t, s, n)
		assert.Equal(t, good.SHA256[:12], tk.Attachments[0].Name)
		all, err := s.FindTickets(ctx, admin, tickets.TicketFilter{})
		require.NoError(t, err)
		assert.Len(t, all, 1, "refused photos filed tickets")
	})
}

func TestTicketJSON(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, _ := e.MustOpen(t)
		ctx := context.Background()
		n := report("sub", tiananmen)
		n.Location = "长安街南侧"
		n.Attachments = photos(t, 1)
		rep := mustFile(t, s, n)
		dem := MustCreate(t, s, "sub", "老板拖欠工资")
		for _, tc := range []struct {
			number string
			want   string
		}{
			{rep.Number, fmt.Sprintf(`{"kind":"report","place":"长安街南侧","location":{"lat":39.9087,"lng":116.3975},"attachments":[{"name":"IMG_0.jpg","size":%d,"sha256":%q}]}`,
				n.Attachments[0].Size, n.Attachments[0].SHA256)},
			{dem.Number, `{"kind":"demand","location":null,"attachments":[]}`},
		} {
			tk, err := s.FindTicketByNumber(ctx, admin, tc.number)
			require.NoError(t, err)
			b, err := json.Marshal(tk)
			require.NoError(t, err)
			var got map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(b, &got))
			var want map[string]json.RawMessage
			require.NoError(t, json.Unmarshal([]byte(tc.want), &want))
			for k, v := range want {
				assert.JSONEq(t, string(v), string(got[k]), "%s: %q", tc.number, k)
			}
			_, hasPlace := got["place"]
			assert.Equal(t, want["place"] != nil, hasPlace, "place")
			var back tickets.Ticket
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, tk.Coords, back.Coords, "coordinates read back")
		}
	})
}
