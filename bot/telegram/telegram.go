// Package telegram runs a [bot.Assistant] on Telegram with
// github.com/go-telegram/bot. It only translates: updates into
// [bot.Assistant.Handle] and [bot.Assistant.Callback] calls, replies into
// HTML messages with inline keyboards and documents, the assistant's
// notices into messages to department, user and admin chats. Who may do
// what is decided by the assistant from the user id Telegram vouches for,
// never from callback data.
//
// Around that it gives the library what it lacks: a recover middleware,
// bounded concurrency with per-chat ordering, 429 retries that honour
// retry_after, timeouts and a graceful shutdown. Its state — updates
// claimed and done, the calls made for each, conversations, notices sent
// — is in a SQLite file or in a PostgreSQL database that several replicas
// of the bot share, which then behave as one (see claim.go).
package telegram

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"partybot/bot"
	"partybot/redact"
)

// Assistant is what the server needs of the assistant (*bot.Assistant).
type Assistant interface {
	HandleStream(ctx context.Context, s *bot.Session, text string, onDelta func(string)) (bot.Reply, error)
	Callback(ctx context.Context, s *bot.Session, data string) (bot.Reply, error)
	PendingNotices(ctx context.Context, limit int) ([]bot.Notice, error)
	NoticeDelivered(ctx context.Context, n bot.Notice) error
	NoticeFailed(ctx context.Context, n bot.Notice, cause error) error
	MayUpload(s *bot.Session) bool
	Upload(ctx context.Context, s *bot.Session, name string, data []byte) (bot.Reply, error)
	HandleMedia(ctx context.Context, s *bot.Session, m bot.Media) (bot.Reply, error)
	NoticeLease() time.Duration
}

var _ Assistant = (*bot.Assistant)(nil)

// Config holds the settings of a [Server]. StateDSN is required; every
// other zero value takes the default given.
type Config struct {
	// StateDSN is where the server keeps its state (updates claimed and
	// done, conversations, notices sent): a SQLite file, e.g.
	// data/telegram.db, or a postgres:// URL, the database the replicas of
	// the bot share.
	StateDSN string
	// APIURL is the Bot API server (TELEGRAM_API_URL): a self-hosted one, or
	// a fake in tests. Default https://api.telegram.org.
	APIURL string

	// WebhookURL, when set, switches from long polling to a webhook: the
	// server listens on WebhookListen, registers WebhookURL with setWebhook
	// and takes updates POSTed to its path that carry WebhookSecret.
	WebhookURL    string
	WebhookListen string // default ":8443"
	WebhookSecret string // default: derived from the token, the same on every replica (1–256 of A-Z a-z 0-9 _ -)

	// Allowed reports whether a user (Telegram user id in decimal) may use
	// the bot; the others get a polite refusal. Nil allows everyone.
	Allowed func(userID string) bool
	// Admins are the administrators' user ids: admin notices (督办) go to
	// each one's private chat.
	Admins []string
	// AdminChatID is an optional group chat that also gets admin notices.
	AdminChatID int64
	// BotUsername is the bot's @username without "@", for mentions and
	// "/cmd@bot" in groups, until Run learns it from getMe (which also
	// checks the token).
	BotUsername string

	// RatePerMinute and RateBurst limit each user's messages and button
	// presses: a sustained rate and a burst (default 20 a minute, bursts
	// of 8), on each replica; replicas sharing a database allow a user at
	// most RatePerMinute + RateBurst a minute together (see rate.go). A
	// negative RatePerMinute turns the limit off. The limit is applied as
	// an update arrives, before it is queued.
	RatePerMinute int
	RateBurst     int

	Workers     int           // updates handled at once (default 8)
	QueueSize   int           // updates waiting for a worker (default 1024)
	ChatQueue   int           // updates of one chat waiting (default QueueSize/16, at least 8)
	MaxSessions int           // conversations kept in memory (default 10,000)
	SessionTTL  time.Duration // a conversation idle this long is dropped (default 24 h)

	HandleTimeout   time.Duration // one update, all its calls included (default 2 min)
	SendTimeout     time.Duration // one Bot API call (default 30 s; uploads get 4×)
	PollTimeout     time.Duration // long polling (default 30 s)
	ShutdownTimeout time.Duration // in-flight handlers at shutdown (default 30 s)
	MaxRetryAfter   time.Duration // longest 429 wait honoured (default 60 s)

	// UpdateLease is how long an update claimed stays this replica's to
	// handle (default HandleTimeout + 1 min): it must outlast the update's
	// wait in the queue and its handling. When a replica dies, the others
	// take its updates over once their lease has ended.
	UpdateLease time.Duration

	// NoticeEvery is how often the outbox is polled besides after each
	// update (default 5 s); SweepEvery how often Sweep runs (default 5 min).
	NoticeEvery time.Duration
	SweepEvery  time.Duration
	// Sweep is the periodic 督办 pass (tickets.Store.Sweep); nil for none.
	Sweep func(ctx context.Context, now time.Time) error

	// Logger receives the server's logs; never the token. Default: discard.
	Logger *slog.Logger
}

