package llm

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
)

// CachedEmbedder keeps the vectors of a [BatchEmbedder] in memory, keyed by
// the SHA-256 of the embedder's ID and the text, so the same text under the
// same model is embedded once per process. Only the misses of a call are
// sent, in one batched call; repeated texts within a call are sent once.
// A failed call caches nothing. The map is unbounded: persisting vectors
// across runs is the caller's job. Returned vectors are shared; do not
// modify them. It is safe for concurrent use.
type CachedEmbedder struct {
	inner BatchEmbedder

	mu sync.Mutex
	m  map[[sha256.Size]byte][]float32
}

// NewCachedEmbedder returns an empty cache in front of inner.
func NewCachedEmbedder(inner BatchEmbedder) *CachedEmbedder {
	return &CachedEmbedder{inner: inner, m: make(map[[sha256.Size]byte][]float32)}
}

func (c *CachedEmbedder) key(text string) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(c.inner.ID()))
	h.Write([]byte{0})
	h.Write([]byte(text))
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// Embed returns the vectors of texts in order, embedding only the texts
// not seen before. Errors are those of the inner embedder.
func (c *CachedEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	keys := make([][sha256.Size]byte, len(texts))
	missIdx := make(map[[sha256.Size]byte][]int)
	var missing []string
	c.mu.Lock()
	for i, t := range texts {
		keys[i] = c.key(t)
		if v, ok := c.m[keys[i]]; ok {
			out[i] = v
			continue
		}
		if _, seen := missIdx[keys[i]]; !seen {
			missing = append(missing, t)
		}
		missIdx[keys[i]] = append(missIdx[keys[i]], i)
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	vecs, err := c.inner.Embed(ctx, missing)
	if err != nil {
		return nil, err
	}
	if len(vecs) != len(missing) {
		return nil, newError("embed", ErrInvalidOutput, 0, 0, fmt.Errorf("got %d vectors for %d texts", len(vecs), len(missing)), "")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for j, t := range missing {
		k := c.key(t)
		c.m[k] = vecs[j]
		for _, i := range missIdx[k] {
			out[i] = vecs[j]
		}
	}
	return out, nil
}

// EmbedFunc returns an adapter embedding one text at a time, with the
// signature of chromem-go's EmbeddingFunc.
func (c *CachedEmbedder) EmbedFunc() func(ctx context.Context, text string) ([]float32, error) {
	return embedOne(c.Embed)
}

// TextEmbedder returns the cache as a one-text embedder.
func (c *CachedEmbedder) TextEmbedder() TextEmbedder { return TextEmbedder{B: c} }

// ID returns the inner embedder's ID.
func (c *CachedEmbedder) ID() string { return c.inner.ID() }

// Len returns the number of cached vectors.
func (c *CachedEmbedder) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
