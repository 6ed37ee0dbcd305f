package checklist

import (
	"context"
	"fmt"
	"strings"

	"partybot/retrieval"
)

// Adapter reworks a draft, for example with a chat model that adapts
// wording to the organisation and dates and proposes items (see
// [ModelAdapter]). It may change items freely, but each item it keeps must
// set Cite to one of the draft's Sources and quote, exactly, one of the
// draft's Passages of that document in Basis.Quote; other items are
// dropped by [Drafter.Draft]. Only the items are taken from its result:
// the title, notes (such as what the knowledge base does not cover),
// sources and passages stay the draft's.
type Adapter func(ctx context.Context, draft Checklist) (Checklist, error)

// adapt lets the Adapter rework c, keeping only the items it cites
// correctly; on failure the offline draft is kept, with a note.
func (d *Drafter) adapt(ctx context.Context, c Checklist) Checklist {
	draft := c
	draft.Items = append([]Item(nil), c.Items...)
	draft.Notes = append([]string(nil), c.Notes...)
	draft.Sources = append([]retrieval.Hit(nil), c.Sources...)
	draft.Passages = append([]retrieval.Hit(nil), c.Passages...)
	got, err := d.Adapter(ctx, draft)
	if err != nil {
		c.Notes = append(c.Notes, "模型暂时不可用，以上为离线起草的清单。")
		return c
	}
	var kept []Item
	for _, it := range got.Items {
		if it.Cite < 1 || it.Cite > len(c.Sources) || strings.TrimSpace(it.Task) == "" {
			continue
		}
		src := c.Sources[it.Cite-1]
		if !quoted(it.Basis.Quote, docKey(src), c.Passages) {
			continue
		}
		it.Basis.Title = src.Title
		kept = append(kept, it)
	}
	if len(kept) == 0 {
		c.Notes = append(c.Notes, "模型调整后的清单没有可核对的依据，以上为离线起草的清单。")
		return c
	}
	out := c
	out.Items, out.Adapted = kept, true
	out.Notes = append([]string(nil), c.Notes...)
	if dropped := len(got.Items) - len(kept); dropped > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("模型提出的 %d 项没有可核对的依据，已删去。", dropped))
	}
	return out
}

// quoted reports whether quote stands, white space ignored, in one of the
// passages of document doc.
func quoted(quote, doc string, passages []retrieval.Hit) bool {
	q := noSpace(quote)
	if q == "" {
		return false
	}
	for _, p := range passages {
		if docKey(p) == doc && strings.Contains(noSpace(p.Text), q) {
			return true
		}
	}
	return false
}
