package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		ms, ra string
		want   time.Duration
		wantOK bool
	}{
		{name: "none"},
		{name: "seconds", ra: "7", want: 7 * time.Second, wantOK: true},
		{name: "zero", ra: "0", want: 0, wantOK: true},
		{name: "fraction", ra: " 1.5 ", want: 1500 * time.Millisecond, wantOK: true},
		{name: "milliseconds header", ms: "250", ra: "9", want: 250 * time.Millisecond, wantOK: true},
		{name: "bad milliseconds falls back", ms: "soon", ra: "2", want: 2 * time.Second, wantOK: true},
		{name: "http date", ra: "Fri, 01 May 2026 08:00:30 GMT", want: 30 * time.Second, wantOK: true},
		{name: "http date in the past", ra: "Fri, 01 May 2026 07:00:00 GMT", want: 0, wantOK: true},
		{name: "huge", ra: "99999999999", want: 24 * time.Hour, wantOK: true},
		{name: "negative", ra: "-5"},
		{name: "NaN", ra: "NaN"},
		{name: "garbage", ra: "later"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseRetryAfter(tc.ms, tc.ra, now)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.wantOK, ok)
		})
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "1", "1.5", "-1", "NaN", "Inf", "1e400", "Fri, 01 May 2026 08:00:30 GMT", "Mon, 02 Jan 2006 15:04:05 GMT"} {
		f.Add("", s)
		f.Add(s, "")
	}
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, ms, ra string) {
		d, ok := parseRetryAfter(ms, ra, now)
		if d < 0 || d > 24*time.Hour || (!ok && d != 0) {
			t.Errorf("parseRetryAfter(%q, %q) = %v, %v", ms, ra, d, ok)
		}
	})
}

func TestExtractJSONObject(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantOK         bool
	}{
		{name: "bare", in: ` {"a":1} `, want: `{"a":1}`, wantOK: true},
		{name: "fenced", in: "```json\n{\"a\":\"b\"}\n```", want: `{"a":"b"}`, wantOK: true},
		{name: "prose around", in: `结果：{"a":{"b":[1,2]}}。谢谢`, want: `{"a":{"b":[1,2]}}`, wantOK: true},
		{name: "braces in strings", in: `x {"a":"}{\"","b":"{"} y`, want: `{"a":"}{\"","b":"{"}`, wantOK: true},
		{name: "invalid first, valid second", in: `{not json} then {"ok":true}`, want: `{"ok":true}`, wantOK: true},
		{name: "first of two", in: `{"a":1}{"b":2}`, want: `{"a":1}`, wantOK: true},
		{name: "unclosed", in: `{"a":1`},
		{name: "array only", in: `[1,2]`},
		{name: "none", in: `没有 JSON`},
		{name: "mismatched bracket", in: `{"a":[1}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := extractJSONObject(tc.in)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.wantOK, ok)
		})
	}
}

func FuzzExtractJSONObject(f *testing.F) {
	for _, s := range []string{`{"a":1}`, "```json\n{\"a\":\"}\"}\n```", `x{{{"a":[{}]}`, `{"a":"\"}"}`, `]}{`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := extractJSONObject(s)
		if !ok {
			if got != "" {
				t.Errorf("not ok but returned %q", got)
			}
			return
		}
		if !strings.Contains(s, got) || !strings.HasPrefix(got, "{") || !json.Valid([]byte(got)) {
			t.Errorf("extractJSONObject(%q) = %q: not a valid object from the input", s, got)
		}
	})
}

func TestStripThink(t *testing.T) {
	tests := []struct{ in, want string }{
		{"答案", "答案"},
		{"  答案", "  答案"},
		{"<think>x</think>答案", "答案"},
		{"\n<think>\nx\n</think>\n\n答案 ", "答案 "},
		{"<think>unclosed", ""},
		{"<thin", "<thin"},
		{"<thinking>不是标签", "<thinking>不是标签"},
		{"答案<think>x</think>", "答案<think>x</think>"},
		{"<think></think>", ""},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, stripThink(tc.in), "stripThink(%q)", tc.in)
	}
}

