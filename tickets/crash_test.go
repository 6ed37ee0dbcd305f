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
	if err != nil {
		t.Fatal(err)
	}
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
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killAt := 1 + rng.IntN(400)
		lines := 0
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			kind, number, ok := strings.Cut(sc.Text(), " ")
			if !ok {
				t.Fatalf("child printed %q", sc.Text())
			}
			if rank[kind] > rank[printed[number]] {
				printed[number] = kind
			}
			if lines++; lines == killAt {
				cmd.Process.Signal(syscall.SIGKILL)
			}
		}
		err = cmd.Wait()
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: child ended with %v, not by SIGKILL; stderr: %s", round, err, stderr.String())
		}
		t.Logf("round %d: killed after %d lines (%d read in all)", round, killAt, lines)
	}

	ctx := context.Background()
	s := MustOpenPath(t, path)
	var check string
	if err := s.DB().QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q, %v", check, err)
	}
	rows, err := s.DB().QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Fatal("foreign key violations")
	}
	rows.Close()

	for number, kind := range printed {
		tk, err := s.FindTicketByNumber(ctx, admin, number)
		if err != nil {
			t.Fatalf("printed ticket %s: %v", number, err)
		}
		want := map[string][]tickets.Status{
			"C": {tickets.StatusDispatched, tickets.StatusAccepted, tickets.StatusResolved},
			"A": {tickets.StatusAccepted, tickets.StatusResolved},
			"R": {tickets.StatusResolved},
		}[kind]
		if !containsStatus(want, tk.Status) {
			t.Fatalf("%s printed %s but is %s", number, kind, tk.Status)
		}
	}
	all, err := s.ExportTickets(ctx, admin, tickets.TicketFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < len(printed) {
		t.Fatalf("%d tickets stored, %d printed", len(all), len(printed))
	}
	next := map[int]int{} // year → the next sequence number expected
	for _, tk := range all {
		checkHistory(t, tk)
		// numbers are allocated in the creating transaction: no gaps
		year, seq, err := tickets.ParseNumber(tk.Number)
		if err != nil || seq != next[year]+1 {
			t.Fatalf("ticket %s follows %d-%06d: numbers have a gap (%v)", tk.Number, year, next[year], err)
		}
		next[year] = seq
		if (tk.Status == tickets.StatusAccepted || tk.Status == tickets.StatusResolved) == tk.AcceptedAt.IsZero() {
			t.Fatalf("%s: status %s, accepted at %v", tk.Number, tk.Status, tk.AcceptedAt)
		}
	}
	var notes int
	if err := s.DB().QueryRowContext(ctx, "SELECT count(*) FROM notifications WHERE kind = 'dispatched'").Scan(&notes); err != nil {
		t.Fatal(err)
	}
	if notes != len(all) {
		t.Fatalf("%d dispatch notifications for %d tickets", notes, len(all))
	}
	t.Logf("%d tickets stored, %d printed before the kills", len(all), len(printed))
}

func containsStatus(ss []tickets.Status, s tickets.Status) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
