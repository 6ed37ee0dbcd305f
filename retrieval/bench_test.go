package retrieval_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"partybot/retrieval"
	"partybot/retrieval/retrievaltest"
)

// syntheticPassages makes n passages of about 150 runes (see
// [retrievaltest.Passages]).
func syntheticPassages(tb testing.TB, n int) []retrieval.Passage {
	tb.Helper()
	ps, err := retrievaltest.Passages(n)
	require.NoError(tb, err)
	return ps
}

// queriesFrom takes a short fragment of random passages as queries.
func queriesFrom(ps []retrieval.Passage, n int) []string {
	rng := rand.New(rand.NewPCG(5, 6))
	qs := make([]string, n)
	for i := range qs {
		rs := []rune(ps[rng.IntN(len(ps))].Text)
		start := rng.IntN(len(rs) - 12)
		qs[i] = string(rs[start:start+12]) + "是什么？"
	}
	return qs
}

var benchSizes = []int{1_000, 10_000, 100_000}

// BenchmarkSearch measures one query against indexes of growing size and
// reports the median latency and the heap the index holds.
func BenchmarkSearch(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("passages=%d", n), func(b *testing.B) {
			ps := syntheticPassages(b, n)
			before := heapInUse()
			h, err := retrieval.NewHybrid(context.Background(), ps, nil, retrieval.HashEmbedder{Dim: retrieval.DefaultHashDim}, nil)
			require.NoError(b, err)
			heap := heapInUse() - before
			qs := queriesFrom(ps, 200)
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				_, err := h.Search(context.Background(), qs[i%len(qs)], 10)
				require.NoError(b, err)
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(heap)/(1<<20), "index-MiB")
			runtime.KeepAlive(h)
		})
	}
}

// BenchmarkBuild measures embedding and indexing n passages.
func BenchmarkBuild(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("passages=%d", n), func(b *testing.B) {
			ps := syntheticPassages(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_, err := retrieval.NewHybrid(context.Background(), ps, nil, retrieval.HashEmbedder{Dim: retrieval.DefaultHashDim}, nil)
				require.NoError(b, err)
			}
		})
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// savedIndexes caches the indexes savedIndex built, by size, in folders
// TestMain removes.
var savedIndexes = map[int]string{}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, p := range savedIndexes {
		os.RemoveAll(filepath.Dir(p))
	}
	os.Exit(code)
}

// savedIndex returns the manifest path of a saved index of about n
// synthetic passages (documents of 22), built once per process.
func savedIndex(b *testing.B, n int) string {
	b.Helper()
	if p, ok := savedIndexes[n]; ok {
		return p
	}
	batch := synthBatch(b, newGenerator(b), "/synthetic", n/retrievaltest.PassagesPerDocument, retrievaltest.PassagesPerDocument)
	h, err := retrieval.Build(context.Background(), batch, retrieval.HashEmbedder{Dim: retrieval.DefaultHashDim}, nil)
	require.NoError(b, err)
	dir, err := os.MkdirTemp("", "partybot-index-")
	require.NoError(b, err)
	path := filepath.Join(dir, "index.gob")
	_, err = h.Save(path)
	require.NoError(b, err)
	savedIndexes[n] = path
	return path
}

// BenchmarkOpenIndex measures opening a saved index, its segments mapped
// into memory or read into it, and reports the heap it takes.
func BenchmarkOpenIndex(b *testing.B) {
	open := map[string]func(string, retrieval.Embedder, *retrieval.Expander) (*retrieval.Hybrid, error){
		"mmap": retrieval.OpenIndex, "read": retrieval.OpenIndexRead,
	}
	for _, n := range benchSizes[1:] {
		for _, how := range []string{"mmap", "read"} {
			b.Run(fmt.Sprintf("passages=%d/%s", n, how), func(b *testing.B) {
				path := savedIndex(b, n)
				before := heapInUse()
				var h *retrieval.Hybrid
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					var err error
					h, err = open[how](path, retrieval.HashEmbedder{Dim: retrieval.DefaultHashDim}, nil)
					require.NoError(b, err)
				}
				b.StopTimer()
				b.ReportMetric(float64(heapInUse()-before)/(1<<20), "heap-MiB")
				runtime.KeepAlive(h)
			})
		}
	}
}

// BenchmarkSearchOpened measures the first queries on an index just
// opened from its files (pages faulted in from the page cache), and then
// warm ones.
func BenchmarkSearchOpened(b *testing.B) {
	for _, n := range benchSizes[1:] {
		b.Run(fmt.Sprintf("passages=%d", n), func(b *testing.B) {
			path := savedIndex(b, n)
			qs := []string{"怎样落实六同步机制？", "党建指导员怎么选派", "社会组织换届前要审核什么"}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				h, err := retrieval.OpenIndex(path, retrieval.HashEmbedder{Dim: retrieval.DefaultHashDim}, nil)
				require.NoError(b, err)
				_, err = h.Search(context.Background(), qs[i%len(qs)], 10)
				require.NoError(b, err)
			}
		})
	}
}

// BenchmarkUpdate measures adding one document of 22 passages to a saved
// index and saving the change: embedding, a delta segment, the manifest.
// Compactions fall in some iterations (see the rules in update.go); with
// -benchtime 200x the 114th rebuilds the base at 10k (a quarter of it
// added) and none does at 100k, so the mean at 10k shows their amortised
// cost.
func BenchmarkUpdate(b *testing.B) {
	for _, n := range benchSizes[1:] {
		b.Run(fmt.Sprintf("passages=%d", n), func(b *testing.B) {
			src := savedIndex(b, n)
			path := filepath.Join(b.TempDir(), "index.gob")
			h, err := retrieval.OpenIndex(src, retrieval.HashEmbedder{Dim: retrieval.DefaultHashDim}, nil)
			require.NoError(b, err)
			h, err = h.Save(path)
			require.NoError(b, err)
			g := newGenerator(b)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				add := synthBatch(b, g, fmt.Sprintf("/new%d", i), 1, retrievaltest.PassagesPerDocument)
				b.StartTimer()
				u, err := h.Update(context.Background(), retrieval.Change{Add: add})
				require.NoError(b, err)
				h, err = u.Save(path)
				require.NoError(b, err)
			}
		})
	}
}
