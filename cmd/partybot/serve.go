package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"partybot/bot"
	"partybot/bot/telegram"
	"partybot/feedback"
	"partybot/stations"
	"partybot/strictyaml"
	"partybot/tickets"
)

const serveUsage = `用法：partybot serve
  在 Telegram 上运行党务助手（默认长轮询；设置 PARTYBOT_WEBHOOK_URL 后改用 webhook）。
环境变量：
  TELEGRAM_BOT_TOKEN       机器人令牌（必需，只从环境变量读取，从不写入日志）
  TELEGRAM_API_URL         自建 Bot API 服务器地址（默认 https://api.telegram.org）
  PARTYBOT_WEBHOOK_URL     webhook 的公网 https 地址，例如 https://bot.example.org/telegram
  PARTYBOT_WEBHOOK_LISTEN  webhook 监听地址（默认 :8443）
  PARTYBOT_WEBHOOK_SECRET  webhook 密钥（默认由机器人令牌派生，多台服务器一致）
  PARTYBOT_DATABASE_URL    多台服务器共用的 PostgreSQL（默认使用数据目录中的 SQLite 文件）
  PARTYBOT_HEALTH_LISTEN   健康检查 /healthz、/readyz 的监听地址（默认不提供）
  PARTYBOT_WEB_LISTEN      同时运行工作台（网页与 /api/v1）的监听地址（或配置文件 web.listen；默认不运行）
  PARTYBOT_WEB_URL         工作台的公网地址，/web 命令发送的登录链接用它（或配置文件 web.url）
配置文件 telegram 部分：admin_chat_id、rate_per_minute、rate_burst、workers、queue_size、chat_queue、
  sweep_minutes、handle_seconds、update_lease_seconds、notice_lease_seconds、health_listen、api_url、webhook_url、
  webhook_listen（见 README）`

// TelegramConfig is the "telegram" section of the config file with the
// environment's overrides. The bot token is not here: it is read from
// TELEGRAM_BOT_TOKEN when the bot starts, and never kept in a config.
type TelegramConfig struct {
	// APIURL is a self-hosted Bot API server (TELEGRAM_API_URL).
	APIURL string `yaml:"api_url"`
	// WebhookURL turns on webhook mode (PARTYBOT_WEBHOOK_URL);
	// WebhookListen is the address to listen on (PARTYBOT_WEBHOOK_LISTEN);
	// WebhookSecret the secret token (PARTYBOT_WEBHOOK_SECRET only).
	WebhookURL    string `yaml:"webhook_url"`
	WebhookListen string `yaml:"webhook_listen"`
	WebhookSecret string `yaml:"-"`
	// AdminChatID is a group chat that gets admin notices (督办) besides
	// each admin's private chat.
	AdminChatID int64 `yaml:"admin_chat_id"`
	// RatePerMinute and RateBurst limit each user (0: 20 a minute, bursts
	// of 8; a negative rate turns the limit off).
	RatePerMinute int `yaml:"rate_per_minute"`
	RateBurst     int `yaml:"rate_burst"`
	// Workers and QueueSize bound concurrency (0: 8 and 1,024); ChatQueue
	// is one chat's share of the queue (0: QueueSize/16, at least 8).
	Workers   int `yaml:"workers"`
	QueueSize int `yaml:"queue_size"`
	ChatQueue int `yaml:"chat_queue"`
	// SweepMinutes is how often the 督办 sweep runs (0: every 5 minutes).
	SweepMinutes float64 `yaml:"sweep_minutes"`
	// HandleSeconds bounds the handling of one update (0: 120 s);
	// UpdateLeaseSeconds is how long a replica holds an update it claimed
	// before another may take it over (0: HandleSeconds + 60 s).
	HandleSeconds      float64 `yaml:"handle_seconds"`
	UpdateLeaseSeconds float64 `yaml:"update_lease_seconds"`
	// NoticeLeaseSeconds is how long a replica holds the notices it is
	// sending before another may send them (0: 120 s; at least 10).
	NoticeLeaseSeconds float64 `yaml:"notice_lease_seconds"`
	// HealthListen is where /healthz and /readyz are served
	// (PARTYBOT_HEALTH_LISTEN); empty serves none.
	HealthListen string `yaml:"health_listen"`
}

