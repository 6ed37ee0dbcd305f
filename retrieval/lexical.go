package retrieval

import (
	"math"
	"sort"
	"strings"
	"sync"
)

// Lexical is an in-memory BM25 index over character grams, suited to Chinese
// without word segmentation. A passage's title is indexed with its text at a
// boost (BM25F-style), so that every passage of an article matches the
// article's subject and the words of the question that differ decide.
type Lexical struct {
	k1, b      float64
	uniWeight  float64 // weight of a shared Han character relative to a bigram
	titleBoost float32 // term frequency a title occurrence adds

	ids      map[gram]uint32
	postings [][]posting
	lengths  []float32
	avgLen   float64

	acc sync.Pool // *[]float32 of len(lengths)
}

// posting is one passage's weighted frequency of one gram.
type posting struct {
	doc uint32
	tf  float32
}

// NewLexical indexes the passages; passage i is document i.
func NewLexical(passages []Passage) *Lexical {
	l := &Lexical{
		k1: 1.0, b: 0.5, uniWeight: 0.6, titleBoost: 3,
		ids: make(map[gram]uint32),
	}
	for i, p := range passages {
		doc := uint32(i)
		var length float32
		add := func(g gram, tf float32) {
			id := l.id(g)
			ps := l.postings[id]
			if n := len(ps); n > 0 && ps[n-1].doc == doc {
				ps[n-1].tf += tf
				return
			}
			l.postings[id] = append(ps, posting{doc, tf})
		}
		eachGram(p.Text, func(g gram) {
			add(g, 1)
			if g.kind() != kindUni {
				length++
			}
		})
		eachGram(p.Title, func(g gram) { add(g, l.titleBoost) })
		l.lengths = append(l.lengths, length)
	}
	var sum float64
	for _, n := range l.lengths {
		sum += float64(n)
	}
	l.avgLen = 1
	if len(l.lengths) > 0 && sum > 0 {
		l.avgLen = sum / float64(len(l.lengths))
	}
	n := len(l.lengths)
	l.acc.New = func() any { s := make([]float32, n); return &s }
	return l
}

func (l *Lexical) id(g gram) uint32 {
	id, ok := l.ids[g]
	if !ok {
		id = uint32(len(l.postings))
		l.ids[g] = id
		l.postings = append(l.postings, nil)
	}
	return id
}

// docFreq is the number of passages that contain the gram.
func (l *Lexical) docFreq(g gram) int {
	if id, ok := l.ids[g]; ok {
		return len(l.postings[id])
	}
	return 0
}

// has reports whether passage doc contains gram g (in its text or title).
// Postings are in passage order, so this is a binary search.
func (l *Lexical) has(g gram, doc int) bool {
	id, ok := l.ids[g]
	if !ok {
		return false
	}
	ps := l.postings[id]
	i := sort.Search(len(ps), func(i int) bool { return ps[i].doc >= uint32(doc) })
	return i < len(ps) && ps[i].doc == uint32(doc)
}

// idf is the BM25 inverse document frequency of a gram found in df passages.
func (l *Lexical) idf(df int) float64 {
	n := float64(len(l.lengths))
	return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
}

// weightedGram is a distinct query gram with the weight the query gives it.
type weightedGram struct {
	g      gram
	weight float64
}

// scored is a passage index and its score.
type scored struct {
	doc   int
	score float64
}

// search returns the best k passages for the query grams, highest first.
func (l *Lexical) search(q []weightedGram, k int) []scored {
	n := len(l.lengths)
	if n == 0 || k <= 0 {
		return nil
	}
	accp := l.acc.Get().(*[]float32)
	acc := *accp
	defer l.acc.Put(accp)
	var touched []uint32
	for _, qg := range q {
		id, ok := l.ids[qg.g]
		if !ok {
			continue
		}
		ps := l.postings[id]
		w := qg.weight * l.idf(len(ps))
		if qg.g.kind() == kindUni {
			w *= l.uniWeight
		}
		for _, p := range ps {
			tf := float64(p.tf)
			norm := l.k1 * (1 - l.b + l.b*float64(l.lengths[p.doc])/l.avgLen)
			if acc[p.doc] == 0 {
				touched = append(touched, p.doc)
			}
			acc[p.doc] += float32(w * tf * (l.k1 + 1) / (tf + norm))
		}
	}
	out := make([]scored, 0, len(touched))
	for _, d := range touched {
		out = append(out, scored{int(d), float64(acc[d])})
		acc[d] = 0
	}
	return topK(out, k)
}

// topK sorts the best k of s, highest score first, ties by index, and
// returns them.
func topK(s []scored, k int) []scored {
	less := func(a, b scored) bool {
		if a.score != b.score {
			return a.score > b.score
		}
		return a.doc < b.doc
	}
	if len(s) > 4*k && k < 64 {
		// Partial selection: keep a sorted window of the best k.
		best := make([]scored, 0, k+1)
		for _, x := range s {
			if len(best) == k && !less(x, best[k-1]) {
				continue
			}
			i := sort.Search(len(best), func(i int) bool { return less(x, best[i]) })
			best = append(best, scored{})
			copy(best[i+1:], best[i:])
			best[i] = x
			if len(best) > k {
				best = best[:k]
			}
		}
		return best
	}
	sort.Slice(s, func(i, j int) bool { return less(s[i], s[j]) })
	if len(s) > k {
		s = s[:k]
	}
	return s
}

// questionWords are interrogatives and fillers that a question carries but an
// answering passage does not; they are cut out of queries before grams are
// made, longest first.
var questionWords = []string{
	"为什么", "怎么样", "是什么", "有哪些", "是哪些", "是多少", "是不是", "是否", "什么样",
	"什么", "哪些", "哪个", "哪里", "哪儿", "哪位", "哪一", "多少", "多久", "几个",
	"怎么", "怎样", "如何", "请问", "何时", "为何", "谁", "吗", "呢", "啥", "哪",
}

// stripQuestionWords replaces interrogatives with a space so that no gram
// spans them.
func stripQuestionWords(q string) string {
	for _, w := range questionWords {
		q = strings.ReplaceAll(q, w, " ")
	}
	return q
}

// queryGrams turns text into distinct grams of the given weight, appended
// to q unless already there (the first weight wins).
func queryGrams(q []weightedGram, text string, weight float64) []weightedGram {
	eachGram(text, func(g gram) {
		for _, x := range q {
			if x.g == g {
				return
			}
		}
		q = append(q, weightedGram{g, weight})
	})
	return q
}
