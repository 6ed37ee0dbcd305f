package telegram_test

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/require"
)

// fakeAPI is a Bot API server: it answers the multipart form posts of the
// real client at /bot<token>/<method> with {"ok":true,"result":…}, serves
// queued updates to getUpdates (dropping those confirmed by the offset),
// records every call, and fails calls on request.
type fakeAPI struct {
	srv      *httptest.Server
	token    string
	botID    int64
	username string

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every change
	updates  []*models.Update
	calls    []apiCall
	attempts map[string]int // every call of a method, failed ones included
	counts   map[string]int // successful calls by method
	failures []failure
	nextMsg  int
	cleared  map[string]bool // chat/message whose keyboard was removed
	onCall   func(apiCall)   // called (locked) for every successful call
	served   map[int64]time.Time
	files    map[string][]byte // file_id → content, for getFile and downloads
}

// apiCall is one successful call.
type apiCall struct {
	Method   string
	Params   map[string]string
	FileName string
	FileData []byte
	MsgID    int // the message_id returned, if any
}

// failure makes calls fail: those of method for which match is true, the
// next times times.
type failure struct {
	method     string
	match      func(apiCall) bool
	code       int
	desc       string
	retryAfter int
	times      int
}

const testToken = "123456789:AAH-secret-token-of-the-test-bot"

func newFakeAPI(tb testing.TB) *fakeAPI {
	tb.Helper()
	f := &fakeAPI{
		token: testToken, botID: 123456789, username: "partybot_test_bot",
		changed: make(chan struct{}), attempts: map[string]int{}, counts: map[string]int{},
		cleared: map[string]bool{}, nextMsg: 500, served: map[int64]time.Time{}, files: map[string][]byte{},
	}
	f.srv = httptest.NewServer(f)
	tb.Cleanup(f.srv.Close)
	return f
}

// notify wakes the waiters; f.mu is held.
func (f *fakeAPI) notify() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// push queues updates for getUpdates.
func (f *fakeAPI) push(us ...*models.Update) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, us...)
	f.notify()
}

