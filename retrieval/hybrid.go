package retrieval

import (
	"context"
	"errors"
	"fmt"
)

// Hybrid is the retriever the assistant uses: a lexical BM25 index over
// character grams fused with vector search in chromem-go, with glossary
// query expansion and a coverage score that tells whether the best
// passages answer the query at all.
type Hybrid struct {
	passages []Passage
	vectors  [][]float32
	lex      *Lexical
	vec      *vectorIndex
	emb      Embedder
	exp      *Expander

	// VectorWeight is the weight of the cosine similarity added to the
	// lexical score (normalised to the best lexical hit).
	VectorWeight float64
	// ExpansionWeight is the query weight of grams that come from glossary
	// expansion rather than the query itself.
	ExpansionWeight float64
}

// ErrEmptyQuery is returned by Search for a query with no searchable text.
var ErrEmptyQuery = errors.New("retrieval: empty query")

// NewHybrid embeds and indexes the passages. vectors may be nil, or hold a
// vector per passage computed earlier by the same embedder (a loaded
// snapshot); missing vectors are computed.
func NewHybrid(ctx context.Context, passages []Passage, vectors [][]float32, emb Embedder, exp *Expander) (*Hybrid, error) {
	if emb == nil {
		return nil, errors.New("retrieval: nil embedder")
	}
	if vectors == nil {
		vectors = make([][]float32, len(passages))
	}
	if len(vectors) != len(passages) {
		return nil, fmt.Errorf("retrieval: %d vectors for %d passages", len(vectors), len(passages))
	}
	for i, p := range passages {
		if vectors[i] != nil {
			continue
		}
		v, err := emb.Embed(ctx, p.Title+"\n"+p.Heading+"\n"+p.Text)
		if err != nil {
			return nil, fmt.Errorf("embed passage %s: %w", p.ID, err)
		}
		vectors[i] = v
	}
	vec, err := newVectorIndex(ctx, vectors)
	if err != nil {
		return nil, err
	}
	return &Hybrid{
		passages: passages, vectors: vectors,
		lex: NewLexical(passages), vec: vec, emb: emb, exp: exp,
		VectorWeight: 0.1, ExpansionWeight: 0.4,
	}, nil
}

// Len is the number of passages indexed.
func (h *Hybrid) Len() int { return len(h.passages) }

// Vectors returns the passages' vectors, in passage order; the caller must
// not modify them.
func (h *Hybrid) Vectors() [][]float32 { return h.vectors }

// query is a parsed query: its weighted grams and what coverage needs.
type query struct {
	text    string // the query with interrogatives cut out
	grams   []weightedGram
	matches []match
	cover   *coverPlan
}

func (h *Hybrid) parse(q string) query {
	stripped := stripQuestionWords(q)
	pq := query{text: stripped, grams: queryGrams(nil, stripped, 1)}
	pq.matches = h.exp.matches(compact(stripped))
	for _, m := range pq.matches {
		for _, x := range h.exp.groups[m.group] {
			pq.grams = queryGrams(pq.grams, x, h.ExpansionWeight)
		}
	}
	pq.cover = h.planCoverage(pq)
	return pq
}

// Search returns up to k passages for q, best first. Each hit's Score is the
// fused score; Coverage says how much of the query the passage covers.
// Returns ErrEmptyQuery when q has nothing to search for.
func (h *Hybrid) Search(ctx context.Context, q string, k int) ([]Hit, error) {
	if k <= 0 {
		k = 5
	}
	pq := h.parse(q)
	if len(pq.grams) == 0 {
		return nil, ErrEmptyQuery
	}
	pool := max(k, 50)
	fused := make(map[int]float64)
	lex := h.lex.search(pq.grams, pool)
	if len(lex) > 0 {
		top := lex[0].score
		for _, s := range lex {
			fused[s.doc] = s.score / top
		}
	}
	if h.VectorWeight > 0 {
		qv, err := h.emb.Embed(ctx, pq.text)
		if err != nil {
			return nil, fmt.Errorf("embed query: %w", err)
		}
		vs, err := h.vec.search(ctx, qv, pool)
		if err != nil {
			return nil, err
		}
		for _, s := range vs {
			if s.score > 0 {
				fused[s.doc] += h.VectorWeight * s.score
			}
		}
	}
	all := make([]scored, 0, len(fused))
	for d, s := range fused {
		all = append(all, scored{d, s})
	}
	best := topK(all, k)
	hits := make([]Hit, len(best))
	for i, s := range best {
		p := &h.passages[s.doc]
		hits[i] = Hit{Passage: *p, Rank: i + 1, Score: s.score}
		if i < coveredHits {
			hits[i].Coverage = pq.cover.measure(p.Title + "\n" + p.Heading + "\n" + p.Text)
		}
	}
	return hits, nil
}

// coveredHits is how many of the best hits get a Coverage: enough to decide
// whether the query is answered, few enough to keep queries fast.
const coveredHits = 5

// Coverage is the share of query q, weighted by rarity, that text covers
// (0–1). The assistant uses it to pick the sentences that answer.
func (h *Hybrid) Coverage(q, text string) float64 {
	return h.parse(q).cover.measure(text)
}
