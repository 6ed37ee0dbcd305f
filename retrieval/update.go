package retrieval

import (
	"context"
	"runtime"
	"slices"
)

// Change is what [Hybrid.Update] does to an index.
type Change struct {
	// Remove names documents to take out; names the index does not hold
	// are ignored. A document being replaced is named here and in Add.
	Remove []string
	// Add is documents to add, as [Build] takes them; Key is ignored.
	Add Batch
	// Progress, when set, is called as passages are embedded
	// ([EmbedPassages]).
	Progress func(done, total int)
}

// When to compact, measured by BenchmarkUpdate (see the README):
//
//   - A change adds its passages as one more delta segment, its vectors
//     assigned to the base's partitions, and marks removed documents'
//     passages; nothing else is rewritten.
//   - When there are more than maxDeltas deltas, the newest are merged
//     into one, taking older ones while the next older is no larger than
//     those taken: delta sizes stay geometric, so a passage is rewritten
//     a logarithmic number of times.
//   - The whole index is rebuilt as one base, with fresh partitions, when
//     the deltas and the removed passages together exceed 1/compactRatio
//     of the base; when the base was searched exactly and the index has
//     outgrown exactLimit; or when partitions drift: the largest holds
//     more than driftRatio times the base's largest (new vectors crowd
//     into a few partitions, and queries that probe them slow down).
const (
	maxDeltas    = 8
	compactRatio = 4
	driftRatio   = 2
)

// Update returns a new index: h with c applied. h is left as it is and
// may still be searched. The vectors of added passages whose title and
// text equal a removed passage's are reused; the others are embedded.
// Returns an error when the embedder fails or the batch is inconsistent
// (see [Build]).
func (h *Hybrid) Update(ctx context.Context, c Change) (*Hybrid, error) {
	defer runtime.KeepAlive(h)
	live := map[string]DocRef{}
	gone := make(map[DocRef]bool, len(h.removed))
	for _, r := range h.removed {
		gone[r] = true
	}
	for si, s := range h.segs {
		for di, d := range s.docs {
			if r := (DocRef{si, di}); !gone[r] {
				live[d.Name] = r
			}
		}
	}
	removed := slices.Clone(h.removed)
	known := map[string][]float32{}
	for _, name := range c.Remove {
		r, ok := live[name]
		if !ok {
			continue
		}
		delete(live, name)
		removed = append(removed, r)
		s := h.segs[r.Seg]
		d := s.docs[r.Doc]
		vs := s.vectorsByPassage(h.dim)
		for i := d.first; i < d.first+d.count; i++ {
			p := s.passage(i)
			known[p.Title+"\n"+p.Text] = vs[i]
		}
	}
	slices.SortFunc(removed, cmpRef)
	add := c.Add
	vectors := make([][]float32, len(add.Passages))
	copy(vectors, add.Vectors)
	for i, p := range add.Passages {
		if vectors[i] == nil {
			vectors[i] = known[p.Title+"\n"+p.Text]
		}
	}
	if err := EmbedPassages(ctx, h.emb, add.Passages, vectors, c.Progress); err != nil {
		return nil, err
	}
	if outgrown(h.segs, removed, len(add.Passages)) {
		// Rebuilding anyway: the new documents go straight into the base.
		b := gather(h.segs, removed, h.dim)
		b.Docs = append(b.Docs, add.Docs...)
		b.Passages = append(b.Passages, add.Passages...)
		b.Vectors = append(b.Vectors, vectors...)
		return h.successor(Build(ctx, b, h.emb, h.exp))
	}
	segs := slices.Clone(h.segs)
	if len(add.Docs) > 0 || len(add.Passages) > 0 {
		w, err := buildSegment(segmentInput{docs: add.Docs, passages: add.Passages, vectors: vectors, centroids: h.centroids})
		if err != nil {
			return nil, err
		}
		s, err := openSegment(w.bytes(), "")
		if err != nil {
			return nil, err
		}
		segs = append(segs, s)
	}
	var next *Hybrid
	var err error
	switch from := compaction(segs, removed, h.centroids != nil); {
	case from == 0:
		next, err = Build(ctx, gather(segs, removed, h.dim), h.emb, h.exp)
	case from > 0:
		segs, removed, err = mergeDeltas(segs, removed, from, h.centroids, h.dim)
		if err == nil {
			next, err = assemble(segs, removed, h.emb, h.exp)
		}
	default:
		next, err = assemble(segs, removed, h.emb, h.exp)
	}
	return h.successor(next, err)
}

