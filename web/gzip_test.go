package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/tickets"
	"partybot/web"
)

// rawGet requests path with the session sid and Accept-Encoding accept
// (none when ""), and returns the response with its body as sent, not
// decompressed.
func (e *env) rawGet(tb testing.TB, path, sid, accept string) (*http.Response, []byte) {
	tb.Helper()
	req, err := http.NewRequest("GET", e.ts.URL+path, nil)
	require.NoError(tb, err)
	req.AddCookie(&http.Cookie{Name: web.CookieName, Value: sid})
	if accept != "" {
		req.Header.Set("Accept-Encoding", accept)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return resp, b
}

// TestGzip: pages and JSON go gzip-compressed to a client that accepts it
// and plain to one that does not; photos go as they are.
func TestGzip(t *testing.T) {
	e := newEnv(t, "")
	for range 20 { // a JSON list worth compressing
		e.create(t, tickets.NewTicket{Text: "小区路灯坏了，晚上出行不便", Department: "renshe"})
	}
	photo, err := e.files.Put(bytes.NewReader(bytes.Repeat(pngBytes, 100)), 0)
	require.NoError(t, err)
	photo.Name = "路灯.png"
	report := e.create(t, tickets.NewTicket{Kind: tickets.KindReport, Text: "路灯坏了", Department: "renshe",
		Attachments: []tickets.Attachment{photo}})
	sid := e.signIn(t, "tg:renshe")

	for _, tc := range []struct{ name, path, want string }{
		{"board", "/tickets", "<table"},
		{"detail", "/tickets/" + report.Number, "办理记录"},
		{"api", "/api/v1/tickets", `"total":`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, plain := e.rawGet(t, tc.path, sid, "")
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Empty(t, resp.Header.Get("Content-Encoding"), "no Accept-Encoding: plain")
			assert.Contains(t, string(plain), tc.want)

			resp, zipped := e.rawGet(t, tc.path, sid, "gzip, deflate, br, zstd")
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
			assert.Contains(t, resp.Header.Values("Vary"), "Accept-Encoding")
			zr, err := gzip.NewReader(bytes.NewReader(zipped))
			require.NoError(t, err)
			unzipped, err := io.ReadAll(zr)
			require.NoError(t, err)
			assert.Contains(t, string(unzipped), tc.want)
			assert.Less(t, len(zipped), len(unzipped), "smaller compressed")
		})
	}
	t.Run("photo as it is", func(t *testing.T) {
		resp, body := e.rawGet(t, "/tickets/"+report.Number+"/photos/"+photo.SHA256, sid, "gzip")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Empty(t, resp.Header.Get("Content-Encoding"))
		assert.Equal(t, bytes.Repeat(pngBytes, 100), body)
	})
}
