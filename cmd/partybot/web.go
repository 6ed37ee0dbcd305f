package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"partybot/bot"
	"partybot/feedback"
	"partybot/tickets"
	"partybot/web"
)

const webUsage = `用法：partybot web [子命令]
  （无子命令） [--listen 地址]     运行工作台（网页与 /api/v1），直到收到中断信号
  link --user ID [--next 路径]   生成一次性登录链接（10 分钟内有效），最后一行是链接
  logout --user ID               注销该用户的所有登录，并撤销其访问令牌
  token --user ID                生成 /api/v1 的访问令牌（Authorization: Bearer …），最后一行是令牌
环境变量（优先于配置文件 web 部分的 listen、url）：
  PARTYBOT_WEB_LISTEN  监听地址（默认 127.0.0.1:8080）
  PARTYBOT_WEB_URL     用户访问工作台的地址，用于登录链接（默认 http://127.0.0.1:8080）；
                       以 https:// 开头时登录 Cookie 只通过 https 发送
只有配置文件中的部门工作人员和管理员可以登录。未配置管理员且监听本机地址时，
运行工作台会打印本机管理员 local-admin 的登录链接（最后一行）。`

// runWeb dispatches "partybot web [SUBCOMMAND]".
func (m *Main) runWeb(ctx context.Context, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return m.runWebServe(ctx, args)
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "link":
		return m.runWebLink(ctx, rest)
	case "logout":
		return m.runWebLogout(ctx, rest)
	case "token":
		return m.runWebToken(ctx, rest)
	case "help":
		fmt.Fprintln(m.Stdout, webUsage)
		return nil
	default:
		return usagef("未知的 web 子命令 %q\n\n%s", sub, webUsage)
	}
}

// openWebStore opens the console's sign-in store (web.db, or the shared
// PostgreSQL database); Close closes it.
func (m *Main) openWebStore(ctx context.Context) (*web.Store, error) {
	dsn, err := m.Config.storeDSN("web.db")
	if err != nil {
		return nil, err
	}
	s, err := web.Open(ctx, dsn)
	if err != nil {
		return nil, ticketError(err)
	}
	m.onClose(s.Close)
	return s, nil
}

// runWebServe is "partybot web": it serves the console until ctx ends.
func (m *Main) runWebServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("web", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	listen := fs.String("listen", "", "")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return usagef("%s", webUsage)
	}
	r, err := m.openRouter()
	if err != nil {
		return err
	}
	if *listen == "" {
		if *listen, _, err = m.Config.webListen(); err != nil {
			return err
		}
	}
	ts, err := m.openTickets(ctx, r)
	if err != nil {
		return err
	}
	auth, err := m.openWebStore(ctx)
	if err != nil {
		return err
	}
	kb, err := m.openKnowledgeBase(ctx)
	if err != nil {
		return err
	}
	kbOpt, err := m.webKnowledgeBase(ctx, kb)
	if err != nil {
		return err
	}
	// What partybot ingest or a bot's chat upload adds reaches the console
	// within kbWatchEvery.
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { defer close(watched); kb.Watch(watchCtx, kbWatchEvery, m.Logger) }()
	m.onClose(func() error { stopWatch(); <-watched; return nil })
	fb, err := m.openQuestionLog(ctx)
	if err != nil {
		return err
	}
	opts, err := m.questionOptions(kb, fb)
	if err != nil {
		return err
	}
	opts = append(opts, kbOpt)
	services, err := m.openServices(ctx)
	if err != nil {
		return err
	}
	opts = append(opts, services.webOptions()...)
	// A newcomer with no administrator gets in as the local one.
	publicURL, _ := webSetting("PARTYBOT_WEB_URL", m.Config.Web.URL)
	local, why := localAdminAllowed(*listen, publicURL, len(m.Config.policy.Admins()))
	if local {
		opts = append(opts, web.WithAdmin(localAdmin))
	}
	addr, stop, err := m.startWeb(*listen, ts, auth, opts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "工作台已启动：http://%s\n", addr)
	if local {
		base := "http://" + addr
		if publicURL != "" {
			base = strings.TrimRight(publicURL, "/")
		}
		if err := printLocalAdminLink(ctx, m.Stdout, auth, base); err != nil {
			stop()
			return err
		}
	} else if why != "" {
		fmt.Fprintln(m.Stdout, why)
	}
	<-ctx.Done()
	return stop()
}

// openQuestionLog opens the question log (feedback.db, or the shared
// PostgreSQL database); Close closes it.
func (m *Main) openQuestionLog(ctx context.Context) (*feedback.Store, error) {
	dsn, err := m.Config.storeDSN("feedback.db")
	if err != nil {
		return nil, err
	}
	fb, err := feedback.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("打开反馈库失败：%w", err)
	}
	m.onClose(fb.Close)
	return fb, nil
}

