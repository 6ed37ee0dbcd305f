package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"partybot/apperr"
	"partybot/retrieval"
)

// Retriever finds passages for a question and measures how much of a
// question a text covers.
type Retriever interface {
	Search(ctx context.Context, q string, k int) ([]retrieval.Hit, error)
	CoverageOf(q string) func(text string) float64
}

var _ Retriever = (*KnowledgeBase)(nil)

// MaxQuestionRunes is the longest question the assistant accepts.
const MaxQuestionRunes = 1000

// Answer is the assistant's reply to a question.
type Answer struct {
	Question string
	// Text is the reply as shown to the user, citations and sources included.
	Text string
	// Refused is true when the knowledge base does not cover the question.
	Refused bool
	// Mode is "extractive" (offline) or "llm".
	Mode string
	// Sources are the passages the answer cites, in citation order ([1] first).
	Sources []retrieval.Hit
	// Hits are all passages retrieved, best first.
	Hits []retrieval.Hit
	// Rewritten is the standalone question a follow-up was rewritten to.
	Rewritten string
	// ModelError is why the model's answer was not used, when it was not.
	ModelError error
}

// Answerer composes grounded answers from a Retriever.
type Answerer struct {
	r Retriever
	// MinCoverage is the refusal threshold: when no retrieved passage covers
	// at least this share of the question, the assistant says the knowledge
	// base does not cover it. Calibrated on the dev set (see README).
	MinCoverage float64
	// K is how many passages are retrieved per question.
	K int
	// Model, when set, writes the answer from the same passages; see
	// [Answerer.AskWith]. Nil means the offline extractive answer.
	Model Model
	// ModelTimeout bounds one model answer, rewrite included.
	ModelTimeout time.Duration
}

// DefaultMinCoverage is the calibrated refusal threshold.
const DefaultMinCoverage = 0.44

// NewAnswerer returns an Answerer over r with the calibrated defaults.
func NewAnswerer(r Retriever) *Answerer {
	return &Answerer{r: r, MinCoverage: DefaultMinCoverage, K: 5}
}

// CheckQuestion validates user text. Returns an *apperr.Error with code EINVALID
// and a Chinese message for empty, too long or non-UTF-8 text.
func CheckQuestion(q string) (string, error) {
	if !utf8.ValidString(q) {
		return "", apperr.Errorf(apperr.EInvalid, "问题中含有无法识别的字符（不是有效的 UTF-8 文本），请重新输入。")
	}
	q = strings.TrimSpace(strings.ReplaceAll(q, "\x00", ""))
	if q == "" {
		return "", apperr.Errorf(apperr.EInvalid, "问题是空的，请输入要咨询的内容。")
	}
	if n := utf8.RuneCountInString(q); n > MaxQuestionRunes {
		return "", apperr.Errorf(apperr.EInvalid, "问题太长（%d 字），请精简到 %d 字以内再问。", n, MaxQuestionRunes)
	}
	return q, nil
}

// Ask answers q from the knowledge base: the sentences of the best passages
// that answer it, each cited, then the sources; or a plain refusal naming
// the closest topics when no passage covers the question well enough.
func (a *Answerer) Ask(ctx context.Context, q string) (Answer, error) {
	return a.AskWith(ctx, q, AskOptions{})
}

// AskOptions are the optional inputs of [Answerer.AskWith].
type AskOptions struct {
	// History is the conversation so far, oldest first, for rewriting a
	// follow-up question ("那具体怎么做？") into a standalone one.
	History []Turn
	// OnDelta, when set, receives the model's answer as it streams.
	OnDelta func(string)
}

// Turn is one message of a conversation.
type Turn struct {
	User bool
	Text string
}

// AskWith answers q like Ask. With a Model it first rewrites a follow-up
// question from opt.History, refuses weak retrieval before any model call,
// and has the model answer from the passages; the answer's citations are
// checked, and when the model fails, times out or cites nothing valid the
// extractive answer is given with a note that the model service is
// unavailable.
func (a *Answerer) AskWith(ctx context.Context, q string, opt AskOptions) (Answer, error) {
	q, err := CheckQuestion(q)
	if err != nil {
		return Answer{}, err
	}
	k := a.K
	if k <= 0 {
		k = 5
	}
	query := q
	var rewritten string
	if len(opt.History) > 0 && followUp(q) {
		if a.Model != nil {
			if rw, ok := a.rewrite(ctx, opt.History, q); ok {
				query, rewritten = rw, rw
			}
		} else if prev := lastQuestion(opt.History); prev != "" && (pointsBack(q) || a.r.CoverageOf(q)(q) == 0) {
			// Offline, a follow-up is read together with the question it
			// follows: "那具体怎么用？" after "什么是三张清单？".
			query = prev + "，" + q
			rewritten = query
		}
	}
	hits, err := a.r.Search(ctx, query, k)
	if errors.Is(err, retrieval.ErrEmptyQuery) {
		return a.refuse(q, nil), nil
	}
	if err != nil {
		return Answer{}, fmt.Errorf("search: %w", err)
	}
	var ans Answer
	switch {
	case !a.answerable(hits):
		ans = a.refuse(q, hits)
	case a.Model != nil:
		ans = a.modelAnswer(ctx, q, query, hits, opt.OnDelta)
	default:
		ans = a.compose(query, hits)
		ans.Question = q
	}
	ans.Rewritten = rewritten
	return ans, nil
}

