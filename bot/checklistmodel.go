package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"partybot/prompts"
)

// checklistSchema is the JSON schema of a model's adapted checklist.
const checklistSchema = `{"type":"object","properties":{"items":{"type":"array","items":{"type":"object",
"properties":{"task":{"type":"string"},"requirement":{"type":"string"},"unit":{"type":"string"},
"cite":{"type":"integer"},"quote":{"type":"string"}},"required":["task","requirement","unit","cite","quote"],
"additionalProperties":false}}},"required":["items"],"additionalProperties":false}`

// ModelChecklistAdapter returns a [ChecklistAdapter] that has the chat
// model adapt a draft to its organisation and deadline, and propose items,
// from the draft's passages only. The drafter keeps only the items whose
// quote stands in the cited passage.
func ModelChecklistAdapter(m JSONModel, timeout time.Duration) ChecklistAdapter {
	return func(ctx context.Context, draft Checklist) (Checklist, error) {
		// Number the draft's documents as its items cite them, with the
		// text of their passages.
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
		var items []string
		for _, it := range draft.Items {
			items = append(items, fmt.Sprintf("%s：%s [%d]", it.Task, it.Requirement, it.Cite))
		}
		due := ""
		if !draft.Due.IsZero() {
			due = draft.Due.Format("2006年1月2日前")
		}
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var out struct {
			Items []struct {
				Task, Requirement, Unit, Quote string
				Cite                           int
			} `json:"items"`
		}
		msgs := llmMessages(prompts.ChecklistMessages(draft.Org, due, ps, items))
		if err := m.ChatJSON(ctx, msgs, "checklist", json.RawMessage(checklistSchema), &out); err != nil {
			return Checklist{}, err
		}
		adapted := draft
		adapted.Items = nil
		for _, it := range out.Items {
			item := ChecklistItem{Task: strings.TrimSpace(it.Task), Requirement: strings.TrimSpace(it.Requirement),
				Unit: cmp.Or(strings.TrimSpace(it.Unit), draft.Org), Cite: it.Cite}
			item.Basis.Quote = strings.TrimSpace(it.Quote)
			if due != "" {
				item.Due = due
			}
			adapted.Items = append(adapted.Items, item)
		}
		return adapted, nil
	}
}
