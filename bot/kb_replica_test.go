package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/retrieval"
)

// Replicas: several knowledge bases open on one data directory, as
// several partybot serve processes sharing a volume. Two instances in one
// process stand for two processes: flock locks belong to the open file, so
// they exclude each other as processes do (TestLockExcludesAnotherInstance).

// replicas opens n knowledge bases on one new data directory.
func replicas(tb testing.TB, n int) (string, []*bot.KnowledgeBase) {
	tb.Helper()
	if !bot.DirLocked {
		tb.Skip("no flock here: only one process may write a data directory")
	}
	dir := tb.TempDir()
	kbs := make([]*bot.KnowledgeBase, n)
	for i := range kbs {
		kbs[i] = open(tb, dir, bot.KnowledgeBaseOptions{})
	}
	return dir, kbs
}

// ingested returns the names of the ingested documents kb serves, sorted.
func ingested(kb *bot.KnowledgeBase) []string {
	var names []string
	for _, d := range kb.Documents() {
		if !d.Shipped {
			names = append(names, d.Name)
		}
	}
	return names
}

// recorded returns the names the manifest of the records in dir lists,
// sorted.
func recorded(tb testing.TB, dir string) []string {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "documents", "manifest.json"))
	require.NoError(tb, err)
	var m struct{ Documents []struct{ Name string } }
	require.NoError(tb, json.Unmarshal(data, &m))
	var names []string
	for _, d := range m.Documents {
		names = append(names, d.Name)
	}
	slices.Sort(names)
	return names
}

// notice returns a short document numbered n, titled 第n号通知.
func notice(n int) string {
	return fmt.Sprintf("# 第%d号通知\n\n请各党支部于第%d周组织党员学习第%d号通知，并报送学习记录。\n", n, n, n)
}

// TestReplicasBuildOnEachOther: a replica refreshing serves what another
// ingested; one ingesting without having refreshed builds on the other's
// index, so no document is lost, and the records keep them all.
func TestReplicasBuildOnEachOther(t *testing.T) {
	ctx := context.Background()
	dir, kbs := replicas(t, 2)
	a, b := kbs[0], kbs[1]

	ingestOne(t, a, "/docs/dangfei.md", dangfeiDoc)
	changed, err := b.Refresh(ctx)
	require.NoError(t, err)
	assert.True(t, changed)
	ans, err := bot.NewAnswerer(b).Ask(ctx, "党员每月怎么缴纳党费")
	require.NoError(t, err)
	assert.Contains(t, ans.Text, "党费收缴管理办法")

	// a ingests again; b, not refreshed since, ingests after it.
	ingestOne(t, a, "/docs/notice1.md", notice(1))
	assert.Equal(t, bot.IngestAdded, ingestOne(t, b, "/docs/zhuanjie.md", zhuanjieDoc).Status)
	want := []string{"/docs/dangfei.md", "/docs/notice1.md", "/docs/zhuanjie.md"}
	assert.Equal(t, want, ingested(b))
	_, err = a.Refresh(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, ingested(a))
	assert.Equal(t, a.Len(), b.Len())
	assert.True(t, cites(t, a, "组织关系转接要开介绍信吗", "组织关系转接办法"))
	assert.True(t, cites(t, b, "第1号通知要求什么", "第1号通知"))
	assert.Equal(t, want, recorded(t, dir))
	assert.Equal(t, want, ingested(open(t, dir, bot.KnowledgeBaseOptions{})))

	// Ingesting what the other replica already holds changes nothing.
	assert.Equal(t, bot.IngestUnchanged, ingestOne(t, a, "/docs/zhuanjie.md", zhuanjieDoc).Status)
}

