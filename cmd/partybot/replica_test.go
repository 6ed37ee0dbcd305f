package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/internal/pgtest"
	"partybot/sqlstore"
)

// fakeTelegram is a Bot API server for replicas in webhook mode: it
// accepts every call and records what was sent.
type fakeTelegram struct {
	token string
	mu    sync.Mutex
	sent  []sentMessage
	next  int
}

// sentMessage is one sendMessage or editMessageText call.
type sentMessage struct {
	Method, Chat, Text, Markup string
}

func (f *fakeTelegram) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/bot"+f.token+"/")
	if !ok {
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	params := formParams(r)
	var result any = true
	switch method {
	case "getMe":
		result = map[string]any{"id": 42, "is_bot": true, "first_name": "党务助手", "username": "partybot_bot"}
	case "sendMessage", "editMessageText":
		f.mu.Lock()
		f.next++
		f.sent = append(f.sent, sentMessage{method, params["chat_id"], params["text"], params["reply_markup"]})
		id := f.next
		f.mu.Unlock()
		result = map[string]any{"message_id": id, "date": 1, "chat": map[string]any{"id": 1, "type": "private"}, "text": params["text"]}
	case "editMessageReplyMarkup":
		result = map[string]any{"message_id": 1, "date": 1, "chat": map[string]any{"id": 1, "type": "private"}}
	}
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func formParams(r *http.Request) map[string]string {
	params := map[string]string{}
	if _, ps, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && ps["boundary"] != "" {
		mr := multipart.NewReader(r.Body, ps["boundary"])
		for p, err := mr.NextPart(); err == nil; p, err = mr.NextPart() {
			b, _ := io.ReadAll(p)
			params[p.FormName()] = string(b)
		}
	}
	return params
}

// messages returns the messages sent so far whose text contains s.
func (f *fakeTelegram) messages(s string) []sentMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []sentMessage
	for _, m := range f.sent {
		if strings.Contains(m.Text, s) {
			out = append(out, m)
		}
	}
	return out
}

// replica is one "partybot serve" process.
type replica struct {
	cmd     *exec.Cmd
	webhook string // host:port
	log     *bytes.Buffer
}

const replicaSecret = "replica-webhook-secret"

// startReplica starts the built binary as a replica in webhook mode on
// database url with data directory dir.
func startReplica(t *testing.T, bin, dir, config, apiURL, dbURL string) *replica {
	t.Helper()
	r := &replica{webhook: freeAddr(t), log: &bytes.Buffer{}}
	r.cmd = exec.Command(bin, "serve")
	r.cmd.Env = append(os.Environ(),
		"TELEGRAM_BOT_TOKEN=42:replica-test-token", "TELEGRAM_API_URL="+apiURL,
		"PARTYBOT_WEBHOOK_URL=https://bot.example.org/telegram", "PARTYBOT_WEBHOOK_LISTEN="+r.webhook,
		"PARTYBOT_WEBHOOK_SECRET="+replicaSecret, "PARTYBOT_DATABASE_URL="+dbURL,
		"PARTYBOT_DATA="+dir, "PARTYBOT_CONFIG="+config)
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	require.NoError(t, r.cmd.Start())
	t.Cleanup(func() { r.cmd.Process.Kill(); r.cmd.Wait() })
	return r
}

// post delivers update to the replica's webhook as Telegram does and
// returns the status (0 when the call failed).
func (r *replica) post(update map[string]any) int {
	b, _ := json.Marshal(update)
	req, _ := http.NewRequest(http.MethodPost, "http://"+r.webhook+"/telegram", bytes.NewReader(b))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", replicaSecret)
	req.Header.Set("Content-Type", "application/json")
	res, err := (&http.Client{Timeout: 90 * time.Second}).Do(req)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// waitReady posts nothing but waits until the webhook listener answers.
func (r *replica) waitReady(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		res, err := http.Get("http://" + r.webhook + "/telegram")
		if err == nil {
			res.Body.Close()
		}
		return err == nil
	}, 60*time.Second, 50*time.Millisecond, "replica did not start:\n%s", r.log)
}

func textUpdate(id, user int, text string) map[string]any {
	return map[string]any{"update_id": id, "message": map[string]any{
		"message_id": id, "date": time.Now().Unix(), "text": text,
		"chat": map[string]any{"id": user, "type": "private"},
		"from": map[string]any{"id": user, "is_bot": false, "first_name": "骑手"}}}
}

func callbackUpdate(id, user int, data string) map[string]any {
	return map[string]any{"update_id": id, "callback_query": map[string]any{
		"id": fmt.Sprintf("cb%d", id), "data": data, "chat_instance": "x",
		"from":    map[string]any{"id": user, "is_bot": false, "first_name": "骑手"},
		"message": map[string]any{"message_id": 1, "date": time.Now().Unix(), "chat": map[string]any{"id": user, "type": "private"}}}}
}

