package llm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"partybot/llm"
)

// memTransport answers every request with the same body, in memory: the
// benchmarks measure the client, not the network or a model.
type memTransport struct {
	body        string
	contentType string
}

func (m memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {m.contentType}},
		Body:    io.NopCloser(strings.NewReader(m.body)),
		Request: r,
	}, nil
}

// sseAnswer is a streamed answer of n chunks of a few Chinese characters,
// about the size of a grounded answer.
func sseAnswer(n int) string {
	var b strings.Builder
	for i := range n {
		chunk, _ := json.Marshal(map[string]any{
			"id": "x", "object": "chat.completion.chunk",
			"choices": []map[string]any{{"index": 0, "delta": map[string]string{"content": fmt.Sprintf("第%d句话。", i)}}},
		})
		fmt.Fprintf(&b, "data: %s\n\n", chunk)
	}
	b.WriteString(`data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\ndata: [DONE]\n\n")
	return b.String()
}

// BenchmarkChatStreamRelay is the client's own cost of one streamed answer
// of 300 chunks: request encoding, SSE parsing, the think filter and the
// relay, without network or model time.
func BenchmarkChatStreamRelay(b *testing.B) {
	hc := &http.Client{Transport: memTransport{body: sseAnswer(300), contentType: "text/event-stream"}}
	c, err := llm.New(llm.Config{BaseURL: "http://model.invalid/v1", ChatModel: "m"}, llm.WithHTTPClient(hc))
	require.NoError(b, err)
	msgs := []llm.Message{llm.System(strings.Repeat("系统提示。", 200)), llm.User(strings.Repeat("资料。", 1000))}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		text, err := c.ChatStream(ctx, msgs, llm.ChatOptions{}, func(s string) { n += len(s) })
		require.NoError(b, err)
		require.True(b, n == len(text), "relayed bytes differ from the answer")
	}
}

// BenchmarkEmbedBatch is the client's own cost of embedding 64 texts into
// 1024-dimensional vectors: JSON decoding, placing and normalising.
func BenchmarkEmbedBatch(b *testing.B) {
	const n, dim = 64, 1024
	data := make([]map[string]any, n)
	for i := range data {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32((i+1)*(j+1)%97) / 97
		}
		data[i] = map[string]any{"object": "embedding", "index": n - 1 - i, "embedding": v}
	}
	body, _ := json.Marshal(map[string]any{"object": "list", "data": data, "model": "e"})
	hc := &http.Client{Transport: memTransport{body: string(body), contentType: "application/json"}}
	c, err := llm.New(llm.Config{BaseURL: "http://model.invalid/v1", EmbedModel: "e"}, llm.WithHTTPClient(hc))
	require.NoError(b, err)
	in := texts(n, "社会组织换届前置审核")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, err := c.Embed(ctx, in)
		require.NoError(b, err)
	}
}
