package bot_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
			assert.Equal(t, tc.id, id, "id")
			assert.Equal(t, tc.vote, vote, "vote")
			assert.Equal(t, tc.ok, ok, "ok")
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
			assert.Zero(t, id, "rejected %q but returned an id", data)
			assert.Zero(t, vote, "rejected %q but returned a vote", data)
			return
		}
		require.Positive(t, id, "accepted %q", data)
		require.Contains(t, []int{feedback.Up, feedback.Down}, vote, "accepted %q", data)
		// What is accepted is exactly what FeedbackData writes, within
		// Telegram's 64 bytes.
		again := bot.FeedbackData(id, vote)
		assert.Equal(t, data, again, "%q parsed to %d, %d, written back", data, id, vote)
		assert.LessOrEqual(t, len(again), 64, "%q written back too long", data)
	})
}

// TestFeedbackVotes: answers carry 👍/👎; only the asker's vote counts and
// it is stored with the question and the sources shown.
func TestFeedbackVotes(t *testing.T) {
	store, err := feedback.Open(context.Background(), filepath.Join(t.TempDir(), "feedback.db"))
	require.NoError(t, err)
	defer store.Close()
	f := newDeskFixture(t, bot.WithFeedback(store))
	r := f.say(t, f.resident, "怎样落实“六同步”机制？")
	down := buttonData(r, "👎 没帮助")
	require.NotEmpty(t, down, "no feedback buttons: %+v", r.Buttons)
	require.NotNil(t, r.Answer)

	got := f.press(t, f.stranger, down)
	assert.True(t, got.Personal, "stranger's vote: %+v", got)
	assert.False(t, got.Settled, "stranger's vote: %+v", got)
	assert.Contains(t, got.Text, "只能评价", "stranger's vote")

	got = f.press(t, f.resident, down)
	assert.True(t, got.Personal, "asker's vote: %+v", got)
	assert.True(t, got.Settled, "asker's vote: %+v", got)
	assert.Contains(t, got.Text, "感谢", "asker's vote")

	id, _, _ := bot.ParseFeedbackData(down)
	fb, err := store.FindAnswer(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, feedback.Down, fb.Vote, "stored %+v", fb)
	assert.Equal(t, "resident", fb.UserID, "stored %+v", fb)
	assert.Equal(t, r.Answer.Question, fb.Question, "stored %+v", fb)
	require.Equal(t, len(r.Answer.Sources), len(fb.Sources), "stored %+v", fb)
	require.NotEmpty(t, fb.Sources, "stored %+v", fb)
	assert.Equal(t, r.Answer.Sources[0].Text, fb.Sources[0].Text, "stored %+v", fb)
	assert.False(t, fb.VotedAt.IsZero(), "stored %+v", fb)

	_, err = store.FindAnswer(context.Background(), id+1000)
	assert.Equal(t, apperr.ENotFound, apperr.Code(err), "unknown answer: %v", err)
	err = store.Vote(context.Background(), id, "resident", 7)
	assert.Equal(t, apperr.EInvalid, apperr.Code(err), "vote 7: %v", err)

	// Without a feedback store, no buttons and vote data is stale.
	g := newDeskFixture(t)
	assert.Empty(t, g.say(t, g.resident, "怎样落实“六同步”机制？").Buttons, "buttons without a feedback store")
	assert.Contains(t, g.press(t, g.resident, "fb:"+strconv.FormatInt(id, 10)+":+").Text, "失效", "vote without a store")
}
