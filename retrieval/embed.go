package retrieval

import (
	"context"
	"fmt"
	"math"
)

// Embedder turns text into a unit vector. ID names the model and its
// settings; an index built by one embedder is rebuilt when the ID changes.
type Embedder interface {
	Embed(ctx context.Context, text string) ([]float32, error)
	ID() string
}

// BatchEmbedder is an Embedder that also embeds many texts in one call,
// in order (a remote model: one request per batch, not per passage).
type BatchEmbedder interface {
	Embedder
	EmbedBatch(ctx context.Context, texts []string) ([][]float32, error)
}

// embedBatchSize is how many passages EmbedPassages sends per batch call.
const embedBatchSize = 64

// EmbedPassages fills the missing (nil) vectors of passages, in batches
// when emb is a BatchEmbedder, calling progress (when set) after each
// batch with the number done and the number missing.
func EmbedPassages(ctx context.Context, emb Embedder, passages []Passage, vectors [][]float32, progress func(done, total int)) error {
	var todo []int
	for i := range passages {
		if vectors[i] == nil {
			todo = append(todo, i)
		}
	}
	be, batched := emb.(BatchEmbedder)
	for start := 0; start < len(todo); {
		end := start + 1
		if batched {
			end = min(start+embedBatchSize, len(todo))
		}
		texts := make([]string, 0, end-start)
		for _, i := range todo[start:end] {
			texts = append(texts, passages[i].Title+"\n"+passages[i].Text)
		}
		var vs [][]float32
		var err error
		if batched {
			vs, err = be.EmbedBatch(ctx, texts)
		} else {
			var v []float32
			v, err = emb.Embed(ctx, texts[0])
			vs = [][]float32{v}
		}
		if err == nil && len(vs) != len(texts) {
			err = fmt.Errorf("%d vectors for %d texts", len(vs), len(texts))
		}
		if err != nil {
			return fmt.Errorf("embed passage %s: %w", passages[todo[start]].ID, err)
		}
		for j, i := range todo[start:end] {
			vectors[i] = vs[j]
		}
		start = end
		if progress != nil && (batched || start == len(todo) || start%256 == 0) {
			progress(start, len(todo))
		}
	}
	return nil
}

// HashEmbedder is the offline embedder: character unigrams, bigrams and
// words hashed into Dim signed buckets, sublinear in frequency, unit length.
// It is local, deterministic and needs no model files.
type HashEmbedder struct {
	Dim int
}

var _ Embedder = HashEmbedder{}

// DefaultHashDim is the vector size of the offline embedder.
const DefaultHashDim = 64

// ID implements [Embedder].
func (e HashEmbedder) ID() string { return fmt.Sprintf("hash-ngram-v1-%d", e.Dim) }

// Embed implements [Embedder]. It never fails; ctx is ignored.
func (e HashEmbedder) Embed(_ context.Context, text string) ([]float32, error) {
	return e.embed(text), nil
}

func (e HashEmbedder) embed(text string) []float32 {
	dim := e.Dim
	if dim <= 0 {
		dim = DefaultHashDim
	}
	counts := make(map[gram]int)
	eachGram(text, func(g gram) { counts[g]++ })
	v := make([]float32, dim)
	for g, n := range counts {
		x := mix64(uint64(g))
		w := 1 + math.Log(float64(n))
		if g.kind() == kindUni {
			w *= 0.5
		}
		if x>>63 == 1 {
			w = -w
		}
		v[x%uint64(dim)] += float32(w)
	}
	normalize(v)
	return v
}

// normalize scales v to unit length in place; a zero vector stays zero.
func normalize(v []float32) {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
}

// mix64 is the splitmix64 finaliser: it spreads a gram's bits over the
// bucket index and the sign.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
