package checklist

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"

	"partybot/glossary"
	"partybot/question"
	"partybot/retrieval"
)

// Limits of a checklist assembled from passages.
const (
	maxPassageItems   = 8
	maxPassageSources = 4
	maxTaskRunes      = 30
	// minSentenceCoverage is how much of the topic a sentence must cover
	// to become an item.
	minSentenceCoverage = 0.3
)

// candidate is an actionable sentence that may become an item.
type candidate struct {
	s, task  string
	hit, pos int // index into the passages used, position in its passage
	score    float64
}

// fromPassages assembles a checklist from the actionable sentences of the
// passages that cover the topic, or refuses when none does.
func (d *Drafter) fromPassages(ctx context.Context, core string) (Checklist, error) {
	hits, err := d.kb.Search(ctx, core, 8)
	if err != nil && !errors.Is(err, retrieval.ErrEmptyQuery) {
		return Checklist{}, fmt.Errorf("search: %w", err)
	}
	use, v := d.speaking(core, hits)
	switch v.Outcome {
	case question.Refused:
		return d.refuse(core, false), nil
	case question.Partial:
		return d.refuse(core, true), nil
	}
	cands := candidates(use, d.kb.CoverageOf(core))
	if len(cands) == 0 {
		return d.refuse(core, len(use) > 0), nil
	}
	chosen := choose(cands)
	if len(chosen) == 0 {
		return d.refuse(core, true), nil
	}
	c := Checklist{Title: "“" + clip(core, 30) + "”工作清单", Mode: ModePassages}
	cites := newCiter()
	for _, x := range chosen {
		h := use[x.hit]
		req := strings.TrimRight(x.s, "，,、：:")
		c.Items = append(c.Items, Item{
			Task: x.task, Requirement: req,
			Basis: Basis{Title: h.Title, Quote: x.s},
			Cite:  cites.cite(h),
		})
	}
	c.Sources, c.Passages = cites.sources, cites.passages
	c.Notes = append(c.Notes, fmt.Sprintf("知识库中没有“%s”的清单模板，以上各项摘自知识库原文中的相关做法，请结合本单位实际核对、补充后使用。", clip(core, 30)))
	return c, nil
}

// speaking judges the hits as the assistant judges an answer's passages
// (package question): those that speak of the topic's focus — its
// concepts named, its particular need (标准, 条件 …) spoken of — are used,
// at most maxPassageSources.
func (d *Drafter) speaking(core string, hits []retrieval.Hit) ([]retrieval.Hit, question.Verdict) {
	an := d.cues.Analyze(core)
	focus, concepts := d.kb.CoverageOf(an.Focus), d.kb.NamesConcepts(an.Focus)
	ps := make([]question.Passage, len(hits))
	for i, h := range hits {
		text := h.Title + "\n" + h.Text
		ps[i] = question.Passage{Sentences: retrieval.Sentences(h.Text), Coverage: h.Coverage, Focus: focus(text),
			Concepts: concepts(text), Needs: names(text, an.Needs)}
	}
	v := d.cues.Judge(an, ps, question.Thresholds{Coverage: d.MinCoverage, Focus: d.MinCoverage, Near: 0}, focus)
	var use []retrieval.Hit
	for _, i := range v.Speaking {
		if len(use) < maxPassageSources {
			use = append(use, hits[i])
		}
	}
	return use, v
}

// names reports whether text names one of needs, or needs is empty.
func names(text string, needs []string) bool {
	if len(needs) == 0 {
		return true
	}
	nt := glossary.Normalize(text)
	return slices.ContainsFunc(needs, func(n string) bool { return strings.Contains(nt, n) })
}

// candidates are the actionable sentences of the passages that cover the
// topic at all, best first.
func candidates(use []retrieval.Hit, coverage func(string) float64) []candidate {
	var cands []candidate
	for i, h := range use {
		for j, s := range retrieval.Sentences(h.Text) {
			task, ok := actionable(s)
			if !ok {
				continue
			}
			if sc := coverage(s); sc > 0 {
				cands = append(cands, candidate{s: s, hit: i, pos: j, score: sc, task: task})
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	return cands
}

// choose picks the items among the candidates (best first): those that
// cover the topic well enough, nearly as well as the best, without
// repeating each other; in reading order.
func choose(cands []candidate) []candidate {
	var chosen []candidate
	var seen []string
	for _, c := range cands {
		if len(chosen) == maxPassageItems || c.score < minSentenceCoverage || c.score < cands[0].score*0.5 {
			break
		}
		if slices.ContainsFunc(seen, func(o string) bool { return retrieval.SaysNearly(c.s, o) }) {
			continue
		}
		chosen = append(chosen, c)
		seen = append(seen, c.s)
	}
	sort.SliceStable(chosen, func(i, j int) bool {
		if chosen[i].hit != chosen[j].hit {
			return chosen[i].hit < chosen[j].hit
		}
		return chosen[i].pos < chosen[j].pos
	})
	return chosen
}

// refuse says plainly that the knowledge base gives no basis for a
// checklist on the topic, in the assistant's refusal style.
func (d *Drafter) refuse(core string, mentioned bool) Checklist {
	var b strings.Builder
	if mentioned {
		fmt.Fprintf(&b, "知识库中提到了“%s”，但没有可以列为工作事项的具体做法，我不能凭空列出清单。可以直接提问了解相关内容。", clip(core, 40))
	} else {
		fmt.Fprintf(&b, "知识库中没有找到关于“%s”的内容，无法起草有依据的清单，我不能凭空列出工作事项。", clip(core, 40))
	}
	if ts := d.Titles(); len(ts) > 0 {
		b.WriteString("\n\n可以起草清单的工作有：\n· " + strings.Join(ts, "\n· "))
	}
	b.WriteString("\n\n如需人工帮助，可以用 /demand 提交诉求，我们会转给相关部门办理。")
	return Checklist{Title: "“" + clip(core, 30) + "”工作清单", Mode: ModeRefused, refusal: b.String()}
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
