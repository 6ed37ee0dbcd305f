package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestChatQuestionDropsUnconfirmedDemand is the reproduction: a
// question after an unconfirmed /demand drops the draft, so the casual
// "好的" after it files nothing.
func TestChatQuestionDropsUnconfirmedDemand(t *testing.T) {
	dir := t.TempDir()
	out, _, err := run(t, dir, "/demand 井盖丢了\n怎样落实“六同步”机制？\n好的\n/quit\n", "chat")
	require.NoError(t, err)
	assert.Contains(t, out, "已取消待确认的诉求草稿")
	assert.NotContains(t, out, "工单号")
	list, _, err := run(t, dir, "", "tickets", "list")
	require.NoError(t, err)
	assert.NotContains(t, list, "井盖", "a ticket was filed")
}

// TestChatHugeLine: a 10 MB line is refused with the limit, and the chat
// carries on with the next line.
func TestChatHugeLine(t *testing.T) {
	in := strings.Repeat("党", 10<<20/3) + "\n什么是“四个清”？\n"
	out, _, err := run(t, t.TempDir(), in, "chat")
	require.NoError(t, err)
	assert.Contains(t, out, "这一行太长（超过 64 KB）")
	assert.Contains(t, out, "经营状况清", "the line after the long one is answered")
}

func TestReadLine(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // "!" for errLineTooLong
	}{
		{"plain", "a\nb\n", []string{"a", "b"}},
		{"crlf", "a\r\nb", []string{"a", "b"}},
		{"empty lines", "\n\nx", []string{"", "", "x"}},
		{"exactly the limit", strings.Repeat("x", 16) + "\n", []string{strings.Repeat("x", 16)}},
		{"over the limit", strings.Repeat("x", 17) + "\nok\n", []string{"!", "ok"}},
		{"long last line", strings.Repeat("x", 100), []string{"!"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := bufioReader(tc.in)
			var got []string
			for {
				line, err := readLine(r, 16)
				if err == errLineTooLong {
					got = append(got, "!")
					continue
				}
				if err != nil {
					break
				}
				got = append(got, line)
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

// bufioReader is a reader with the smallest buffer bufio allows, so that
// lines cross buffer boundaries.
func bufioReader(s string) *bufio.Reader { return bufio.NewReaderSize(strings.NewReader(s), 16) }

// TestConfigStepMinutes: conversation.step_minutes is read, checked and
// reaches the drafts the chat shows.
func TestConfigStepMinutes(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "partybot.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("conversation:\n  step_minutes: 3\n"), 0o600))
	out, _, err := run(t, dir, "/demand 小区门口的井盖丢了\n", "--config", cfg, "chat")
	require.NoError(t, err)
	assert.Contains(t, out, "草稿 3 分钟内有效")

	require.NoError(t, os.WriteFile(cfg, []byte("conversation:\n  step_minutes: -1\n"), 0o600))
	_, _, err = run(t, dir, "", "--config", cfg, "chat")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "conversation.step_minutes")
}

// TestIsTerminal: only a terminal is; /dev/null, a file and a pipe are not.
func TestIsTerminal(t *testing.T) {
	null, err := os.Open(os.DevNull)
	require.NoError(t, err)
	defer null.Close()
	assert.False(t, isTerminal(null), "/dev/null is a character device, not a terminal")
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, isTerminal(f))
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	assert.False(t, isTerminal(r))
	assert.False(t, isTerminal(strings.NewReader("")))
}
