package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"partybot/llm"
	"partybot/prompts"
	"partybot/question"
)

// Limits of the model judge.
const (
	// DefaultJudgeFloor is the least coverage of the question a passage
	// needs to go to the model judge: below it, a question is refused
	// without any model call.
	DefaultJudgeFloor  = 0.25
	maxJudgePassages   = 5
	defaultJudgeTimout = 15 * time.Second
	maxMissingRunes    = 20
)

// judgeSchema is the JSON schema of the judge's verdict.
const judgeSchema = `{"type":"object","properties":{
"answerable":{"type":"string","enum":["yes","partial","no"]},
"passages":{"type":"array","items":{"type":"integer"}},
"missing":{"type":"string"}},
"required":["answerable","passages","missing"],"additionalProperties":false}`

// judgeReply is the judge's verdict as the model gives it.
type judgeReply struct {
	Answerable *string `json:"answerable"`
	Passages   []int   `json:"passages"`
	Missing    *string `json:"missing"`

	n int // how many passages the judge was given
}

var _ llm.Validator = judgeReply{}

// Validate checks the verdict: a known answer, passage numbers that exist,
// at least one for yes and partial.
func (r judgeReply) Validate() error {
	if r.Answerable == nil || r.Missing == nil {
		return errors.New("answerable and missing are required")
	}
	switch *r.Answerable {
	case "yes", "partial":
		if len(r.Passages) == 0 {
			return fmt.Errorf("%s without passages", *r.Answerable)
		}
	case "no":
	default:
		return fmt.Errorf("answerable %.10q is not yes, partial or no", *r.Answerable)
	}
	for _, p := range r.Passages {
		if p < 1 || p > r.n {
			return fmt.Errorf("passage %d does not exist", p)
		}
	}
	return nil
}

// modelJudge asks the model whether the passages above the floor answer q,
// before any prose is written. Its verdict replaces the offline one; its
// passages go first. ok is false — and the offline verdict stands — when
// no passage reaches the floor (no call is made), or the model fails,
// times out or gives a verdict that does not check out.
func (a *Answerer) modelJudge(ctx context.Context, q string, an question.Analysis, j judgement) (_ judgement, ok bool, err error) {
	var given []int
	for i, h := range j.hits {
		if h.Coverage >= a.JudgeFloor && len(given) < maxJudgePassages {
			given = append(given, i)
		}
	}
	if len(given) == 0 {
		return j, false, nil
	}
	ps := make([]prompts.Passage, len(given))
	for n, i := range given {
		h := j.hits[i]
		ps[n] = prompts.Passage{N: n + 1, Title: h.Title, Source: h.Source, Text: h.Text}
	}
	ctx, cancel := context.WithTimeout(ctx, min(a.modelTimeout(), defaultJudgeTimout))
	defer cancel()
	reply := judgeReply{n: len(given)}
	if err := a.JudgeModel.ChatJSON(ctx, llmMessages(prompts.JudgeMessages(q, ps)), "judgement", json.RawMessage(judgeSchema), &reply); err != nil {
		return j, false, fmt.Errorf("model judge: %w", err)
	}
	return j.decided(an, reply, given), true, nil
}

// decided is j with the judge's verdict: the passages it cites first.
func (j judgement) decided(an question.Analysis, r judgeReply, given []int) judgement {
	out := judgement{focus: j.focus, detail: j.detail, evidence: map[int][]int{}, byModel: true}
	var order []int
	for _, p := range r.Passages {
		if i := given[p-1]; !slices.Contains(order, i) {
			order = append(order, i)
		}
	}
	cited := len(order)
	for i := range j.hits {
		if !slices.Contains(order, i) {
			order = append(order, i)
		}
	}
	for n, i := range order {
		h := j.hits[i]
		h.Rank = n + 1
		out.hits = append(out.hits, h)
	}
	switch *r.Answerable {
	case "yes":
		out.Outcome, out.speaking = question.Answered, cited
	case "partial":
		out.Outcome, out.speaking = question.Partial, cited
		out.Missing = clip(strings.TrimSpace(*r.Missing), maxMissingRunes)
		if out.Missing == "" {
			out.Missing = an.Label
		}
	default:
		out.Outcome = question.Refused
	}
	return out
}
