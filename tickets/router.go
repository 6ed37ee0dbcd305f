package tickets

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"

	"partybot/corpus"
	"partybot/glossary"
)

// Routing is where a demand goes and how sure the router is.
type Routing struct {
	Department     string
	Confidence     float64 // 0..1
	ManualDispatch bool    // below the threshold: sent to the fallback department for manual dispatch
	Category       string  // the department's topic that matched best, "" when none did
	Matched        []string
	Candidates     []Candidate // best first, at most three
}

// Candidate is one department's score for a demand.
type Candidate struct {
	Department string
	Score      float64
}

// RouteFunc routes demand text to a department. [*Router.Route] is one; an
// LLM-backed router can be another, falling back to the rules.
type RouteFunc func(ctx context.Context, text string) (Routing, error)

// DefaultThreshold is the confidence below which a demand goes to the
// fallback department for manual dispatch.
const DefaultThreshold = 0.3

// Router is the offline, rule-based router. It scores a demand against every
// department with the departments' keywords (longest match first, so
// "工会驿站" beats "驿站"), the glossary (a variant of a term counts for the
// departments whose keyword the term is, at a lower weight) and the character
// bigrams of the departments' scopes and keywords (weighted by rarity, for
// text no keyword covers). It is safe for concurrent use.
type Router struct {
	depts       departmentIndex
	threshold   float64
	glossary    *glossary.Glossary
	glossarySet bool

	entries []kwEntry
	words   *glossary.Matcher // every distinct keyword
	byWord  [][]int           // entries by word id

	bigrams map[[2]rune][]int // departments whose scope or keywords contain the bigram
	idf     map[[2]rune]float64
}

type kwEntry struct {
	word   []rune
	wid    int // the word's id: a demand counts each word once per department
	dept   int
	topic  int
	weight float64
}

// RouterOption configures a [Router].
type RouterOption func(*Router)

// WithThreshold sets the confidence below which demands go to manual dispatch.
func WithThreshold(t float64) RouterOption { return func(r *Router) { r.threshold = t } }

// WithGlossary replaces the shipped glossary (nil: none).
func WithGlossary(g *glossary.Glossary) RouterOption {
	return func(r *Router) { r.glossary, r.glossarySet = g, true }
}

// NewRouter returns a router over depts, using the shipped glossary unless
// told otherwise. Returns EINVALID when depts do not validate, and an error
// when the shipped glossary cannot be parsed.
func NewRouter(depts []Department, opts ...RouterOption) (*Router, error) {
	if err := ValidateDepartments(depts); err != nil {
		return nil, err
	}
	r := &Router{depts: newDepartmentIndex(slices.Clone(depts)), threshold: DefaultThreshold}
	for _, o := range opts {
		o(r)
	}
	if !r.glossarySet {
		g, err := glossary.Load(corpus.FS, corpus.GlossaryFile)
		if err != nil {
			return nil, err
		}
		r.glossary = g
	}
	r.build()
	return r, nil
}

var defaultRouter = sync.OnceValues(func() (*Router, error) {
	r, err := NewRouter(DefaultDepartments())
	if err != nil { // a broken glossary must not stop routing
		return NewRouter(DefaultDepartments(), WithGlossary(nil))
	}
	return r, nil
})

// DefaultRouter returns the router over [DefaultDepartments] and the shipped
// glossary (without it if the glossary cannot be read).
func DefaultRouter() *Router {
	r, err := defaultRouter()
	if err != nil {
		panic("tickets: default router: " + err.Error())
	}
	return r
}

// Departments returns the router's departments.
func (r *Router) Departments() []Department { return slices.Clone(r.depts.list) }

