package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // the "sqlite" driver, to fill the ledger

	"partybot/points"
	"partybot/tickets"
	"partybot/web"
)

// BenchmarkPoints100k serves the 红色积分 page over a ledger of 100,000
// entries (1,000 users over 120 days, every twentieth a correction) and
// reports the page's size: the first page, a month, and one user.
func BenchmarkPoints100k(b *testing.B) {
	e := newEnv(b, "")
	path := filepath.Join(b.TempDir(), "points.db")
	ledger, err := points.Open(context.Background(), path)
	require.NoError(b, err)
	b.Cleanup(func() { ledger.Close() })
	fillLedger(b, path, 100_000)
	for i := range 20 {
		require.NoError(b, ledger.SetRankOptIn(context.Background(), fmt.Sprintf("tg:%d", i*7), fmt.Sprintf("骑手%d", i), true))
	}
	srv := web.NewServer(e.auth, e.tickets, viewer, "", nil, web.WithPoints(ledger))
	sid := e.signIn(b, "tg:admin")
	month := time.Now().In(tickets.DefaultLocation).Format("2006-01")
	for _, path := range []string{"/points", "/points?month=" + month, "/points?user=tg:7", "/points?page=1000"} {
		b.Run(strings.TrimPrefix(path, "/points"), func(b *testing.B) {
			benchPage(b, srv, func() *http.Request { return httptestRequest(b, path, sid) })
		})
	}
}

// fillLedger writes n entries straight into the ledger at path, as Award
// would have left them: users tg:0 … tg:999 in turn, the newest now and
// each about 100 s before the next; every twentieth corrects the user's
// award before it by -1.
func fillLedger(tb testing.TB, path string, n int) {
	tb.Helper()
	db, err := sql.Open("sqlite", path+"?_busy_timeout=10000")
	require.NoError(tb, err)
	defer db.Close()
	tx, err := db.Begin()
	require.NoError(tb, err)
	defer tx.Rollback()
	stmt, err := tx.Prepare(`INSERT INTO points_entries (id, user_id, seq, points, balance, reason, ticket_number, by_user, note, corrects, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	require.NoError(tb, err)
	defer stmt.Close()
	const users = 1000
	seq, balance, last := make([]int, users), make([]int, users), make([]int64, users)
	start := time.Now().Add(-time.Duration(n) * 100 * time.Second)
	for i := range n {
		u := i % users
		id := int64(i + 1)
		seq[u]++
		pts, reason, note, by, ticket := 10, "report_verified", "", "tg:renshe", fmt.Sprintf("2026-%06d", i)
		var corrects any
		if i%20 == 19 && last[u] > 0 {
			pts, reason, note, by, ticket, corrects = -1, "correction", "核实后部分属实", "tg:admin", "", last[u]
		}
		balance[u] += pts
		_, err := stmt.Exec(id, fmt.Sprintf("tg:%d", u), seq[u], pts, balance[u], reason, ticket, by, note, corrects,
			start.Add(time.Duration(i)*100*time.Second).UnixMilli())
		require.NoError(tb, err)
		last[u] = id
		if corrects != nil {
			last[u] = -id // not corrected again: the user's next entry is an award
		}
	}
	require.NoError(tb, tx.Commit())
}
