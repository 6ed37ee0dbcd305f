package tickets_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"partybot/apperr"
	"partybot/tickets"
)

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"a demand", "  井盖丢了  ", ""},
		{"at the limit", strings.Repeat("井", tickets.MaxTextRunes) + "\n", ""},
		{"blank", " \n\t", "诉求内容不能为空"},
		{"broken utf-8", "井盖\xff丢了", "不是有效的 UTF-8 文本"},
		{"too long", strings.Repeat("井", tickets.MaxTextRunes+1), "诉求内容过长（4001 字），请精简到 4000 字以内"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tickets.CheckText(tc.text)
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.Equal(t, apperr.EInvalid, apperr.Code(err))
			assert.Contains(t, apperr.Message(err), tc.want)
		})
	}
}