// questionOptions are the console's 问答 and 问答记录 pages over kb and the
// question log fb, with the answerer "partybot ask" builds.
func (m *Main) questionOptions(kb *bot.KnowledgeBase, fb *feedback.Store) ([]web.Option, error) {
	a, err := m.newAnswerer(kb)
	if err != nil {
		return nil, err
	}
	return []web.Option{web.WithAsker(a, a.Model != nil), web.WithQuestionLog(fb)}, nil
}

// startWeb serves the console on listen over the ticket store ts and the
// sign-in store auth (and what opts add), until the returned stop is called (it waits up to
// 10 s for requests in progress). It returns the address it listens on.
func (m *Main) startWeb(listen string, ts *tickets.Store, auth *web.Store, opts ...web.Option) (addr string, stop func() error, err error) {
	base, err := m.Config.webURL()
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return "", nil, fmt.Errorf("工作台无法监听 %s（PARTYBOT_WEB_LISTEN 或 web.listen）：%w", listen, err)
	}
	srv := &http.Server{
		Handler:           web.NewServer(auth, ts, m.Config.policy.Viewer, base, m.Logger, append(opts, web.WithFiles(m.ticketFiles()), web.WithPlatform(m.webPlatform()))...),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	m.Logger.Info("web console", "listen", ln.Addr().String(), "url", base)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	return ln.Addr().String(), func() error {
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil {
			return fmt.Errorf("工作台关闭：%w", err)
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("工作台：%w", err)
		}
		return nil
	}, nil
}

// webLinks makes the /web command's sign-in links with auth, to the
// console at base.
func webLinks(auth *web.Store, base string) func(ctx context.Context, userID string) (string, error) {
	return func(ctx context.Context, userID string) (string, error) {
		token, err := auth.NewLink(ctx, userID, "/tickets")
		if err != nil {
			return "", err
		}
		return base + "/login?token=" + url.QueryEscape(token), nil
	}
}

// webUser parses "--user ID" (and what extra adds) from args for the
// subcommand sub, and checks that the user is department staff or an
// administrator when staffOnly.
func (m *Main) webUser(sub string, args []string, staffOnly bool, extra func(fs *flag.FlagSet)) (string, error) {
	fs := flag.NewFlagSet("web "+sub, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	user := fs.String("user", "", "")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || strings.TrimSpace(*user) == "" {
		return "", usagef("%s", webUsage)
	}
	if !staffOnly {
		return *user, nil
	}
	if err := m.loadConfig(); err != nil {
		return "", err
	}
	if v := m.Config.policy.Viewer(*user); !v.Admin && len(v.Departments) == 0 {
		return "", fmt.Errorf("用户 %s 不是部门工作人员或管理员，不能登录工作台（请在配置文件中设置）", *user)
	}
	return *user, nil
}

// runWebLink is "partybot web link --user ID [--next PATH]".
func (m *Main) runWebLink(ctx context.Context, args []string) error {
	var next string
	user, err := m.webUser("link", args, true, func(fs *flag.FlagSet) { fs.StringVar(&next, "next", web.DefaultNext, "") })
	if err != nil {
		return err
	}
	base, err := m.Config.webURL()
	if err != nil {
		return err
	}
	s, err := m.openWebStore(ctx)
	if err != nil {
		return err
	}
	token, err := s.NewLink(ctx, user, next)
	if err != nil {
		return ticketError(err)
	}
	fmt.Fprintf(m.Stdout, "用户 %s 的登录链接（只能使用一次，%d 分钟内有效）：\n", user, int(web.LinkTTL/time.Minute))
	fmt.Fprintln(m.Stdout, base+"/login?token="+url.QueryEscape(token))
	return nil
}

// runWebLogout is "partybot web logout --user ID": it ends the user's
// sessions and revokes their bearer tokens.
func (m *Main) runWebLogout(ctx context.Context, args []string) error {
	user, err := m.webUser("logout", args, false, nil)
	if err != nil {
		return err
	}
	s, err := m.openWebStore(ctx)
	if err != nil {
		return err
	}
	sessions, err := s.Logout(ctx, user)
	if err != nil {
		return ticketError(err)
	}
	tokens, err := s.RevokeUserTokens(ctx, user)
	if err != nil {
		return ticketError(err)
	}
	fmt.Fprintf(m.Stdout, "已注销用户 %s 的 %d 个登录，撤销 %d 个访问令牌。\n", user, sessions, tokens)
	return nil
}

// runWebToken is "partybot web token --user ID".
func (m *Main) runWebToken(ctx context.Context, args []string) error {
	user, err := m.webUser("token", args, true, nil)
	if err != nil {
		return err
	}
	s, err := m.openWebStore(ctx)
	if err != nil {
		return err
	}
	token, err := s.NewToken(ctx, user)
	if err != nil {
		return ticketError(err)
	}
	fmt.Fprintf(m.Stdout, "用户 %s 的访问令牌（请妥善保管，用 partybot web logout --user %s 撤销）：\n", user, user)
	fmt.Fprintln(m.Stdout, token)
	return nil
}
