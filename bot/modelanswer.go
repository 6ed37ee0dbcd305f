package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"partybot/llm"
	"partybot/prompts"
	"partybot/retrieval"
)

// Model is a chat model (*llm.Client).
type Model interface {
	Chat(ctx context.Context, msgs []llm.Message, opts llm.ChatOptions) (string, error)
	ChatStream(ctx context.Context, msgs []llm.Message, opts llm.ChatOptions, onDelta func(string)) (string, error)
}

var _ Model = (*llm.Client)(nil)

// Limits of model answers.
const (
	maxModelPassages    = 5
	maxModelAnswerRunes = 400
	defaultModelTimeout = 45 * time.Second
	rewriteTurns        = 6
)

// modelUnavailable is the note shown when the extractive answer stands in
// for the model's.
const modelUnavailable = "（模型服务暂时不可用，以下为知识库原文摘录。）"

// modelAnswer has the model answer q from the passages that answer it and
// checks the citations; on any failure it falls back to the extractive
// answer with a note.
func (a *Answerer) modelAnswer(ctx context.Context, q, query string, j judgement, onDelta func(string)) Answer {
	hits := j.hits
	var use []retrieval.Hit
	for _, h := range j.answering() {
		if len(use) < maxModelPassages && (h.Coverage >= a.MinCoverage || len(use) < 3) {
			use = append(use, h)
		}
	}
	ps := make([]prompts.Passage, len(use))
	for i, h := range use {
		ps[i] = prompts.Passage{N: i + 1, Title: h.Title, Source: h.Source, Text: h.Text}
	}
	ctx, cancel := context.WithTimeout(ctx, a.modelTimeout())
	defer cancel()
	text, err := a.Model.ChatStream(ctx, llmMessages(prompts.AnswerMessages(q, ps, maxModelAnswerRunes)),
		llm.ChatOptions{Temperature: llm.Deterministic, MaxTokens: 1024}, onDelta)
	if err == nil {
		text, err = checkCitations(text, len(use))
	}
	if err != nil {
		ans := a.compose(query, j)
		ans.Question = q
		ans.Text = modelUnavailable + "\n" + ans.Text
		ans.ModelError = err
		return ans
	}
	if strings.Contains(text, "知识库中没有找到") {
		// The model read the passages and found no answer: believe it.
		ans := a.refuse(q, hits)
		ans.Mode = "llm"
		return ans
	}
	cited := citedNumbers(text)
	var sources []retrieval.Hit
	var b strings.Builder
	b.WriteString(strings.TrimSpace(text))
	b.WriteString("\n\n来源：")
	for _, n := range cited {
		sources = append(sources, use[n-1])
		fmt.Fprintf(&b, "\n[%d] %s", n, use[n-1].Citation())
	}
	return Answer{Question: q, Text: b.String(), Mode: "llm", Sources: sources, Hits: hits}
}

func (a *Answerer) modelTimeout() time.Duration {
	if a.ModelTimeout > 0 {
		return a.ModelTimeout
	}
	return defaultModelTimeout
}

// citation matches a citation marker [n].
var citation = regexp.MustCompile(`\[(\d{1,3})\]`)

// errNoCitation means a model answer cites no passage it was given.
var errNoCitation = errors.New("bot: model answer cites no given passage")

// checkCitations removes markers that point at no passage (1..n) and
// returns errNoCitation when no valid marker remains: such an answer is
// not shown as grounded.
func checkCitations(text string, n int) (string, error) {
	valid := 0
	text = citation.ReplaceAllStringFunc(text, func(m string) string {
		k, _ := strconv.Atoi(m[1 : len(m)-1])
		if k < 1 || k > n {
			return ""
		}
		valid++
		return m
	})
	if valid == 0 && !strings.Contains(text, "知识库中没有找到") {
		return "", errNoCitation
	}
	return text, nil
}

// citedNumbers returns the distinct markers in text, ascending.
func citedNumbers(text string) []int {
	seen := map[int]bool{}
	var out []int
	for _, m := range citation.FindAllStringSubmatch(text, -1) {
		k, _ := strconv.Atoi(m[1])
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Ints(out)
	return out
}

// followUp reports whether q leans on what was said before: short, or
// pointing back ("那具体怎么做？", "第二条是什么意思？").
func followUp(q string) bool {
	if utf8.RuneCountInString(q) <= 8 {
		return true
	}
	for _, w := range []string{"那", "这", "它", "其", "上面", "刚才", "前面", "第一", "第二", "第三", "这个", "那个", "具体", "还有", "另外", "以上"} {
		if strings.HasPrefix(q, w) || strings.Contains(q, "第"+w) {
			return true
		}
	}
	return strings.ContainsAny(q, "它此")
}

// rewrite asks the model for a standalone form of a follow-up question;
// ok is false when the model fails or returns something unusable.
func (a *Answerer) rewrite(ctx context.Context, history []Turn, q string) (string, bool) {
	if len(history) > rewriteTurns {
		history = history[len(history)-rewriteTurns:]
	}
	turns := make([]prompts.Turn, len(history))
	for i, t := range history {
		role := "助手"
		if t.User {
			role = "用户"
		}
		turns[i] = prompts.Turn{Role: role, Text: clip(t.Text, 300)}
	}
	ctx, cancel := context.WithTimeout(ctx, a.modelTimeout()/3)
	defer cancel()
	out, err := a.Model.Chat(ctx, llmMessages(prompts.RewriteMessages(turns, q)), llm.ChatOptions{Temperature: llm.Deterministic, MaxTokens: 200})
	out = strings.TrimSpace(strings.Trim(strings.TrimSpace(out), "“”\""))
	if err != nil || out == "" || utf8.RuneCountInString(out) > 200 || !utf8.ValidString(out) {
		return "", false
	}
	return out, true
}

// llmMessages converts prompt messages to the client's.
func llmMessages(ms []prompts.Message) []llm.Message {
	out := make([]llm.Message, len(ms))
	for i, m := range ms {
		out[i] = llm.Message{Role: m.Role, Content: m.Content}
	}
	return out
}
