package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"partybot/llm"
	"partybot/prompts"
	"partybot/tickets"
)

// JSONModel is a chat model that answers in JSON (*llm.Client). Like
// [llm.Client.ChatJSON], ChatJSON must decode strictly into out and return
// an error unless out's Validate method, if it has one, passes.
type JSONModel interface {
	ChatJSON(ctx context.Context, msgs []llm.Message, name string, schema any, out any) error
}

var _ JSONModel = (*llm.Client)(nil)

// demandFields is the structured output asked of the model. The fields are
// pointers so that a missing or null field is told from an empty one.
type demandFields struct {
	Summary    *string `json:"summary"`
	Category   *string `json:"category"`
	Department *string `json:"department"`
	Urgency    *string `json:"urgency"`
	Location   *string `json:"location"`
	Contact    *string `json:"contact"`

	keys []string // the allowed department keys, set before decoding
}

var _ llm.Validator = demandFields{}

// Validate enforces [demandSchema]: every field is present and not null,
// the department is one of the allowed keys, the urgency is "urgent" or
// "normal". Length and content checks are per field, in [ModelExtractor].
func (f demandFields) Validate() error {
	for _, p := range []struct {
		name string
		v    *string
	}{
		{"summary", f.Summary}, {"category", f.Category}, {"department", f.Department},
		{"urgency", f.Urgency}, {"location", f.Location}, {"contact", f.Contact},
	} {
		if p.v == nil {
			return fmt.Errorf("%s is missing or null", p.name)
		}
	}
	if !slices.Contains(f.keys, *f.Department) {
		return fmt.Errorf("department %.20q is not a known key", *f.Department)
	}
	if u := *f.Urgency; u != "urgent" && u != "normal" {
		return errors.New("urgency is neither urgent nor normal")
	}
	return nil
}

// demandSchema is the JSON schema of demandFields.
func demandSchema(keys []string) map[string]any {
	str := map[string]any{"type": "string"}
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			"summary": str, "category": str, "location": str, "contact": str,
			"department": map[string]any{"type": "string", "enum": keys},
			"urgency":    map[string]any{"type": "string", "enum": []string{"urgent", "normal"}},
		},
		"required":             []string{"summary", "category", "department", "urgency", "location", "contact"},
		"additionalProperties": false,
	}
}

// modelDepartmentConfidence is the confidence given to a department the
// model chose and the offline router did not.
const modelDepartmentConfidence = 0.7

// ModelExtractor returns an extractor that asks the model for a demand's
// fields and keeps only what holds up: a department from the configured
// list, a location and a contact that the demand actually states, fields
// of sane length. Anything else — and every field when the model fails —
// comes from the offline router.
func ModelExtractor(m JSONModel, router *tickets.Router, timeout time.Duration) tickets.ExtractFunc {
	depts := router.Departments()
	var keys []string
	var pds []prompts.Department
	for _, d := range depts {
		keys = append(keys, d.Key)
		pds = append(pds, prompts.Department{Key: d.Key, Name: d.Name, Scope: d.Scope})
	}
	schema, err := json.Marshal(demandSchema(keys))
	if err != nil {
		panic(err) // a map of strings always marshals
	}
	return func(ctx context.Context, text string) (tickets.Draft, error) {
		d := router.Extract(text)
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		f := demandFields{keys: keys}
		if err := m.ChatJSON(ctx, llmMessages(prompts.ExtractMessages(text, pds)), "demand", json.RawMessage(schema), &f); err != nil {
			return d, nil // the offline draft stands; the caller never sees a model error
		}
		short := func(s string, n int) (string, bool) {
			s = strings.TrimSpace(s)
			return s, s != "" && utf8.RuneCountInString(s) <= n
		}
		if s, ok := short(*f.Summary, 60); ok {
			d.Summary = s
		}
		if s, ok := short(*f.Category, 12); ok {
			d.Category = s
		}
		if i := slices.IndexFunc(depts, func(dep tickets.Department) bool { return dep.Key == *f.Department }); i >= 0 && depts[i].Key != d.Department {
			d.Department, d.DepartmentName = depts[i].Key, depts[i].Name
			d.Confidence, d.ManualDispatch = modelDepartmentConfidence, false
		}
		switch *f.Urgency {
		case "urgent":
			d.Urgency = tickets.UrgencyUrgent
		case "normal":
			if d.Urgency != tickets.UrgencyUrgent { // safety cues found offline stand
				d.Urgency = tickets.UrgencyNormal
			}
		}
		// Only what the demand states: a model must not invent a place or a phone.
		if s, ok := short(*f.Location, 60); ok && strings.Contains(text, s) {
			d.Location = s
		}
		if s, ok := short(*f.Contact, 40); ok && strings.Contains(text, s) {
			d.Contact = s
		}
		return d, nil
	}
}
