package retrieval_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"partybot/retrieval"
)

var testPassages = []retrieval.Passage{
	{ID: "a", Title: "泉港区党建", Text: "严格落实“管行业也要管党建”要求，建立登记、章程核准、年检年报等“六同步”机制。"},
	{ID: "b", Title: "乌达区专项整顿", Text: "采取派一名帮办联系人、打一通问询电话等“八个一”工作法。"},
	{ID: "c", Title: "德江县服务", Text: "为快递员、外卖骑手、网约车司机提供休息、饮水、充电、热饭等暖心服务。"},
	{ID: "d", Title: "罗保铭", Text: "1992年4月，任中共天津市大港区委副书记、代区长。"},
	{ID: "e", Title: "罗保铭", Text: "罗保铭，天津人。1969年5月参加工作。曾任海南省省长。"},
}

var testGlossary = [][]string{{"新就业群体", "快递小哥", "外卖骑手"}, {"休息", "歇脚"}}

func mustHybrid(tb testing.TB, ps []retrieval.Passage) *retrieval.Hybrid {
	tb.Helper()
	h, err := retrieval.NewHybrid(context.Background(), ps, nil, retrieval.HashEmbedder{Dim: 64}, retrieval.NewExpander(testGlossary))
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

func TestSearch(t *testing.T) {
	h := mustHybrid(t, testPassages)
	tests := []struct {
		name, q, want string
	}{
		{"term", "怎样落实六同步机制？", "a"},
		{"quoted term", "“八个一”工作法包括什么", "b"},
		{"glossary variant", "快递小哥在哪里歇脚", "c"},
		{"number decides within an article", "1992年4月罗保铭担任什么职务", "d"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := h.Search(context.Background(), tc.q, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) == 0 || hits[0].ID != tc.want {
				t.Fatalf("Search(%q) top = %v, want %s", tc.q, ids(hits), tc.want)
			}
			if hits[0].Rank != 1 || hits[0].Coverage <= 0 || hits[0].Coverage > 1 {
				t.Fatalf("top hit rank=%d coverage=%v", hits[0].Rank, hits[0].Coverage)
			}
		})
	}
}

func ids(hits []retrieval.Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

func TestSearchCoverageSeparates(t *testing.T) {
	h := mustHybrid(t, testPassages)
	in, _ := h.Search(context.Background(), "六同步机制包括哪些", 1)
	out, _ := h.Search(context.Background(), "党费缴纳标准是多少", 1)
	if len(in) == 0 || in[0].Coverage < 0.8 {
		t.Fatalf("covered query: %+v", in)
	}
	if len(out) > 0 && out[0].Coverage > 0.3 {
		t.Fatalf("uncovered query coverage %.2f, want low", out[0].Coverage)
	}
}

func TestSearchEdgeCases(t *testing.T) {
	h := mustHybrid(t, testPassages)
	if _, err := h.Search(context.Background(), "？？！ ", 5); !errors.Is(err, retrieval.ErrEmptyQuery) {
		t.Fatalf("punctuation only: err=%v, want ErrEmptyQuery", err)
	}
	hits, err := h.Search(context.Background(), "党建", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) > len(testPassages) {
		t.Fatalf("%d hits from %d passages", len(hits), len(testPassages))
	}
	empty := mustHybrid(t, nil)
	hits, err = empty.Search(context.Background(), "党建", 5)
	if err != nil || len(hits) != 0 {
		t.Fatalf("empty index: hits=%v err=%v", hits, err)
	}
}

func TestHashEmbedder(t *testing.T) {
	e := retrieval.HashEmbedder{Dim: 128}
	a, _ := e.Embed(context.Background(), "落实六同步机制")
	b, _ := e.Embed(context.Background(), "落实六同步机制")
	if len(a) != 128 {
		t.Fatalf("dim=%d", len(a))
	}
	var norm float64
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("not deterministic")
		}
		norm += float64(a[i]) * float64(a[i])
	}
	if math.Abs(norm-1) > 1e-5 {
		t.Fatalf("norm=%v, want 1", norm)
	}
	z, _ := e.Embed(context.Background(), "？？")
	for _, x := range z {
		if x != 0 {
			t.Fatal("vector of no text should be zero")
		}
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "index.gob")
	if _, err := retrieval.ReadSnapshot(path); !errors.Is(err, retrieval.ErrNoSnapshot) {
		t.Fatalf("missing: err=%v", err)
	}
	h := mustHybrid(t, testPassages)
	s := &retrieval.Snapshot{Version: retrieval.SnapshotVersion, Key: "k", Passages: testPassages, Vectors: h.Vectors(),
		Docs: []retrieval.Document{{Name: "x.txt", Hash: "h"}}}
	if err := retrieval.WriteSnapshot(path, s); err != nil {
		t.Fatal(err)
	}
	got, err := retrieval.ReadSnapshot(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Key != "k" || len(got.Passages) != len(testPassages) || len(got.Vectors) != len(testPassages) || got.Docs[0].Name != "x.txt" {
		t.Fatalf("round trip: %+v", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
}

func TestSnapshotDamaged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "index.gob")
	if err := os.WriteFile(path, []byte("not a snapshot"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := retrieval.ReadSnapshot(path)
	if err == nil || errors.Is(err, retrieval.ErrNoSnapshot) {
		t.Fatalf("damaged: err=%v, want a decode error", err)
	}
}

func TestSnapshotWriteFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "index.gob")
	old := &retrieval.Snapshot{Version: 1, Key: "old"}
	if err := retrieval.WriteSnapshot(path, old); err != nil {
		t.Fatal(err)
	}
	// A vector count that does not match is refused on read, never written
	// half-way: write into a directory that cannot take new files.
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	if os.Geteuid() != 0 { // root ignores directory permissions
		if err := retrieval.WriteSnapshot(path, &retrieval.Snapshot{Key: "new"}); err == nil {
			t.Fatal("write into read-only dir succeeded")
		}
	}
	got, err := retrieval.ReadSnapshot(path)
	if err != nil || got.Key != "old" {
		t.Fatalf("old snapshot lost: %+v %v", got, err)
	}
}

// failingEmbedder embeds passages but fails on queries, like a remote
// model that went down after the index was built.
type failingEmbedder struct{ retrieval.HashEmbedder }

func (f *failingEmbedder) Embed(ctx context.Context, text string) ([]float32, error) {
	if strings.Contains(text, "QUERY") {
		return nil, errors.New("model down")
	}
	return f.HashEmbedder.Embed(ctx, text)
}

func TestSearchSurvivesEmbedderFailure(t *testing.T) {
	h, err := retrieval.NewHybrid(context.Background(), testPassages, nil, &failingEmbedder{retrieval.HashEmbedder{Dim: 32}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hits, err := h.Search(context.Background(), "QUERY 六同步机制", 3)
	if err != nil || len(hits) == 0 || hits[0].ID != "a" {
		t.Fatalf("hits %v err %v", ids(hits), err)
	}
}
