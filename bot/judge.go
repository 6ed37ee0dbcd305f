package bot

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"partybot/glossary"
	"partybot/question"
	"partybot/retrieval"
)

// judgement is the judge's verdict on a question with the retrieved
// passages put in its order: those that speak of the focus first (those
// holding the detail asked for before the others), then the rest.
type judgement struct {
	question.Verdict
	hits     []retrieval.Hit
	speaking int           // hits[:speaking] speak of the focus
	evidence map[int][]int // hit index → sentences holding the answer
	focus    func(string) float64
	detail   bool // the question asks for a detail a passage states or not ([question.Analysis.Detail])
	byModel  bool // the model judge decided
}

// measures are how the judge reads a passage against one question.
type measures struct {
	focus    func(string) float64 // share of the focus a text covers
	concepts func(string) bool    // names one of the focus's concepts
	needs    func(string) bool    // speaks of one of the question's needs
	// The same for the question without the clauses that tell of the
	// asker ("我在乌达跑外卖的，…"), when it has such clauses: a passage need
	// not speak of the asker. Nil otherwise.
	core, coreFocus func(string) float64
	coreConcepts    func(string) bool
	places          []string // the places asked about ([placesAsked])
	// topic is the share of the focus without the places asked a text
	// covers; nil when the question names no place.
	topic func(string) float64
}

// measuresOf prepares the measures of an over hits.
func (a *Answerer) measuresOf(an question.Analysis, hits []retrieval.Hit) measures {
	m := measures{focus: a.r.CoverageOf(an.Focus), concepts: a.r.NamesConcepts(an.Focus),
		needs: a.speaksOfNeeds(an.Needs), places: placesAsked(an.Question, hits)}
	if len(m.places) > 0 {
		m.topic = a.r.CoverageOf(withoutPlaces(an.Focus, m.places))
	}
	if an.Core != an.Question {
		m.core, m.coreFocus, m.coreConcepts = a.r.CoverageOf(an.Core), a.r.CoverageOf(an.CoreFocus), a.r.NamesConcepts(an.CoreFocus)
	}
	return m
}

// passage measures hit h: the better of the whole question and its core.
func (m measures) passage(h retrieval.Hit) question.Passage {
	text := h.Title + "\n" + h.Text
	p := question.Passage{Sentences: retrieval.Sentences(h.Text), Coverage: h.Coverage, Focus: m.focus(text),
		Concepts: m.concepts(text), Needs: m.needs(text),
		Elsewhere: len(m.places) > 0 && !slices.ContainsFunc(m.places, func(p string) bool { return strings.Contains(text, p) })}
	if m.core != nil {
		p.Coverage = max(p.Coverage, m.core(text))
		p.Focus = max(p.Focus, m.coreFocus(text))
		p.Concepts = p.Concepts || m.coreConcepts(text)
	}
	if m.topic != nil && m.topic(text) < topicFloor {
		// It shares the place asked, not what is asked about it:
		// "泉港明天会下雨吗" is not spoken of by 泉港's passages.
		p.Concepts = false
	}
	return p
}

// judge analyses which passages speak of what an asks and whether they
// hold it, and orders the hits accordingly.
func (a *Answerer) judge(an question.Analysis, hits []retrieval.Hit) judgement {
	m := a.measuresOf(an, hits)
	ps := make([]question.Passage, len(hits))
	for i, h := range hits {
		ps[i] = m.passage(h)
	}
	focus := m.focus
	// A detail is near the focus in a sentence that covers enough of it.
	// The sentence need not name the focus's concept itself: the passage
	// does (Concepts), and its sentences often leave their subject to the
	// one before ("通过数据比对……连续开展8轮动态数据更新").
	near := focus
	v := a.cues.Judge(an, ps, question.Thresholds{Coverage: a.MinCoverage, Focus: a.MinFocus, Near: a.MinNear}, near)
	j := judgement{Verdict: v, speaking: len(v.Speaking), evidence: map[int][]int{}, focus: focus, detail: an.Detail()}
	order := a.orderOf(an, hits, ps, v, focus)
	for n, i := range order {
		h := hits[i]
		h.Rank = n + 1
		j.hits = append(j.hits, h)
		if e := v.Evidence[i]; len(e) > 0 {
			j.evidence[n] = e
		}
	}
	return j
}

// appendRest appends to order the passages of ps it does not hold, in
// their order, those about the place asked before those about another
// place: a question on 德江 is not shown 乌达's passage first.
func appendRest(order []int, ps []question.Passage) []int {
	for _, elsewhere := range []bool{false, true} {
		for i := range ps {
			if ps[i].Elsewhere == elsewhere && !slices.Contains(order, i) {
				order = append(order, i)
			}
		}
	}
	return order
}

