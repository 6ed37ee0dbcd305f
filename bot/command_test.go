package bot

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		in, cmd, arg string
	}{
		{"怎样落实六同步？", "", "怎样落实六同步？"},
		{"/ask 六同步", "/ask", "六同步"},
		{"  /ASK@partybot_bot   六同步 ", "/ask", "六同步"},
		{"/help", "/help", ""},
		{"/ask\n六同步", "/ask", "六同步"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			cmd, arg := parseCommand(tc.in)
			assert.Equal(t, tc.cmd, cmd, "command of %q", tc.in)
			assert.Equal(t, tc.arg, arg, "argument of %q", tc.in)
		})
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"/ask 六同步", "/start@bot", "问题", "/", "/\n\n", "/@", "\xff/ask"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cmd, arg := parseCommand(s)
		if cmd != "" {
			assert.True(t, strings.HasPrefix(cmd, "/"), "command %q does not start with /", cmd)
		}
		assert.False(t, strings.ContainsAny(cmd, " \n\t@"), "command %q holds a separator", cmd)
		if utf8.ValidString(s) {
			assert.True(t, utf8.ValidString(cmd), "valid input gave invalid command %q", cmd)
			assert.True(t, utf8.ValidString(arg), "valid input gave invalid argument %q", arg)
		}
	})
}