// Feeding the filter any split of a text gives the same result as the
// whole text.
func FuzzThinkFilter(f *testing.F) {
	f.Add("<think>推理</think>\n答案", uint8(3), uint8(9))
	f.Add("  <thi", uint8(1), uint8(2))
	f.Add("<think>a</thi", uint8(10), uint8(11))
	f.Fuzz(func(t *testing.T, s string, a, b uint8) {
		i, j := min(int(a), len(s)), min(int(b), len(s))
		if i > j {
			i, j = j, i
		}
		var fl thinkFilter
		got := fl.push(s[:i]) + fl.push(s[i:j]) + fl.push(s[j:]) + fl.flush()
		if want := stripThink(s); got != want {
			t.Errorf("split %d,%d of %q: %q, want %q", i, j, s, got, want)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Errorf("invalid UTF-8 out of valid input: %q", got)
		}
	})
}

func TestStrictCompatible(t *testing.T) {
	tests := []struct {
		name, schema string
		want         bool
	}{
		{"closed", `{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false}`, true},
		{"optional property", `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"required":["a"],"additionalProperties":false}`, false},
		{"open object", `{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`, false},
		{"open nested", `{"type":"object","properties":{"a":{"type":"object","properties":{}}},"required":["a"],"additionalProperties":false}`, false},
		{"nested in $defs", `{"type":"object","properties":{"a":{"$ref":"#/$defs/X"}},"required":["a"],"additionalProperties":false,"$defs":{"X":{"type":"object","properties":{"y":{"type":"integer"}},"required":["y"],"additionalProperties":false}}}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s any
			require.NoError(t, json.Unmarshal([]byte(tc.schema), &s))
			assert.Equal(t, tc.want, strictCompatible(s))
		})
	}
}

// strictOut is an output type with its own Validate.
type strictOut struct {
	Name string   `json:"name"`
	N    int      `json:"n"`
	Tags []string `json:"tags,omitempty"`
}

func (o strictOut) Validate() error {
	if o.Name == "" {
		return errors.New("name is required")
	}
	if o.N < 1 || o.N > 5 {
		return fmt.Errorf("n %d out of range [1,5]", o.N)
	}
	return nil
}

func TestDecodeStrict(t *testing.T) {
	tests := []struct {
		name, doc string
		want      strictOut
		wantErr   string // a substring of the error; "" for none
	}{
		{name: "minimal", doc: `{"name":"张三","n":1}`, want: strictOut{Name: "张三", N: 1}},
		{name: "full", doc: `{"name":"张三","n":5,"tags":["a","b"]}`, want: strictOut{Name: "张三", N: 5, Tags: []string{"a", "b"}}},
		{name: "null for an optional field", doc: `{"name":"a","n":2,"tags":null}`, want: strictOut{Name: "a", N: 2}},
		{name: "field name case folded", doc: `{"Name":"a","N":2}`, want: strictOut{Name: "a", N: 2}},
		{name: "unknown field", doc: `{"name":"a","n":1,"extra":{}}`, wantErr: `unknown field "extra"`},
		{name: "wrong type", doc: `{"name":"a","n":"1"}`, wantErr: "decode"},
		{name: "not an integer", doc: `{"name":"a","n":1.5}`, wantErr: "decode"},
		{name: "trailing data", doc: `{"name":"a","n":1} {"name":"b","n":2}`, wantErr: "data after the JSON object"},
		{name: "not an object", doc: `[1]`, wantErr: "decode"},
		{name: "missing required", doc: `{"n":1}`, wantErr: "validate: name is required"},
		{name: "required null", doc: `{"name":null,"n":1}`, wantErr: "validate: name is required"},
		{name: "out of range", doc: `{"name":"a","n":6}`, wantErr: "validate: n 6 out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got strictOut
			err := decodeStrict(tc.doc, &got)
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestBatches(t *testing.T) {
	c := &Client{cfg: Config{EmbedBatchSize: 3, EmbedBatchRunes: 6}}
	got := c.batches([]string{"ab", "cd", "ef", "ghijklmn", "o", "p", "q", "r"})
	assert.Equal(t, [][2]int{{0, 3}, {3, 4}, {4, 7}, {7, 8}}, got)
}

func BenchmarkExtractJSONObject(b *testing.B) {
	s := "<think>" + strings.Repeat("推理。", 200) + "</think>\n好的，结果如下：\n```json\n" +
		`{"summary":"快递员被拖欠工资三个月","department":"renshe","urgency":2,"location":"东区","contact":"138****0000"}` + "\n```"
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := extractJSONObject(stripThink(s)); !ok {
			b.Fatal("no object")
		}
	}
}
