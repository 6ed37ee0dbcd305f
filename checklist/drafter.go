package checklist

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/corpus"
	"partybot/glossary"
	"partybot/question"
	"partybot/retrieval"
)

// DefaultMinMatch is how much of a topic a template's title, an alias or
// its description must cover for the topic to be drafted from the
// template. Calibrated on the phrasings in drafter_test.go.
const DefaultMinMatch = 0.75

// DefaultMinCoverage is the refusal threshold for topics without a
// template: the assistant's calibrated threshold for answers (a test in
// package bot keeps the two equal).
const DefaultMinCoverage = 0.35

// Retriever is the knowledge base a drafter finds passages in:
// *bot.KnowledgeBase, or a *retrieval.Hybrid.
type Retriever interface {
	Search(ctx context.Context, q string, k int) ([]retrieval.Hit, error)
	CoverageOf(q string) func(text string) float64
	NamesConcepts(q string) func(text string) bool
}

var _ Retriever = (*retrieval.Hybrid)(nil)

// Options are the settings of one draft.
type Options struct {
	// Org, when set, is the 责任单位 of every item (replacing the
	// templates' defaults) and heads the 台账.
	Org string
	// Due, when not zero, is the 完成时限 of every item.
	Due time.Time
}

// Drafter drafts checklists from templates and the knowledge base.
// It is safe for concurrent use once configured.
type Drafter struct {
	kb        Retriever
	cues      *question.Cues
	templates []Template
	index     *retrieval.Hybrid
	owner     map[string]templatePassage // by index passage ID

	// MinMatch is the template-matching threshold ([DefaultMinMatch]).
	MinMatch float64
	// MinCoverage is the refusal threshold for topics without a template
	// ([DefaultMinCoverage]).
	MinCoverage float64
	// Adapter, when set, reworks each draft that is not refused; when it
	// fails, the offline draft is kept and says so.
	Adapter Adapter
}

// templatePassage says which template an index passage describes, and
// how far its coverage counts.
type templatePassage struct {
	template int
	weight   float64
}

// descriptionWeight discounts a match on a template's description: prose
// covers many topics loosely, a title or alias names the work.
const descriptionWeight = 0.9

// NewDrafter returns a drafter over the knowledge base kb and the
// templates (see [LoadTemplates]), whose titles, aliases and descriptions
// it indexes for matching topics, with the shipped glossary for
// expansion. Returns an error when the glossary cannot be read or the
// index cannot be built.
func NewDrafter(ctx context.Context, kb Retriever, templates []Template) (*Drafter, error) {
	g, err := glossary.Load(corpus.FS, corpus.GlossaryFile)
	if err != nil {
		return nil, fmt.Errorf("checklist drafter: %w", err)
	}
	cues, err := question.Shipped()
	if err != nil {
		return nil, fmt.Errorf("checklist drafter: %w", err)
	}
	d := &Drafter{
		kb: kb, cues: cues, templates: templates, owner: map[string]templatePassage{},
		MinMatch: DefaultMinMatch, MinCoverage: DefaultMinCoverage,
	}
	var ps []retrieval.Passage
	add := func(i int, text string, w float64) {
		id := fmt.Sprintf("%s#%d", templates[i].ID, len(ps))
		ps = append(ps, retrieval.Passage{ID: id, Title: templates[i].Title, Text: text})
		d.owner[id] = templatePassage{i, w}
	}
	for i, t := range templates {
		add(i, t.Title, 1)
		for _, a := range t.Aliases {
			add(i, a, 1)
		}
		if t.Description != "" {
			add(i, t.Description, descriptionWeight)
		}
	}
	d.index, err = retrieval.NewHybrid(ctx, ps, nil, retrieval.HashEmbedder{Dim: retrieval.DefaultHashDim}, retrieval.NewExpander(g))
	if err != nil {
		return nil, fmt.Errorf("checklist drafter: %w", err)
	}
	return d, nil
}

// Titles returns the titles of the templates, in ID order: the topics a
// checklist can be drafted for from a template.
func (d *Drafter) Titles() []string {
	out := make([]string, len(d.templates))
	for i, t := range d.templates {
		out[i] = t.Title
	}
	return out
}

// Draft drafts the checklist for topic: from the template the topic
// matches; else from the actionable sentences of the passages that cover
// the topic, each cited; else a refusal (Mode [ModeRefused], not an
// error). Returns an *apperr.Error with code EINVALID for a topic or
// options a user must fix, and other errors for failures of the search.
func (d *Drafter) Draft(ctx context.Context, topic string, opt Options) (Checklist, error) {
	topic, err := CheckTopic(topic)
	if err != nil {
		return Checklist{}, err
	}
	if opt, err = checkOptions(opt); err != nil {
		return Checklist{}, err
	}
	core := topicCore(topic)
	if core == "" {
		return Checklist{}, apperr.Errorf(apperr.EInvalid, "请写明要起草哪项工作的清单，例如：社会组织换届、专项整顿台账。")
	}
	best, alts, err := d.match(ctx, core)
	if err != nil {
		return Checklist{}, err
	}
	var c Checklist
	if best >= 0 {
		c, err = d.fromTemplate(ctx, d.templates[best])
		for _, a := range alts {
			c.Alternatives = append(c.Alternatives, d.templates[a].Title)
		}
	} else {
		c, err = d.fromPassages(ctx, core)
	}
	if err != nil {
		return Checklist{}, err
	}
	c.Topic, c.Org, c.Due = topic, opt.Org, opt.Due
	if c.Refused() {
		return c, nil
	}
	for i := range c.Items {
		if opt.Org != "" {
			c.Items[i].Unit = opt.Org
		}
		if !opt.Due.IsZero() {
			c.Items[i].Due = dueText(opt.Due)
		}
	}
	if d.Adapter != nil {
		c = d.adapt(ctx, c)
	}
	return c, nil
}

