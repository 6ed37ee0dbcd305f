package retrieval_test

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"partybot/corpus"
	"partybot/retrieval"
)

// syntheticPassages makes n passages of about 150 runes by drawing
// Zipf-distributed phrases of the shipped bulletin, so that gram statistics
// resemble real Chinese policy text.
func syntheticPassages(tb testing.TB, n int) []retrieval.Passage {
	tb.Helper()
	data, err := fs.ReadFile(corpus.FS, "docs/000_cd24362e620a5886.txt")
	require.NoError(tb, err)
	var phrases []string
	for _, f := range strings.FieldsFunc(string(data), func(r rune) bool { return strings.ContainsRune("，。、；：“”（）\n ", r) }) {
		if rs := []rune(f); len(rs) >= 2 {
			for i := 0; i < len(rs); i += 4 {
				phrases = append(phrases, string(rs[i:min(i+4, len(rs))]))
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rand.New(rand.NewPCG(3, 4)), 1.1, 2, uint64(len(phrases)-1))
	ps := make([]retrieval.Passage, n)
	for i := range ps {
		var b strings.Builder
		for b.Len() < 450 { // about 150 Han runes
			b.WriteString(phrases[zipf.Uint64()])
			if rng.IntN(6) == 0 {
				b.WriteString("，")
			}
		}
		b.WriteString("。")
		ps[i] = retrieval.Passage{ID: fmt.Sprint(i), Title: phrases[rng.IntN(len(phrases))], Text: b.String()}
	}
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