// readEnv applies the environment variables of the Telegram settings.
func (t *TelegramConfig) readEnv() {
	for _, e := range []struct {
		name string
		dst  *string
	}{
		{"TELEGRAM_API_URL", &t.APIURL},
		{"PARTYBOT_WEBHOOK_URL", &t.WebhookURL},
		{"PARTYBOT_WEBHOOK_LISTEN", &t.WebhookListen},
		{"PARTYBOT_WEBHOOK_SECRET", &t.WebhookSecret},
		{"PARTYBOT_HEALTH_LISTEN", &t.HealthListen},
	} {
		if v := strings.TrimSpace(os.Getenv(e.name)); v != "" {
			*e.dst = v
		}
	}
}

// apply takes the file's section f, keeping what the environment set.
func (t *TelegramConfig) apply(f TelegramConfig) {
	env := *t
	*t = f
	for _, p := range []struct {
		dst *string
		env string
	}{
		{&t.APIURL, env.APIURL}, {&t.WebhookURL, env.WebhookURL}, {&t.WebhookListen, env.WebhookListen},
		{&t.HealthListen, env.HealthListen},
	} {
		if p.env != "" {
			*p.dst = p.env
		}
	}
	t.WebhookSecret = env.WebhookSecret
}

// validate checks the settings' ranges and forms. Returns a
// [*strictyaml.Error] whose Key is the setting at fault ("workers").
func (t TelegramConfig) validate() error {
	for _, u := range []struct{ key, v string }{{"api_url", t.APIURL}, {"webhook_url", t.WebhookURL}} {
		if u.v == "" {
			continue
		}
		if p, err := url.Parse(u.v); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return strictyaml.Errorf(u.key, "telegram.%s 应为 http(s) 地址，而不是 %q", u.key, u.v)
		}
	}
	for _, r := range []struct {
		key      string
		v, limit int
	}{
		{"workers", t.Workers, 256}, {"queue_size", t.QueueSize, 1_000_000}, {"chat_queue", t.ChatQueue, 1_000_000},
	} {
		if r.v < 0 || r.v > r.limit {
			return strictyaml.Errorf(r.key, "telegram.%s 应在 1 到 %d 之间（0 表示默认）", r.key, r.limit)
		}
	}
	switch {
	case t.RateBurst < 0:
		return strictyaml.Errorf("rate_burst", "telegram.rate_burst 不能为负数")
	case t.SweepMinutes < 0:
		return strictyaml.Errorf("sweep_minutes", "telegram.sweep_minutes 不能为负数")
	case t.HandleSeconds < 0 || t.HandleSeconds > 3600:
		return strictyaml.Errorf("handle_seconds", "telegram.handle_seconds 应在 0 到 3600 之间（0 表示默认 120 秒）")
	case t.NoticeLeaseSeconds != 0 && (t.NoticeLeaseSeconds < 10 || t.NoticeLeaseSeconds > 3600):
		// Shorter than a send that waits out Telegram's retry_after, two
		// replicas could both send a notice.
		return strictyaml.Errorf("notice_lease_seconds", "telegram.notice_lease_seconds 应在 10 到 3600 之间（0 表示默认 120 秒）")
	case t.UpdateLeaseSeconds < 0:
		return strictyaml.Errorf("update_lease_seconds", "telegram.update_lease_seconds 不能为负数（0 表示默认）")
	case t.UpdateLeaseSeconds > 0 && t.UpdateLeaseSeconds <= cmp.Or(t.HandleSeconds, 120):
		// A lease that ends while its replica still handles the update
		// lets another replica handle it at the same time.
		return strictyaml.Errorf("update_lease_seconds", "telegram.update_lease_seconds 应长于处理时限 handle_seconds（%g 秒）", cmp.Or(t.HandleSeconds, 120))
	}
	bad := len(t.WebhookSecret) > 256
	for _, c := range t.WebhookSecret {
		bad = bad || !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-')
	}
	if bad {
		return errors.New("webhook 密钥（PARTYBOT_WEBHOOK_SECRET）只能由 1 到 256 个字母、数字、_ 和 - 组成")
	}
	return nil
}

