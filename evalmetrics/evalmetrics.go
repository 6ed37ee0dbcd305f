// Package evalmetrics computes the figures of partybot's evaluations
// ("partybot eval qa", "eval retrieval"): recall@k and MRR@k of ranked
// results, how refusals fall on answerable and unanswerable questions, and
// TREC run files. It knows nothing of how the results were retrieved.
package evalmetrics

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
)

// Ranks holds, for each query, the 1-based rank of its first relevant
// result, 0 when none was retrieved.
type Ranks []int

// Recall returns the share of queries with a relevant result among their
// first k (recall@k), 0 for no queries.
func (r Ranks) Recall(k int) float64 {
	n := 0
	for _, rank := range r {
		if rank >= 1 && rank <= k {
			n++
		}
	}
	return ratio(float64(n), len(r))
}

// MRR returns the mean reciprocal rank of the first relevant result,
// counting ranks up to k (MRR@k), 0 for no queries.
func (r Ranks) MRR(k int) float64 {
	sum := 0.0
	for _, rank := range r {
		if rank >= 1 && rank <= k {
			sum += 1 / float64(rank)
		}
	}
	return ratio(sum, len(r))
}

// Refusals counts how refusals fall: on the questions the knowledge
// answers, a refusal is false; on the others it is right.
type Refusals struct {
	Answerable   int // questions with evidence
	Unanswerable int // questions without
	Refused      int // unanswerable questions refused
	False        int // answerable questions refused
}

// Add counts one question.
func (r *Refusals) Add(answerable, refused bool) {
	switch {
	case answerable:
		r.Answerable++
		if refused {
			r.False++
		}
	default:
		r.Unanswerable++
		if refused {
			r.Refused++
		}
	}
}

// Accuracy returns the share of unanswerable questions refused, 0 for
// none.
func (r Refusals) Accuracy() float64 { return ratio(float64(r.Refused), r.Unanswerable) }

// FalseRate returns the share of answerable questions refused, 0 for none.
func (r Refusals) FalseRate() float64 { return ratio(float64(r.False), r.Answerable) }

// Outcomes counts how questions were answered — answered, partial or
// refused — apart for the answerable and the unanswerable ones.
type Outcomes struct {
	Answerable   map[string]int `json:"answerable"`
	Unanswerable map[string]int `json:"unanswerable"`
}

// Add counts one question's outcome.
func (o *Outcomes) Add(answerable bool, outcome string) {
	m := &o.Unanswerable
	if answerable {
		m = &o.Answerable
	}
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[outcome]++
}

// EvidenceRank returns the 1-based rank of the first of texts that
// contains one of the evidence strings, white space ignored, or 0.
func EvidenceRank(texts, evidence []string) int {
	for i, text := range texts {
		text = stripSpace(text)
		for _, e := range evidence {
			if strings.Contains(text, stripSpace(e)) {
				return i + 1
			}
		}
	}
	return 0
}

// GoldRank returns the 1-based rank of the first of ids among gold, or 0.
func GoldRank(ids, gold []string) int {
	for i, id := range ids {
		if slices.Contains(gold, id) {
			return i + 1
		}
	}
	return 0
}

// Result is one retrieved passage of a query.
type Result struct {
	ID    string
	Score float64
}

// WriteRun writes the results of query qid, best first, as lines of a
// TREC run file: "qid Q0 id rank score tag".
func WriteRun(w io.Writer, qid string, results []Result, tag string) error {
	bw := bufio.NewWriter(w)
	for i, r := range results {
		fmt.Fprintf(bw, "%s Q0 %s %d %.6f %s\n", qid, r.ID, i+1, r.Score, tag)
	}
	return bw.Flush()
}

// Round rounds a figure to 3 decimals, as the evaluations report them.
func Round(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }

func ratio(a float64, n int) float64 {
	if n == 0 {
		return 0
	}
	return a / float64(n)
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
