package retrieval_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"testing"

	"partybot/retrieval"
)

func BenchmarkCMRC(b *testing.B) {
	f, err := os.Open("/work/shared/bench/cmrc-trial/passages.jsonl")
	if err != nil {
		b.Skip()
	}
	var ps []retrieval.Passage
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var p retrieval.Passage
		json.Unmarshal(sc.Bytes(), &p)
		ps = append(ps, p)
	}
	f2, _ := os.Open("/work/shared/bench/cmrc-trial/queries.jsonl")
	var qs []string
	sc = bufio.NewScanner(f2)
	for sc.Scan() {
		var q struct{ Question string }
		json.Unmarshal(sc.Bytes(), &q)
		qs = append(qs, q.Question)
	}
	h, _ := retrieval.NewHybrid(context.Background(), ps, nil, retrieval.HashEmbedder{Dim: retrieval.DefaultHashDim}, nil)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.Search(context.Background(), qs[i%len(qs)], 10)
	}
}
