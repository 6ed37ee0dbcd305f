package bot_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/retrieval/retrievaltest"
)

// largeSizes are the passage counts of the large-knowledge-base benchmarks.
var largeSizes = []int{10_000, 100_000}

// largeDirs caches the data directories built by largeDataDir, by size;
// TestMain removes them.
var largeDirs = struct {
	sync.Mutex
	m map[int]string
}{m: map[int]string{}}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range largeDirs.m {
		os.RemoveAll(filepath.Dir(dir))
	}
	os.Exit(code)
}

// largeDataDir returns a data directory holding the shipped corpus and
// synthetic documents of about passages passages in all, built once per
// process by ingesting them as a user would.
func largeDataDir(tb testing.TB, passages int) string {
	tb.Helper()
	largeDirs.Lock()
	defer largeDirs.Unlock()
	if dir, ok := largeDirs.m[passages]; ok {
		return dir
	}
	dir, err := os.MkdirTemp("", "partybot-large-")
	require.NoError(tb, err)
	g, err := retrievaltest.NewGenerator()
	require.NoError(tb, err)
	n := passages / retrievaltest.PassagesPerDocument
	srcs := make([]bot.Source, n)
	for i := range srcs {
		data := []byte(g.Document(i))
		srcs[i] = bot.Source{Name: fmt.Sprintf("/synthetic/%05d.md", i), Read: func() ([]byte, error) { return data, nil }}
	}
	kb, err := bot.OpenKnowledgeBase(context.Background(), filepath.Join(dir, "data"), bot.KnowledgeBaseOptions{})
	require.NoError(tb, err)
	_, err = kb.Ingest(context.Background(), srcs, bot.IngestOptions{})
	require.NoError(tb, err)
	largeDirs.m[passages] = filepath.Join(dir, "data")
	return largeDirs.m[passages]
}

// copyDir copies the regular files of src, and of its folders, to dst.
func copyDir(tb testing.TB, src, dst string) {
	tb.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o700)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	require.NoError(tb, err)
}

// BenchmarkOpenLarge measures opening a built knowledge base: what `ask`
// and `serve` do before the first question.
func BenchmarkOpenLarge(b *testing.B) {
	for _, n := range largeSizes {
		b.Run(fmt.Sprintf("passages=%d", n), func(b *testing.B) {
			dir := largeDataDir(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				kb := open(b, dir, bot.KnowledgeBaseOptions{})
				if kb.Len() < n {
					b.Fatalf("%d passages", kb.Len())
				}
			}
		})
	}
}

// largeQuestions are asked of the large knowledge bases: questions of the
// shipped corpus, which the synthetic documents resemble.
var largeQuestions = []string{
	"怎样落实“六同步”机制？", "如何落实“双向进入、交叉任职”？", "快递小哥在哪里歇脚",
	"党建指导员怎么选派", "社会组织换届前要审核什么", "红色积分能兑换什么",
}

// BenchmarkAskLarge measures answering a question (search and the
// extractive answer) on an opened knowledge base, and reports the median.
func BenchmarkAskLarge(b *testing.B) {
	for _, n := range largeSizes {
		b.Run(fmt.Sprintf("passages=%d", n), func(b *testing.B) {
			a := bot.NewAnswerer(open(b, largeDataDir(b, n), bot.KnowledgeBaseOptions{}))
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				_, err := a.Ask(context.Background(), largeQuestions[i%len(largeQuestions)])
				require.NoError(b, err)
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		})
	}
}

// BenchmarkIngestOneLarge measures ingesting one new document (about 22
// passages) into a built knowledge base, saved before Ingest returns.
func BenchmarkIngestOneLarge(b *testing.B) {
	for _, n := range largeSizes {
		b.Run(fmt.Sprintf("passages=%d", n), func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "data")
			copyDir(b, largeDataDir(b, n), dir)
			kb := open(b, dir, bot.KnowledgeBaseOptions{})
			g, err := retrievaltest.NewGenerator()
			require.NoError(b, err)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				data := []byte(g.Document(1_000_000 + i))
				b.StartTimer()
				res, err := kb.Ingest(context.Background(), []bot.Source{{Name: fmt.Sprintf("/new/%d.md", i), Read: func() ([]byte, error) { return data, nil }}}, bot.IngestOptions{})
				require.NoError(b, err)
				require.Equal(b, bot.IngestAdded, res[0].Status)
			}
		})
	}
}