// fail queues a failure.
func (f *fakeAPI) fail(fl failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures = append(f.failures, fl)
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if id, ok := strings.CutPrefix(r.URL.Path, "/file/bot"+f.token+"/documents/"); ok && r.Method == http.MethodGet {
		f.mu.Lock()
		data, found := f.files[id]
		f.mu.Unlock()
		if !found {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/bot"+f.token+"/")
	if !ok || r.Method != http.MethodPost {
		writeJSON(w, map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
		return
	}
	c := apiCall{Method: method, Params: map[string]string{}}
	if err := parseForm(r, &c); err != nil {
		writeJSON(w, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: " + err.Error()})
		return
	}
	switch method {
	case "getUpdates":
		f.getUpdates(w, r, c)
		return
	case "sendChatAction": // "typing…" comes and goes with the machine's load: not recorded
		writeJSON(w, map[string]any{"ok": true, "result": true})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts[method]++
	for i, fl := range f.failures {
		if fl.method == method && fl.times > 0 && (fl.match == nil || fl.match(c)) {
			f.failures[i].times--
			f.notify()
			resp := map[string]any{"ok": false, "error_code": fl.code, "description": fl.desc}
			if fl.retryAfter > 0 {
				resp["parameters"] = map[string]any{"retry_after": fl.retryAfter}
			}
			writeJSON(w, resp)
			return
		}
	}
	var result any = true
	switch method {
	case "getMe":
		result = map[string]any{"id": f.botID, "is_bot": true, "first_name": "党务助手", "username": f.username}
	case "getFile":
		id := c.Params["file_id"]
		result = map[string]any{"file_id": id, "file_unique_id": id, "file_size": len(f.files[id]), "file_path": "documents/" + id}
	case "sendMessage", "sendDocument", "sendPhoto", "sendVenue":
		f.nextMsg++
		c.MsgID = f.nextMsg
		chat, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
		result = message(c.MsgID, chat, f.botID, c.Params["text"])
	case "editMessageText":
		chat, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
		id, _ := strconv.Atoi(c.Params["message_id"])
		result = message(id, chat, f.botID, c.Params["text"])
	case "editMessageReplyMarkup":
		key := c.Params["chat_id"] + "/" + c.Params["message_id"]
		if f.cleared[key] {
			writeJSON(w, map[string]any{"ok": false, "error_code": 400,
				"description": "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"})
			return
		}
		f.cleared[key] = true
		chat, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
		id, _ := strconv.Atoi(c.Params["message_id"])
		result = message(id, chat, f.botID, "")
	}
	f.calls = append(f.calls, c)
	f.counts[method]++
	if f.onCall != nil {
		f.onCall(c)
	}
	f.notify()
	writeJSON(w, map[string]any{"ok": true, "result": result})
}

// getUpdates long-polls: it answers with the queued updates at or after
// offset (forgetting those before: the client confirmed them), or with
// none when the timeout passes.
func (f *fakeAPI) getUpdates(w http.ResponseWriter, r *http.Request, c apiCall) {
	offset, _ := strconv.ParseInt(c.Params["offset"], 10, 64)
	timeout, _ := strconv.Atoi(c.Params["timeout"])
	deadline := time.NewTimer(time.Duration(max(timeout, 1)) * time.Second)
	defer deadline.Stop()
	// The offset confirms the updates before it, once, as the request comes.
	if r.Context().Err() != nil {
		return
	}
	f.mu.Lock()
	f.updates = slices.DeleteFunc(f.updates, func(u *models.Update) bool { return u.ID < offset })
	f.mu.Unlock()
	for {
		f.mu.Lock()
		var batch []*models.Update
		for _, u := range f.updates {
			if u.ID >= offset && len(batch) < 100 {
				batch = append(batch, u)
			}
		}
		now := time.Now()
		for _, u := range batch {
			if _, ok := f.served[u.ID]; !ok {
				f.served[u.ID] = now
			}
		}
		ch := f.changed
		f.mu.Unlock()
		if len(batch) > 0 {
			writeJSON(w, map[string]any{"ok": true, "result": batch})
			return
		}
		select {
		case <-ch:
		case <-r.Context().Done():
			return
		case <-deadline.C:
			writeJSON(w, map[string]any{"ok": true, "result": []any{}})
			return
		}
	}
}

func message(id int, chat, from int64, text string) map[string]any {
	typ := "private"
	if chat < 0 {
		typ = "supergroup"
	}
	return map[string]any{"message_id": id, "date": time.Now().Unix(), "text": text,
		"chat": map[string]any{"id": chat, "type": typ},
		"from": map[string]any{"id": from, "is_bot": true, "first_name": "党务助手"}}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// parseForm reads the multipart form of a call into c.
func parseForm(r *http.Request, c *apiCall) error {
	_, ps, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ps["boundary"] == "" {
		return nil // no parameters
	}
	mr := multipart.NewReader(r.Body, ps["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			// A call without parameters has an empty body.
			if len(c.Params) == 0 && strings.Contains(err.Error(), "EOF") {
				return nil
			}
			return err
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return err
		}
		if p.FileName() != "" {
			c.FileName, c.FileData = p.FileName(), data
			continue
		}
		c.Params[p.FormName()] = string(data)
	}
}

// waitFor waits until cond holds of the calls so far and returns them. It
// fails the test when nothing moves for a long while: a guard, not a
// timing assertion.
func (f *fakeAPI) waitFor(tb testing.TB, what string, cond func(calls []apiCall) bool) []apiCall {
	tb.Helper()
	guard := time.NewTimer(20 * time.Second)
	defer guard.Stop()
	for {
		f.mu.Lock()
		ok := cond(f.calls)
		calls := slices.Clone(f.calls)
		ch := f.changed
		f.mu.Unlock()
		if ok {
			return calls
		}
		select {
		case <-ch:
		case <-guard.C:
			require.FailNow(tb, "gave up waiting for "+what, "calls:\n%s", dump(calls))
		}
	}
}

// snapshot returns the calls so far.
func (f *fakeAPI) snapshot() []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// attemptsOf counts every call of method, failed ones included.
func (f *fakeAPI) attemptsOf(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts[method]
}

func dump(calls []apiCall) string {
	var b strings.Builder
	for _, c := range calls {
		fmt.Fprintf(&b, "  %s %v\n", c.Method, c.Params)
	}
	return b.String()
}

// Filters over calls.

func sentTo(calls []apiCall, chat int64) []apiCall {
	var out []apiCall
	for _, c := range calls {
		if c.Method == "sendMessage" && c.Params["chat_id"] == strconv.FormatInt(chat, 10) {
			out = append(out, c)
		}
	}
	return out
}

func byMethod(calls []apiCall, method string) []apiCall {
	var out []apiCall
	for _, c := range calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// withText are the calls whose plain text (HTML unescaped) contains s.
func withText(calls []apiCall, s string) []apiCall {
	var out []apiCall
	for _, c := range calls {
		if strings.Contains(c.plain(), s) {
			out = append(out, c)
		}
	}
	return out
}

// plain is the text of a sendMessage as the user sees it.
func (c apiCall) plain() string {
	t := strings.NewReplacer("<b>", "", "</b>", "").Replace(c.Params["text"])
	return html.UnescapeString(t)
}

// buttons are the inline buttons of a call, by text → callback data.
func (c apiCall) buttons(tb testing.TB) map[string]string {
	tb.Helper()
	out := map[string]string{}
	raw := c.Params["reply_markup"]
	if raw == "" {
		return out
	}
	var kb struct {
		InlineKeyboard [][]map[string]any `json:"inline_keyboard"`
	}
	require.NoError(tb, json.Unmarshal([]byte(raw), &kb), "reply_markup %q", raw)
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			require.NotContains(tb, b, "copy_text", "button %v carries copy_text", b)
			text, _ := b["text"].(string)
			data, _ := b["callback_data"].(string)
			out[text] = data
		}
	}
	return out
}