// TestReplicaRemovalReachesOthers: a document one replica removes is gone
// from another's after a refresh, and a replica may remove a document
// another ingested without having refreshed first.
func TestReplicaRemovalReachesOthers(t *testing.T) {
	ctx := context.Background()
	dir, kbs := replicas(t, 2)
	a, b := kbs[0], kbs[1]
	ingestOne(t, a, "/docs/dangfei.md", dangfeiDoc)
	ingestOne(t, a, "/docs/zhuanjie.md", zhuanjieDoc)
	_, err := b.Refresh(ctx)
	require.NoError(t, err)
	require.True(t, cites(t, b, "组织关系转接要开介绍信吗", "组织关系转接办法"))

	removed, err := a.Remove(ctx, []string{"/docs/zhuanjie.md"}, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"/docs/zhuanjie.md"}, removed)
	changed, err := b.Refresh(ctx)
	require.NoError(t, err)
	assert.True(t, changed)
	assert.False(t, cites(t, b, "组织关系转接要开介绍信吗", "组织关系转接办法"))

	ingestOne(t, a, "/docs/notice2.md", notice(2))
	removed, err = b.Remove(ctx, []string{"/docs/notice2.md"}, nil)
	require.NoError(t, err, "b removes what a ingested, unseen by b")
	assert.Equal(t, []string{"/docs/notice2.md"}, removed)
	_, err = a.Refresh(ctx)
	require.NoError(t, err)
	want := []string{"/docs/dangfei.md"}
	assert.Equal(t, want, ingested(a))
	assert.Equal(t, want, ingested(b))
	assert.Equal(t, want, recorded(t, dir))
}

// TestReplicasIngestConcurrently: ingests from two replicas at once all
// land, in both replicas, the records and a new opening.
func TestReplicasIngestConcurrently(t *testing.T) {
	ctx := context.Background()
	dir, kbs := replicas(t, 2)
	const each = 5
	var wg sync.WaitGroup
	var want []string
	for i, kb := range kbs {
		for j := range each {
			want = append(want, fmt.Sprintf("/docs/%d-%d.md", i, j))
		}
		wg.Go(func() {
			for j := range each {
				n := i*each + j
				res, err := kb.Ingest(ctx, []bot.Source{source(fmt.Sprintf("/docs/%d-%d.md", i, j), notice(n))}, bot.IngestOptions{})
				if assert.NoError(t, err) {
					assert.Equal(t, bot.IngestAdded, res[0].Status)
				}
			}
		})
	}
	wg.Wait()
	slices.Sort(want)
	for _, kb := range kbs {
		_, err := kb.Refresh(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, ingested(kb))
	}
	assert.Equal(t, kbs[0].Len(), kbs[1].Len())
	assert.Equal(t, want, recorded(t, dir))
	assert.Equal(t, want, ingested(open(t, dir, bot.KnowledgeBaseOptions{})))
}

// TestReplicasStartTogether: replicas opening a new data directory at
// once build one sound index between them, not two over each other.
func TestReplicasStartTogether(t *testing.T) {
	if !bot.DirLocked {
		t.Skip("no flock here: only one process may write a data directory")
	}
	dir := t.TempDir()
	var wg sync.WaitGroup
	gens := make([]uint64, 3)
	for i := range gens {
		wg.Go(func() {
			kb, err := bot.OpenKnowledgeBase(context.Background(), dir, bot.KnowledgeBaseOptions{})
			if assert.NoError(t, err) {
				gens[i], _, _ = kb.Ready()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, gens[0], gens[1])
	assert.Equal(t, gens[0], gens[2])
	aside, err := filepath.Glob(filepath.Join(dir, "*.damaged-*"))
	require.NoError(t, err)
	assert.Empty(t, aside)
	kb := open(t, dir, bot.KnowledgeBaseOptions{Notice: func(s string) { t.Errorf("notice: %s", s) }})
	gen, n, ok := kb.Ready()
	assert.True(t, ok)
	assert.Positive(t, n)
	assert.Equal(t, gens[0], gen)
}

// TestReplicaNeverServesHalfAnIndex: a replica refreshing while another
// saves, over and over (adding, removing, merging segments), serves at
// every moment one generation exactly as it was saved: never a mix of two,
// never no index.
func TestReplicaNeverServesHalfAnIndex(t *testing.T) {
	ctx := context.Background()
	_, kbs := replicas(t, 2)
	writer, reader := kbs[0], kbs[1]
	type state struct {
		passages int
		docs     []string
	}
	var mu sync.Mutex
	saved := map[uint64]state{}
	note := func() {
		gen, n, _ := writer.Ready()
		mu.Lock()
		saved[gen] = state{n, ingested(writer)}
		mu.Unlock()
	}
	note()
	const steps = 40
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range steps {
			var err error
			if i%4 == 3 {
				_, err = writer.Remove(ctx, []string{fmt.Sprintf("/docs/%d.md", i-2)}, nil)
			} else {
				_, err = writer.Ingest(ctx, []bot.Source{source(fmt.Sprintf("/docs/%d.md", i), notice(i))}, bot.IngestOptions{})
			}
			assert.NoError(t, err)
			note()
		}
	}()
	type seen struct {
		gen uint64
		state
	}
	var views []seen
	failed := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		if _, err := reader.Refresh(ctx); err != nil {
			failed++
			t.Logf("refresh: %v", err)
		}
		gen, n, ok := reader.Ready()
		require.True(t, ok, "no index served")
		if len(views) == 0 || views[len(views)-1].gen != gen {
			views = append(views, seen{gen, state{n, ingested(reader)}})
		}
	}
	_, err := reader.Refresh(ctx)
	require.NoError(t, err)
	wgen, wn, _ := writer.Ready()
	rgen, rn, _ := reader.Ready()
	assert.Equal(t, wgen, rgen)
	assert.Equal(t, wn, rn)
	assert.Zero(t, failed, "refreshes failed")
	for _, v := range views {
		want, ok := saved[v.gen]
		if assert.True(t, ok, "generation %d never saved", v.gen) {
			assert.Equal(t, want, v.state, "generation %d", v.gen)
		}
	}
	t.Logf("%d generations saved, %d seen by the reader", len(saved), len(views))
}

// TestRefreshIgnoresASaveInProgress: what a save writes before its
// manifest (new segments, a temporary manifest) is not seen by a refresh.
func TestRefreshIgnoresASaveInProgress(t *testing.T) {
	ctx := context.Background()
	dir, kbs := replicas(t, 1)
	kb := kbs[0]
	gen, n, _ := kb.Ready()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index", "99999999-0-00000000.seg"), []byte("half a segment"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.gob.tmp-123"), []byte("half a manifest"), 0o600))
	changed, err := kb.Refresh(ctx)
	require.NoError(t, err)
	assert.False(t, changed)
	gen2, n2, _ := kb.Ready()
	assert.Equal(t, gen, gen2)
	assert.Equal(t, n, n2)
}

