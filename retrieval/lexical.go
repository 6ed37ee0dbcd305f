package retrieval

import (
	"math"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Lexical is the BM25 index over character grams of an index's segments,
// suited to Chinese without word segmentation. Its statistics are those of
// the live passages: a passage of a removed document (see [Hybrid.Update])
// counts neither in the number of passages, the mean length nor any gram's
// document frequency, so scores are what a fresh build would give.
type Lexical struct {
	segs    []*segment
	starts  []int    // global index of each segment's first passage, then the total
	deleted []uint64 // bit set of removed passages, by global index; nil when none
	live    int
	avgLen  float64

	acc sync.Pool // *[]float32 of len(total)
}

// posting is one passage's weighted frequency of one gram. Its layout is
// the segment file's.
type posting struct {
	doc uint32
	tf  float32
}

// newLexical returns the lexical index of segs, less the deleted passages.
func newLexical(segs []*segment, starts []int, deleted []uint64) *Lexical {
	l := &Lexical{segs: segs, starts: starts, deleted: deleted}
	total := starts[len(starts)-1]
	var sum float64
	for _, s := range segs {
		sum += s.sumLen
	}
	l.live = total
	if deleted != nil {
		for i := range total {
			if l.isDeleted(uint32(i)) {
				s := l.seg(i)
				sum -= float64(segs[s].lengths[i-starts[s]])
				l.live--
			}
		}
	}
	l.avgLen = 1
	if l.live > 0 && sum > 0 {
		l.avgLen = sum / float64(l.live)
	}
	l.acc.New = func() any { s := make([]float32, total); return &s }
	return l
}

func (l *Lexical) isDeleted(doc uint32) bool {
	return l.deleted != nil && l.deleted[doc>>6]&(1<<(doc&63)) != 0
}

// hasDeleted reports whether any passage is marked deleted.
func (l *Lexical) hasDeleted() bool { return l.deleted != nil }

// seg returns the segment holding global passage doc.
func (l *Lexical) seg(doc int) int {
	return sort.Search(len(l.segs), func(i int) bool { return l.starts[i+1] > doc })
}

// docFreq is the number of live passages that contain the gram.
func (l *Lexical) docFreq(g gram) int {
	n := 0
	for i, s := range l.segs {
		ps := s.gramPostings(g)
		if l.deleted == nil {
			n += len(ps)
			continue
		}
		base := uint32(l.starts[i])
		for _, p := range ps {
			if !l.isDeleted(base + p.doc) {
				n++
			}
		}
	}
	return n
}

// has reports whether passage doc contains gram g (in its text or title).
// Postings are in passage order, so this is a binary search.
func (l *Lexical) has(g gram, doc int) bool {
	si := l.seg(doc)
	if si == len(l.segs) {
		return false
	}
	ps := l.segs[si].gramPostings(g)
	local := uint32(doc - l.starts[si])
	i := sort.Search(len(ps), func(i int) bool { return ps[i].doc >= local })
	return i < len(ps) && ps[i].doc == local
}

// idf is the BM25 inverse document frequency of a gram found in df passages.
func (l *Lexical) idf(df int) float64 {
	n := float64(l.live)
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
	if l.live == 0 || k <= 0 {
		return nil
	}
	accp := l.acc.Get().(*[]float32)
	acc := *accp
	defer l.acc.Put(accp)
	var touched []uint32
	for _, qg := range q {
		df := l.docFreq(qg.g)
		if df == 0 {
			continue
		}
		w := qg.weight * l.idf(df)
		if qg.g.kind() == kindUni {
			w *= uniWeight
		}
		for si, s := range l.segs {
			base, n := uint32(l.starts[si]), uint32(s.n)
			for _, p := range s.gramPostings(qg.g) {
				if p.doc >= n { // a damaged segment: skip, never index out of range
					continue
				}
				d := base + p.doc
				if l.isDeleted(d) {
					continue
				}
				tf := float64(p.tf)
				norm := bm25K1 * (1 - bm25B + bm25B*float64(s.lengths[p.doc])/l.avgLen)
				if acc[d] == 0 {
					touched = append(touched, d)
				}
				acc[d] += float32(w * tf * (bm25K1 + 1) / (tf + norm))
			}
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

// askedCountRE is a count asked for with its measure word.
var askedCountRE = regexp.MustCompile("(?:多少|第几|几)[" + classifiers + "]")

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