var submitData = regexp.MustCompile(`dm:ok:[0-9a-f]+`)

// replicaConfig gives 区人社局 a chat and a response deadline of 1.8 s,
// and sweeps every 0.6 s, so that the test sees 督办 reminders; an update
// claimed by a replica that died is taken over after 6 s, and the notices
// it was sending after 10 s.
const replicaConfig = `departments:
  - key: renshe
    chat_id: -1001
    response_hours: 0.0005
telegram:
  sweep_minutes: 0.01
  handle_seconds: 5
  update_lease_seconds: 6
  notice_lease_seconds: 10
`

// TestReplicas runs two real serve processes on one PostgreSQL behind a
// fake Bot API: one conversation interleaved across both files one
// ticket; a redelivered update makes no second ticket or reply; a replica
// killed mid-stream loses no acknowledged ticket and no notice is sent
// twice; the sweep, running on both, sends one reminder per deadline.
func TestReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two serve processes")
	}
	dbURL := pgtest.URL(t)
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "partybot")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	config := filepath.Join(tmp, "partybot.yaml")
	require.NoError(t, os.WriteFile(config, []byte(replicaConfig), 0o600))
	api := &fakeTelegram{token: "42:replica-test-token"}
	ts := httptest.NewServer(api)
	defer ts.Close()

	dir := filepath.Join(tmp, "data")
	a := startReplica(t, bin, dir, config, ts.URL, dbURL)
	a.waitReady(t)
	b := startReplica(t, bin, dir, config, ts.URL, dbURL)
	b.waitReady(t)

	// One conversation across both replicas.
	require.Equal(t, http.StatusOK, a.post(textUpdate(1, 501, "/demand 老板拖欠我们快递员三个月工资了")))
	var key string
	require.Eventually(t, func() bool {
		for _, m := range api.messages("拟交办部门") {
			key = submitData.FindString(m.Markup)
		}
		return key != ""
	}, 30*time.Second, 20*time.Millisecond, "no draft:\n%s\n%s", a.log, b.log)
	require.Equal(t, http.StatusOK, b.post(callbackUpdate(2, 501, key)))
	require.Eventually(t, func() bool { return len(api.messages("诉求已提交")) == 1 }, 30*time.Second, 20*time.Millisecond,
		"not filed on the other replica:\n%s\n%s", a.log, b.log)

	// Telegram delivers the same update again, to either replica.
	require.Equal(t, http.StatusOK, a.post(callbackUpdate(2, 501, key)))
	require.Equal(t, http.StatusOK, b.post(callbackUpdate(2, 501, key)))
	time.Sleep(time.Second)
	assert.Len(t, api.messages("诉求已提交"), 1, "a redelivered update made a second reply")
	assert.Equal(t, 1, countTickets(t, dbURL))

	// A stream of demands, alternating replicas; A is killed mid-way and
	// what it did not acknowledge is delivered to B, as Telegram would.
	const users = 12
	acked := killMidStream(t, api, a, b, users)
	require.Eventually(t, func() bool { return len(api.messages("诉求已提交")) >= 1+acked }, 60*time.Second, 50*time.Millisecond,
		"acknowledged demands not filed:\n%s", b.log)
	filed := api.messages("诉求已提交")
	n := countTickets(t, dbURL)
	assert.GreaterOrEqual(t, n, len(filed), "every ticket a user was told about is in the database")
	for _, m := range filed {
		number := regexp.MustCompile(`\d{4}-\d{6}`).FindString(m.Text)
		assert.Equal(t, 1, ticketCount(t, dbURL, number), number)
	}
	for user, n := range ticketsBySubmitter(t, dbURL) {
		assert.Equal(t, 1, n, "user %s: one demand, one ticket", user)
	}
	// Each new ticket's department notice, and its 督办 reminder when
	// nobody accepted it in time, reaches the department's chat: once, but
	// for the notice in flight when A was killed.
	require.Eventually(t, func() bool {
		return len(departmentNotices(api, "【督办】")) >= n && len(departmentNotices(api, "")) >= 2*n
	}, 60*time.Second, 100*time.Millisecond, "dispatch and 督办 notices")
	time.Sleep(3 * time.Second) // several more sweeps on both replicas
	reminders := departmentNotices(api, "【督办】")
	dispatched := len(departmentNotices(api, "")) - len(reminders)
	// Delivery is at least once: the one notice A was sending when it was
	// killed (sent, not yet marked) goes out again from B once its lease
	// ends. Nothing else may repeat.
	assert.GreaterOrEqual(t, dispatched, n, "dispatch notices: one per ticket")
	assert.GreaterOrEqual(t, len(reminders), n, "督办 reminders: one per ticket and deadline")
	assert.LessOrEqual(t, dispatched+len(reminders), 2*n+1, "notices sent twice beyond the one in flight at the kill")
	twice := 0
	seen := map[string]bool{}
	for _, m := range reminders {
		number := regexp.MustCompile(`\d{4}-\d{6}`).FindString(m.Text)
		if seen[number] {
			twice++
		}
		seen[number] = true
	}
	assert.LessOrEqual(t, twice, 1, "reminders sent twice beyond the one in flight at the kill")
}

