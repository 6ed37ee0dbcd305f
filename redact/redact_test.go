package redact_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"partybot/redact"
)

const key = "sk-Ab+Cd/Ef=Gh:12345678"

// TestEveryEncodingIsRedacted: a key echoed back by a server in any of the
// forms servers use never survives.
func TestEveryEncodingIsRedacted(t *testing.T) {
	jsonForm, _ := json.Marshal(key)
	r := redact.New(key)
	for name, text := range map[string]string{
		"plain":            "invalid key " + key,
		"json":             `{"error":"bad key ` + strings.Trim(string(jsonForm), `"`) + `"}`,
		"json slash":       `{"key":"sk-Ab+Cd\/Ef=Gh:12345678"}`,
		"query":            "GET /v1?key=" + url.QueryEscape(key),
		"path":             "GET /v1/" + url.PathEscape(key),
		"lower-case hex":   "key=sk-Ab%2bCd%2fEf%3dGh%3a12345678",
		"basic auth":       "Authorization: Basic " + "c2stQWIrQ2QvRWY9R2g6MTIzNDU2Nzg=",
		"twice in a line":  key + " and again " + key,
		"inside a wrapper": fmt.Sprintf("chat: %v", errors.New("401: "+key)),
	} {
		t.Run(name, func(t *testing.T) {
			got := r.String(text)
			assert.Contains(t, got, redact.Mask)
			for _, f := range redact.Forms(key) {
				assert.NotContains(t, got, f)
			}
			assert.NotContains(t, got, "12345678")
		})
	}
}

func TestShortOrEmptySecretsAreIgnored(t *testing.T) {
	r := redact.New("", "ab")
	assert.Equal(t, "ab cd", r.String("ab cd"))
	var none *redact.Redactor
	assert.Equal(t, "x", none.String("x"))
}

// TestHandlerRedactsLogRecords: messages, string and error attributes,
// groups and attributes added with With are all redacted.
func TestHandlerRedactsLogRecords(t *testing.T) {
	var buf bytes.Buffer
	r := redact.New(key)
	log := slog.New(r.Handler(slog.NewTextHandler(&buf, nil))).With("token", key)
	log.Error("failed with "+key, "err", errors.New(`{"key":"`+url.QueryEscape(key)+`"}`),
		slog.Group("req", "url", "https://api.example.org/bot"+key+"/getMe"), "n", 3)
	out := buf.String()
	assert.NotContains(t, out, "12345678")
	assert.Contains(t, out, "n=3")
	assert.Equal(t, 4, strings.Count(out, redact.Mask), out)
}
