package checklist

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"partybot/llm"
	"partybot/prompts"
)

// JSONModel is a chat model that answers in JSON (*llm.Client).
type JSONModel interface {
	ChatJSON(ctx context.Context, msgs []llm.Message, name string, schema any, out any) error
}

var _ JSONModel = (*llm.Client)(nil)

// modelSchema is the JSON schema of a model's adapted checklist; the
// model is given it, and [modelReply.Validate] checks what it demands.
const modelSchema = `{"type":"object","properties":{"items":{"type":"array","items":{"type":"object",
"properties":{"task":{"type":"string"},"requirement":{"type":"string"},"unit":{"type":"string"},
"cite":{"type":"integer"},"quote":{"type":"string"}},"required":["task","requirement","unit","cite","quote"],
"additionalProperties":false}}},"required":["items"],"additionalProperties":false}`

// modelReply is a model's adapted checklist, as modelSchema describes it.
// A nil pointer is a property missing or null.
type modelReply struct {
	Items []modelItem `json:"items"`
}

type modelItem struct {
	Task        *string `json:"task"`
	Requirement *string `json:"requirement"`
	Unit        *string `json:"unit"`
	Cite        *int    `json:"cite"`
	Quote       *string `json:"quote"`
}

// Validate checks what modelSchema demands beyond the types JSON decoding
// checks: the items list, and in every item each of task, requirement,
// unit, cite and quote, none of them null. (The schema sets no bounds:
// the drafter keeps only the items whose quote it finds.)
func (r *modelReply) Validate() error {
	if r.Items == nil {
		return errors.New("items: missing or null")
	}
	for i, it := range r.Items {
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"task", it.Task != nil}, {"requirement", it.Requirement != nil}, {"unit", it.Unit != nil},
			{"cite", it.Cite != nil}, {"quote", it.Quote != nil},
		} {
			if !f.set {
				return fmt.Errorf("items[%d].%s: missing or null", i, f.name)
			}
		}
	}
	return nil
}

// ModelAdapter returns an [Adapter] that has the chat model adapt a draft
// to its organisation and deadline, and propose items, from the draft's
// passages only, within timeout. The drafter keeps only the items whose
// quote stands in the cited passage.
func ModelAdapter(m JSONModel, timeout time.Duration) Adapter {
	return func(ctx context.Context, draft Checklist) (Checklist, error) {
		due := ""
		if !draft.Due.IsZero() {
			due = draft.Due.Format("2006年1月2日前")
		}
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var out modelReply
		msgs := llmMessages(prompts.ChecklistMessages(draft.Org, due, modelPassages(draft), modelDraftLines(draft)))
		if err := m.ChatJSON(ctx, msgs, "checklist", json.RawMessage(modelSchema), &out); err != nil {
			return Checklist{}, err
		}
		// *llm.Client has validated out; another JSONModel may not have.
		if err := out.Validate(); err != nil {
			return Checklist{}, fmt.Errorf("checklist model: %w", err)
		}
		adapted := draft
		adapted.Items = nil
		for _, it := range out.Items {
			item := Item{Task: strings.TrimSpace(*it.Task), Requirement: strings.TrimSpace(*it.Requirement),
				Unit: cmp.Or(strings.TrimSpace(*it.Unit), draft.Org), Cite: *it.Cite}
			item.Basis.Quote = strings.TrimSpace(*it.Quote)
			if due != "" {
				item.Due = due
			}
			adapted.Items = append(adapted.Items, item)
		}
		return adapted, nil
	}
}

// modelPassages numbers the draft's documents as its items cite them,
// each with the text of its passages.
func modelPassages(draft Checklist) []prompts.Passage {
	var ps []prompts.Passage
	for i, src := range draft.Sources {
		var texts []string
		for _, p := range draft.Passages {
			if docKey(p) == docKey(src) {
				texts = append(texts, p.Text)
			}
		}
		ps = append(ps, prompts.Passage{N: i + 1, Title: src.Title, Text: strings.Join(texts, "\n")})
	}
	return ps
}

// modelDraftLines are the draft's items, one line each with its [n].
func modelDraftLines(draft Checklist) []string {
	var items []string
	for _, it := range draft.Items {
		items = append(items, fmt.Sprintf("%s：%s [%d]", it.Task, it.Requirement, it.Cite))
	}
	return items
}

// llmMessages converts prompt messages to the client's.
func llmMessages(ms []prompts.Message) []llm.Message {
	out := make([]llm.Message, len(ms))
	for i, m := range ms {
		out[i] = llm.Message{Role: m.Role, Content: m.Content}
	}
	return out
}
