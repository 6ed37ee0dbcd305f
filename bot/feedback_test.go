package bot_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"partybot/apperr"
	"partybot/bot"
	"partybot/feedback"
)

func TestFeedbackData(t *testing.T) {
	tests := []struct {
		data string
		id   int64
		vote int
		ok   bool
	}{
		{bot.FeedbackData(12, feedback.Up), 12, feedback.Up, true},
		{bot.FeedbackData(9007199254740993, feedback.Down), 9007199254740993, feedback.Down, true},
		{"fb:12:+", 12, feedback.Up, true},
		{"fb:12:-", 12, feedback.Down, true},
		{"fb:012:+", 0, 0, false},
		{"fb:0:+", 0, 0, false},
		{"fb:-1:+", 0, 0, false},
		{"fb:+1:+", 0, 0, false},
		{"fb:1:1", 0, 0, false},
		{"fb:1:+:", 0, 0, false},
		{"fb:99999999999999999999:+", 0, 0, false},
		{"fb::+", 0, 0, false},
		{"ac:1:+", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.data, func(t *testing.T) {
			id, vote, ok := bot.ParseFeedbackData(tc.data)
			if id != tc.id || vote != tc.vote || ok != tc.ok {
				t.Fatalf("ParseFeedbackData(%q) = %d, %d, %v; want %d, %d, %v", tc.data, id, vote, ok, tc.id, tc.vote, tc.ok)
			}
		})
	}
}

func FuzzParseFeedbackData(f *testing.F) {
	for _, s := range []string{"fb:1:+", "fb:12:-", "fb:0:+", "fb:1:+:", "fb:\xff:+", "fb:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		id, vote, ok := bot.ParseFeedbackData(data)
		if !ok {
			if id != 0 || vote != 0 {
				t.Fatalf("rejected %q but returned %d, %d", data, id, vote)
			}
			return
		}
		if id <= 0 || (vote != feedback.Up && vote != feedback.Down) {
			t.Fatalf("accepted %q as %d, %d", data, id, vote)
		}
		// What is accepted is exactly what FeedbackData writes, within
		// Telegram's 64 bytes.
		if again := bot.FeedbackData(id, vote); again != data || len(again) > 64 {
			t.Fatalf("%q parsed to %d, %d, written back as %q", data, id, vote, again)
		}
	})
}

// TestFeedbackVotes: answers carry 👍/👎; only the asker's vote counts and
// it is stored with the question and the sources shown.
func TestFeedbackVotes(t *testing.T) {
	store, err := feedback.Open(context.Background(), filepath.Join(t.TempDir(), "feedback.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	f := newDeskFixture(t, bot.WithFeedback(store))
	r := f.say(t, f.resident, "怎样落实“六同步”机制？")
	down := buttonData(r, "👎 没帮助")
	if down == "" || r.Answer == nil {
		t.Fatalf("no feedback buttons: %+v", r.Buttons)
	}
	if got := f.press(t, f.stranger, down); !got.Personal || got.Settled || !strings.Contains(got.Text, "只能评价") {
		t.Fatalf("stranger's vote: %+v", got)
	}
	if got := f.press(t, f.resident, down); !got.Personal || !got.Settled || !strings.Contains(got.Text, "感谢") {
		t.Fatalf("asker's vote: %+v", got)
	}
	id, _, _ := bot.ParseFeedbackData(down)
	fb, err := store.FindAnswer(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if fb.Vote != feedback.Down || fb.UserID != "resident" || fb.Question != r.Answer.Question ||
		len(fb.Sources) != len(r.Answer.Sources) || fb.Sources[0].Text != r.Answer.Sources[0].Text || fb.VotedAt.IsZero() {
		t.Fatalf("stored %+v", fb)
	}
	if _, err := store.FindAnswer(context.Background(), id+1000); apperr.Code(err) != apperr.ENotFound {
		t.Fatalf("unknown answer: %v", err)
	}
	if err := store.Vote(context.Background(), id, "resident", 7); apperr.Code(err) != apperr.EInvalid {
		t.Fatalf("vote 7: %v", err)
	}
	// Without a feedback store, no buttons and vote data is stale.
	g := newDeskFixture(t)
	if r := g.say(t, g.resident, "怎样落实“六同步”机制？"); len(r.Buttons) != 0 {
		t.Fatalf("buttons without a feedback store: %+v", r.Buttons)
	}
	if r := g.press(t, g.resident, "fb:"+strconv.FormatInt(id, 10)+":+"); !strings.Contains(r.Text, "失效") {
		t.Fatalf("vote without a store: %q", r.Text)
	}
}
