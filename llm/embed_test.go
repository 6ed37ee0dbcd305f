package llm_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"testing"

	"partybot/llm"
	"partybot/llm/llmtest"
)

func texts(n int, prefix string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s第%d段", prefix, i)
	}
	return out
}

// unit returns v scaled to unit length, as the client should.
func unit(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) / math.Sqrt(s))
	}
	return out
}

func TestEmbed(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		batch     int
		runes     int
		shuffle   bool
		wantSizes []int
	}{
		{name: "one batch", n: 5, batch: 64, wantSizes: []int{5}},
		{name: "batched by count", n: 10, batch: 4, wantSizes: []int{4, 4, 2}},
		{name: "batched by count, server shuffles", n: 10, batch: 4, shuffle: true, wantSizes: []int{4, 4, 2}},
		{name: "batched by characters", n: 5, batch: 64, runes: 10, wantSizes: []int{2, 2, 1}}, // 4 runes each ("x第0段")
		{name: "none", n: 0, batch: 4, wantSizes: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, _ := newTest(t, func(cfg *llm.Config) {
				cfg.EmbedBatchSize = tc.batch
				cfg.EmbedBatchRunes = tc.runes
			})
			srv.ShuffleEmbeddings(tc.shuffle)
			in := texts(tc.n, "x")
			got, err := c.Embed(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(in) {
				t.Fatalf("%d vectors for %d texts", len(got), len(in))
			}
			for i, v := range got {
				if want := unit(llmtest.HashVector(in[i])); !slices.Equal(v, want) {
					t.Errorf("vector %d = %v, want %v (normalised, in input order)", i, v, want)
				}
			}
			var sizes []int
			var sent []string
			for _, r := range srv.EmbedRequests() {
				sizes = append(sizes, len(r.Input))
				sent = append(sent, r.Input...)
				if r.Model != "test-embed" {
					t.Errorf("model = %q", r.Model)
				}
			}
			if !slices.Equal(sizes, tc.wantSizes) {
				t.Errorf("batch sizes = %v, want %v", sizes, tc.wantSizes)
			}
			if !slices.Equal(sent, in) && len(in) > 0 {
				t.Errorf("sent %v, want %v", sent, in)
			}
		})
	}
}

func TestEmbedErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      []string
		reply   *llmtest.Reply
		embed   func(string) []float32
		wantErr error
		wantReq int
	}{
		{name: "empty text", in: []string{"a", " "}, wantErr: llm.ErrBadRequest, wantReq: 0},
		{name: "too few vectors", in: []string{"a", "b"}, reply: &llmtest.Reply{Body: `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[1,0]}]}`}, wantErr: llm.ErrInvalidOutput, wantReq: 1},
		{name: "repeated index", in: []string{"a", "b"}, reply: &llmtest.Reply{Body: `{"object":"list","data":[{"index":1,"embedding":[1,0]},{"index":1,"embedding":[0,1]}]}`}, wantErr: llm.ErrInvalidOutput, wantReq: 1},
		{name: "index out of range", in: []string{"a"}, reply: &llmtest.Reply{Body: `{"object":"list","data":[{"index":3,"embedding":[1,0]}]}`}, wantErr: llm.ErrInvalidOutput, wantReq: 1},
		{name: "zero vector", in: []string{"a"}, embed: func(string) []float32 { return []float32{0, 0} }, wantErr: llm.ErrInvalidOutput, wantReq: 1},
		{name: "sizes differ", in: []string{"a", "bb"}, embed: func(s string) []float32 { v := make([]float32, len(s)+1); v[0] = 1; return v }, wantErr: llm.ErrInvalidOutput, wantReq: 1},
		{name: "401", in: []string{"a"}, reply: ptr(llmtest.Error(401, "no")), wantErr: llm.ErrAuth, wantReq: 1},
		{name: "500 storm", in: []string{"a"}, reply: ptr(llmtest.Error(500, "no")), wantErr: llm.ErrUnavailable, wantReq: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, _ := newTest(t, nil)
			if tc.reply != nil {
				srv.EnqueueEmbed(*tc.reply, *tc.reply, *tc.reply)
			}
			if tc.embed != nil {
				srv.HandleEmbed(tc.embed)
			}
			_, err := c.Embed(context.Background(), tc.in)
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if n := len(srv.EmbedRequests()); n != tc.wantReq {
				t.Errorf("%d requests, want %d", n, tc.wantReq)
			}
		})
	}
}