// match returns the template that covers the topic best, or -1 when none
// covers it well enough, and the others that cover it nearly as well.
func (d *Drafter) match(ctx context.Context, core string) (int, []int, error) {
	if len(d.templates) == 0 {
		return -1, nil, nil
	}
	hits, err := d.index.Search(ctx, core, 8)
	if errors.Is(err, retrieval.ErrEmptyQuery) {
		return -1, nil, nil
	}
	if err != nil {
		return -1, nil, fmt.Errorf("match checklist template: %w", err)
	}
	score := map[int]float64{}
	var order []int // templates in rank order of their first hit
	for _, h := range hits {
		tp := d.owner[h.ID]
		s := h.Coverage * tp.weight
		if _, ok := score[tp.template]; !ok {
			order = append(order, tp.template)
		}
		score[tp.template] = max(score[tp.template], s)
	}
	best := -1
	for _, t := range order {
		if best < 0 || score[t] > score[best] {
			best = t
		}
	}
	if best < 0 || score[best] < d.MinMatch {
		return -1, nil, nil
	}
	var alts []int
	for _, t := range order {
		if t != best && score[t] >= d.MinMatch && score[t] >= score[best]-0.05 {
			alts = append(alts, t)
		}
	}
	return best, alts, nil
}

// fromTemplate drafts the checklist of template t, finding each item's
// quote in the knowledge base.
func (d *Drafter) fromTemplate(ctx context.Context, t Template) (Checklist, error) {
	c := Checklist{Title: worksheetTitle(t.Title), Mode: ModeTemplate, Template: t.ID}
	cites := newCiter()
	found := map[string]int{} // quote → cite
	unchecked := 0
	for _, it := range t.Items {
		n, ok := found[it.Basis.Quote]
		if !ok {
			h, err := d.locate(ctx, it.Basis)
			if err != nil {
				return Checklist{}, err
			}
			if h != nil {
				n = cites.cite(*h)
			}
			found[it.Basis.Quote] = n
		}
		if n == 0 {
			unchecked++
		}
		c.Items = append(c.Items, Item{Task: it.Task, Requirement: it.Requirement, Unit: it.Unit, Basis: it.Basis, Cite: n})
	}
	c.Sources, c.Passages = cites.sources, cites.passages
	if t.Note != "" {
		c.Notes = append(c.Notes, t.Note)
	}
	if unchecked > 0 {
		c.Notes = append(c.Notes, fmt.Sprintf("有 %d 项的依据原文没有在知识库中找到（所引文档可能尚未导入），已标为“依据待核实”，请核对原文后使用。", unchecked))
	}
	return c, nil
}

// worksheetTitle names the 台账 of a piece of work.
func worksheetTitle(work string) string {
	switch {
	case strings.HasSuffix(work, "台账"):
		return work
	case strings.HasSuffix(work, "工作"):
		return work + "台账"
	}
	return work + "工作台账"
}

// locate finds the passage a basis quote stands in (white space ignored),
// preferring the document the basis names; nil when no passage holds it.
func (d *Drafter) locate(ctx context.Context, b Basis) (*retrieval.Hit, error) {
	hits, err := d.kb.Search(ctx, b.Quote, 5)
	if errors.Is(err, retrieval.ErrEmptyQuery) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("locate checklist basis: %w", err)
	}
	q := noSpace(b.Quote)
	var found *retrieval.Hit
	for i := range hits {
		if !strings.Contains(noSpace(hits[i].Text), q) {
			continue
		}
		if noSpace(hits[i].Title) == noSpace(b.Title) {
			return &hits[i], nil
		}
		if found == nil {
			found = &hits[i]
		}
	}
	return found, nil
}

// citer numbers the documents cited in order of first citation, and
// keeps the passages the quotes stand in.
type citer struct {
	sources  []retrieval.Hit // the first passage cited of each document
	passages []retrieval.Hit
	byDoc    map[string]int
	seen     map[string]bool
}

func newCiter() *citer { return &citer{byDoc: map[string]int{}, seen: map[string]bool{}} }

// docKey identifies the document (article) a passage belongs to.
func docKey(h retrieval.Hit) string { return h.Doc + "\x00" + h.Title }

// cite records passage h and returns its document's citation number.
func (c *citer) cite(h retrieval.Hit) int {
	if !c.seen[h.ID] {
		c.seen[h.ID] = true
		c.passages = append(c.passages, h)
	}
	if n, ok := c.byDoc[docKey(h)]; ok {
		return n
	}
	c.sources = append(c.sources, h)
	c.byDoc[docKey(h)] = len(c.sources)
	return len(c.sources)
}
