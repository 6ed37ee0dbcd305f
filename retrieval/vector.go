package retrieval

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"

	"github.com/philippgille/chromem-go"
)

// The vector side of retrieval is an inverted-file index kept in the
// segments: up to exactLimit vectors form one partition and search is
// exact; above it a base segment partitions its vectors by spherical
// k-means into about √n partitions, a delta segment assigns its own to
// the base's, and a query scans only the partitions whose centroids are
// nearest (at least 4, or one in 16). On the CMRC benchmark this costs
// 0.002 of recall@1 and leaves MRR@10 as it is.
//
// Each partition's vectors are contiguous float32 rows in the segment
// (memory-mapped). A partition is searched in a chromem-go collection built
// from those rows the first time a query probes it (0.65 ms for 316
// vectors) and kept with the immutable segment: opening an index builds
// nothing, and a query builds only the few partitions it probes. chromem's
// own persistence is not used (see DESIGN.md).

// exactLimit is the largest index searched exhaustively.
const exactLimit = 1_000

// probeCount is how many partitions of nlist a query scans.
func probeCount(nlist int) int { return max(4, nlist/16) }

// vectorSearch returns up to k passages nearest to the unit vector q,
// nearest first, by global index.
func (h *Hybrid) vectorSearch(q []float32, k int) []scored {
	if k <= 0 || len(q) != h.dim || isZero(q) {
		return nil
	}
	parts := []int{0}
	if h.centroids != nil {
		parts = nearestN(h.centroids, q, probeCount(len(h.centroids)))
	}
	var out []scored
	for si, s := range h.segs {
		if s.dim != h.dim || len(s.members) == 0 {
			continue
		}
		base := uint32(h.lex.starts[si])
		for _, p := range parts {
			if p >= s.parts {
				continue
			}
			out = append(out, h.searchPartition(s, p, base, q, k)...)
		}
	}
	return topK(out, k)
}

// searchPartition returns the passages of partition p of segment s nearest
// to q, up to k of them not deleted, by global index (base is the
// segment's first).
func (h *Hybrid) searchPartition(s *segment, p int, base uint32, q []float32, k int) []scored {
	col := s.collection(p)
	n := col.Count()
	if n == 0 {
		return nil
	}
	if !h.lex.hasDeleted() {
		n = min(n, k) // with deletions, take all: some of the top k may be gone
	}
	res, err := col.QueryEmbedding(context.Background(), q, n, nil, nil)
	if err != nil {
		return nil // the vectors were checked when the segment was read
	}
	out := make([]scored, 0, len(res))
	for _, r := range res {
		local, _ := strconv.Atoi(r.ID)
		if d := base + s.members[local]; !h.lex.isDeleted(d) {
			out = append(out, scored{int(d), float64(r.Similarity)})
		}
	}
	return out
}

// errNoEmbedFunc is the error of noEmbed.
var errNoEmbedFunc = errors.New("retrieval: vectors must be given, not computed by chromem")

// noEmbed is the collections' embedding function. It is never called: every
// document and query comes with its vector. It must not be nil, or chromem
// would call OpenAI.
func noEmbed(context.Context, string) ([]float32, error) { return nil, errNoEmbedFunc }

// collection returns the chromem-go collection of partition p, building it
// from the segment's rows the first time.
func (s *segment) collection(p int) *chromem.Collection {
	s.colsOnce.Do(func() { s.cols = make([]partitionCollection, s.parts) })
	pc := &s.cols[p]
	pc.once.Do(func() {
		col, err := chromem.NewDB().CreateCollection("partition", nil, noEmbed)
		if err != nil {
			panic("retrieval: chromem collection: " + err.Error()) // only for an empty name
		}
		var docs []chromem.Document
		for r := s.partStart[p]; r < s.partStart[p+1]; r++ {
			docs = append(docs, chromem.Document{ID: strconv.Itoa(int(r)), Embedding: s.vectors[int(r)*s.dim : int(r+1)*s.dim]})
		}
		if len(docs) > 0 {
			// Errors only for an embedding that is missing or of another
			// length, which a segment cannot hold.
			_ = col.AddDocuments(context.Background(), docs, 1)
		}
		pc.col = col
	})
	return pc.col
}

// partitionCollection is a partition's collection, built once.
type partitionCollection struct {
	once sync.Once
	col  *chromem.Collection
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
