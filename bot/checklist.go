package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"partybot/apperr"
	"partybot/knowledge"
	"partybot/prompts"
	"partybot/retrieval"
)

// MaxTopicRunes is the longest checklist topic accepted.
const MaxTopicRunes = 200

// MaxOrgRunes is the longest organisation name accepted in [ChecklistOptions].
const MaxOrgRunes = 50

// DefaultMinTemplateMatch is how much of a topic a template's title, an
// alias or its description must cover for the topic to be drafted from the
// template. Calibrated on the phrasings in checklist_test.go.
const DefaultMinTemplateMatch = 0.75

// Checklist modes: how the items were found.
const (
	// ChecklistFromTemplate: the topic matched a checklist template.
	ChecklistFromTemplate = "template"
	// ChecklistFromPassages: no template matched; the items are the
	// actionable sentences of the passages that cover the topic.
	ChecklistFromPassages = "passages"
	// ChecklistRefused: the knowledge base has nothing on the topic.
	ChecklistRefused = "refused"
)

// ErrChecklistRefused is returned by [Checklist.WriteXLSX] for a checklist
// that was refused: there is no 台账 without a basis.
var ErrChecklistRefused = errors.New("bot: checklist has no basis")

// ChecklistOptions are the settings of one draft.
type ChecklistOptions struct {
	// Org, when set, is the 责任单位 of every item (replacing the
	// templates' defaults) and heads the 台账.
	Org string
	// Due, when not zero, is the 完成时限 of every item.
	Due time.Time
}

// Checklist is a drafted 台账: items each tied to the passage it rests on,
// or a refusal when the knowledge base has nothing on the topic.
type Checklist struct {
	// Topic is what the user asked for, checked.
	Topic string
	// Title names the work, e.g. "社会组织换届事前审核工作台账".
	Title string
	// Mode is ChecklistFromTemplate, ChecklistFromPassages or ChecklistRefused.
	Mode string
	// Template is the ID of the template used, or "".
	Template string
	// Org and Due are the options the checklist was drafted with.
	Org string
	Due time.Time
	// Items are the 台账 lines, in order.
	Items []ChecklistItem
	// Notes are said with the checklist: what the knowledge base does not
	// cover, items whose basis could not be checked, a fallback.
	Notes []string
	// Sources are the documents the items cite, [1] first, each as the
	// first of its passages cited.
	Sources []retrieval.Hit
	// Passages are the passages the items' quotes stand in.
	Passages []retrieval.Hit
	// Alternatives are other templates that match the topic nearly as well.
	Alternatives []string
	// Adapted is set when an [ChecklistAdapter] reworded the draft.
	Adapted bool

	refusal string // the message of a refused checklist
}

// ChecklistItem is one line of the 台账.
type ChecklistItem struct {
	Task        string // 工作事项
	Requirement string // 具体要求
	Unit        string // 责任单位
	Due         string // 完成时限, as shown
	// Basis is the document title and the exact quote the item rests on.
	Basis prompts.Basis
	// Cite is the 1-based index into Checklist.Sources of the document
	// whose passage the quote stands in, or 0 when the quote was not found
	// in the knowledge base (the item is then marked 依据待核实).
	Cite int
}

// Refused reports whether the knowledge base had nothing on the topic.
func (c Checklist) Refused() bool { return c.Mode == ChecklistRefused }

// ChecklistAdapter reworks a draft, for example with a chat model that
// adapts wording to the organisation and dates and proposes items. It may
// change items freely, but each item it keeps must set Cite to one of the
// draft's Sources and quote, exactly, one of the draft's Passages of that
// document in Basis.Quote; other items are dropped by
// [ChecklistDrafter.Draft]. Only the items are taken from its result: the
// title, notes (such as what the knowledge base does not cover), sources
// and passages stay the draft's.
type ChecklistAdapter func(ctx context.Context, draft Checklist) (Checklist, error)

