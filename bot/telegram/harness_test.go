package telegram_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/bot/telegram"
	"partybot/feedback"
	"partybot/internal/pgtest"
	"partybot/sqlstore"
	"partybot/tickets"
)

// The people of the tests.
const (
	resident  int64 = 1001 // submits demands
	staff     int64 = 2001 // 区人社局
	stranger  int64 = 3003
	admin     int64 = 9001
	deptChat  int64 = -100777 // 区人社局's group
	adminChat int64 = -100999
)

var names = map[int64]string{resident: "张师傅", staff: "李科员", stranger: "路人", admin: "王主任"}

// harness is a server for an assistant with a real knowledge base and
// ticket store, talking to a fake Bot API server. Its state and tickets
// are SQLite files of its own unless an option puts them elsewhere; a
// replica ([harness.replica]) shares them, the Bot API server and the
// clock.
type harness struct {
	tb    testing.TB
	api   *fakeAPI
	dir   string
	kb    *bot.KnowledgeBase
	cfg   telegram.Config
	clock *clock
	logs  *syncBuffer
	ids   *atomic.Int64 // update and message ids, shared with replicas

	ticketsDSN string

	// stub replaces the real assistant when set.
	stub telegram.Assistant
	// extra are options of the real assistant.
	extra []bot.Option

	store *tickets.Store
	fb    *feedback.Store
	srv   *telegram.Server

	mu    sync.Mutex
	waits []time.Duration // 429 pauses asked for

	cancel context.CancelFunc
	done   chan error
}

type option func(*harness)

func withConfig(fn func(*telegram.Config)) option { return func(h *harness) { fn(&h.cfg) } }
func withStub(a telegram.Assistant) option        { return func(h *harness) { h.stub = a } }
func withAssistant(o ...bot.Option) option {
	return func(h *harness) { h.extra = append(h.extra, o...) }
}

// onEngine puts the harness's state and tickets on a new database of e.
func onEngine(e engine) option {
	return func(h *harness) { h.cfg.StateDSN, h.ticketsDSN = e.newDBs(h.tb) }
}

// engine is a database engine the server's state runs on.
type engine struct {
	name string
	// newDBs returns where a new state store and ticket store are: files
	// in tb's temporary directory, or one new schema of the test
	// PostgreSQL database, dropped at the end of tb.
	newDBs func(tb testing.TB) (state, tickets string)
}

var engines = []engine{
	{name: "sqlite", newDBs: func(tb testing.TB) (string, string) {
		dir := tb.TempDir()
		return filepath.Join(dir, "telegram.db"), filepath.Join(dir, "tickets.db")
	}},
	{name: "postgres", newDBs: func(tb testing.TB) (string, string) {
		dsn := pgtest.URL(tb)
		return dsn, dsn
	}},
}

// eachEngine runs test once per engine, as subtests "sqlite" and
// "postgres"; the PostgreSQL one is skipped without
// PARTYBOT_TEST_DATABASE_URL (and fails without it under CI=true).
func eachEngine(t *testing.T, test func(t *testing.T, e engine)) {
	t.Helper()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { test(t, e) })
	}
}

// replica returns a second server of the same bot: the same Bot API
// server, state, tickets and clock, and a knowledge base, feedback and
// process of its own, as another replica would have.
func (h *harness) replica(opts ...option) *harness {
	h.tb.Helper()
	share := func(r *harness) {
		r.api, r.clock, r.ids = h.api, h.clock, h.ids
		r.cfg.StateDSN, r.ticketsDSN = h.cfg.StateDSN, h.ticketsDSN
	}
	return newHarness(h.tb, append([]option{share}, opts...)...)
}

func newHarness(tb testing.TB, opts ...option) *harness {
	tb.Helper()
	dir := tb.TempDir()
	kb, err := bot.OpenKnowledgeBase(context.Background(), filepath.Join(dir, "kb"), bot.KnowledgeBaseOptions{})
	require.NoError(tb, err)
	h := &harness{tb: tb, api: newFakeAPI(tb), dir: dir, kb: kb, logs: &syncBuffer{}, ids: &atomic.Int64{},
		clock:      &clock{t: time.Date(2026, 3, 10, 10, 0, 0, 0, tickets.DefaultLocation)},
		ticketsDSN: filepath.Join(dir, "tickets.db")}
	h.cfg = telegram.Config{
		StateDSN:      filepath.Join(dir, "telegram.db"),
		BotUsername:   h.api.username,
		Admins:        []string{strconv.FormatInt(admin, 10)},
		AdminChatID:   adminChat,
		RatePerMinute: -1,
		PollTimeout:   2 * time.Second,
		NoticeEvery:   time.Hour, // notices go out after each update
		Logger:        slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, o := range opts {
		o(h)
	}
	h.cfg.APIURL = h.api.srv.URL
	h.open()
	tb.Cleanup(func() {
		if h.cancel != nil {
			h.stop()
		}
		h.close()
		logs := h.logs.String()
		assert.NotContains(tb, logs, testToken, "the token reached the log")
		assert.NotContains(tb, logs, "secret-token", "the token reached the log")
	})
	return h
}

// open opens the stores, the assistant and the server on h.dir.
func (h *harness) open() {
	h.tb.Helper()
	ctx := context.Background()
	depts, err := tickets.MergeDepartments(tickets.DefaultDepartments(),
		[]tickets.Department{{Key: "renshe", ChatID: deptChat, Staff: []string{strconv.FormatInt(staff, 10)}}})
	require.NoError(h.tb, err)
	asst := h.stub
	if asst == nil {
		router, err := tickets.NewRouter(depts)
		require.NoError(h.tb, err)
		open := tickets.Open
		if sqlstore.IsPostgresURL(h.ticketsDSN) {
			open = tickets.OpenPostgres
		}
		h.store, err = open(ctx, h.ticketsDSN, tickets.WithDepartments(depts), tickets.WithClock(h.clock.now))
		require.NoError(h.tb, err)
		h.fb, err = feedback.Open(ctx, filepath.Join(h.dir, "feedback.db"))
		require.NoError(h.tb, err)
		viewer := func(id string) tickets.Viewer {
			v := tickets.Viewer{UserID: id, Admin: id == strconv.FormatInt(admin, 10)}
			if id == strconv.FormatInt(staff, 10) {
				v.Departments = []string{"renshe"}
			}
			return v
		}
		asst = bot.NewAssistant(bot.NewAnswerer(h.kb), append([]bot.Option{bot.WithDesk(&bot.Desk{Store: h.store, Extract: router.ExtractContext, Viewer: viewer,
			Files: tickets.Files{Dir: filepath.Join(h.dir, "attachments")}}),
			bot.WithFeedback(h.fb), bot.WithKnowledgeBase(h.kb)}, h.extra...)...)
	}
	srv, err := telegram.Open(ctx, testToken, asst, h.cfg)
	require.NoError(h.tb, err)
	srv.SetWait(func(ctx context.Context, d time.Duration) error {
		h.mu.Lock()
		h.waits = append(h.waits, d)
		h.mu.Unlock()
		return ctx.Err()
	})
	h.srv = srv
}

func (h *harness) close() {
	h.srv.Close()
	if h.store != nil {
		h.store.Close()
		h.fb.Close()
	}
}

// start runs the server until stop.
func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	srv := h.srv
	go func() { h.done <- srv.Run(ctx) }()
}