// logBuffer collects a logger's output for a test; Watch writes it from
// its own goroutine.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

// TestWatchPicksUpChanges: Watch brings a replica to what another
// ingested within a few intervals and logs the switch once; an index it
// cannot switch to (built with other settings) is logged once, and the
// replica keeps serving what it had.
func TestWatchPicksUpChanges(t *testing.T) {
	dir, kbs := replicas(t, 2)
	a, b := kbs[0], kbs[1]
	var logs logBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		a.Watch(ctx, 10*time.Millisecond, log)
	}()
	defer func() {
		cancel()
		<-stopped
	}()

	ingestOne(t, b, "/docs/dangfei.md", dangfeiDoc)
	require.Eventually(t, func() bool { return logs.count("knowledge base refreshed") > 0 }, 10*time.Second, 10*time.Millisecond)
	assert.True(t, cites(t, a, "党员每月怎么缴纳党费", "党费收缴管理办法"))
	gen, _, _ := a.Ready()
	bgen, _, _ := b.Ready()
	assert.Equal(t, bgen, gen)

	// Another build of partybot (here: another embedder) rebuilds the index.
	open(t, dir, bot.KnowledgeBaseOptions{Embedder: retrieval.HashEmbedder{Dim: 32}})
	require.Eventually(t, func() bool { return logs.count("refresh failed") > 0 }, 10*time.Second, 10*time.Millisecond)
	time.Sleep(100 * time.Millisecond) // several more intervals
	assert.Equal(t, 1, logs.count("refresh failed"), "failure logged once")
	assert.Equal(t, 1, logs.count("knowledge base refreshed"), "switch logged once")
	assert.True(t, cites(t, a, "党员每月怎么缴纳党费", "党费收缴管理办法"))
	gen2, _, _ := a.Ready()
	assert.Equal(t, gen, gen2, "still the index it had")

	// Nor does it write over the index it cannot load.
	_, err := a.Ingest(context.Background(), []bot.Source{source("/docs/notice3.md", notice(3))}, bot.IngestOptions{})
	assert.ErrorContains(t, err, "未作修改")
	other := open(t, dir, bot.KnowledgeBaseOptions{Embedder: retrieval.HashEmbedder{Dim: 32}, Notice: func(s string) { t.Errorf("notice: %s", s) }})
	assert.Equal(t, []string{"/docs/dangfei.md"}, ingested(other))
}