// ChecklistDrafter drafts checklists from templates and the knowledge base.
// It is safe for concurrent use once configured.
type ChecklistDrafter struct {
	kb        Retriever
	templates []prompts.ChecklistTemplate
	index     *retrieval.Hybrid
	owner     map[string]templatePassage // by index passage ID

	// MinMatch is the template-matching threshold (DefaultMinTemplateMatch).
	MinMatch float64
	// MinCoverage is the refusal threshold for topics without a template
	// (DefaultMinCoverage, as for answers).
	MinCoverage float64
	// Adapter, when set, reworks each draft that is not refused; when it
	// fails, the offline draft is kept and says so.
	Adapter ChecklistAdapter
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

// NewChecklistDrafter returns a drafter over the knowledge base kb and the
// templates (see [prompts.LoadChecklistTemplates]), whose titles, aliases
// and descriptions it indexes for matching topics, with the shipped
// glossary for expansion. Returns an error when the glossary cannot be read
// or the index cannot be built.
func NewChecklistDrafter(ctx context.Context, kb Retriever, templates []prompts.ChecklistTemplate) (*ChecklistDrafter, error) {
	g, err := knowledge.DefaultGlossary()
	if err != nil {
		return nil, fmt.Errorf("checklist drafter: %w", err)
	}
	d := &ChecklistDrafter{
		kb: kb, templates: templates, owner: map[string]templatePassage{},
		MinMatch: DefaultMinTemplateMatch, MinCoverage: DefaultMinCoverage,
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
	d.index, err = retrieval.NewHybrid(ctx, ps, nil, retrieval.HashEmbedder{Dim: retrieval.DefaultHashDim}, retrieval.NewExpander(g.Groups()))
	if err != nil {
		return nil, fmt.Errorf("checklist drafter: %w", err)
	}
	return d, nil
}

// Templates returns the titles of the templates, in ID order: the topics a
// checklist can be drafted for from a template.
func (d *ChecklistDrafter) Templates() []string {
	out := make([]string, len(d.templates))
	for i, t := range d.templates {
		out[i] = t.Title
	}
	return out
}

// CheckTopic validates a checklist topic. Returns an *apperr.Error with code
// EINVALID and a Chinese message for empty, too long or non-UTF-8 text.
func CheckTopic(topic string) (string, error) {
	if !utf8.ValidString(topic) {
		return "", apperr.Errorf(apperr.EInvalid, "清单主题中含有无法识别的字符（不是有效的 UTF-8 文本），请重新输入。")
	}
	topic = strings.Join(strings.Fields(strings.ReplaceAll(topic, "\x00", "")), " ")
	if topic == "" {
		return "", apperr.Errorf(apperr.EInvalid, "清单主题是空的，请写明要起草哪项工作的清单，例如：社会组织换届。")
	}
	if n := utf8.RuneCountInString(topic); n > MaxTopicRunes {
		return "", apperr.Errorf(apperr.EInvalid, "清单主题太长（%d 字），请精简到 %d 字以内，例如：社会组织换届。", n, MaxTopicRunes)
	}
	return topic, nil
}

// checkOptions validates the options. Returns an *apperr.Error with code EINVALID
// for an organisation name that is too long or holds control characters.
func checkOptions(opt ChecklistOptions) (ChecklistOptions, error) {
	opt.Org = strings.TrimSpace(opt.Org)
	if !utf8.ValidString(opt.Org) || strings.ContainsFunc(opt.Org, unicode.IsControl) {
		return opt, apperr.Errorf(apperr.EInvalid, "责任单位名称中含有无法识别的字符，请重新输入。")
	}
	if n := utf8.RuneCountInString(opt.Org); n > MaxOrgRunes {
		return opt, apperr.Errorf(apperr.EInvalid, "责任单位名称太长（%d 字），请精简到 %d 字以内。", n, MaxOrgRunes)
	}
	return opt, nil
}

// Draft drafts the checklist for topic: from the template the topic
// matches; else from the actionable sentences of the passages that cover
// the topic, each cited; else a refusal (Mode ChecklistRefused, not an
// error). Returns an *apperr.Error with code EINVALID for a topic or options a
// user must fix, and other errors for failures of the search.
func (d *ChecklistDrafter) Draft(ctx context.Context, topic string, opt ChecklistOptions) (Checklist, error) {
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

// maxMessageRunes keeps a checklist message within a chat message's size
// (Telegram allows 4096 characters); the 台账 file holds every item.
const maxMessageRunes = 3500

// Message renders the checklist as a chat message: its title, how it was
// drafted, the numbered items each with its basis marker [n], the notes,
// and the sources. A refused checklist renders as the refusal.
func (c Checklist) Message() string {
	if c.Refused() {
		return c.refusal
	}
	var b strings.Builder
	b.WriteString(c.heading() + "\n" + c.origin())
	if m := c.meta(); m != "" {
		b.WriteString("\n" + m)
	}
	b.WriteString("\n")
	size := utf8.RuneCountInString(b.String())
	for i, it := range c.Items {
		line := fmt.Sprintf("\n%d. %s", i+1, c.itemText(it)+it.marker())
		size += utf8.RuneCountInString(line)
		if i > 0 && size > maxMessageRunes {
			fmt.Fprintf(&b, "\n……另有 %d 项，见台账文件。", len(c.Items)-i)
			break
		}
		b.WriteString(line)
	}
	for _, n := range c.Notes {
		b.WriteString("\n\n说明：" + n)
	}
	if len(c.Alternatives) > 0 {
		fmt.Fprintf(&b, "\n\n相近的清单还有：%s。如需要，可以用其名称重新起草。", strings.Join(c.Alternatives, "；"))
	}
	if len(c.Sources) > 0 {
		b.WriteString("\n\n依据：")
	}
	for i, h := range c.Sources {
		fmt.Fprintf(&b, "\n[%d] %s", i+1, sourceLine(h))
	}
	return b.String()
}

// heading is the checklist's title with its organisation.
func (c Checklist) heading() string { return c.Org + c.Title }

// origin says how the checklist was drafted.
func (c Checklist) origin() string {
	var s string
	if c.Mode == ChecklistFromTemplate {
		s = fmt.Sprintf("根据知识库中的清单模板起草，共 %d 项，每项后的 [n] 是依据出处。", len(c.Items))
	} else {
		s = fmt.Sprintf("摘自知识库原文中的相关做法，共 %d 项，每项后的 [n] 是依据出处。", len(c.Items))
	}
	if c.Adapted {
		s += "措辞已由模型按单位和时限调整，依据均已核对。"
	}
	return s
}

// meta names the organisation and deadline the checklist was drafted for.
func (c Checklist) meta() string {
	var parts []string
	if c.Org != "" {
		parts = append(parts, "责任单位："+c.Org)
	}
	if !c.Due.IsZero() {
		parts = append(parts, "完成时限："+dueText(c.Due))
	}
	return strings.Join(parts, "　")
}

// itemText is an item as the message and Markdown show it.
func (c Checklist) itemText(it ChecklistItem) string {
	if c.Mode == ChecklistFromPassages || it.Requirement == it.Task {
		return it.Requirement
	}
	return it.Task + "：" + it.Requirement
}

// marker is the item's citation marker.
func (it ChecklistItem) marker() string {
	if it.Cite == 0 {
		return "[依据待核实]"
	}
	return fmt.Sprintf("[%d]", it.Cite)
}

// dueText is how a deadline is written in the 台账.
func dueText(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日前", t.Year(), int(t.Month()), t.Day())
}

// match returns the template that covers the topic best, or -1 when none
// covers it well enough, and the others that cover it nearly as well.
func (d *ChecklistDrafter) match(ctx context.Context, core string) (int, []int, error) {
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
func (d *ChecklistDrafter) fromTemplate(ctx context.Context, t prompts.ChecklistTemplate) (Checklist, error) {
	c := Checklist{Title: worksheetTitle(t.Title), Mode: ChecklistFromTemplate, Template: t.ID}
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
		c.Items = append(c.Items, ChecklistItem{Task: it.Task, Requirement: it.Requirement, Unit: it.Unit, Basis: it.Basis, Cite: n})
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
func (d *ChecklistDrafter) locate(ctx context.Context, b prompts.Basis) (*retrieval.Hit, error) {
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

// Limits of a checklist assembled from passages.
const (
	maxPassageItems   = 8
	maxPassageSources = 4
	maxTaskRunes      = 30
	// minSentenceCoverage is how much of the topic a sentence must cover
	// to become an item.
	minSentenceCoverage = 0.3
)

// fromPassages assembles a checklist from the actionable sentences of the
// passages that cover the topic, or refuses when none does.
func (d *ChecklistDrafter) fromPassages(ctx context.Context, core string) (Checklist, error) {
	hits, err := d.kb.Search(ctx, core, 8)
	if err != nil && !errors.Is(err, retrieval.ErrEmptyQuery) {
		return Checklist{}, fmt.Errorf("search: %w", err)
	}
	var use []retrieval.Hit
	for _, h := range hits {
		if h.Coverage >= d.MinCoverage && len(use) < maxPassageSources {
			use = append(use, h)
		}
	}
	type cand struct {
		s, task  string
		hit, pos int // index into use, position in its passage
		score    float64
	}
	var cands []cand
	coverage := d.kb.CoverageOf(core)
	for i, h := range use {
		for j, s := range splitSentences(h.Text) {
			task, ok := actionable(s)
			if !ok {
				continue
			}
			if sc := coverage(s); sc > 0 {
				cands = append(cands, cand{s: s, hit: i, pos: j, score: sc, task: task})
			}
		}
	}
	if len(cands) == 0 {
		return d.refuse(core, len(use) > 0), nil
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	var chosen []cand
	var seen []sentence
	for _, c := range cands {
		if len(chosen) == maxPassageItems || c.score < minSentenceCoverage || c.score < cands[0].score*0.5 {
			break
		}
		if duplicate(c.s, seen) {
			continue
		}
		chosen = append(chosen, c)
		seen = append(seen, sentence{text: c.s})
	}
	if len(chosen) == 0 {
		return d.refuse(core, true), nil
	}
	sort.SliceStable(chosen, func(i, j int) bool {
		if chosen[i].hit != chosen[j].hit {
			return chosen[i].hit < chosen[j].hit
		}
		return chosen[i].pos < chosen[j].pos
	})
	c := Checklist{Title: "“" + clip(core, 30) + "”工作清单", Mode: ChecklistFromPassages}
	cites := newCiter()
	for _, x := range chosen {
		h := use[x.hit]
		req := strings.TrimRight(x.s, "，,、：:")
		c.Items = append(c.Items, ChecklistItem{
			Task: x.task, Requirement: req,
			Basis: prompts.Basis{Title: h.Title, Quote: x.s},
			Cite:  cites.cite(h),
		})
	}
	c.Sources, c.Passages = cites.sources, cites.passages
	c.Notes = append(c.Notes, fmt.Sprintf("知识库中没有“%s”的清单模板，以上各项摘自知识库原文中的相关做法，请结合本单位实际核对、补充后使用。", clip(core, 30)))
	return c, nil
}

// refuse says plainly that the knowledge base gives no basis for a
// checklist on the topic, in the assistant's refusal style.
func (d *ChecklistDrafter) refuse(core string, mentioned bool) Checklist {
	var b strings.Builder
	if mentioned {
		fmt.Fprintf(&b, "知识库中提到了“%s”，但没有可以列为工作事项的具体做法，我不能凭空列出清单。可以直接提问了解相关内容。", clip(core, 40))
	} else {
		fmt.Fprintf(&b, "知识库中没有找到关于“%s”的内容，无法起草有依据的清单，我不能凭空列出工作事项。", clip(core, 40))
	}
	if ts := d.Templates(); len(ts) > 0 {
		b.WriteString("\n\n可以起草清单的工作有：\n· " + strings.Join(ts, "\n· "))
	}
	b.WriteString("\n\n如需人工帮助，可以用 /demand 提交诉求，我们会转给相关部门办理。")
	return Checklist{Title: "“" + clip(core, 30) + "”工作清单", Mode: ChecklistRefused, refusal: b.String()}
}

// actionMarkers are words that make a sentence a measure someone can take.
var actionMarkers = []string{
	"建立", "落实", "开展", "推行", "实行", "实施", "坚持", "推动", "推进", "健全", "构建", "加强", "强化", "严格",
	"深化", "选派", "引导", "打造", "搭建", "完善", "规范", "压实", "明确", "制定", "整合", "采取", "提供", "组建",
	"应当", "必须", "要求",
}

// measureStart matches a clause that is a numbered measure or an
// obligation: "一是……", "（二）……", "3.……", "要……", "应……".
var measureStart = regexp.MustCompile(`^(?:[一二三四五六七八九十]+是|第[一二三四五六七八九十]+[，、]|[（(][一二三四五六七八九十0-9]+[)）]|[一二三四五六七八九十]+、|[0-9]+[.、．]|要|应)`)

// reportStart marks a sentence that reports results rather than measures.
var reportStart = regexp.MustCompile(`^(?:截至|截止|目前|今年以来|近年来|[0-9]{4}年以来|累计|共有|已)`)

// actionable reports whether sentence s states a measure, and names it by
// its first clause that does: the 工作事项 of a checklist item.
func actionable(s string) (string, bool) {
	rs := []rune(s)
	if len(rs) < 8 || !unicode.IsPunct(rs[len(rs)-1]) || reportStart.MatchString(s) {
		// Too short, a heading (no closing punctuation) or a report.
		return "", false
	}
	for _, cl := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("，；：。！？,;:!?", r) }) {
		cl = strings.TrimSpace(cl)
		if measureStart.MatchString(cl) || containsAny(cl, actionMarkers) {
			return clip(cl, maxTaskRunes), true
		}
	}
	return "", false
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// adapt lets the Adapter rework c, keeping only the items it cites
// correctly; on failure the offline draft is kept, with a note.
func (d *ChecklistDrafter) adapt(ctx context.Context, c Checklist) Checklist {
	draft := c
	draft.Items = append([]ChecklistItem(nil), c.Items...)
	draft.Notes = append([]string(nil), c.Notes...)
	draft.Sources = append([]retrieval.Hit(nil), c.Sources...)
	draft.Passages = append([]retrieval.Hit(nil), c.Passages...)
	got, err := d.Adapter(ctx, draft)
	if err != nil {
		c.Notes = append(c.Notes, "模型暂时不可用，以上为离线起草的清单。")
		return c
	}
	var kept []ChecklistItem
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

// noSpace drops white space, so that a quote matches across line breaks.
func noSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// requestFrames are the words of a request for a checklist rather than its
// topic ("帮我列一个……的台账"); they are cut out before matching.
var requestFrames = []string{
	"请帮我", "请帮忙", "帮我", "帮忙", "麻烦你", "请你", "给我", "我要", "我想", "想要",
	"起草", "草拟", "拟定", "生成", "制作", "整理", "列出",
	"列一个", "列一份", "列一张", "列个", "列张", "做一个", "做一份", "做一张", "做个", "出一个", "出一份",
	"弄一个", "弄个", "搞一个", "搞个", "写一个", "写一份", "写个", "拟一份", "拟一个",
}

// requestPrefixes are cut only at the start of a topic ("请" is also in "申请").
var requestPrefixes = []string{"请", "麻烦", "需要", "关于"}

// requestSuffixes are cut at the end of a topic, longest first.
var requestSuffixes = []string{
	"工作台账", "的台账", "台账", "工作清单", "的清单", "清单", "一览表", "的表格", "表格", "的模板", "模板", "的表", "工作",
}

// listNames are what "清单" follows when it names one of the "三张清单"
// rather than asking for a checklist.
var listNames = []string{"三张", "问题", "任务", "责任", "需求", "资源"}

// topicCore cuts the request words out of a topic, keeping what names the
// work: "帮我列一个专项整顿的台账" → "专项整顿".
func topicCore(topic string) string {
	t := topic
	for _, f := range requestFrames {
		t = strings.ReplaceAll(t, f, " ")
	}
	trim := func(s string) string {
		return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) || r == '的' })
	}
	for changed := true; changed; {
		changed = false
		t = trim(t)
		for _, p := range requestPrefixes {
			if strings.HasPrefix(t, p) && len(t) > len(p) {
				t, changed = t[len(p):], true
			}
		}
		for _, s := range requestSuffixes {
			rest, ok := strings.CutSuffix(t, s)
			if !ok || trim(rest) == "" {
				continue
			}
			if strings.HasSuffix(s, "清单") && containsSuffix(rest, listNames) {
				continue
			}
			t, changed = rest, true
			break
		}
	}
	t = strings.Join(strings.Fields(t), " ")
	for _, s := range requestSuffixes {
		if t == s || t == strings.TrimPrefix(s, "的") {
			return "" // nothing but a request: "帮我列一个台账"
		}
	}
	return t
}

func containsSuffix(s string, list []string) bool {
	for _, x := range list {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}
