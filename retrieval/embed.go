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