func (c *Config) defaults() {
	set := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.APIURL == "" {
		c.APIURL = "https://api.telegram.org"
	}
	c.APIURL = strings.TrimRight(c.APIURL, "/")
	if c.WebhookListen == "" {
		c.WebhookListen = ":8443"
	}
	if c.RatePerMinute == 0 {
		c.RatePerMinute = 20
	}
	if c.RateBurst <= 0 {
		c.RateBurst = 8
	}
	if c.Workers <= 0 {
		c.Workers = 8
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 1024
	}
	if c.ChatQueue <= 0 {
		c.ChatQueue = max(c.QueueSize/16, 8)
	}
	if c.MaxSessions <= 0 {
		c.MaxSessions = 10_000
	}
	set(&c.SessionTTL, 24*time.Hour)
	set(&c.HandleTimeout, 2*time.Minute)
	set(&c.UpdateLease, c.HandleTimeout+time.Minute)
	set(&c.SendTimeout, 30*time.Second)
	set(&c.PollTimeout, 30*time.Second)
	set(&c.ShutdownTimeout, 30*time.Second)
	set(&c.MaxRetryAfter, time.Minute)
	set(&c.NoticeEvery, 5*time.Second)
	set(&c.SweepEvery, 5*time.Minute)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// keepUpdates is how long updates, the calls made for them and notice
// deliveries are remembered; Telegram gives up on an update after 24
// hours.
const keepUpdates = 7 * 24 * time.Hour

// Server is the Telegram bot: it takes updates by long polling or webhook,
// hands them to the assistant and delivers the assistant's notices.
type Server struct {
	cfg     Config
	token   string
	secrets *redact.Redactor // the token and the webhook secret
	asst    Assistant
	bot     *tgbot.Bot
	client  *http.Client // the Bot API's, also for file downloads
	store   *store
	people  *people
	log     *slog.Logger
	admins  []int64

	// claimant names this server in the updates it claims.
	claimant string

	botID    int64
	username string

	mu   sync.Mutex
	disp *dispatcher[job] // set while Run takes updates

	// Slow-down notices are sent aside from the queue, a few at a time.
	asides  chan struct{}
	asideWG sync.WaitGroup

	noticeMu sync.Mutex    // one outbox drain at a time
	held     *leased       // notices leased and not yet delivered
	kick     chan struct{} // wakes the outbox loop

	// Hooks for tests.
	now       func() time.Time
	wait      func(ctx context.Context, d time.Duration) error // the 429 pause
	listening func(net.Addr)                                   // the webhook listener is up
	dies      func(u *models.Update) bool                      // true: the handling of u ends as if the process died
}

// Open returns a server for asst on the bot with token, opening its state
// at cfg.StateDSN. The token is only ever sent to the Bot API server.
// Returns an error for an empty token or StateDSN, or when the state
// cannot be opened.
func Open(ctx context.Context, token string, asst Assistant, cfg Config) (*Server, error) {
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("telegram: empty bot token")
	}
	cfg.defaults()
	if cfg.StateDSN == "" {
		return nil, errors.New("telegram: no state database (StateDSN)")
	}
	st, err := openStore(ctx, cfg.StateDSN, cfg.Workers+4)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		token:    token,
		secrets:  redact.New(token, tokenSecret(token), cfg.WebhookSecret, webhookSecret(token)),
		asst:     asst,
		store:    st,
		people:   newPeople(cfg.MaxSessions, cfg.SessionTTL, cfg.RatePerMinute, cfg.RateBurst),
		log:      cfg.Logger,
		claimant: randomID(),
		username: strings.TrimPrefix(cfg.BotUsername, "@"),
		kick:     make(chan struct{}, 1),
		asides:   make(chan struct{}, cfg.Workers),
		now:      time.Now,
		wait:     sleep,
	}
	for _, a := range cfg.Admins {
		if id, err := strconv.ParseInt(strings.TrimSpace(a), 10, 64); err == nil && id != 0 {
			s.admins = append(s.admins, id)
		}
	}
	s.client = &http.Client{
		// Above the long poll and the longest upload; calls have their own,
		// shorter deadlines.
		Timeout: max(cfg.PollTimeout+cfg.SendTimeout, 4*cfg.SendTimeout+10*time.Second),
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: cfg.PollTimeout + 10*time.Second,
			MaxIdleConnsPerHost:   cfg.Workers + 2,
			IdleConnTimeout:       90 * time.Second,
			ForceAttemptHTTP2:     true,
		},
	}
	b, err := tgbot.New(token,
		tgbot.WithServerURL(cfg.APIURL),
		tgbot.WithSkipGetMe(), // Run asks getMe itself, with retries and a clear error
		tgbot.WithHTTPClient(cfg.PollTimeout, s.client),
		tgbot.WithDefaultHandler(s.receive),
		// The library would start a goroutine per update; updates are
		// handed to the dispatcher instead, from the one intake goroutine.
		tgbot.WithNotAsyncHandlers(),
		// Unbuffered: an update is taken from Telegram only as fast as the
		// dispatcher accepts it, so few are confirmed before being queued.
		tgbot.WithUpdatesChannelCap(0),
		tgbot.WithAllowedUpdates(tgbot.AllowedUpdates{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery}),
		tgbot.WithErrorsHandler(func(err error) {
			if strings.Contains(err.Error(), "ctx done") {
				// Shutting down: an update not taken is not confirmed
				// either, and Telegram sends it again after the restart.
				s.log.Info("telegram client", "err", s.redact(err))
				return
			}
			s.log.Warn("telegram client", "err", s.redact(err))
		}),
	)
	if err != nil {
		st.close()
		return nil, fmt.Errorf("telegram: %s", s.redact(err))
	}
	s.bot = b
	s.botID = b.ID()
	return s, nil
}

