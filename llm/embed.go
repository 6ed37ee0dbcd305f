package llm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
)

// Embed returns one unit-length vector per text, in the order of texts.
// Texts are sent in batches of at most Config.EmbedBatchSize inputs and
// Config.EmbedBatchRunes characters (a longer single text goes alone), one
// batch after another, each with the per-call timeout and retries. The
// server's index field places each vector, so a server that reorders its
// answer is harmless.
//
// Returns an error wrapping [ErrNotConfigured] without an embedding model,
// [ErrBadRequest] for an empty text (servers reject them),
// [ErrInvalidOutput] when the server returns the wrong number of vectors,
// bad indexes, vectors of differing sizes or zero vectors, and otherwise
// the errors of [Client.Chat].
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	const op = "embed"
	if !c.cfg.EmbedEnabled() {
		return nil, newError(op, ErrNotConfigured, 0, 0, errors.New("no embedding model or endpoint configured"), "")
	}
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			return nil, newError(op, ErrBadRequest, 0, 0, fmt.Errorf("text %d is empty", i), "")
		}
	}
	out := make([][]float32, len(texts))
	dim := 0
	for _, b := range c.batches(texts) {
		vecs, err := c.embedSplitting(ctx, op, texts[b[0]:b[1]])
		if err != nil {
			return nil, err
		}
		for i, v := range vecs {
			if dim == 0 {
				dim = len(v)
			}
			if len(v) != dim {
				return nil, newError(op, ErrInvalidOutput, 0, 0, fmt.Errorf("vector %d has %d dimensions, others %d", b[0]+i, len(v), dim), "")
			}
			out[b[0]+i] = v
		}
	}
	return out, nil
}

// batches splits texts into [start, end) ranges within the batch limits.
func (c *Client) batches(texts []string) [][2]int {
	size := c.cfg.EmbedBatchSize
	if c.embedCap != nil {
		if n := int(c.embedCap.Load()); n > 0 && n < size {
			size = n
		}
	}
	var out [][2]int
	start, runes := 0, 0
	for i, t := range texts {
		n := utf8.RuneCountInString(t)
		if i > start && (i-start >= size || runes+n > c.cfg.EmbedBatchRunes) {
			out = append(out, [2]int{start, i})
			start, runes = i, 0
		}
		runes += n
	}
	if start < len(texts) {
		out = append(out, [2]int{start, len(texts)})
	}
	return out
}

// embedSplitting embeds a batch; when the server refuses it as too large
// (DashScope takes at most 10 inputs, others have their own limits), it
// embeds the two halves instead and remembers the smaller size.
func (c *Client) embedSplitting(ctx context.Context, op string, texts []string) ([][]float32, error) {
	vecs, err := c.embedBatch(ctx, op, texts)
	if err == nil || len(texts) < 2 || !batchTooLarge(err) {
		return vecs, err
	}
	half := len(texts) / 2
	for {
		cur := c.embedCap.Load()
		if cur > 0 && cur <= int64(half) || c.embedCap.CompareAndSwap(cur, int64(half)) {
			break
		}
	}
	a, err := c.embedSplitting(ctx, op, texts[:half])
	if err != nil {
		return nil, err
	}
	b, err := c.embedSplitting(ctx, op, texts[half:])
	if err != nil {
		return nil, err
	}
	return append(a, b...), nil
}

// batchTooLarge reports a rejection of the batch's size.
func batchTooLarge(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	msg := strings.ToLower(e.Error())
	return e.Status == http.StatusRequestEntityTooLarge ||
		(errors.Is(err, ErrBadRequest) && (strings.Contains(msg, "batch") || strings.Contains(msg, "too many inputs")))
}

