package bot_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/corpus"
	"partybot/retrieval/retrievaltest"
)

// benchSources makes n documents of about 2 KB of Chinese policy text each,
// cut from the shipped bulletin, and returns them with their total size.
func benchSources(tb testing.TB, n int) ([]bot.Source, int) {
	tb.Helper()
	seed, err := fs.ReadFile(corpus.FS, "docs/000_cd24362e620a5886.txt")
	require.NoError(tb, err)
	paras := strings.Split(string(seed), "\n\n")
	srcs := make([]bot.Source, n)
	total := 0
	for i := range srcs {
		var b strings.Builder
		fmt.Fprintf(&b, "第%d号文件\n\n", i)
		for j := 0; b.Len() < 2048; j++ {
			b.WriteString(paras[(i+j)%len(paras)] + "\n\n")
		}
		data := []byte(b.String())
		total += len(data)
		srcs[i] = bot.Source{Name: fmt.Sprintf("/bench/%04d.txt", i), Read: func() ([]byte, error) { return data, nil }}
	}
	return srcs, total
}

// BenchmarkIngest measures ingesting 1,000 new documents (about 2 MB) with
// the offline embedder: loading, chunking, embedding, indexing, saving.
func BenchmarkIngest(b *testing.B) {
	srcs, total := benchSources(b, 1000)
	b.SetBytes(int64(total))
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		kb := open(b, b.TempDir(), bot.KnowledgeBaseOptions{})
		b.StartTimer()
		if _, err := kb.Ingest(context.Background(), srcs, bot.IngestOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIngestUnchanged measures re-ingesting 1,000 unchanged documents.
func BenchmarkIngestUnchanged(b *testing.B) {
	srcs, _ := benchSources(b, 1000)
	kb := open(b, b.TempDir(), bot.KnowledgeBaseOptions{})
	_, err := kb.Ingest(context.Background(), srcs, bot.IngestOptions{})
	require.NoError(b, err)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := kb.Ingest(context.Background(), srcs, bot.IngestOptions{})
		if err != nil || res[0].Status != bot.IngestUnchanged {
			b.Fatal(err, res[0])
		}
	}
}

// TestWriteSyntheticDocuments writes synthetic documents to the folder
// $PARTYBOT_SYNTH_DIR, $PARTYBOT_SYNTH_DOCS of them (default 455: about
// 10,000 passages), for measuring the command line on a large data
// directory:
//
//	PARTYBOT_SYNTH_DIR=/tmp/docs10k go test -run TestWriteSyntheticDocuments ./bot
//	PARTYBOT_DATA=/tmp/data10k go run ./cmd/partybot ingest /tmp/docs10k
//
// It is skipped without the variable.
func TestWriteSyntheticDocuments(t *testing.T) {
	dir := os.Getenv("PARTYBOT_SYNTH_DIR")
	if dir == "" {
		t.Skip("PARTYBOT_SYNTH_DIR not set")
	}
	n := 455
	if s := os.Getenv("PARTYBOT_SYNTH_DOCS"); s != "" {
		var err error
		n, err = strconv.Atoi(s)
		require.NoError(t, err)
	}
	require.NoError(t, os.MkdirAll(dir, 0o700))
	g, err := retrievaltest.NewGenerator()
	require.NoError(t, err)
	for i := range n {
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("%05d.md", i)), []byte(g.Document(i)), 0o600))
	}
}