// orderOf returns the indexes of hits in the judge's order: those that
// speak of the focus first, those holding the detail asked for before the
// others, each group by how much of the focus it covers; then the rest,
// those about the place asked before those about another place.
func (a *Answerer) orderOf(an question.Analysis, hits []retrieval.Hit, ps []question.Passage, v question.Verdict, focus func(string) float64) []int {
	whole := make([]float64, len(ps))
	for i, p := range ps {
		whole[i] = p.Focus
	}
	if an.AskFocus != an.Focus {
		// The clauses that ask weigh as well: a passage restating the
		// asker's situation ("学习碎片化") does not lead the one with what
		// was asked ("学习模式").
		ask := a.r.CoverageOf(an.AskFocus)
		for i, h := range hits {
			whole[i] = (1-askWeight)*whole[i] + askWeight*ask(h.Title+"\n"+h.Text)
		}
	}
	strong := func(s string) float64 {
		return focus(s) + strengthLead*float64(a.cues.Strength(an, s)-1)
	}
	best := bestSentences(ps, focus)
	order := append([]int(nil), v.Speaking...)
	answering, rest := order[:v.Answering], order[v.Answering:]
	switch {
	case an.Detail():
		byFocus(answering, evidenceFocus(ps, v.Evidence, strong))
	case an.Type == question.Why:
		// A reason leads with the sentence that states the cause.
		byFocus(answering, whole)
		bySentence(answering, whole, evidenceFocus(ps, v.Evidence, strong))
	default:
		byFocus(answering, whole)
		bySentence(answering, whole, best)
	}
	byFocus(rest, whole)
	bySentence(rest, whole, best)
	return appendRest(order, ps)
}

// focusLead is how much more of the focus a passage must cover to rise
// above one the retrieval ranked higher. Measured on the blind sets: a
// question naming 泉港 is answered from 泉港's passage, not from another
// district's that shares more of its other words (riders' set recall@1
// 0.80 → 0.84, set 5a 0.83 → 0.88, the others unchanged).
const focusLead = 0.05

// evidenceFocus measures each passage, for [byFocus], by the sentence
// holding the detail asked for that speaks most of the focus: of two
// passages with a count, the one counting what was asked leads ("向47家
// 社会组织选派党建工作指导员" over "对300余家社会组织开展摸排" for 派了多少家).
// Measured: riders' set recall@1 0.84 → 0.86, set 5c 0.78 → 0.82, the
// others unchanged.
func evidenceFocus(ps []question.Passage, evidence map[int][]int, focus func(string) float64) []float64 {
	out := make([]float64, len(ps))
	for i := range ps {
		for _, k := range evidence[i] {
			out[i] = max(out[i], focus(ps[i].Sentences[k]))
		}
	}
	return out
}

// askWeight is the weight of the clauses that ask in the focus passages
// are ordered by. Measured on the blind sets (805 answerable questions):
// recall@1 +2 at 0.4 (0.3: +1, 0.5 and 0.7: +2 with 5k one fewer);
// refusals cannot change.
const askWeight = 0.4

// strengthLead is how much a sentence naming the body asked for with the
// verb of its part ("区委社会工作部牵头", [question.Cues.Strength]) counts
// above one that only names a body. Measured: set 5i recall@1 0.80 →
// 0.82, the others unchanged (0.05–0.2 alike).
const strengthLead = 0.1

// sentenceLead is how much more of the focus a passage's best sentence
// must cover to rise above a passage that covers as much of it as a whole.
// Measured on the blind sets (575 answerable questions): recall@1 521 →
// 529 (0.1: 527, 0.2: 526); refusals unchanged, as ordering cannot change
// them.
const sentenceLead = 0.05

// bestSentences measures each passage by its sentence covering most of
// the focus.
func bestSentences(ps []question.Passage, focus func(string) float64) []float64 {
	out := make([]float64, len(ps))
	for i, p := range ps {
		for _, s := range p.Sentences {
			out[i] = max(out[i], focus(s))
		}
	}
	return out
}

// bySentence reorders passages (indexes into whole, what each covers of
// the focus) that cover about as much of it (within focusLead) so that one
// whose best sentence covers clearly more of it comes first: one sentence
// that says it all is a better answer than words gathered from a title, a
// heading and three sentences.
func bySentence(order []int, whole, best []float64) {
	for i := 1; i < len(order); i++ {
		for j := i; j > 0; j-- {
			a, b := order[j], order[j-1]
			if math.Abs(whole[a]-whole[b]) > focusLead || best[a] <= best[b]+sentenceLead {
				break
			}
			order[j], order[j-1] = b, a
		}
	}
}

