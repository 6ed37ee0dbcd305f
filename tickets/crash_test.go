package tickets_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"partybot/tickets"
)

const crashEnv = "TICKETS_CRASH_CHILD_DB"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashChild files tickets from four goroutines until it is killed, moving
// some of them on, and prints "C|A|R number" after each change returned,
// that is after its commit.
func crashChild(path string) {
	ctx := context.Background()
	s, err := tickets.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	texts := []string{"老板拖欠工资", "井盖丢了", "楼道里电动车充电太危险", "孩子暑假托管在哪报名", "物业不打扫楼道", "想加入工会"}
	var mu sync.Mutex
	say := func(kind, number string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(os.Stdout, kind, number)
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(4)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := 0; i < 100000; i++ {
				t, err := s.CreateTicket(ctx, tickets.NewTicket{SubmitterID: fmt.Sprintf("u%d", g), Text: texts[i%len(texts)],
					IdempotencyKey: fmt.Sprintf("%d-%d-%d", os.Getpid(), g, i)})
				if err != nil {
					fail(err)
				}
				say("C", t.Number)
				if i%3 == 0 {
					if _, err := s.Accept(ctx, admin, t.Number, ""); err != nil {
						fail(err)
					}
					say("A", t.Number)
					if i%6 == 0 {
						if _, err := s.Resolve(ctx, admin, t.Number, "已办结"); err != nil {
							fail(err)
						}
						say("R", t.Number)
					}
				}
			}
		})
	}
	wg.Wait()
}

// TestCrash kills a process filing tickets with SIGKILL at random moments;
// every ticket whose number it printed must be there, consistent, with its
// history, and the database must open cleanly.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	path := t.TempDir() + "/tickets.db"
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	printed := map[string]string{} // number → the furthest state printed: C, A or R
	rank := map[string]int{"C": 1, "A": 2, "R": 3}
	for round := range 6 {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		killAt := 1 + rng.IntN(400)
		lines := 0
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			kind, number, ok := strings.Cut(sc.Text(), " ")
			require.True(t, ok, "child printed %q", sc.Text())
			if rank[kind] > rank[printed[number]] {
				printed[number] = kind
			}
			if lines++; lines == killAt {
				cmd.Process.Signal(syscall.SIGKILL)
			}
		}
		err = cmd.Wait()
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		require.True(t, ws.Signaled() && ws.Signal() == syscall.SIGKILL,
			"round %d: child ended with %v, not by SIGKILL; stderr: %s", round, err, stderr.String())
		t.Logf("round %d: killed after %d lines (%d read in all)", round, killAt, lines)
	}

	ctx := context.Background()
	s := MustOpenPath(t, path)
	var check string
	require.NoError(t, s.DB().QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check), "integrity_check")
	require.Equal(t, "ok", check, "integrity_check")
	rows, err := s.DB().QueryContext(ctx, "PRAGMA foreign_key_check")
	require.NoError(t, err)
	require.False(t, rows.Next(), "foreign key violations")
	rows.Close()

	for number, kind := range printed {
		tk, err := s.FindTicketByNumber(ctx, admin, number)
		require.NoError(t, err, "printed ticket %s", number)
		want := map[string][]tickets.Status{
			"C": {tickets.StatusDispatched, tickets.StatusAccepted, tickets.StatusResolved},
			"A": {tickets.StatusAccepted, tickets.StatusResolved},
			"R": {tickets.StatusResolved},
		}[kind]
		require.Contains(t, want, tk.Status, "%s printed %s but is %s", number, kind, tk.Status)
	}
	all, err := s.ExportTickets(ctx, admin, tickets.TicketFilter{})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(all), len(printed), "%d tickets stored, %d printed", len(all), len(printed))
	next := map[int]int{} // year → the next sequence number expected
	for _, tk := range all {
		checkHistory(t, tk)
		// numbers are allocated in the creating transaction: no gaps
		year, seq, err := tickets.ParseNumber(tk.Number)
		require.NoError(t, err, "ticket %s", tk.Number)
		require.Equal(t, next[year]+1, seq, "ticket %s follows %d-%06d: numbers have a gap", tk.Number, year, next[year])
		next[year] = seq
		accepted := tk.Status == tickets.StatusAccepted || tk.Status == tickets.StatusResolved
		require.Equal(t, accepted, !tk.AcceptedAt.IsZero(), "%s: status %s, accepted at %v", tk.Number, tk.Status, tk.AcceptedAt)
	}
	var notes int
	require.NoError(t, s.DB().QueryRowContext(ctx, "SELECT count(*) FROM notifications WHERE kind = 'dispatched'").Scan(&notes))
	require.Equal(t, len(all), notes, "dispatch notifications for %d tickets", len(all))
	t.Logf("%d tickets stored, %d printed before the kills", len(all), len(printed))
}
