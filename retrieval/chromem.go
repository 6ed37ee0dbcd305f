package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"

	"github.com/philippgille/chromem-go"
)

// vectorIndex is the vector side of retrieval, kept in chromem-go
// collections in memory; chromem's own persistence is not used (see
// DESIGN.md), the Hybrid snapshot stores the vectors.
//
// chromem scans every document of a collection per query, with a lock and a
// channel send per document: about 0.25 ms at 1,000 passages and tens of
// milliseconds at 100,000. Up to exactLimit vectors live in one collection
// and search is exact; above it the vectors are partitioned by spherical
// k-means into about √n collections (an inverted-file index) and a query
// scans only the collections whose centroids are nearest (at least 4, or
// one in 16). On the CMRC benchmark this costs 0.002 of recall@1 and
// leaves MRR@10 as it is, at well under half the time of the exact scan.
type vectorIndex struct {
	cols      []*chromem.Collection
	centroids [][]float32 // nil when exact: one collection
	probe     int         // collections scanned per query
}

// exactLimit is the largest index searched exhaustively.
const exactLimit = 1_000

var errNoEmbedFunc = errors.New("retrieval: vectors must be given, not computed by chromem")

// noEmbed is the collections' embedding function. It is never called: every
// document and query comes with its vector. It must not be nil, or chromem
// would call OpenAI.
func noEmbed(context.Context, string) ([]float32, error) { return nil, errNoEmbedFunc }

func newVectorIndex(ctx context.Context, vectors [][]float32) (*vectorIndex, error) {
	var ids []int
	for i, v := range vectors {
		if !isZero(v) {
			ids = append(ids, i)
		}
	}
	vi := &vectorIndex{}
	assign := make([]int, len(ids)) // cluster of ids[i]
	nlist := 1
	if len(ids) > exactLimit {
		nlist = int(math.Sqrt(float64(len(ids))))
		vi.centroids = kmeans(vectors, ids, nlist)
		nlist = len(vi.centroids)
		parallel(len(ids), func(i int) { assign[i] = nearest(vi.centroids, vectors[ids[i]]) })
		vi.probe = max(4, nlist/16)
	}
	db := chromem.NewDB()
	docs := make([][]chromem.Document, nlist)
	for i, id := range ids {
		docs[assign[i]] = append(docs[assign[i]], chromem.Document{ID: strconv.Itoa(id), Embedding: vectors[id]})
	}
	for c := range nlist {
		col, err := db.CreateCollection("passages-"+strconv.Itoa(c), nil, noEmbed)
		if err != nil {
			return nil, fmt.Errorf("create vector collection: %w", err)
		}
		if len(docs[c]) > 0 {
			if err := col.AddDocuments(ctx, docs[c], 2); err != nil {
				return nil, fmt.Errorf("add vectors: %w", err)
			}
		}
		vi.cols = append(vi.cols, col)
	}
	return vi, nil
}

// search returns up to k passage indexes nearest to the unit vector q,
// nearest first.
func (v *vectorIndex) search(ctx context.Context, q []float32, k int) ([]scored, error) {
	if k <= 0 || isZero(q) {
		return nil, nil
	}
	cols := v.cols
	if v.centroids != nil {
		cols = nil
		for _, c := range nearestN(v.centroids, q, v.probe) {
			cols = append(cols, v.cols[c])
		}
	}
	var out []scored
	for _, col := range cols {
		n := min(k, col.Count())
		if n == 0 {
			continue
		}
		res, err := col.QueryEmbedding(ctx, q, n, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("vector query: %w", err)
		}
		for _, r := range res {
			i, err := strconv.Atoi(r.ID)
			if err != nil {
				return nil, fmt.Errorf("vector query: bad id %q", r.ID)
			}
			out = append(out, scored{i, float64(r.Similarity)})
		}
	}
	return topK(out, k), nil
}

// kmeans partitions the vectors named by ids into at most nlist clusters
// of similar direction (spherical k-means on a sample) and returns the unit
// centroids. It is deterministic.
func kmeans(vectors [][]float32, ids []int, nlist int) [][]float32 {
	rng := rand.New(rand.NewPCG(1, uint64(len(ids))))
	sample := make([]int, len(ids))
	copy(sample, ids)
	rng.Shuffle(len(sample), func(i, j int) { sample[i], sample[j] = sample[j], sample[i] })
	sample = sample[:min(len(sample), 32*nlist)]
	dim := len(vectors[sample[0]])
	cents := make([][]float32, nlist)
	for c := range cents {
		cents[c] = append([]float32(nil), vectors[sample[c%len(sample)]]...)
	}
	assign := make([]int, len(sample))
	for range 8 {
		parallel(len(sample), func(i int) { assign[i] = nearest(cents, vectors[sample[i]]) })
		sums := make([][]float32, nlist)
		for i, s := range sample {
			c := assign[i]
			if sums[c] == nil {
				sums[c] = make([]float32, dim)
			}
			for j, x := range vectors[s] {
				sums[c][j] += x
			}
		}
		for c, s := range sums {
			if s != nil && !isZero(s) {
				normalize(s)
				cents[c] = s
			}
		}
	}
	return cents
}

// nearest returns the index of the centroid most similar to v.
func nearest(cents [][]float32, v []float32) int {
	best, bi := float32(math.Inf(-1)), 0
	for i, c := range cents {
		if s := dot(c, v); s > best {
			best, bi = s, i
		}
	}
	return bi
}

// nearestN returns the indexes of the n centroids most similar to v.
func nearestN(cents [][]float32, v []float32, n int) []int {
	idx := make([]int, len(cents))
	sims := make([]float32, len(cents))
	for i, c := range cents {
		idx[i], sims[i] = i, dot(c, v)
	}
	sort.Slice(idx, func(a, b int) bool { return sims[idx[a]] > sims[idx[b]] })
	return idx[:min(n, len(idx))]
}

func dot(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// parallel runs fn(0..n-1) on two goroutines (the machine has two cores).
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 2 {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

func isZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}
