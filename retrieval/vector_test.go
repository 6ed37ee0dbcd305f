package retrieval

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVectorIndexPartitioned checks the inverted-file path used above
// exactLimit vectors: a stored vector finds itself.
func TestVectorIndexPartitioned(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	n := exactLimit + 5000
	ps := make([]Passage, n)
	vs := make([][]float32, n)
	for i := range vs {
		v := make([]float32, 16)
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		normalize(v)
		vs[i] = v
		ps[i] = Passage{ID: fmt.Sprint(i), Text: "党建"}
	}
	vs[3] = make([]float32, 16) // a zero vector is skipped, not indexed
	h, err := Build(context.Background(), Batch{Passages: ps, Vectors: vs}, HashEmbedder{Dim: 16}, nil)
	require.NoError(t, err)
	require.NotNil(t, h.centroids, "not partitioned")
	require.Len(t, h.centroids, int(math.Sqrt(float64(n-1))), "partitions")
	found := 0
	for range 200 {
		q := rng.IntN(n)
		if q == 3 {
			continue
		}
		res := h.vectorSearch(vs[q], 5)
		if len(res) > 0 && res[0].doc == q {
			found++
		}
	}
	assert.GreaterOrEqual(t, found, 190, "times of 200 a stored vector found itself")
}

// TestSegmentDamageIsFound: a segment whose checked bytes changed, or that
// was cut short, is refused, not used.
func TestSegmentDamageIsFound(t *testing.T) {
	ps := []Passage{{ID: "a", Title: "标题", Text: "党员应当按月缴纳党费。", Doc: "d"}}
	w, err := buildSegment(segmentInput{docs: []Document{{Name: "d", Text: "全文"}}, passages: ps, vectors: [][]float32{{1, 0}}})
	require.NoError(t, err)
	good := w.bytes()
	_, err = openSegment(good, "good")
	require.NoError(t, err)
	for _, at := range []int{8 * hPassages, 8 * hGrams, int(w.header[16+2*secGramKeys])} {
		bad := append(make([]byte, 0, len(good)), good...)
		bad[at] ^= 1
		_, err := openSegment(bad, "bad")
		assert.ErrorIs(t, err, errDamaged, "byte %d changed", at)
	}
	_, err = openSegment(good[:len(good)-8], "short")
	assert.ErrorIs(t, err, errDamaged, "cut short")
}