func (r *Router) build() {
	type key struct {
		word string
		dept int
	}
	best := map[key]kwEntry{}
	explicit := map[string]bool{}
	add := func(word string, dept, topic int, w float64) {
		rs := []rune(glossary.Normalize(word))
		if len(rs) == 0 {
			return
		}
		if len(rs) == 1 {
			w /= 2 // a single character is weak evidence
		}
		k := key{string(rs), dept}
		if e, ok := best[k]; !ok || w > e.weight {
			best[k] = kwEntry{word: rs, dept: dept, topic: topic, weight: w}
		}
	}
	for di, d := range r.depts.list {
		for ti, t := range d.Topics {
			for _, tier := range []struct {
				words []string
				w     float64
			}{{t.Strong, weightStrong}, {t.Keywords, weightNormal}, {t.Weak, weightWeak}} {
				for _, w := range tier.words {
					add(w, di, ti, tier.w)
					explicit[glossary.Normalize(w)] = true
				}
			}
		}
	}
	// Glossary: a variant of a term counts, at half weight, for every
	// department that has the term as a keyword, unless the variant is a
	// keyword of its own somewhere (then that department's data decides).
	byWord := map[string][]kwEntry{}
	for k, e := range best {
		byWord[k.word] = append(byWord[k.word], e)
	}
	for i := range r.glossary.Len() {
		exprs := r.glossary.Expressions(i) // normalised, term first
		for _, e := range byWord[exprs[0]] {
			for _, v := range exprs[1:] {
				if !explicit[v] {
					add(v, e.dept, e.topic, e.weight/2)
				}
			}
		}
	}
	r.entries = make([]kwEntry, 0, len(best))
	for _, e := range best {
		r.entries = append(r.entries, e)
	}
	sort.Slice(r.entries, func(i, j int) bool {
		a, b := r.entries[i], r.entries[j]
		if len(a.word) != len(b.word) {
			return len(a.word) > len(b.word)
		}
		if s, t := string(a.word), string(b.word); s != t {
			return s < t
		}
		return a.dept < b.dept
	})
	wids := map[string]int{}
	var words []string
	r.byWord = nil
	for i := range r.entries {
		e := &r.entries[i]
		id, ok := wids[string(e.word)]
		if !ok {
			id = len(words)
			wids[string(e.word)] = id
			words = append(words, string(e.word))
			r.byWord = append(r.byWord, nil)
		}
		e.wid = id
		r.byWord[id] = append(r.byWord[id], i)
	}
	r.words = glossary.NewMatcher(words)

	// Scope bigrams: the scope text and category names of each department,
	// weighted by how few departments share them.
	r.bigrams = map[[2]rune][]int{}
	for di, d := range r.depts.list {
		var sb strings.Builder
		sb.WriteString(d.Scope)
		for _, t := range d.Topics {
			sb.WriteString("，" + t.Category)
		}
		for b := range hanBigrams([]rune(glossary.Normalize(sb.String())), nil) {
			if ds := r.bigrams[b]; len(ds) == 0 || ds[len(ds)-1] != di {
				r.bigrams[b] = append(ds, di)
			}
		}
	}
	r.idf = make(map[[2]rune]float64, len(r.bigrams))
	n := float64(len(r.depts.list))
	for b, ds := range r.bigrams {
		r.idf[b] = math.Log(1 + n/float64(len(ds)))
	}
}

// match is one keyword occurrence in a demand.
type match struct {
	start, end int
	entry      int
}

// Route scores text against every department and returns the best one with
// its confidence; below the threshold the fallback department with
// ManualDispatch set. Empty text routes to manual dispatch with confidence 0.
// It returns only ctx's error.
func (r *Router) Route(ctx context.Context, text string) (Routing, error) {
	if err := ctx.Err(); err != nil {
		return Routing{}, err
	}
	return r.route(text), nil
}