// successor gives next, made from h by a change, h's key, generation and
// settings.
func (h *Hybrid) successor(next *Hybrid, err error) (*Hybrid, error) {
	if err != nil {
		return nil, err
	}
	next.key, next.gen, next.files = h.key, h.gen, h.files
	next.VectorWeight, next.ExpansionWeight = h.VectorWeight, h.ExpansionWeight
	return next, nil
}

// outgrown reports whether the deltas of segs with extra passages more,
// and the removed passages, exceed 1/compactRatio of the base.
func outgrown(segs []*segment, removed []DocRef, extra int) bool {
	n := extra
	for _, s := range segs[1:] {
		n += s.n
	}
	for _, r := range removed {
		n += segs[r.Seg].docs[r.Doc].count
	}
	return compactRatio*n > segs[0].n
}

func cmpRef(a, b DocRef) int {
	if a.Seg != b.Seg {
		return a.Seg - b.Seg
	}
	return a.Doc - b.Doc
}

// compaction returns what the rules above ask of segs less removed: 0 to
// rebuild everything, i > 0 to merge the deltas from segs[i] on, -1 for
// nothing.
func compaction(segs []*segment, removed []DocRef, partitioned bool) int {
	base := segs[0]
	rows := 0
	parts := make([]int, base.parts)
	baseMax := 0
	for p := range base.parts {
		baseMax = max(baseMax, int(base.partStart[p+1]-base.partStart[p]))
	}
	for _, s := range segs {
		rows += len(s.members)
		for p := range min(s.parts, base.parts) {
			parts[p] += int(s.partStart[p+1] - s.partStart[p])
		}
	}
	switch {
	case outgrown(segs, removed, 0):
		return 0
	case !partitioned && rows > exactLimit:
		return 0
	case partitioned && slices.Max(parts) > driftRatio*baseMax:
		return 0
	case len(segs)-1 <= maxDeltas:
		return -1
	}
	from, size := len(segs)-2, segs[len(segs)-1].n+segs[len(segs)-2].n
	for from > 1 && segs[from-1].n <= size {
		from--
		size += segs[from].n
	}
	return from
}

// gather returns the live documents of segs, less removed, with their
// text, passages and vectors, to build them again.
func gather(segs []*segment, removed []DocRef, dim int) Batch {
	gone := make(map[DocRef]bool, len(removed))
	for _, r := range removed {
		gone[r] = true
	}
	var b Batch
	for si, s := range segs {
		vs := s.vectorsByPassage(dim)
		if len(s.docs) == 0 {
			for i := range s.n {
				b.Passages = append(b.Passages, s.passage(i))
			}
			b.Vectors = append(b.Vectors, vs...)
			continue
		}
		for di, d := range s.docs {
			if gone[DocRef{si, di}] {
				continue
			}
			doc := d.Document
			doc.Text = s.docString(di, 3)
			b.Docs = append(b.Docs, doc)
			for i := d.first; i < d.first+d.count; i++ {
				b.Passages = append(b.Passages, s.passage(i))
			}
			b.Vectors = append(b.Vectors, vs[d.first:d.first+d.count]...)
		}
	}
	return b
}

// mergeDeltas replaces segs[from:] by one delta of their live documents,
// assigned to cents, and drops the removed documents merged away.
func mergeDeltas(segs []*segment, removed []DocRef, from int, cents [][]float32, dim int) ([]*segment, []DocRef, error) {
	var keep, tail []DocRef
	for _, r := range removed {
		if r.Seg < from {
			keep = append(keep, r)
		} else {
			tail = append(tail, DocRef{r.Seg - from, r.Doc})
		}
	}
	b := gather(segs[from:], tail, dim)
	w, err := buildSegment(segmentInput{docs: b.Docs, passages: b.Passages, vectors: b.Vectors, centroids: cents})
	if err != nil {
		return nil, nil, err
	}
	s, err := openSegment(w.bytes(), "")
	if err != nil {
		return nil, nil, err
	}
	return append(slices.Clone(segs[:from]), s), keep, nil
}

// Documents returns the documents of the index in the order they were
// added, with their text when withText (read from the segments: for a
// large index, megabytes).
func (h *Hybrid) Documents(withText bool) []Document {
	defer runtime.KeepAlive(h)
	gone := make(map[DocRef]bool, len(h.removed))
	for _, r := range h.removed {
		gone[r] = true
	}
	var out []Document
	for si, s := range h.segs {
		for di, d := range s.docs {
			if gone[DocRef{si, di}] {
				continue
			}
			doc := d.Document
			if withText {
				doc.Text = s.docString(di, 3)
			}
			out = append(out, doc)
		}
	}
	return out
}