// killMidStream files a demand for each of users users, sending the
// drafts and presses alternately to a and b, kills a with SIGKILL half
// way, and re-delivers to b every update a did not acknowledge. It
// returns how many presses were acknowledged.
func killMidStream(t *testing.T, api *fakeTelegram, a, b *replica, users int) int {
	t.Helper()
	acked := 0
	aAlive := true
	deliver := func(first *replica, u map[string]any) {
		if first == a && aAlive && a.post(u) == http.StatusOK {
			return
		}
		require.Equal(t, http.StatusOK, b.post(u), "b refused an update:\n%s", b.log)
	}
	for i := range users {
		user := 600 + i
		id := 100 + 2*i
		first := a
		if i%2 == 1 {
			first = b
		}
		deliver(first, textUpdate(id, user, fmt.Sprintf("/demand 第%d个快递站点老板拖欠工资三个月了", i+1)))
		key := waitKey(t, api, user)
		if i == users/2 {
			killDuring(t, a, b, callbackUpdate(id+1, user, key))
			aAlive = false
		} else {
			deliver(first, callbackUpdate(id+1, user, key))
		}
		acked++
	}
	return acked
}

// killDuring delivers u to a and kills a a moment later, while it handles
// u; when a had not acknowledged u, Telegram delivers it again, to b. An
// update a acknowledged is b's to take over once a's claim expires.
func killDuring(t *testing.T, a, b *replica, u map[string]any) {
	t.Helper()
	status := make(chan int, 1)
	go func() { status <- a.post(u) }()
	time.Sleep(3 * time.Millisecond)
	require.NoError(t, a.cmd.Process.Signal(syscall.SIGKILL))
	a.cmd.Wait()
	got := <-status
	t.Logf("killed replica a while it handled update %v: webhook answered %d", u["update_id"], got)
	if got != http.StatusOK {
		require.Equal(t, http.StatusOK, b.post(u), "b refused an update:\n%s", b.log)
	}
}

// waitKey waits for the draft sent to user and returns its 提交 data.
func waitKey(t *testing.T, api *fakeTelegram, user int) string {
	t.Helper()
	var key string
	require.Eventually(t, func() bool {
		for _, m := range api.messages("拟交办部门") {
			if m.Chat == fmt.Sprint(user) {
				key = submitData.FindString(m.Markup)
			}
		}
		return key != ""
	}, 30*time.Second, 20*time.Millisecond, "no draft for %d", user)
	return key
}

// departmentNotices are the messages sent to the department's chat whose
// text contains s.
func departmentNotices(api *fakeTelegram, s string) []sentMessage {
	var out []sentMessage
	for _, m := range api.messages(s) {
		if m.Chat == "-1001" && m.Method == "sendMessage" {
			out = append(out, m)
		}
	}
	return out
}

func countTickets(t *testing.T, dbURL string) int { return ticketCount(t, dbURL, "") }

// ticketsBySubmitter counts each submitter's tickets.
func ticketsBySubmitter(t *testing.T, dbURL string) map[string]int {
	t.Helper()
	db, err := sqlstore.OpenPostgres(context.Background(), dbURL, "测试库", 1)
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.QueryContext(context.Background(), "SELECT submitter_id, count(*) FROM tickets GROUP BY submitter_id")
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		require.NoError(t, rows.Scan(&id, &n))
		out[id] = n
	}
	require.NoError(t, rows.Err())
	return out
}

// ticketCount counts the tickets in the database, or those numbered
// number when it is not empty.
func ticketCount(t *testing.T, dbURL, number string) int {
	t.Helper()
	db, err := sqlstore.OpenPostgres(context.Background(), dbURL, "测试库", 1)
	require.NoError(t, err)
	defer db.Close()
	var n int
	q, args := "SELECT count(*) FROM tickets", []any{}
	if number != "" {
		q, args = "SELECT count(*) FROM tickets WHERE number = $1", []any{number}
	}
	require.NoError(t, db.QueryRowContext(context.Background(), q, args...).Scan(&n))
	return n
}
