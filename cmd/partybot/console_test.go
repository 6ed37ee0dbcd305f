package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// console is a "partybot web" running for a test.
type console struct {
	t    *testing.T
	base string
}

// serveUntilCleanup runs serve (a "partybot web" of m) until the test
// ends: then it stops it, expects it to end without error, and closes m.
func serveUntilCleanup(t *testing.T, m *Main, serve func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-served:
			assert.NoError(t, err)
		case <-time.After(15 * time.Second):
			t.Error("web did not stop")
		}
		m.Close()
	})
}

// startConsole runs "partybot web" on data directory dir with config cfg
// until the test ends.
func startConsole(t *testing.T, dir, cfg string) *console {
	t.Helper()
	var out lockedBuffer
	m := &Main{Config: Config{DataDir: dir, ConfigFile: cfg}, Stdout: &out, Stderr: io.Discard, Logger: NewMain().Logger}
	serveUntilCleanup(t, m, func(ctx context.Context) error { return m.runWeb(ctx, []string{"--listen", "127.0.0.1:0"}) })
	c := &console{t: t}
	require.Eventually(t, func() bool {
		if _, addr, ok := strings.Cut(out.String(), "工作台已启动："); ok {
			c.base = strings.TrimSpace(addr)
			return true
		}
		return false
	}, 60*time.Second, 20*time.Millisecond)
	return c
}