// runServe is "partybot serve": the assistant on Telegram until a signal.
func (m *Main) runServe(ctx context.Context, args []string) error {
	fs := newFlagSet("serve")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return usagef("%s", serveUsage)
	}
	token := strings.TrimSpace(os.Getenv("TELEGRAM_BOT_TOKEN"))
	if token == "" {
		return errors.New("未设置 TELEGRAM_BOT_TOKEN。请先通过 @BotFather 创建机器人，再设置环境变量 TELEGRAM_BOT_TOKEN（见 README）")
	}
	if err := m.loadConfig(); err != nil {
		return err
	}
	if err := m.Config.Telegram.validate(); err != nil {
		return err
	}
	fbDSN, err := m.Config.storeDSN("feedback.db")
	if err != nil {
		return err
	}
	fb, err := feedback.Open(ctx, fbDSN)
	if err != nil {
		return fmt.Errorf("打开反馈库失败：%w", err)
	}
	m.onClose(fb.Close)
	listen, console, err := m.Config.webListen()
	if err != nil {
		return err
	}
	base, err := m.Config.webURL()
	if err != nil {
		return err
	}
	auth, err := m.openWebStore(ctx)
	if err != nil {
		return err
	}
	p, err := m.openParts(ctx, bot.WithFeedback(fb), bot.WithWebLinks(webLinks(auth, base)),
		bot.WithNoticeLease(time.Duration(m.Config.Telegram.NoticeLeaseSeconds*float64(time.Second))))
	if err != nil {
		return err
	}
	if console {
		// The console beside the bot, on the same stores and the same
		// knowledge base: an upload there is answered from at once.
		kbOpt, err := m.webKnowledgeBase(ctx, p.kb)
		if err != nil {
			return err
		}
		opts, err := m.questionOptions(p.kb, fb)
		if err != nil {
			return err
		}
		_, stop, err := m.startWeb(listen, p.store, auth, append(append(opts, kbOpt), p.webOptions()...)...)
		if err != nil {
			return err
		}
		m.onClose(stop)
	}
	if err := m.serveHealth(p); err != nil {
		return err
	}
	// Another replica's ingest reaches this one within kbWatchEvery.
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { defer close(watched); p.kb.Watch(watchCtx, kbWatchEvery, m.Logger) }()
	go m.reloadStations(watchCtx, p.stations)
	m.onClose(func() error { stopWatch(); <-watched; return nil })

	stateDSN, err := m.Config.storeDSN("telegram.db")
	if err != nil {
		return err
	}
	srv, err := telegram.Open(ctx, token, p.asst, m.telegramConfig(p.store, stateDSN))
	if err != nil {
		return fmt.Errorf("启动 Telegram 机器人失败：%w", err)
	}
	m.onClose(srv.Close)
	mode := "长轮询"
	if u := m.Config.Telegram.WebhookURL; u != "" {
		mode = "webhook（" + siteOf(u) + "）"
	}
	fmt.Fprintf(m.Stderr, "党务助手已在 Telegram 上运行（%s），按 Ctrl+C 停止。\n", mode)
	if err := srv.Run(ctx); err != nil {
		return fmt.Errorf("机器人停止运行：%w", err)
	}
	fmt.Fprintln(m.Stderr, "党务助手已停止。")
	return nil
}

// kbWatchEvery is how often serve looks for a newer index in the data
// directory, saved by another replica or by partybot ingest.
const kbWatchEvery = 15 * time.Second

// telegramConfig is the configuration of the Telegram server: the
// settings, the access policy, and the 督办 sweep of store.
func (m *Main) telegramConfig(store *tickets.Store, stateDSN string) telegram.Config {
	tc, policy := m.Config.Telegram, m.Config.policy
	return telegram.Config{
		StateDSN:      stateDSN,
		APIURL:        tc.APIURL,
		WebhookURL:    tc.WebhookURL,
		WebhookListen: tc.WebhookListen,
		WebhookSecret: tc.WebhookSecret,
		Allowed:       policy.Allowed,
		Admins:        policy.Admins(),
		AdminChatID:   tc.AdminChatID,
		RatePerMinute: tc.RatePerMinute,
		RateBurst:     tc.RateBurst,
		Workers:       tc.Workers,
		QueueSize:     tc.QueueSize,
		ChatQueue:     tc.ChatQueue,
		SweepEvery:    time.Duration(tc.SweepMinutes * float64(time.Minute)),
		HandleTimeout: time.Duration(tc.HandleSeconds * float64(time.Second)),
		UpdateLease:   time.Duration(tc.UpdateLeaseSeconds * float64(time.Second)),
		Sweep: func(ctx context.Context, now time.Time) error {
			_, err := store.Sweep(ctx, now)
			return err
		},
		Logger: m.Logger,
	}
}

// siteOf is a URL without its path, query and credentials, for a log
// line: a webhook's path may be a secret of its own.
func siteOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "（地址无效）"
	}
	return u.Scheme + "://" + u.Host
}

// reloadStations reads the stations again every kbWatchEvery until ctx
// ends, so that an import on another replica, or by partybot stations
// import, reaches this one.
func (m *Main) reloadStations(ctx context.Context, st *stations.Store) {
	t := time.NewTicker(kbWatchEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := st.Reload(ctx); err != nil && ctx.Err() == nil {
			m.Logger.Warn("reload stations", "err", err)
		}
	}
}
