package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"partybot/feedback"
	"partybot/push"
	"partybot/sqlstore"
	"partybot/tickets"
)

const migrateUsage = `用法：partybot migrate [--from 数据目录]

  把数据目录中 SQLite 文件里的记录（工单及其历史、待发通知、督办记录，问答记录与评价，
  红色积分，政策推送订阅与通知）复制到
  PARTYBOT_DATABASE_URL（或配置文件 database.url）指定的 PostgreSQL 数据库，
  供多台服务器共用。已复制过的记录不会重复复制，可以放心重复运行；
  结束时按表报告读取和新增的条数。暖“新”驿站名单请在新数据库上重新导入（partybot stations import）。

  --from  数据目录（默认 PARTYBOT_DATA，即 ./data）`

// runMigrate is "partybot migrate": a district that grows copies its
// SQLite records into the PostgreSQL database its replicas will share.
func (m *Main) runMigrate(ctx context.Context, args []string) error {
	fs := newFlagSet("migrate")
	from := fs.String("from", m.Config.DataDir, "")
	if err := fs.Parse(args); err != nil {
		return flagError(err, migrateUsage)
	}
	if fs.NArg() > 0 {
		return usagef("%s", migrateUsage)
	}
	if err := m.loadConfig(); err != nil {
		return err
	}
	if m.Config.DatabaseURL == "" {
		return errors.New("未设置目标数据库：请设置环境变量 PARTYBOT_DATABASE_URL（postgres://…）或配置文件中的 database.url")
	}
	to, err := m.Config.storeDSN("")
	if err != nil {
		return err
	}
	if err := m.migrateTickets(ctx, filepath.Join(*from, "tickets.db"), to); err != nil {
		return err
	}
	if err := m.migrateFeedback(ctx, filepath.Join(*from, "feedback.db"), to); err != nil {
		return err
	}
	if err := m.migratePoints(ctx, filepath.Join(*from, "points.db"), to); err != nil {
		return err
	}
	return m.migratePush(ctx, filepath.Join(*from, "push.db"), to)
}

// migratePush copies the policy push's subscriptions and notices at path
// into the PostgreSQL database at url. Stations are not copied: import
// the stations file again on the new database.
func (m *Main) migratePush(ctx context.Context, path, url string) error {
	return copyStore(ctx, m, "推送库", path, url,
		func(ctx context.Context, dsn string) (*push.Store, error) { return push.Open(ctx, dsn) },
		(*push.Store).CopyTo)
}

// migrateFeedback copies the question log at path into the PostgreSQL
// database at url.
func (m *Main) migrateFeedback(ctx context.Context, path, url string) error {
	return copyStore(ctx, m, "反馈库", path, url, feedback.Open,
		func(src *feedback.Store, ctx context.Context, dst *feedback.Store) ([]sqlstore.Copied, error) {
			c, err := src.CopyTo(ctx, dst)
			return []sqlstore.Copied{c}, err
		})
}

// copyStore copies the store named what from the SQLite file at path into
// the PostgreSQL database at url, opening both with open and copying with
// copy (a store's (*Store).CopyTo), and reports the counts; a missing file is skipped, saying so.
func copyStore[S io.Closer](ctx context.Context, m *Main, what, path, url string,
	open func(ctx context.Context, dsn string) (S, error),
	copy func(src S, ctx context.Context, dst S) ([]sqlstore.Copied, error)) error {
	if !m.sourceExists(what, path) {
		return nil
	}
	src, err := open(ctx, path)
	if err != nil {
		return fmt.Errorf("打开%s失败：%w", what, err)
	}
	defer src.Close()
	dst, err := open(ctx, url)
	if err != nil {
		return fmt.Errorf("打开%s失败：%w", what, err)
	}
	defer dst.Close()
	copied, err := copy(src, ctx, dst)
	m.reportCopied(what, copied)
	return err
}

// sourceExists reports whether the SQLite file at path exists, saying so
// when it does not.
func (m *Main) sourceExists(store, path string) bool {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(m.Stdout, "%s：%s 不存在，跳过\n", store, path)
		return false
	}
	return true
}

// migrateTickets copies the ticket database at path into the PostgreSQL
// database at url and reports the counts.
func (m *Main) migrateTickets(ctx context.Context, path, url string) error {
	if !m.sourceExists("工单库", path) {
		return nil
	}
	opts := []tickets.Option{tickets.WithDepartments(m.Config.departments)}
	src, err := tickets.Open(ctx, path, opts...)
	if err != nil {
		return ticketError(err)
	}
	defer src.Close()
	dst, err := tickets.OpenPostgres(ctx, url, opts...)
	if err != nil {
		return ticketError(err)
	}
	defer dst.Close()
	copied, err := src.CopyTo(ctx, dst)
	m.reportCopied("工单库", copied)
	return ticketError(err)
}

// reportCopied prints what a copy did, table by table.
func (m *Main) reportCopied(store string, copied []sqlstore.Copied) {
	for _, c := range copied {
		fmt.Fprintf(m.Stdout, "%s %s：读取 %d 条，新增 %d 条，已存在 %d 条\n", store, c.Table, c.Read, c.Written, c.Read-c.Written)
	}
}
