package retrieval

import (
	"context"
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
	vs := make([][]float32, exactLimit+5000)
	for i := range vs {
		v := make([]float32, 16)
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		normalize(v)
		vs[i] = v
	}
	vs[3] = make([]float32, 16) // a zero vector is skipped, not indexed
	vi, err := newVectorIndex(context.Background(), vs)
	require.NoError(t, err)
	require.NotNil(t, vi.centroids, "not partitioned")
	require.Len(t, vi.cols, int(math.Sqrt(float64(len(vs)-1))), "not partitioned: collections")
	found := 0
	for i := 0; i < 200; i++ {
		q := rng.IntN(len(vs))
		if q == 3 {
			continue
		}
		res, err := vi.search(context.Background(), vs[q], 5)
		require.NoError(t, err)
		if len(res) > 0 && res[0].doc == q {
			found++
		}
	}
	assert.GreaterOrEqual(t, found, 190, "times of 200 a stored vector found itself")
}