// embedBatch embeds one batch and returns its vectors in input order,
// normalised.
func (c *Client) embedBatch(ctx context.Context, op string, texts []string) ([][]float32, error) {
	req := openai.EmbeddingRequestStrings{
		Input:      texts,
		Model:      openai.EmbeddingModel(c.cfg.EmbedModel),
		Dimensions: c.cfg.EmbedDimensions,
	}
	var resp openai.EmbeddingResponse
	err := c.call(ctx, op, c.timed(func(ctx context.Context) error {
		var err error
		resp, err = c.oa.CreateEmbeddings(ctx, req)
		return err
	}))
	if err != nil {
		return nil, err
	}
	vecs, err := placeEmbeddings(resp.Data, len(texts))
	if err != nil {
		return nil, newError(op, ErrInvalidOutput, 0, 0, err, "")
	}
	return vecs, nil
}

// placeEmbeddings orders data by its index fields and normalises each
// vector to unit length.
func placeEmbeddings(data []openai.Embedding, n int) ([][]float32, error) {
	if len(data) != n {
		return nil, fmt.Errorf("got %d vectors for %d texts", len(data), n)
	}
	out := make([][]float32, n)
	for _, e := range data {
		if e.Index < 0 || e.Index >= n {
			return nil, fmt.Errorf("vector index %d out of range [0,%d)", e.Index, n)
		}
		if out[e.Index] != nil {
			return nil, fmt.Errorf("vector index %d repeated", e.Index)
		}
		v := e.Embedding
		if !normalize(v) {
			return nil, fmt.Errorf("vector %d is empty, zero or not finite", e.Index)
		}
		out[e.Index] = v
	}
	return out, nil
}

// normalize scales v to unit length in place. It reports false for an
// empty, zero or non-finite vector.
func normalize(v []float32) bool {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if len(v) == 0 || sum == 0 || math.IsInf(sum, 0) || math.IsNaN(sum) {
		return false
	}
	inv := 1 / math.Sqrt(sum)
	for i, x := range v {
		v[i] = float32(float64(x) * inv)
	}
	return true
}

// EmbedFunc returns an adapter embedding one text at a time, with the
// signature of chromem-go's EmbeddingFunc.
func (c *Client) EmbedFunc() func(ctx context.Context, text string) ([]float32, error) {
	return embedOne(c.Embed)
}

func embedOne(embed func(context.Context, []string) ([][]float32, error)) func(context.Context, string) ([]float32, error) {
	return func(ctx context.Context, text string) ([]float32, error) {
		vs, err := embed(ctx, []string{text})
		if err != nil {
			return nil, err
		}
		return vs[0], nil
	}
}

// ID names the embedding endpoint and model, for invalidating an index
// built by another: "openai:<host>/<model>", with "@<dimensions>" when
// Config.EmbedDimensions is set. It is "" when embeddings are not
// configured.
func (c *Client) ID() string {
	if !c.cfg.EmbedEnabled() {
		return ""
	}
	id := "openai:" + c.host + "/" + c.cfg.EmbedModel
	if c.cfg.EmbedDimensions > 0 {
		id += "@" + strconv.Itoa(c.cfg.EmbedDimensions)
	}
	return id
}

// TextEmbedder returns the client as a one-text embedder.
func (c *Client) TextEmbedder() TextEmbedder { return TextEmbedder{B: c} }

// BatchEmbedder embeds many texts in one call and names itself; [*Client]
// and [*CachedEmbedder] implement it.
type BatchEmbedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	ID() string
}

var (
	_ BatchEmbedder = (*Client)(nil)
	_ BatchEmbedder = (*CachedEmbedder)(nil)
)

// TextEmbedder adapts a [BatchEmbedder] to the one-text interface
// (Embed(ctx, text) and ID()) that retrieval declares, and keeps the batch
// call as EmbedBatch for ingestion.
type TextEmbedder struct {
	B BatchEmbedder
}

// Embed embeds one text.
func (e TextEmbedder) Embed(ctx context.Context, text string) ([]float32, error) {
	return embedOne(e.B.Embed)(ctx, text)
}

// EmbedBatch embeds many texts in order.
func (e TextEmbedder) EmbedBatch(ctx context.Context, texts []string) ([][]float32, error) {
	return e.B.Embed(ctx, texts)
}

// ID returns the underlying embedder's ID.
func (e TextEmbedder) ID() string { return e.B.ID() }