// byFocus reorders passages (indexes into focus, what each covers of the
// question's focus) so that one covering clearly more comes before one
// that covers less; otherwise the retrieval's order stands.
func byFocus(order []int, focus []float64) {
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && focus[order[j]] > focus[order[j-1]]+focusLead; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
}

// topicFloor is the least share of the focus without its places a
// passage covers to speak of a question that names a place. Since missing
// everyday characters weigh little, the place alone covered enough of
// "泉港明天会下雨吗" to answer it. Measured: off-topic questions naming a
// district (`bot/testdata/qa-offtopic-places.jsonl`) 14 → 20 of 20
// refused; the blind sets' false refusals unchanged (0.1–0.3 alike but for
// one more false refusal at 0.3).
const topicFloor = 0.2

// withoutPlaces returns focus without the places in it.
func withoutPlaces(focus string, places []string) string {
	for _, p := range places {
		focus = strings.ReplaceAll(focus, p, " ")
	}
	return focus
}

// titleRegionRE is the region a title opens with ("福建泉州泉港区：").
var titleRegionRE = regexp.MustCompile(`^(\p{Han}{4,10}?)(?:省|市|区|县|旗)?[：:]`)

// titlePlaces returns the two-character names of the region a title opens
// with, "福建", "泉州", "泉港" of "福建泉州泉港区：…", which titles write
// without their units.
func titlePlaces(title string) []string {
	m := titleRegionRE.FindStringSubmatch(title)
	if m == nil || utf8.RuneCountInString(m[1])%2 != 0 {
		return nil
	}
	rs := []rune(m[1])
	var out []string
	for i := 0; i+1 < len(rs); i += 2 {
		out = append(out, string(rs[i:i+2]))
	}
	return out
}

// placeRE is a place name and its administrative unit ("泉港区", "德江县").
var placeRE = regexp.MustCompile(`(\p{Han}{2})(?:省|市|区|县|旗)`)

// placesAsked returns the places q names, as the hits name them: a
// two-character name that some hit writes with its unit (省, 市, 区, 县, 旗)
// and that stands in some hit's title ("泉港" of "福建泉州泉港区：…"). The
// title keeps out words that only look like places ("整合" of "整合市场
// 监管").
func placesAsked(q string, hits []retrieval.Hit) []string {
	var out []string
	for _, h := range hits {
		names := titlePlaces(h.Title)
		for _, m := range placeRE.FindAllStringSubmatch(h.Title+"\n"+h.Text, -1) {
			names = append(names, m[1])
		}
		for _, name := range names {
			if slices.Contains(out, name) || !strings.Contains(q, name) {
				continue
			}
			if slices.ContainsFunc(hits, func(o retrieval.Hit) bool { return strings.Contains(o.Title, name) }) {
				out = append(out, name)
			}
		}
	}
	return out
}

// speaksOfNeeds returns a test of whether a text speaks of one of needs
// ("申请", "条件"): names it, or one like it ("资料" for "材料"). With no
// needs, every text does.
func (a *Answerer) speaksOfNeeds(needs []string) func(text string) bool {
	covers := make([]func(string) float64, len(needs))
	for i, n := range needs {
		covers[i] = a.r.CoverageOf(n)
	}
	return func(text string) bool {
		if len(needs) == 0 {
			return true
		}
		nt := glossary.Normalize(text)
		for i, n := range needs {
			if strings.Contains(nt, n) || covers[i](text) >= 0.5 {
				return true
			}
		}
		return false
	}
}

// answering are the hits that speak of the focus, best first.
func (j judgement) answering() []retrieval.Hit { return j.hits[:j.speaking] }

// sentence is a candidate sentence of the answer.
type sentence struct {
	text     string
	hit      int // index into hits
	pos      int // position in the passage
	score    float64
	evidence bool // holds the detail asked for
}

// Composition limits of an extractive answer.
const (
	maxAnswerSentences = 5
	maxAnswerRunes     = 420
	maxAnswerPassages  = 3
)

