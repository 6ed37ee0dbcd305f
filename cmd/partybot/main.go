// Command partybot is the Party-affairs assistant (党务助手): a terminal chat,
// a one-shot question answerer, document ingestion, demand tickets and the
// Telegram bot, over one knowledge base kept in PARTYBOT_DATA.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"partybot/llm"
	"partybot/redact"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(os.Stderr, m.Secrets.Error(ue))
			os.Exit(2)
		}
		// Errors may quote a server that echoed a secret back.
		fmt.Fprintln(os.Stderr, "错误："+m.Secrets.Error(err))
		os.Exit(1)
	}
}

// Main is the program: its configuration, standard streams and the resources
// a subcommand opened, which Close releases.
type Main struct {
	Config Config
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Logger *slog.Logger
	// Secrets masks the environment's secrets in what is printed.
	Secrets *redact.Redactor

	closers []func() error

	llm     *llm.Client // the model endpoint's client, once asked for; nil offline
	llmDone bool
}

// NewMain returns a Main on the process's standard streams with the
// configuration read from the environment.
func NewMain() *Main {
	secrets := secretsFromEnv()
	return &Main{
		Config:  ConfigFromEnv(),
		Stdin:   os.Stdin,
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
		Logger:  newLogger(os.Stderr, secrets),
		Secrets: secrets,
	}
}

// onClose registers fn to run when Close is called, in reverse order.
func (m *Main) onClose(fn func() error) { m.closers = append(m.closers, fn) }

// Close releases what the subcommand opened.
func (m *Main) Close() error {
	var errs []error
	for i := len(m.closers) - 1; i >= 0; i-- {
		errs = append(errs, m.closers[i]())
	}
	m.closers = nil
	return errors.Join(errs...)
}

// usageError is a mistake in the command line; main prints it and exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

const usage = `partybot — 党务助手

用法：
  partybot ask [--json] [-k N] 问题...      回答问题；问题为 "-" 时从标准输入逐行读取
  partybot chat                             终端对话
  partybot ingest [--prune] 路径...         添加或更新文档（文件或文件夹）；--prune 移除已删除的
  partybot kb list | kb remove 路径...      查看或移除知识库中的文档
  partybot checklist [--xlsx 文件] 主题...   起草工作台账（--md 文件、--org 单位、--due 日期）
  partybot route [--json] 诉求...           判断诉求应交办的部门；"-" 从标准输入读取
  partybot tickets list|show|create|...     在终端处理工单
  partybot serve                            运行 Telegram 机器人（需 TELEGRAM_BOT_TOKEN）
  partybot points show|award|rank|export    红色积分：查看、发放或更正、月度排行、月结单（Excel）
  partybot stations import|near|list        暖“新”驿站：导入（CSV/Excel）、查找最近、按区域列出
  partybot push preview 文件|hold|release   政策推送：预览文件会推送给谁、暂缓或放行
  partybot web [link|logout|token]          工作台（网页与 /api/v1）；link --user ID 生成一次性登录链接
  partybot migrate [--from 数据目录]         把 SQLite 中的记录复制到 PostgreSQL（PARTYBOT_DATABASE_URL）
  partybot eval qa 文件                     检索与拒答质量评测
  partybot eval routing 文件                诉求分派准确率评测
  partybot eval retrieval 目录 [--run 文件] 段落检索基准评测

全局选项：--config 配置文件（也可用环境变量 PARTYBOT_CONFIG）
环境变量：PARTYBOT_DATA（数据目录，默认 ./data）；PARTYBOT_DATABASE_URL（多台服务器共用的 PostgreSQL，默认不用）`

// Run executes the subcommand named by args[0].
func (m *Main) Run(ctx context.Context, args []string) error {
	// A global --config FILE (or --config=FILE) before the subcommand.
	for len(args) > 0 && strings.HasPrefix(args[0], "--config") {
		if v, ok := strings.CutPrefix(args[0], "--config="); ok {
			m.Config.ConfigFile, args = v, args[1:]
		} else if len(args) > 1 && args[0] == "--config" {
			m.Config.ConfigFile, args = args[1], args[2:]
		} else {
			return usagef("用法：partybot --config 配置文件 子命令 ...")
		}
	}
	if len(args) == 0 {
		return usagef("%s", usage)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "ask":
		return m.runAsk(ctx, rest)
	case "chat":
		return m.runChat(ctx, rest)
	case "ingest":
		return m.runIngest(ctx, rest)
	case "kb":
		return m.runKB(ctx, rest)
	case "eval":
		return m.runEval(ctx, rest)
	case "checklist":
		return m.runChecklist(ctx, rest)
	case "route":
		return m.runRoute(ctx, rest)
	case "tickets":
		return m.runTickets(ctx, rest)
	case "serve":
		return m.runServe(ctx, rest)
	case "migrate":
		return m.runMigrate(ctx, rest)
	case "points":
		return m.runPoints(ctx, rest)
	case "stations":
		return m.runStations(ctx, rest)
	case "push":
		return m.runPush(ctx, rest)
	case "web":
		return m.runWeb(ctx, rest)
	case "help", "-h", "--help":
		fmt.Fprintln(m.Stdout, usage)
		return nil
	default:
		return usagef("未知命令 %q\n\n%s", cmd, usage)
	}
}
