package retrieval

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// segmentInput is what a segment is built from.
type segmentInput struct {
	// docs are the documents, with their text; the passages of each are
	// consecutive in passages, in the order of docs. Empty when the
	// passages belong to no document (an index built by [NewHybrid]).
	docs     []Document
	passages []Passage
	vectors  [][]float32 // one per passage, of one length
	// centroids are the partitions the vectors are assigned to (a delta
	// segment takes its base's); nil with partition set: computed here.
	centroids [][]float32
	partition bool
}

// buildSegment indexes in and lays it out as a segment.
func buildSegment(in segmentInput) (*segmentWriter, error) {
	n := len(in.passages)
	if len(in.vectors) != n {
		return nil, fmt.Errorf("retrieval: %d vectors for %d passages", len(in.vectors), n)
	}
	if n > math.MaxUint32/2 {
		return nil, errors.New("retrieval: too many passages for one segment")
	}
	ranges, err := docRanges(in.docs, in.passages)
	if err != nil {
		return nil, err
	}
	w := &segmentWriter{}
	w.header[hPassages], w.header[hDocs] = uint64(n), uint64(len(in.docs))

	pt := newStringTable(passageFields*n, 0)
	for _, p := range in.passages {
		pt.add(p.ID)
		pt.add(p.Title)
		pt.add(p.Source)
		pt.add(p.Text)
		pt.add(p.Doc)
	}
	w.add(secPassOffs, bytesOf(pt.offs))
	w.add(secPassBlob, pt.blob)

	dt := newStringTable(docFields*len(in.docs), 0)
	for _, d := range in.docs {
		dt.add(d.Name)
		dt.add(d.Title)
		dt.add(d.Hash)
		dt.add(d.Text)
	}
	w.add(secDocRanges, bytesOf(ranges))
	w.add(secDocOffs, bytesOf(dt.offs))
	w.add(secDocBlob, dt.blob)

	if err := addLexical(w, in.passages); err != nil {
		return nil, err
	}
	if err := addVectors(w, in); err != nil {
		return nil, err
	}
	w.layout()
	return w, nil
}

// docRanges returns, per document, its first passage, its number of
// passages and its flags. Returns an error when the passages of docs are
// not consecutive and in order.
func docRanges(docs []Document, passages []Passage) ([]uint32, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	out := make([]uint32, 0, 3*len(docs))
	i := 0
	for _, d := range docs {
		first := i
		for i < len(passages) && passages[i].Doc == d.Name {
			i++
		}
		var flags uint32
		if d.Shipped {
			flags |= docShipped
		}
		out = append(out, uint32(first), uint32(i-first), flags)
	}
	if i != len(passages) {
		return nil, fmt.Errorf("retrieval: passage %s is not among its document's passages", passages[i].ID)
	}
	return out, nil
}

// BM25 settings and the title boost, tuned on CMRC and the QA sets.
const (
	bm25K1     = 1.0
	bm25B      = 0.5
	uniWeight  = 0.6 // weight of a shared Han character relative to a bigram
	titleBoost = 3   // term frequency a title occurrence adds
)

// addLexical indexes the passages' grams: a passage's title is indexed
// with its text at a boost (BM25F-style), so that every passage of an
// article matches the article's subject and the words of the question
// that differ decide.
func addLexical(w *segmentWriter, passages []Passage) error {
	ids := make(map[gram]uint32)
	var (
		grams    []gram
		postings [][]posting
		lengths  = make([]float32, 0, len(passages))
	)
	for i, p := range passages {
		doc := uint32(i)
		var length float32
		add := func(g gram, tf float32) {
			id, ok := ids[g]
			if !ok {
				id = uint32(len(grams))
				ids[g] = id
				grams = append(grams, g)
				postings = append(postings, nil)
			}
			ps := postings[id]
			if n := len(ps); n > 0 && ps[n-1].doc == doc {
				ps[n-1].tf += tf
				return
			}
			postings[id] = append(ps, posting{doc, tf})
		}
		eachGram(p.Text, func(g gram) {
			add(g, 1)
			if g.kind() != kindUni {
				length++
			}
		})
		eachGram(p.Title, func(g gram) { add(g, titleBoost) })
		lengths = append(lengths, length)
	}
	var sum float64
	for _, n := range lengths {
		sum += float64(n)
	}
	order := make([]uint32, len(grams))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(a, b uint32) int { return cmpGram(grams[a], grams[b]) })
	keys := make([]uint64, len(order))
	offs := make([]uint32, 1, len(order)+1)
	total := 0
	for i, id := range order {
		keys[i] = uint64(grams[id])
		total += len(postings[id])
		if total > math.MaxUint32 {
			return errors.New("retrieval: too many postings for one segment")
		}
		offs = append(offs, uint32(total))
		w.add(secPostings, bytesOf(postings[id]))
	}
	w.header[hGrams], w.header[hPostings] = uint64(len(keys)), uint64(total)
	w.header[hSumLen] = math.Float64bits(sum)
	w.add(secLengths, bytesOf(lengths))
	w.add(secGramKeys, bytesOf(keys))
	w.add(secGramOffs, bytesOf(offs))
	return nil
}

func cmpGram(a, b gram) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// addVectors partitions the non-zero vectors, by in.centroids or by
// k-means when in.partition asks and there are more than exactLimit, and
// lays them out grouped by partition.
func addVectors(w *segmentWriter, in segmentInput) error {
	dim := 0
	var ids []int
	for i, v := range in.vectors {
		if v == nil {
			return fmt.Errorf("retrieval: passage %s has no vector", in.passages[i].ID)
		}
		if dim == 0 {
			dim = len(v)
		}
		if len(v) != dim {
			return fmt.Errorf("retrieval: vectors of %d and %d dimensions", dim, len(v))
		}
		if !isZero(v) {
			ids = append(ids, i)
		}
	}
	cents := in.centroids
	if in.partition && cents == nil && len(ids) > exactLimit {
		cents = kmeans(in.vectors, ids, int(math.Sqrt(float64(len(ids)))))
	}
	if len(cents) > 0 && len(ids) > 0 && len(cents[0]) != dim {
		return fmt.Errorf("retrieval: vectors of %d dimensions for partitions of %d", dim, len(cents[0]))
	}
	parts := max(1, len(cents))
	assign := make([]int, len(ids))
	if len(cents) > 0 {
		parallel(len(ids), func(i int) { assign[i] = nearest(cents, in.vectors[ids[i]]) })
	}
	start := make([]uint32, parts+1)
	for _, a := range assign {
		start[a+1]++
	}
	for p := range parts {
		start[p+1] += start[p]
	}
	members := make([]uint32, len(ids))
	vectors := make([]float32, len(ids)*dim)
	next := slices.Clone(start[:parts])
	for i, id := range ids {
		r := next[assign[i]]
		next[assign[i]]++
		members[r] = uint32(id)
		copy(vectors[int(r)*dim:], in.vectors[id])
	}
	w.header[hDim], w.header[hParts], w.header[hRows] = uint64(dim), uint64(parts), uint64(len(ids))
	if in.partition && len(cents) > 0 {
		flat := make([]float32, 0, len(cents)*dim)
		for _, c := range cents {
			flat = append(flat, c...)
		}
		w.header[hCentroids] = uint64(len(cents))
		w.add(secCentroids, bytesOf(flat))
	}
	w.add(secPartStart, bytesOf(start))
	w.add(secMembers, bytesOf(members))
	w.add(secVectors, bytesOf(vectors))
	return nil
}