// answerable reports whether some retrieved passage covers the question.
func (a *Answerer) answerable(hits []retrieval.Hit) bool {
	for _, h := range hits {
		if h.Coverage >= a.MinCoverage {
			return true
		}
	}
	return false
}

// refuse says plainly that the knowledge base does not cover q, names the
// closest topics it holds and suggests a demand.
func (a *Answerer) refuse(q string, hits []retrieval.Hit) Answer {
	var b strings.Builder
	fmt.Fprintf(&b, "知识库中没有找到能回答“%s”的内容，我不能凭空作答。", clip(q, 40))
	if topics := topicsOf(hits, 3); len(topics) > 0 {
		b.WriteString("\n\n知识库中相近的内容有：\n")
		for _, t := range topics {
			fmt.Fprintf(&b, "· %s\n", t)
		}
	}
	b.WriteString("\n如需人工帮助，可以用 /demand 提交诉求，我们会转给相关部门办理。")
	return Answer{Question: q, Text: strings.TrimRight(b.String(), "\n"), Refused: true, Mode: "extractive", Hits: hits}
}

// topicsOf returns up to n distinct article titles of hits.
func topicsOf(hits []retrieval.Hit, n int) []string {
	var out []string
	for _, h := range hits {
		t := h.Title
		if t == "" || slices.Contains(out, t) {
			continue
		}
		out = append(out, t)
		if len(out) == n {
			break
		}
	}
	return out
}

// sentence is a candidate sentence of the answer.
type sentence struct {
	text  string
	hit   int // index into hits
	pos   int // position in the passage
	score float64
}

// Composition limits of an extractive answer.
const (
	maxAnswerSentences = 5
	maxAnswerRunes     = 420
	maxAnswerPassages  = 3
)

// compose builds the extractive answer: the sentences that cover the
// question best, taken from the passages that answer it, in reading order,
// each with its citation marker.
func (a *Answerer) compose(q string, hits []retrieval.Hit) Answer {
	// The passages that answer: those covering the question nearly as well
	// as the best one.
	best := 0.0
	for _, h := range hits {
		best = max(best, h.Coverage)
	}
	var use []int
	for i, h := range hits {
		if h.Coverage >= a.MinCoverage && h.Coverage >= best-0.2 && len(use) < maxAnswerPassages {
			use = append(use, i)
		}
	}
	var cands []sentence
	coverage := a.r.CoverageOf(q)
	for _, i := range use {
		for j, s := range retrieval.Sentences(hits[i].Text) {
			sc := coverage(s)
			if sc > 0 {
				cands = append(cands, sentence{text: s, hit: i, pos: j, score: sc})
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	var chosen []sentence
	runes := 0
	for _, c := range cands {
		if len(chosen) == maxAnswerSentences || (len(chosen) > 0 && c.score < cands[0].score*0.5) {
			break
		}
		if slices.ContainsFunc(chosen, func(o sentence) bool { return retrieval.SaysNearly(c.text, o.text) }) {
			continue
		}
		n := utf8.RuneCountInString(c.text)
		if len(chosen) > 0 && runes+n > maxAnswerRunes {
			continue
		}
		chosen = append(chosen, c)
		runes += n
	}
	if len(chosen) == 0 {
		// The passage covers the question only as a whole: quote its start.
		chosen = append(chosen, sentence{text: clip(hits[use[0]].Text, 200), hit: use[0]})
	}
	// Reading order: by passage rank, then position.
	sort.SliceStable(chosen, func(i, j int) bool {
		if chosen[i].hit != chosen[j].hit {
			return chosen[i].hit < chosen[j].hit
		}
		return chosen[i].pos < chosen[j].pos
	})
	cite := map[int]int{}
	var sources []retrieval.Hit
	var b strings.Builder
	for i, c := range chosen {
		n, ok := cite[c.hit]
		if !ok {
			sources = append(sources, hits[c.hit])
			n = len(sources)
			cite[c.hit] = n
		}
		if i > 0 && chosen[i-1].hit != c.hit {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s[%d]", c.text, n)
	}
	b.WriteString("\n\n来源：")
	for i, s := range sources {
		fmt.Fprintf(&b, "\n[%d] %s", i+1, s.Citation())
	}
	return Answer{Question: q, Text: b.String(), Mode: "extractive", Sources: sources, Hits: hits}
}

// clip shortens s to at most n runes, marking the cut with "……".
func clip(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "……"
}

// pointsBack reports whether q opens by pointing at what was said before
// ("那…", "这个…", "第二条…").
func pointsBack(q string) bool {
	for _, w := range []string{"那", "这", "它", "其", "上面", "刚才", "前面", "第"} {
		if strings.HasPrefix(q, w) {
			return true
		}
	}
	return false
}

// lastQuestion is the user's most recent message in history.
func lastQuestion(history []Turn) string {
	for i := len(history) - 1; i >= 0; i-- {
		if history[i].User {
			return history[i].Text
		}
	}
	return ""
}