// tokenSecret is the secret half of a bot token ("123456:ABC…" → "ABC…").
func tokenSecret(token string) string {
	_, secret, _ := strings.Cut(token, ":")
	return secret
}

// Close closes the server's state. Call it after Run returns.
func (s *Server) Close() error { return s.store.close() }

// redact returns err's text with the token, its secret half and the
// webhook secret masked, in any encoding.
func (s *Server) redact(err error) string { return s.secrets.Error(err) }

// Run takes updates until ctx ends — by long polling, or by webhook when
// Config.WebhookURL is set — and meanwhile delivers notices and runs the
// sweep. When ctx ends it stops taking updates, finishes the handlers in
// flight (for up to Config.ShutdownTimeout), delivers what they queued and
// returns nil. It returns an error when the bot cannot start: a token
// Telegram refuses, a listener that cannot bind, a webhook not set.
func (s *Server) Run(ctx context.Context) error {
	if err := s.identify(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	// Handlers run on a context that outlives ctx: at shutdown they finish
	// their work and send their replies, until the shutdown timeout.
	hctx, hardStop := context.WithCancel(context.WithoutCancel(ctx))
	defer hardStop()
	d := newDispatcher(s.cfg.Workers, s.cfg.QueueSize, s.cfg.ChatQueue, func(j job) { s.run(hctx, j) })
	s.mu.Lock()
	s.disp = d
	s.mu.Unlock()

	var loops sync.WaitGroup
	loops.Add(3)
	go func() { defer loops.Done(); s.noticeLoop(ctx) }()
	go func() { defer loops.Done(); s.sweepLoop(ctx) }()
	go func() { defer loops.Done(); s.recoverLoop(ctx) }()

	var err error
	if s.cfg.WebhookURL != "" {
		err = s.serveWebhook(ctx)
	} else {
		err = s.poll(ctx)
	}

	// Stop: no more updates come in; finish those taken.
	drained := make(chan struct{})
	go func() { d.close(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(s.cfg.ShutdownTimeout):
		s.log.Warn("shutdown timeout: cancelling handlers still running")
		hardStop()
		<-drained
	}
	s.mu.Lock()
	s.disp = nil
	s.mu.Unlock()
	s.asideWG.Wait()
	loops.Wait()
	// Flush what the last handlers queued.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.SendTimeout)
	defer cancel()
	if _, ferr := s.DeliverNotices(fctx); ferr != nil {
		s.log.Warn("final notice delivery", "err", s.redact(ferr))
	}
	return err
}

// identify learns the bot's id and username from getMe, retrying on
// network errors; a token Telegram refuses is an error.
func (s *Server) identify(ctx context.Context) error {
	delay := time.Second
	for {
		cctx, cancel := context.WithTimeout(ctx, s.cfg.SendTimeout)
		me, err := s.bot.GetMe(cctx)
		cancel()
		if err == nil {
			s.botID, s.username = me.ID, me.Username
			return nil
		}
		if errors.Is(err, tgbot.ErrorUnauthorized) || errors.Is(err, tgbot.ErrorNotFound) {
			return fmt.Errorf("telegram: the bot token was refused (%s)", s.redact(err))
		}
		s.log.Warn("getMe failed; retrying", "err", s.redact(err), "in", delay)
		if err := s.wait(ctx, delay); err != nil {
			return err
		}
		delay = min(2*delay, time.Minute)
	}
}

// poll takes updates by long polling until ctx ends.
func (s *Server) poll(ctx context.Context) error {
	// A webhook left from an earlier run would make getUpdates fail.
	cctx, cancel := context.WithTimeout(ctx, s.cfg.SendTimeout)
	_, err := s.bot.DeleteWebhook(cctx, &tgbot.DeleteWebhookParams{})
	cancel()
	if err != nil && ctx.Err() == nil {
		s.log.Warn("deleteWebhook", "err", s.redact(err))
	}
	s.log.Info("taking updates by long polling", "bot", s.username)
	s.bot.Start(ctx) // returns when ctx ends, after the update in hand is queued
	return nil
}

// job is an update admitted to the queue.
type job struct {
	u       *models.Update
	v       verdict // allowed or slowDown
	claimed bool    // the store holds its claim
}

// receive is the library's handler: it takes the update while Run is on,
// and handles it at once otherwise (as in tests that call ProcessUpdate).
func (s *Server) receive(ctx context.Context, _ *tgbot.Bot, u *models.Update) {
	if s.dispatcher() == nil {
		switch v, _ := s.admit(ctx, u); v {
		case slowDown:
			s.run(ctx, job{u: u, v: v})
		case allowed:
			if claimed, ok := s.claim(ctx, u); ok {
				s.run(ctx, job{u: u, v: v, claimed: claimed})
			}
		}
		return
	}
	// Not ctx: an update the library has taken may already be confirmed
	// to Telegram, so it is queued even while the intake stops.
	if !s.take(context.Background(), u) {
		s.log.Warn("update not queued: the dispatcher is closed; left to another replica or the next start", "update", u.ID)
	}
}

func (s *Server) dispatcher() *dispatcher[job] {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.disp
}

// take applies the rate limit to u, claims it and queues it for the
// dispatcher. It reports false when u could not be queued (the dispatcher
// is closed, or ctx ended while the queue was full): its claim then runs
// out, and a replica takes it over. An update refused by the rate limit,
// or because its chat has too many waiting, or that is done or in hand
// already, counts as taken.
func (s *Server) take(ctx context.Context, u *models.Update) bool {
	v, from := s.admit(ctx, u)
	switch v {
	case drop:
		return true
	case slowDown:
		s.aside(u)
		return true
	}
	d := s.dispatcher()
	if d == nil {
		return false
	}
	claimed, ok := s.claim(ctx, u)
	if !ok {
		return true
	}
	err := d.enqueue(ctx, chatOf(u), job{u: u, v: v, claimed: claimed})
	if errors.Is(err, errChatFull) {
		s.log.Warn("update dropped: its chat has too many waiting", "update", u.ID, "chat", chatOf(u))
		s.finish(ctx, &handling{id: u.ID, claimed: claimed}) // dropped for good
		if s.people.refuse(from, s.now()) == slowDown {
			s.aside(u)
		}
		return true
	}
	return err == nil
}

// queue queues j, whose update is claimed, or handles it at once when Run
// is not on. It reports false when j could not be queued.
func (s *Server) queue(ctx context.Context, j job) bool {
	d := s.dispatcher()
	if d == nil {
		s.run(ctx, j)
		return true
	}
	return d.enqueue(ctx, chatOf(j.u), j) == nil
}

// admit applies the rate limit to u as it arrives, before it is queued,
// so that a flood of one user never holds up the others: it returns
// allowed, slowDown (tell them once) or drop, and the user it counted
// against. Updates the bot does not handle (other bots', group talk not
// addressed to it) are dropped without counting.
func (s *Server) admit(ctx context.Context, u *models.Update) (verdict, int64) {
	var from *models.User
	switch {
	case u.Message != nil:
		m := u.Message
		if m.Chat.Type != models.ChatTypePrivate {
			if _, ok := s.addressed(m); !ok {
				return drop, 0
			}
		}
		from = m.From
	case u.CallbackQuery != nil:
		from = &u.CallbackQuery.From
	}
	if from == nil || from.ID == 0 || from.IsBot {
		return drop, 0
	}
	now := s.now()
	v := s.people.allow(from.ID, now)
	if v == allowed {
		v = s.sharedLimit(ctx, from.ID, now)
	}
	return v, from.ID
}

// run handles a job: the update, or the notice that its user is over the
// rate limit. An update cut short by the shutdown (ctx ended) is given
// back, not done: another replica, or the next start, handles it again.
func (s *Server) run(ctx context.Context, j job) {
	if j.v == slowDown {
		s.slowDown(ctx, j.u)
		return
	}
	h := s.begin(ctx, j)
	if h == nil {
		return
	}
	s.handle(ctx, h, j.u)
	if s.dies != nil && s.dies(j.u) {
		return
	}
	if ctx.Err() != nil {
		s.abandon(ctx, h)
		return
	}
	s.finish(ctx, h)
}

// aside tells the user of u to slow down without holding up the intake or
// the queue; under a flood of many users, some go untold.
func (s *Server) aside(u *models.Update) {
	select {
	case s.asides <- struct{}{}:
	default:
		s.log.Warn("slow-down notice skipped: too many in flight", "update", u.ID)
		return
	}
	s.asideWG.Add(1)
	go func() {
		defer s.asideWG.Done()
		defer func() { <-s.asides }()
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.SendTimeout)
		defer cancel()
		s.slowDown(ctx, u)
	}()
}

// slowDown tells the user of u, once, that they send too fast: in the
// chat they wrote in, or on the button they pressed.
func (s *Server) slowDown(ctx context.Context, u *models.Update) {
	switch {
	case u.CallbackQuery != nil:
		s.answerCallback(ctx, nil, u.CallbackQuery.ID, msgSlowDown, true)
	case u.Message != nil:
		t := target{chat: u.Message.Chat.ID, thread: u.Message.MessageThreadID}
		if u.Message.Chat.Type != models.ChatTypePrivate {
			t.group, t.replyTo = true, u.Message.ID
		}
		s.deliver(ctx, t, bot.Reply{Text: msgSlowDown})
	}
}

// chatOf is the chat an update belongs to, for ordering.
func chatOf(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil:
		if chat, _ := origin(u.CallbackQuery); chat != 0 {
			return chat
		}
		return u.CallbackQuery.From.ID
	}
	return 0
}