func TestEmbedIDAndAdapters(t *testing.T) {
	srv, c, _ := newTest(t, func(cfg *llm.Config) { cfg.EmbedDimensions = 8 })
	u, _ := url.Parse(srv.URL)
	if got, want := c.ID(), "openai:"+u.Host+"/test-embed@8"; got != want {
		t.Errorf("ID = %q, want %q", got, want)
	}
	ctx := context.Background()
	v, err := c.EmbedFunc()(ctx, "党建")
	if err != nil || !slices.Equal(v, unit(llmtest.HashVector("党建"))) {
		t.Errorf("EmbedFunc = %v, %v", v, err)
	}
	te := c.TextEmbedder()
	if te.ID() != c.ID() {
		t.Errorf("TextEmbedder ID = %q", te.ID())
	}
	if v, err := te.Embed(ctx, "党建"); err != nil || len(v) != 8 {
		t.Errorf("TextEmbedder.Embed = %v, %v", v, err)
	}
	if vs, err := te.EmbedBatch(ctx, []string{"a", "b"}); err != nil || len(vs) != 2 {
		t.Errorf("TextEmbedder.EmbedBatch = %v, %v", vs, err)
	}
	for _, r := range srv.EmbedRequests() {
		if r.Dimensions != 8 {
			t.Errorf("dimensions = %d, want 8", r.Dimensions)
		}
	}

	// Not configured: no ID.
	cfg := llm.DefaultConfig()
	cfg.BaseURL = srv.URL
	c2, _ := mustClient(t, cfg)
	if c2.ID() != "" {
		t.Errorf("ID without a model = %q", c2.ID())
	}
}

func TestCachedEmbedder(t *testing.T) {
	srv, c, _ := newTest(t, func(cfg *llm.Config) { cfg.EmbedBatchSize = 2 })
	ce := llm.NewCachedEmbedder(c)
	ctx := context.Background()

	first := []string{"甲", "乙", "甲", "丙"}
	got, err := ce.Embed(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if !slices.Equal(v, unit(llmtest.HashVector(first[i]))) {
			t.Errorf("vector %d wrong", i)
		}
	}
	var sent []string
	for _, r := range srv.EmbedRequests() {
		sent = append(sent, r.Input...)
	}
	if want := []string{"甲", "乙", "丙"}; !slices.Equal(sent, want) {
		t.Errorf("sent %v, want %v (each text once)", sent, want)
	}
	if ce.Len() != 3 {
		t.Errorf("Len = %d, want 3", ce.Len())
	}

	// Everything cached: no request at all.
	before := len(srv.EmbedRequests())
	if _, err := ce.Embed(ctx, []string{"丙", "甲"}); err != nil {
		t.Fatal(err)
	}
	if v, err := ce.EmbedFunc()(ctx, "乙"); err != nil || len(v) != 8 {
		t.Fatalf("EmbedFunc = %v, %v", v, err)
	}
	if n := len(srv.EmbedRequests()); n != before {
		t.Errorf("%d new requests for cached texts", n-before)
	}

	// Only the miss is sent.
	if _, err := ce.Embed(ctx, []string{"甲", "丁"}); err != nil {
		t.Fatal(err)
	}
	reqs := srv.EmbedRequests()
	if last := reqs[len(reqs)-1]; !slices.Equal(last.Input, []string{"丁"}) {
		t.Errorf("last request %v, want [丁]", last.Input)
	}

	// A failure caches nothing.
	srv.EnqueueEmbed(llmtest.Error(400, "bad"))
	if _, err := ce.Embed(ctx, []string{"戊"}); !errors.Is(err, llm.ErrBadRequest) {
		t.Errorf("err = %v", err)
	}
	if ce.Len() != 4 || ce.ID() != c.ID() || !strings.HasPrefix(ce.TextEmbedder().ID(), "openai:") {
		t.Errorf("Len, ID = %d, %q", ce.Len(), ce.ID())
	}
}

// A server that takes at most 3 inputs per request (as DashScope takes at
// most 10): the client halves refused batches and remembers the size.
func TestEmbedBatchLimitLearned(t *testing.T) {
	srv := llmtest.NewServer(t)
	limited := func(r llmtest.EmbedRequest) *llmtest.Reply {
		if len(r.Input) > 3 {
			return ptr(llmtest.Error(400, "batch size is invalid, it should not be larger than 3."))
		}
		return nil
	}
	srv.LimitEmbed(limited)
	cfg := testConfig(srv)
	cfg.EmbedBatchSize = 8
	c, _ := mustClient(t, cfg)
	in := texts(10, "y")
	for call := range 2 {
		before := len(srv.EmbedRequests())
		got, err := c.Embed(context.Background(), in)
		if err != nil {
			t.Fatalf("call %d: %v", call, err)
		}
		for i, v := range got {
			if !slices.Equal(v, unit(llmtest.HashVector(in[i]))) {
				t.Errorf("call %d: vector %d wrong", call, i)
			}
		}
		var sizes []int
		for _, r := range srv.EmbedRequests()[before:] {
			sizes = append(sizes, len(r.Input))
		}
		// First call: 8 refused → 4 refused → 2, 2, then 4 refused → 2, 2;
		// then the last 2. Second call: batches of the learned size 2.
		want := [][]int{{8, 4, 2, 2, 4, 2, 2, 2}, {2, 2, 2, 2, 2}}[call]
		if !slices.Equal(sizes, want) {
			t.Errorf("call %d: batch sizes %v, want %v", call, sizes, want)
		}
	}
}

// A 400 that is not about the batch size is not split.
func TestEmbedNoSplitOnOtherBadRequest(t *testing.T) {
	srv, c, _ := newTest(t, nil)
	srv.EnqueueEmbed(llmtest.Error(400, "input too long"))
	if _, err := c.Embed(context.Background(), texts(4, "z")); !errors.Is(err, llm.ErrBadRequest) {
		t.Fatalf("err = %v, want ErrBadRequest", err)
	}
	if n := len(srv.EmbedRequests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}