// compose builds the extractive answer: the sentences that cover the
// question best, taken from the passages that answer it, each with its
// citation marker — those that hold the detail asked for first, then the
// others in reading order.
func (a *Answerer) compose(q string, j judgement) Answer {
	chosen := a.choose(q, j)
	var sources []retrieval.Hit
	cite := map[int]int{}
	var b strings.Builder
	for i, c := range chosen {
		n, ok := cite[c.hit]
		if !ok {
			sources = append(sources, j.hits[c.hit])
			n = len(sources)
			cite[c.hit] = n
		}
		if i > 0 && chosen[i-1].hit != c.hit {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s[%d]", c.text, n)
	}
	writeSources(&b, sources)
	return Answer{Question: q, Text: b.String(), Mode: "extractive", Outcome: question.Answered, Sources: sources, Hits: j.hits}
}

// choose picks the sentences of an extractive answer.
func (a *Answerer) choose(q string, j judgement) []sentence {
	use := j.answering()
	best := 0.0
	for _, h := range use {
		best = max(best, h.Coverage)
	}
	coverage := a.r.CoverageOf(q)
	var cands []sentence
	for i, h := range use {
		if i == maxAnswerPassages || h.Coverage < best-0.2 {
			break
		}
		for k, s := range readable(retrieval.Sentences(h.Text)) {
			ev := slices.Contains(j.evidence[i], k) && j.detail
			sc := coverage(s)
			if ev {
				sc += 1 // the detail asked for leads
			}
			if sc > 0 {
				cands = append(cands, sentence{text: s, hit: i, pos: k, score: sc, evidence: ev})
			}
		}
	}
	sort.SliceStable(cands, func(x, y int) bool { return cands[x].score > cands[y].score })
	var chosen []sentence
	runes := 0
	for _, c := range cands {
		if len(chosen) == maxAnswerSentences || (len(chosen) > 0 && !c.evidence && c.score < cands[0].score*0.5) {
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
		return []sentence{{text: clip(use[0].Text, 200)}}
	}
	// The detail asked for first, then reading order: by passage rank,
	// then position.
	sort.SliceStable(chosen, func(x, y int) bool {
		cx, cy := chosen[x], chosen[y]
		if cx.evidence != cy.evidence {
			return cx.evidence
		}
		if cx.hit != cy.hit {
			return cx.hit < cy.hit
		}
		return cx.pos < cy.pos
	})
	return chosen
}

// partial says the knowledge base speaks of what q is about but not of
// what it asks, naming what is missing, and shows what it does say, cited.
func (a *Answerer) partial(q string, an question.Analysis, j judgement) Answer {
	chosen := a.choose(an.Focus, judgement{hits: j.hits, speaking: j.speaking, focus: j.focus})
	if len(chosen) > 2 {
		chosen = chosen[:2]
	}
	var b strings.Builder
	missing := cmp.Or(j.Missing, an.Label)
	fmt.Fprintf(&b, "知识库中有与“%s”相关的内容，但没有说明%s", clip(q, 40), missing)
	if an.Cue != "" && !j.byModel {
		fmt.Fprintf(&b, "（您问的是“%s”）", an.Cue)
	}
	b.WriteString("。知识库中相关的说法是：\n")
	var sources []retrieval.Hit
	cite := map[int]int{}
	for _, c := range chosen {
		n, ok := cite[c.hit]
		if !ok {
			sources = append(sources, j.hits[c.hit])
			n = len(sources)
			cite[c.hit] = n
		}
		fmt.Fprintf(&b, "%s[%d]\n", c.text, n)
	}
	b.WriteString("如需了解具体情况，可以用 /demand 提交诉求，我们会转给相关部门答复。")
	writeSources(&b, sources)
	return Answer{Question: q, Text: b.String(), Refused: true, Outcome: question.Partial, Missing: missing,
		Mode: "extractive", Sources: sources, Hits: j.hits}
}

// writeSources ends an answer with its numbered sources.
func writeSources(b *strings.Builder, sources []retrieval.Hit) {
	b.WriteString("\n\n来源：")
	for i, s := range sources {
		fmt.Fprintf(b, "\n[%d] %s", i+1, s.Citation())
	}
}

// connectives open a sentence that leans on the one before it; an answer
// quoting the sentence alone drops them.
var connectives = []string{"另一方面", "一方面", "与此同时", "同时", "此外", "另外", "因此", "所以", "对此", "为此", "其次", "再次", "最后", "总之", "而且", "并且", "但是", "不过"}

// pointers open a sentence whose subject is in the sentence before.
var pointers = []string{"这", "此", "该", "其", "上述", "以上", "他们", "它们"}

// readable returns sentences as an answer may quote them alone: a leading
// connective dropped, a sentence that opens with a pointer ("这一做法…")
// joined to the one it points back to.
func readable(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		for _, c := range connectives {
			if t, ok := strings.CutPrefix(s, c); ok && utf8.RuneCountInString(t) > 4 {
				s = strings.TrimLeft(t, "，,、：: ")
				break
			}
		}
		if i > 0 && slices.ContainsFunc(pointers, func(p string) bool { return strings.HasPrefix(s, p) }) {
			s = ss[i-1] + s
		}
		out[i] = s
	}
	return out
}