func (r *Router) route(text string) Routing {
	rs := []rune(glossary.Normalize(text))
	n := len(r.depts.list)
	scores := make([]float64, n)
	topicScores := make(map[[2]int]float64)
	matched := make([][]string, n)

	// Keywords: longest first, non-overlapping; the same word in several
	// departments counts for each of them.
	covered := make([]bool, len(rs))
	var ms []match
	for m := range r.words.All(rs) {
		for _, ei := range r.byWord[m.Word] {
			ms = append(ms, match{m.Start, m.End, ei})
		}
	}
	sort.SliceStable(ms, func(i, j int) bool {
		li, lj := ms[i].end-ms[i].start, ms[j].end-ms[j].start
		if li != lj {
			return li > lj
		}
		return ms[i].start < ms[j].start
	})
	seen := map[[2]int]bool{} // (entry word id, dept) counted once per demand
	var taken []match
	for _, m := range ms {
		free := true
		for k := m.start; k < m.end; k++ {
			if covered[k] {
				free = false
				break
			}
		}
		if !free {
			// the same span as an accepted match of the same word counts too
			free = slices.ContainsFunc(taken, func(t match) bool {
				return t.start == m.start && t.end == m.end
			})
		}
		if !free {
			continue
		}
		taken = append(taken, m)
		for k := m.start; k < m.end; k++ {
			covered[k] = true
		}
		e := r.entries[m.entry]
		k := [2]int{e.wid, e.dept}
		if seen[k] {
			continue
		}
		seen[k] = true
		w := e.weight
		if placeContext(rs, m.start, m.end) {
			w /= 2
		}
		scores[e.dept] += w
		topicScores[[2]int{e.dept, e.topic}] += w
		matched[e.dept] = append(matched[e.dept], string(e.word))
	}

	// Scope bigrams over the text no keyword covered.
	var bsum float64
	bscore := make([]float64, n)
	for b := range hanBigrams(rs, covered) {
		idf, ok := r.idf[b]
		if !ok {
			continue
		}
		for _, d := range r.bigrams[b] {
			bscore[d] += idf
		}
		bsum += idf
	}
	if bsum > 0 {
		for d := range scores {
			scores[d] += bigramWeight * bscore[d] / math.Sqrt(bsum+1)
		}
	}

	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return scores[order[i]] > scores[order[j]] })
	top := order[0]
	s1, s2 := scores[top], 0.0
	if n > 1 {
		s2 = scores[order[1]]
	}
	conf := confidence(s1, s2)
	rt := Routing{Department: r.depts.list[top].Key, Confidence: conf, Matched: matched[top]}
	bestTopic := -1.0
	for ti, t := range r.depts.list[top].Topics {
		if s := topicScores[[2]int{top, ti}]; s > bestTopic && s > 0 {
			bestTopic, rt.Category = s, t.Category
		}
	}
	for _, d := range order[:min(3, n)] {
		if scores[d] > 0 {
			rt.Candidates = append(rt.Candidates, Candidate{r.depts.list[d].Key, round2(scores[d])})
		}
	}
	if conf < r.threshold {
		rt.Department, rt.ManualDispatch, rt.Category, rt.Matched = FallbackDepartment, true, "", nil
	}
	return rt
}

// bigramWeight scales the scope-bigram evidence against keyword weights: a
// demand with no keyword at all needs a couple of rare scope bigrams to be
// routed with some confidence.
const bigramWeight = 1.0

// confidence maps the best and second-best scores to 0..1: how strong the
// evidence is, times how clearly the best department leads.
func confidence(s1, s2 float64) float64 {
	if s1 <= 0 {
		return 0
	}
	strength := 1 - math.Exp(-s1/2)
	lead := s1 / (s1 + max(s2, 0))
	return round2(strength * lead)
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// placeSuffixes after a keyword, or 在 before it, make it the place where
// something happens rather than the subject: "饭店门口乱倒泔水" is about
// the street, "在驿站休息时插座冒火花" about the socket.
var placeSuffixes = [][]rune{[]rune("门口"), []rune("附近"), []rune("旁边"), []rune("外面"), []rune("对面"),
	[]rune("周边"), []rune("周围"), []rune("楼下"), []rune("边上"), []rune("口附近")}

func placeContext(rs []rune, start, end int) bool {
	if start > 0 && rs[start-1] == '在' {
		return true
	}
	for _, suf := range placeSuffixes {
		if end+len(suf) <= len(rs) && slices.Equal(rs[end:end+len(suf)], suf) {
			return true
		}
	}
	return false
}

// functionChars are too common to say anything about a department.
const functionChars = "的了是在我你他她它们吗呢吧啊呀和与及或等个一不有这那就都也还要会能说对把被给让从到为之其么什怎哪里些很太多少好想请问"

// hanBigrams returns the set of adjacent Han character pairs in rs outside
// the covered positions.
func hanBigrams(rs []rune, covered []bool) map[[2]rune]bool {
	out := map[[2]rune]bool{}
	for i := 0; i+1 < len(rs); i++ {
		if covered != nil && (covered[i] || covered[i+1]) {
			continue
		}
		if unicode.Is(unicode.Han, rs[i]) && unicode.Is(unicode.Han, rs[i+1]) &&
			!strings.ContainsRune(functionChars, rs[i]) && !strings.ContainsRune(functionChars, rs[i+1]) {
			out[[2]rune{rs[i], rs[i+1]}] = true
		}
	}
	return out
}
