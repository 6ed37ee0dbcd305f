package llm_test

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
			require.NoError(t, err)
			require.Len(t, got, len(in), "vectors for %d texts", len(in))
			for i, v := range got {
				assert.Equal(t, unit(llmtest.HashVector(in[i])), v, "vector %d (normalised, in input order)", i)
			}
			var sizes []int
			var sent []string
			for _, r := range srv.EmbedRequests() {
				sizes = append(sizes, len(r.Input))
				sent = append(sent, r.Input...)
				assert.Equal(t, "test-embed", r.Model, "model")
			}
			assert.Equal(t, tc.wantSizes, sizes, "batch sizes")
			if len(in) > 0 {
				assert.Equal(t, in, sent, "sent")
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
			assert.ErrorIs(t, err, tc.wantErr)
			assert.Len(t, srv.EmbedRequests(), tc.wantReq, "requests")
		})
	}
}

func TestEmbedIDAndAdapters(t *testing.T) {
	srv, c, _ := newTest(t, func(cfg *llm.Config) { cfg.EmbedDimensions = 8 })
	u, _ := url.Parse(srv.URL)
	assert.Equal(t, "openai:"+u.Host+"/test-embed@8", c.ID(), "ID")
	ctx := context.Background()
	v, err := c.EmbedFunc()(ctx, "党建")
	assert.NoError(t, err, "EmbedFunc")
	assert.Equal(t, unit(llmtest.HashVector("党建")), v, "EmbedFunc")
	te := c.TextEmbedder()
	assert.Equal(t, c.ID(), te.ID(), "TextEmbedder ID")
	v, err = te.Embed(ctx, "党建")
	assert.NoError(t, err, "TextEmbedder.Embed")
	assert.Len(t, v, 8, "TextEmbedder.Embed")
	vs, err := te.EmbedBatch(ctx, []string{"a", "b"})
	assert.NoError(t, err, "TextEmbedder.EmbedBatch")
	assert.Len(t, vs, 2, "TextEmbedder.EmbedBatch")
	for _, r := range srv.EmbedRequests() {
		assert.Equal(t, 8, r.Dimensions, "dimensions")
	}

	// Not configured: no ID.
	cfg := llm.DefaultConfig()
	cfg.BaseURL = srv.URL
	c2, _ := mustClient(t, cfg)
	assert.Empty(t, c2.ID(), "ID without a model")
}

func TestCachedEmbedder(t *testing.T) {
	srv, c, _ := newTest(t, func(cfg *llm.Config) { cfg.EmbedBatchSize = 2 })
	ce := llm.NewCachedEmbedder(c)
	ctx := context.Background()

	first := []string{"甲", "乙", "甲", "丙"}
	got, err := ce.Embed(ctx, first)
	require.NoError(t, err)
	for i, v := range got {
		assert.Equal(t, unit(llmtest.HashVector(first[i])), v, "vector %d", i)
	}
	var sent []string
	for _, r := range srv.EmbedRequests() {
		sent = append(sent, r.Input...)
	}
	assert.Equal(t, []string{"甲", "乙", "丙"}, sent, "each text sent once")
	assert.Equal(t, 3, ce.Len(), "Len")

	// Everything cached: no request at all.
	before := len(srv.EmbedRequests())
	_, err = ce.Embed(ctx, []string{"丙", "甲"})
	require.NoError(t, err)
	v, err := ce.EmbedFunc()(ctx, "乙")
	require.NoError(t, err, "EmbedFunc")
	require.Len(t, v, 8, "EmbedFunc")
	assert.Len(t, srv.EmbedRequests(), before, "new requests for cached texts")

	// Only the miss is sent.
	_, err = ce.Embed(ctx, []string{"甲", "丁"})
	require.NoError(t, err)
	reqs := srv.EmbedRequests()
	assert.Equal(t, []string{"丁"}, reqs[len(reqs)-1].Input, "last request")

	// A failure caches nothing.
	srv.EnqueueEmbed(llmtest.Error(400, "bad"))
	_, err = ce.Embed(ctx, []string{"戊"})
	assert.ErrorIs(t, err, llm.ErrBadRequest)
	assert.Equal(t, 4, ce.Len(), "Len")
	assert.Equal(t, c.ID(), ce.ID(), "ID")
	assert.True(t, strings.HasPrefix(ce.TextEmbedder().ID(), "openai:"), "TextEmbedder ID %q", ce.TextEmbedder().ID())
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
		require.NoError(t, err, "call %d", call)
		for i, v := range got {
			assert.Equal(t, unit(llmtest.HashVector(in[i])), v, "call %d: vector %d", call, i)
		}
		var sizes []int
		for _, r := range srv.EmbedRequests()[before:] {
			sizes = append(sizes, len(r.Input))
		}
		// First call: 8 refused → 4 refused → 2, 2, then 4 refused → 2, 2;
		// then the last 2. Second call: batches of the learned size 2.
		want := [][]int{{8, 4, 2, 2, 4, 2, 2, 2}, {2, 2, 2, 2, 2}}[call]
		assert.Equal(t, want, sizes, "call %d: batch sizes", call)
	}
}

// A 400 that is not about the batch size is not split.
func TestEmbedNoSplitOnOtherBadRequest(t *testing.T) {
	srv, c, _ := newTest(t, nil)
	srv.EnqueueEmbed(llmtest.Error(400, "input too long"))
	_, err := c.Embed(context.Background(), texts(4, "z"))
	require.ErrorIs(t, err, llm.ErrBadRequest)
	assert.Len(t, srv.EmbedRequests(), 1, "requests")
}