// handle routes u, turning a panic into a log line and an apology instead
// of the end of the process.
func (s *Server) handle(ctx context.Context, h *handling, u *models.Update) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("handler panic", "update", u.ID, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			s.apologize(ctx, h, u)
		}
	}()
	s.route(ctx, h, u)
}

// apologize tells the user of u that something went wrong, where that
// cannot disturb a group: a private chat, or the pressed button.
func (s *Server) apologize(ctx context.Context, h *handling, u *models.Update) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("apology panic", "panic", fmt.Sprint(r))
		}
	}()
	const sorry = "抱歉，处理时出现内部错误，请稍后再试。"
	switch {
	case u.CallbackQuery != nil:
		s.answerCallback(ctx, h, u.CallbackQuery.ID, sorry, true)
	case u.Message != nil && u.Message.Chat.Type == models.ChatTypePrivate:
		s.deliver(ctx, target{h: h, chat: u.Message.Chat.ID}, bot.Reply{Text: sorry})
	}
}

// route handles one update.
func (s *Server) route(ctx context.Context, h *handling, u *models.Update) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.HandleTimeout)
	defer cancel()
	switch {
	case u.Message != nil:
		s.onMessage(ctx, h, u.Message)
	case u.CallbackQuery != nil:
		s.onCallback(ctx, h, u.CallbackQuery)
	default:
		return
	}
	s.kickNotices()
}

// kickNotices wakes the outbox loop: the update may have queued notices.
func (s *Server) kickNotices() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// randomID names a server among the replicas.
func randomID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
