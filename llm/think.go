package llm

import "strings"

const (
	thinkOpen  = "<think>"
	thinkClose = "</think>"
)

// thinkFilter removes a leading <think>…</think> block, and the whitespace
// after it, from a streamed answer. Reasoning models served through
// OpenAI-compatible endpoints (Qwen3, DeepSeek-R1 on Ollama or vLLM) put
// their reasoning there. Text that does not start with the tag (after
// optional whitespace) passes through unchanged.
type thinkFilter struct {
	state int
	buf   string // undecided: the text so far; thinking: a tail to find the closing tag
}

const (
	thinkUndecided = iota
	thinkInside
	thinkAfter
	thinkPass
)

// push takes the next piece and returns what can be relayed now.
func (f *thinkFilter) push(s string) string {
	switch f.state {
	case thinkPass:
		return s
	case thinkUndecided:
		f.buf += s
		t := strings.TrimLeft(f.buf, " \t\r\n")
		switch {
		case strings.HasPrefix(t, thinkOpen):
			f.state = thinkInside
			rest := t[len(thinkOpen):]
			f.buf = ""
			return f.push(rest)
		case len(t) < len(thinkOpen) && strings.HasPrefix(thinkOpen, t):
			return "" // could still become the tag
		default:
			f.state = thinkPass
			out := f.buf
			f.buf = ""
			return out
		}
	case thinkInside:
		f.buf += s
		i := strings.Index(f.buf, thinkClose)
		if i < 0 {
			// Keep only what could start the closing tag.
			if n := len(thinkClose) - 1; len(f.buf) > n {
				f.buf = f.buf[len(f.buf)-n:]
			}
			return ""
		}
		rest := f.buf[i+len(thinkClose):]
		f.buf = ""
		f.state = thinkAfter
		return f.push(rest)
	case thinkAfter:
		t := strings.TrimLeft(s, " \t\r\n")
		if t == "" {
			return ""
		}
		f.state = thinkPass
		return t
	}
	return ""
}

// flush returns what is still held at the end of the stream: an undecided
// prefix (it never became the tag); an unclosed think block is dropped.
func (f *thinkFilter) flush() string {
	if f.state == thinkUndecided {
		out := f.buf
		f.buf = ""
		f.state = thinkPass
		return out
	}
	return ""
}

// stripThink removes a leading think block from a whole answer.
func stripThink(s string) string {
	var f thinkFilter
	return f.push(s) + f.flush()
}
