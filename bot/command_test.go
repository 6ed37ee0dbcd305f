package bot

import (
	"strings"
	"testing"
	"unicode/utf8"
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
			if cmd != tc.cmd || arg != tc.arg {
				t.Fatalf("parseCommand(%q) = %q, %q; want %q, %q", tc.in, cmd, arg, tc.cmd, tc.arg)
			}
		})
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"/ask 六同步", "/start@bot", "问题", "/", "/\n\n", "/@", "\xff/ask"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cmd, arg := parseCommand(s)
		if cmd != "" && !strings.HasPrefix(cmd, "/") {
			t.Fatalf("command %q does not start with /", cmd)
		}
		if strings.ContainsAny(cmd, " \n\t@") {
			t.Fatalf("command %q holds a separator", cmd)
		}
		if utf8.ValidString(s) && (!utf8.ValidString(cmd) || !utf8.ValidString(arg)) {
			t.Fatalf("valid input gave invalid output %q %q", cmd, arg)
		}
	})
}
