package tickets_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"partybot/apperr"
	"partybot/tickets"
)

// hiddenChars are the zero-width and bidirectional control characters that
// must neither defeat routing nor hide in what staff read.
var hiddenChars = []rune{
	'\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', // zero-width, soft hyphen
	'\u200e', '\u200f', '\u061c', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', // bidi
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "井盖丢了", "井盖丢了"},
		{"zero-width space", "井盖\u200b丢了", "井盖丢了"},
		{"right-to-left override", "工资\u202e了欠拖\u202c", "工资了欠拖"},
		{"isolates and marks", "\u2066路灯\u2069坏了\u200e", "路灯坏了"},
		{"byte-order mark and soft hyphen", "\ufeff物\u00ad业", "物业"},
		{"emoji and CJK punctuation kept", "电梯坏了！😀（急）", "电梯坏了！😀（急）"},
		{"invalid UTF-8 left for Validate", "井盖\xff\u200b丢了", "井盖\xff丢了"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tickets.CleanText(tc.in))
		})
	}
	for _, r := range hiddenChars {
		assert.Equal(t, "ab", tickets.CleanText("a"+string(r)+"b"), "U+%04X", r)
	}
}

func TestShowHidden(t *testing.T) {
	assert.Equal(t, "井盖丢了", tickets.ShowHidden("井盖丢了"))
	assert.Equal(t, "工资⟨U+202E⟩了欠拖", tickets.ShowHidden("工资\u202e了欠拖"))
	assert.Equal(t, "⟨U+FEFF⟩井盖⟨U+200B⟩丢了", tickets.ShowHidden("\ufeff井盖\u200b丢了"))
	for _, r := range hiddenChars {
		shown := tickets.ShowHidden("a" + string(r) + "b")
		assert.Equal(t, shown, tickets.CleanText(shown), "U+%04X shown as %q still hides something", r, shown)
		assert.Contains(t, shown, "⟨U+")
	}
}

// TestHiddenCharactersDoNotDefeatRouting: a demand with zero-width or
// bidirectional controls inside its keywords routes exactly like the same
// demand without them, with the same confidence.
func TestHiddenCharactersDoNotDefeatRouting(t *testing.T) {
	r := tickets.DefaultRouter()
	ctx := context.Background()
	demands := []string{"井盖丢了", "老板拖欠工资三个月了", "楼道里电动车充电太危险", "想加入工会"}
	for _, text := range demands {
		want, err := r.Route(ctx, text)
		require.NoError(t, err)
		require.False(t, want.ManualDispatch, "fixture %q must route", text)
		for _, h := range hiddenChars {
			rs := []rune(text)
			spiked := string(rs[:1]) + string(h) + string(rs[1:2]) + string(h) + string(rs[2:])
			got, err := r.Route(ctx, spiked)
			require.NoError(t, err)
			assert.Equal(t, want.Department, got.Department, "%q with U+%04X", text, h)
			assert.Equal(t, want.Confidence, got.Confidence, "%q with U+%04X", text, h)
		}
	}
	got, err := r.Route(ctx, "井盖\u200b丢了")
	require.NoError(t, err)
	want, err := r.Route(ctx, "井盖丢了")
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Equal(t, "井盖丢了", r.Extract("井盖\u200b丢了").Text)
}

// TestStoredTicketHasNoHiddenCharacters: what a new ticket stores, and what
// staff later add to it, holds no hidden character.
func TestStoredTicketHasNoHiddenCharacters(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, _ := e.MustOpen(t)
		ctx := context.Background()
		tk, err := s.CreateTicket(ctx, tickets.NewTicket{
			SubmitterID: "u1", SubmitterName: "张\u202e三", Text: "井盖\u200b丢了，在幸福\u2066路\u2069口，电话 138\u200b1234\u200b5678",
			Location: "幸福\u200d路",
		})
		require.NoError(t, err)
		_, err = s.Accept(ctx, admin, tk.Number, "已\u200b联系")
		require.NoError(t, err)
		_, err = s.Resolve(ctx, admin, tk.Number, "已\u202e补装井盖")
		require.NoError(t, err)

		got, err := s.FindTicketByNumber(ctx, admin, tk.Number)
		require.NoError(t, err)
		assert.Equal(t, "井盖丢了，在幸福路口，电话 13812345678", got.Text)
		assert.Equal(t, "张三", got.SubmitterName)
		assert.Equal(t, "幸福路", got.Location)
		assert.Equal(t, "chengguan", got.Department)
		assert.Equal(t, "已补装井盖", got.Reply)
		for _, field := range []string{got.Text, got.Summary, got.Location, got.Contact, got.Reply, got.Describe("区城管局")} {
			assert.Equal(t, field, tickets.CleanText(field), "hidden character in %q", field)
		}
		for _, h := range got.History {
			assert.Equal(t, h.Note, tickets.CleanText(h.Note))
		}
		notes, err := s.PendingNotifications(ctx, 100)
		require.NoError(t, err)
		for _, n := range notes {
			assert.Equal(t, n.Text, tickets.CleanText(n.Text))
		}

		// a demand of nothing but hidden characters is empty
		_, err = s.CreateTicket(ctx, tickets.NewTicket{SubmitterID: "u1", Text: "\u200b\u202e\u200b"})
		wantCode(t, err, apperr.EInvalid)
	})
}

// TestOldTicketShowsHiddenCharacters: a ticket stored before cleaning shows
// its hidden characters as ⟨U+202E⟩ wherever staff read it: details, list
// line, 台账 (CSV and .xlsx), and new notifications about it.
func TestOldTicketShowsHiddenCharacters(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, _ := e.MustOpen(t)
		ctx := context.Background()
		tk := MustCreate(t, s, "u1", "井盖丢了")
		const old = "井盖\u202e了丢"
		_, err := s.DB().ExecContext(ctx, tickets.Bind(s, "UPDATE tickets SET text = ?, summary = ? WHERE id = ?"), old, old, tk.ID)
		require.NoError(t, err)

		got, err := s.FindTicketByNumber(ctx, admin, tk.Number)
		require.NoError(t, err)
		require.Equal(t, old, got.Text, "the stored text is kept as it was")
		for what, text := range map[string]string{"Describe": got.Describe("区城管局"), "Line": got.Line("区城管局")} {
			assert.Contains(t, text, "井盖⟨U+202E⟩了丢", what)
			assert.NotContains(t, text, "\u202e", what)
		}

		all, err := s.ExportTickets(ctx, admin, tickets.TicketFilter{})
		require.NoError(t, err)
		var csv bytes.Buffer
		require.NoError(t, s.WriteCSV(&csv, all))
		assert.Contains(t, csv.String(), "井盖⟨U+202E⟩了丢")
		assert.NotContains(t, csv.String(), "\u202e")
		var xlsx bytes.Buffer
		require.NoError(t, s.WriteXLSX(&xlsx, all))
		f, err := excelize.OpenReader(&xlsx)
		require.NoError(t, err)
		defer f.Close()
		cell, err := f.GetCellValue("台账", "F2") // 诉求内容
		require.NoError(t, err)
		assert.Equal(t, "井盖⟨U+202E⟩了丢", cell)

		_, err = s.Transfer(ctx, admin, tk.Number, "zhujian", "不属于城管")
		require.NoError(t, err)
		notes, err := s.PendingNotifications(ctx, 100)
		require.NoError(t, err)
		var transfer string
		for _, n := range notes {
			if strings.Contains(n.Text, "转派") {
				transfer = n.Text
			}
		}
		assert.Contains(t, transfer, "井盖⟨U+202E⟩了丢")
	})
}