// stop ends Run and checks that it returned nil.
func (h *harness) stop() {
	h.tb.Helper()
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		require.NoError(h.tb, err, "Run")
	case <-time.After(30 * time.Second):
		require.FailNow(h.tb, "Run did not return after its context ended")
	}
}

// restart stops the server and opens everything again on the same files,
// as a new process would.
func (h *harness) restart() {
	h.tb.Helper()
	h.stop()
	h.close()
	h.open()
	h.start()
}

// process handles u at once, through the library's ProcessUpdate.
func (h *harness) process(u *models.Update) { h.srv.ProcessUpdate(context.Background(), u) }

func (h *harness) id() int64 { return h.ids.Add(1) }

func user(id int64) *models.User { return &models.User{ID: id, FirstName: names[id]} }

// say is a private message from a user.
func (h *harness) say(from int64, text string) *models.Update {
	return &models.Update{ID: h.id(), Message: &models.Message{ID: int(h.id()), Date: 1, From: user(from),
		Chat: models.Chat{ID: from, Type: models.ChatTypePrivate}, Text: text}}
}

// sayIn is a message in group chat.
func (h *harness) sayIn(chat, from int64, text string, entities ...models.MessageEntity) *models.Update {
	return &models.Update{ID: h.id(), Message: &models.Message{ID: int(h.id()), Date: 1, From: user(from),
		Chat: models.Chat{ID: chat, Type: models.ChatTypeSupergroup}, Text: text, Entities: entities}}
}

// replyTo is a group message answering the bot's message c.
func (h *harness) replyTo(c apiCall, from int64, text string) *models.Update {
	u := h.sayIn(chatOfCall(c), from, text)
	u.Message.ReplyToMessage = &models.Message{ID: c.MsgID, Date: 1, From: &models.User{ID: h.api.botID, IsBot: true},
		Chat: u.Message.Chat}
	return u
}

// press is a user pressing a button with data under the bot's message c.
func (h *harness) press(from int64, c apiCall, data string) *models.Update {
	chat := chatOfCall(c)
	typ := models.ChatTypePrivate
	if chat < 0 {
		typ = models.ChatTypeSupergroup
	}
	return &models.Update{ID: h.id(), CallbackQuery: &models.CallbackQuery{
		ID: "cb" + strconv.FormatInt(h.id(), 10), From: *user(from), Data: data,
		Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage,
			Message: &models.Message{ID: c.MsgID, Date: 1, Chat: models.Chat{ID: chat, Type: typ},
				From: &models.User{ID: h.api.botID, IsBot: true}}},
	}}
}

func chatOfCall(c apiCall) int64 {
	id, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
	return id
}

// ticket reads a ticket as an admin.
func (h *harness) ticket(number string) *tickets.Ticket {
	h.tb.Helper()
	t, err := h.store.FindTicketByNumber(context.Background(), tickets.Viewer{Admin: true}, number)
	require.NoError(h.tb, err)
	return t
}

// ticketCount is how many tickets there are.
func (h *harness) ticketCount() int {
	h.tb.Helper()
	ts, err := h.store.FindTickets(context.Background(), tickets.Viewer{Admin: true}, tickets.TicketFilter{})
	require.NoError(h.tb, err)
	return len(ts)
}

var numberRE = regexp.MustCompile(`\d{4}-\d{6}`)

// clock is the ticket store's clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

func (s *syncBuffer) String() string { return string(s.Bytes()) }

// one returns the only call of calls, failing otherwise.
func one(tb testing.TB, what string, calls []apiCall) apiCall {
	tb.Helper()
	require.Equal(tb, 1, len(calls), "want one %s:\n%s", what, dump(calls))
	return calls[0]
}

// last returns the last call of calls.
func last(tb testing.TB, what string, calls []apiCall) apiCall {
	tb.Helper()
	require.NotEmpty(tb, calls, "no %s", what)
	return calls[len(calls)-1]
}
