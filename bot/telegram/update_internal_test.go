package telegram

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
)

// FuzzAddressed: any text with any entities (offsets in UTF-16 units, as
// Telegram sends them, or nonsense) is classified without a panic, and a
// mention taken out leaves valid text.
func FuzzAddressed(f *testing.F) {
	s := &Server{username: "partybot_test_bot", botID: 42}
	f.Add("@partybot_test_bot 你好", 0, 18, true)
	f.Add("🙂 @partybot_test_bot 你好", 3, 18, true)
	f.Add("/help@partybot_test_bot", 0, 0, false)
	f.Add("/help@other", 0, 0, false)
	f.Add("大家好", -1, 5, true)
	f.Add("@Partybot_Test_Bot", 0, 99, true)
	f.Fuzz(func(t *testing.T, text string, offset, length int, textMention bool) {
		typ := models.MessageEntityTypeMention
		var u *models.User
		if textMention {
			typ, u = models.MessageEntityTypeTextMention, &models.User{ID: 42}
		}
		m := &models.Message{Text: text, Entities: []models.MessageEntity{{Type: typ, Offset: offset, Length: length, User: u}}}
		got, ok := s.addressed(m)
		if !ok {
			return
		}
		if utf8.ValidString(text) {
			assert.True(t, utf8.ValidString(got), "addressed(%q) = %q", text, got)
		}
		if !strings.HasPrefix(text, "/") && strings.Count(strings.ToLower(text), "@partybot_test_bot") == 1 && !textMention {
			assert.NotContains(t, strings.ToLower(got), "@partybot_test_bot", "mention left in %q (from %q)", got, text)
		}
	})
}
