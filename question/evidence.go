package question

import (
	"regexp"
	"slices"
	"strings"
	"unicode"

	"partybot/glossary"
)

// The shapes of the answers of each type. They are kinds of text — a
// number with a measure word, a date, an address, a phone number, an
// organisation or role — not any question's words.
var (
	// digits are Arabic or Chinese numerals, with 余/多 ("200余人").
	digits = `[0-9０-９]+(?:\.[0-9]+)?|[一二两三四五六七八九十百千万亿零]+`

	amountRE = regexp.MustCompile(`(?:` + digits + `)(?:余|多)?(?:万|亿)?(?:元|块)`)
	moneyRE  = regexp.MustCompile(`(?:` + digits + `)(?:余|多)?(?:万|亿)?(?:元|块)|免费|打(?:` + digits + `)折|(?:` + digits + `)折`)

	// dateRE is a point in time; durationRE a length of time; frequencyRE
	// how often.
	dateRE = regexp.MustCompile(`(?:19|20)[0-9]{2}年|[0-9０-９一二三四五六七八九十]{1,3}月(?:[0-9０-９一二三四五六七八九十]{1,3}[日号])?|[0-9]{1,2}[日号]|` +
		`[0-9]{1,2}[:：][0-9]{2}|[早晚上下午中凌晨]{0,2}[一二三四五六七八九十0-9]{1,3}[点时](?:半|[0-9一二三四五六七八九十]{1,2}分)?|全天|24小时|二十四小时|` +
		`年初|年底|年末|月初|月底|上旬|中旬|下旬|上半年|下半年|周[一二三四五六日末]|星期[一二三四五六日天]|节假日|春节|国庆|元旦|寒暑假`)
	durationRE  = regexp.MustCompile(`[一二三四五六七八九十两半0-9]+(?:个)?(?:工作日|小时|天|周|星期|个月|月|年)(?:内|以内|之内|左右)?|任期`)
	frequencyRE = regexp.MustCompile(`每(?:年|季度|季|月|周|星期|天|日|半年)|[一二三四五六七八九十两0-9]+(?:个)?(?:工作日|小时|天|周|星期|个月|月|年)一次|(?:一年|每年|全年)[一二三四五六七八九十两0-9]+次`)

	// addressRE is an address; placeRE a kind of place, which answers
	// "where are they" of things spread over many places.
	addressRE = regexp.MustCompile(`[\p{Han}0-9]{1,12}(?:路|街|大道|巷|弄|胡同)[0-9一二三四五六七八九十]+号|[0-9]+(?:号楼|栋|层|楼|室)|` +
		`位于|坐落|地址|设在|设于|落户|就在`)
	placeRE = regexp.MustCompile(`在[^，。；]{0,16}(?:社区|商圈|乡村|农村|海岛|园区|街道|镇|村|网点|站点|楼宇|商超|市场|广场|中心|景区|医院|学校|服务站|快递站|驿站)|` +
		`(?:依托|利用|整合)[^，。；]{0,16}(?:网点|站点|场所|阵地|门店|商超|中心|驿站)`)

	// phoneRE is a number to call or write to; contactRE also takes the
	// channels that answer "怎么联系".
	phoneRE   = regexp.MustCompile(`1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}|(?:^|[^0-9])1[0-9]{4}(?:[^0-9]|$)|[a-z0-9._-]+@[a-z0-9.-]+|微信号[:：]?[a-z0-9_-]{5,}`)
	contactRE = regexp.MustCompile(phoneRE.String() + `|热线|公众号|小程序|二维码|服务平台|线上平台`)

	// orgRE is a body: a government department, a Party organisation, an
	// association, a company.
	orgRE = regexp.MustCompile(`(?:区|市|县|省|镇|乡|旗)[\p{Han}]{0,8}?(?:局|委|办|部|厅|政府)|工作部|组织部|宣传部|统战部|委员会|工委|党委|党总支|党支部|` +
		`街道|社区|居委会|村委会|协会|商会|总会|联合会|工会|工商联|妇联|侨联|残联|科协|团委|中心|办公室|医院|学校|公司|集团|企业|部门|处室|管理处|业务处|基地`)

	// roleRE is a person's role.
	roleRE = regexp.MustCompile(`书记|主任|部长|局长|会长|负责人|指导员|联络员|网格员|联系人|专员|干部`)

	// peopleRE are the kinds of people who take on a task.
	peopleRE = regexp.MustCompile(`快递员|快递小哥|外卖员|骑手|司机|党员|志愿者|群众|员工|职工|居民|骨干|业务骨干|退役军人|乡贤|专家|律师`)

	// nameRE is a person named: a name before 同志, or after a role.
	nameRE = regexp.MustCompile(`[\p{Han}]{2,3}同志|(?:书记|主任|部长|局长|会长|负责人)[\p{Han}]{2,3}(?:同志|[，、。；]|$)`)

	// namesRE are names of things: quoted, or two or more named bodies.
	namesRE = regexp.MustCompile(`“[^”]{2,14}”|[\p{Han}]{2,10}(?:社区|村|公司|医院|学校|协会|商会|装饰|集团|中心)[、和与及][\p{Han}]{2,10}`)

	// rankRE is a comparison or a ranking stated: what answers "哪个更好"
	// or "排第几" (case reports describe; they seldom compare).
	rankRE = regexp.MustCompile(`排名|排第|排在|第[一二三四五六七八九十0-9]+名|名列|位列|居.{0,6}(?:首|前列|第一)|领先|最多|最少|最高|最低|最好|最快|` +
		`(?:高|多|少|低|快|好)于|比[^，。；]{1,12}(?:多|少|高|低|快|好)`)

	// actorRE are the verbs that name an actor's part.
	actorRE = regexp.MustCompile(`牵头|统筹|负责|主导|主抓|主管|会同|联合|联动|指导|部署|选派|协调|督促|归口`)

	// stepRE are the marks of a procedure: actions and their order.
	stepRE = regexp.MustCompile(`一是|二是|首先|其次|然后|最后|第[一二三四五六七八九十]|通过|采取|采用|建立|健全|推行|实行|实施|开展|落实|制定|组建|设立|搭建|构建|打造|选派|签订|召开|明确|推动|引导|坚持|创新|完善|规范|实行|探索|整合|依托|围绕|聚焦|对照|按照|由|经`)

	// writeAskRE asks how to write or fill in a document; writeRE is what
	// says how: a count of 75 入党申请 does not say how to write one.
	writeAskRE = regexp.MustCompile(`(?:怎么|咋|如何|怎样)(?:写|填)(?:[^入进上补充]|$)`)
	writeRE    = regexp.MustCompile(`写明|撰写|填写|书写|格式|范文|模板|样式|应当包括|应包括|注明|载明`)

	// causeRE states the problem a measure answers: the reason a Why
	// question asks for ("聚焦行业党员流动性强、学习碎片化等痛点").
	causeRE = regexp.MustCompile(`(?:聚焦|针对|面对|直面|面临|为了|为持续|旨在)[^，。；]{0,40}(?:难题|痛点|难点|堵点|短板|课题|难处|问题|特点|现象|环境|需要|需求)`)

	// whyRE are the marks of a purpose or reason.
	whyRE = regexp.MustCompile(`为了|旨在|目的|以便|以期|为.{1,20}提供|确保|保障|助力|推动|促进|实现|让|使|从而|进而|因为|由于|针对|聚焦`)

	// defRE are the marks of a definition or of an enumeration that spells
	// a term out.
	defRE = regexp.MustCompile(`是指|指的是|即|也就是|就是|简称|称为|叫做|[（(][^（()）]{4,}[)）]|：`)

	// listRE is an enumeration: items joined by 、 or counted off.
	listRE = regexp.MustCompile(`[^、，。；]{1,20}、[^、，。；]{1,20}(?:、|和|及|等)|一是|二是|第一|第二|[一二三四五六七八九十两][个项类条张种大]`)
)

// Evidence reports whether sentence holds an answer of a's type: a number
// with a fitting measure word, a date, an amount, an address, a contact,
// an organisation or role as an actor, a procedure, a reason, a
// definition, a list. A General question finds evidence in any sentence.
func (c *Cues) Evidence(a Analysis, sentence string) bool {
	s := glossary.Normalize(sentence)
	switch a.Type {
	case Contact:
		if a.wantsNumber() {
			return phoneRE.MatchString(s)
		}
		return contactRE.MatchString(s)
	case Place:
		if a.wantsAddress() {
			return addressRE.MatchString(s)
		}
		if a.wantsNamedPlace() {
			return addressRE.MatchString(s) || namedPlaceRE.MatchString(s)
		}
		return addressRE.MatchString(s) || placeRE.MatchString(s)
	case Money:
		if !a.asksCost() {
			return amountRE.MatchString(s)
		}
		return moneyRE.MatchString(s)
	case Time:
		switch {
		case a.wantsFrequency():
			return frequencyRE.MatchString(yearRE.ReplaceAllString(s, ""))
		case a.wantsDuration():
			return durationRE.MatchString(yearRE.ReplaceAllString(s, ""))
		case a.wantsDay():
			return dateRE.MatchString(yearRE.ReplaceAllString(s, ""))
		}
		return dateRE.MatchString(s)
	case Rank:
		return rankRE.MatchString(s)
	case Name:
		if roleRE.MatchString(a.Question) {
			return nameRE.MatchString(s)
		}
		return namesThing(sentence, a) // quotes kept
	case Number:
		// “两个覆盖” is a name, no count; the quotation marks that say so
		// are gone once normalised.
		return c.hasCount(glossary.Normalize(quotedCountRE.ReplaceAllString(sentence, "")), a)
	case Who:
		if a.wantsPerson() {
			return nameRE.MatchString(s)
		}
		// The question's own bodies ("那10家业务主管部门都是哪几个单位")
		// are no answer.
		q := glossary.Normalize(a.Question)
		return matchesBeyond(orgRE, s, q) || matchesBeyond(roleRE, s, q) || matchesBeyond(peopleRE, s, q)
	case Why:
		return whyRE.MatchString(s)
	case Definition:
		return defRE.MatchString(s) || listRE.MatchString(s)
	case List:
		return matchesBeyond(listRE, glossary.Normalize(quotedCountRE.ReplaceAllString(sentence, "")), glossary.Normalize(a.Question))
	case How:
		if writeAskRE.MatchString(a.Question) {
			return writeRE.MatchString(s)
		}
		return stepRE.MatchString(s)
	}
	return true
}

// Detail reports whether a asks for something a passage either states or
// does not: a detail of a specific type ([Type.Specific]), or how to write
// a document ("入党申请书怎么写"), which a passage that only mentions the
// document does not say.
func (a Analysis) Detail() bool {
	return a.Type.Specific() || (a.Type == How && writeAskRE.MatchString(a.Question))
}

// matchesBeyond reports whether re matches s other than by what question
// q itself says: the question's own name (“新兴领域党建共享平台”) or count
// ("六个试点社区") restated is no answer.
func matchesBeyond(re *regexp.Regexp, s, q string) bool {
	for _, m := range re.FindAllString(s, -1) {
		if !strings.Contains(q, m) {
			return true
		}
	}
	return false
}

// namesThing reports whether sentence names, beyond the question's own
// names, the thing a Name question asks about: a name next to the thing
// ("新增“惠企政策”“诉求直达”两大模块"), not one elsewhere in the sentence
// ("升级为“新兴领域党建共享平台”，新增两大关键模块" names no module).
func namesThing(sentence string, a Analysis) bool {
	t := a.thingNamed()
	for _, m := range namesRE.FindAllStringIndex(sentence, -1) {
		name := sentence[m[0]:m[1]]
		if strings.Contains(a.Question, name) {
			continue
		}
		if t == "" || strings.Contains(name, t) ||
			strings.Contains(window(sentence[m[1]:], 6, false), t) || strings.Contains(window(sentence[:m[0]], 6, true), t) {
			return true
		}
	}
	return false
}

// window returns the first (or, from the end, the last) n runes of s.
func window(s string, n int, fromEnd bool) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	if fromEnd {
		return string(rs[len(rs)-n:])
	}
	return string(rs[:n])
}

// thingFillers end the words before a Name cue without naming the thing
// ("两个大模块，具体叫什么", "平台以前叫什么", "小程序升级以后叫啥").
var thingFillers = []string{"具体", "分别", "现在", "以前", "原来", "后来", "以后", "之后", "到底", "究竟", "全称", "正式", "升级",
	"改名", "更名", "变成", "改", "都", "又", "的", "是", "就", "还", "后", "，", ",", "、", " "}

// thingNamed returns the thing a Name question asks the name of: the two
// characters before its cue, fillers dropped ("模块" of "两个大模块具体
// 叫什么"); "" when there are fewer.
func (a Analysis) thingNamed() string {
	q := glossary.Normalize(a.Question)
	i := strings.Index(q, a.Cue)
	if a.Cue == "" || i < 0 {
		return ""
	}
	before := q[:i]
	for trimmed := true; trimmed; {
		trimmed = false
		for _, f := range thingFillers {
			if t, ok := strings.CutSuffix(before, f); ok {
				before, trimmed = t, true
			}
		}
	}
	rs := []rune(before)
	if len(rs) < 2 || !unicode.Is(unicode.Han, rs[len(rs)-1]) || !unicode.Is(unicode.Han, rs[len(rs)-2]) {
		return ""
	}
	return string(rs[len(rs)-2:])
}

// Strength is how well sentence answers a's type, for ranking: 0 without
// evidence, 1 with it, 2 when a Who question's body is named with the verb
// of its part (牵头, 负责 …) or a Why question's cause is stated (聚焦…痛点).
func (c *Cues) Strength(a Analysis, sentence string) int {
	switch {
	case !c.Evidence(a, sentence):
		return 0
	case a.Type == Who && actorRE.MatchString(sentence):
		return 2
	case a.Type == Why && causeRE.MatchString(sentence):
		return 2
	}
	return 1
}

// wantsFrequency reports whether a Time question asks how often.
func (a Analysis) wantsFrequency() bool {
	return strings.Contains(a.Cue, "一次") || strings.Contains(a.Cue, "每隔") || strings.Contains(a.Cue, "周期") ||
		strings.Contains(a.Question, "几次") || strings.Contains(a.Question, "几回")
}

// wantsDuration reports whether a Time question asks how long.
func (a Analysis) wantsDuration() bool {
	return strings.Contains(a.Cue, "多久") || strings.Contains(a.Cue, "多长时间") || strings.Contains(a.Cue, "持续")
}

// asksCost reports whether a Money question asks what something costs
// ("收费吗", "多少钱"), which "免费" or a discount answers, not what is paid
// out ("能拿多少奖励", "补贴多少"), which only an amount does.
func (a Analysis) asksCost() bool {
	if receiveRE.MatchString(a.Question) {
		return false // "每人能领多少钱的东西" asks what one gets, not a price
	}
	for _, w := range []string{"收费", "多少钱", "几块钱", "费用", "价格", "花了多少", "优惠", "几折", "要钱", "花钱"} {
		if strings.Contains(a.Cue, w) || strings.Contains(a.Question, w) {
			return true
		}
	}
	return false
}

// receiveRE asks how much one receives.
var receiveRE = regexp.MustCompile(`(?:领|发|给|补|奖|拿|得)[^，。？?]{0,3}(?:多少钱|几块钱)`)

// wantsDay reports whether a Time question asks for a day or a month
// ("哪天", "几月几号"), which a year alone does not give.
func (a Analysis) wantsDay() bool {
	return strings.ContainsAny(a.Cue, "天日号月点")
}

// wantsAddress reports whether a Place question asks for an address or an
// office ("在哪办公", "地址"), not where things are spread ("驿站建在哪").
func (a Analysis) wantsAddress() bool {
	if strings.Contains(a.Cue, "地址") || strings.Contains(a.Cue, "办公") || strings.Contains(a.Cue, "怎么走") ||
		strings.Contains(a.Cue, "位置") {
		return true
	}
	for _, w := range addressWords {
		if strings.Contains(a.Question, w) {
			return true
		}
	}
	return false
}

// wantsNamedPlace reports whether a Place question asks which place by
// name ("哪个岛", "哪个社区"), which "在社区、商圈、海岛四类区域" does not say.
func (a Analysis) wantsNamedPlace() bool {
	return namedPlaceAskRE.MatchString(a.Question)
}

var (
	// namedPlaceAskRE asks for a place by name.
	namedPlaceAskRE = regexp.MustCompile(`哪(?:个|一个|座|些)?(?:岛|村|镇|乡|社区|街道|小区|商圈|园区|广场|市场|县|区)`)
	// namedPlaceRE is a place named: a name of two or more characters and
	// what it is ("永嘉商圈", "南埔镇"), not a kind of place after a
	// preposition ("在社区").
	namedPlaceRE = regexp.MustCompile(`\p{Han}{1,5}[^在的和与及等各个到从向\P{Han}](?:岛|村|镇|乡|社区|街道|小区|商圈|园区|广场|市场)`)
)

// addressWords in a question ask for a street address, not a kind of place.
var addressWords = []string{"地址", "办公", "哪条路", "哪条街", "什么路", "什么街", "哪个路口", "门牌", "几号楼", "哪栋", "哪一栋", "几楼", "哪个小区", "具体位置"}

// wantsNumber reports whether a Contact question asks for a number or an
// address to write to ("电话多少"), not any way of getting in touch.
func (a Analysis) wantsNumber() bool {
	return strings.ContainsAny(a.Cue, "电号箱") || strings.Contains(a.Question, "多少")
}

// wantsPerson reports whether a Who question asks for a person by name
// ("书记是谁"), not for the body responsible ("哪个部门牵头").
func (a Analysis) wantsPerson() bool {
	q := a.Question
	return personAskRE.MatchString(q) || (roleRE.MatchString(q) && (strings.Contains(q, "哪位") ||
		strings.Contains(q, "名字") || strings.Contains(q, "姓名")))
}

// personAskRE asks who holds a role, or who a person is, by name ("书记是
// 谁", "包联的工作人员是谁"), not who serves in it ("网格员一般是谁来当").
var personAskRE = regexp.MustCompile(`(?:` + roleRE.String() + `|[\p{Han}]{0,4}[人员])(?:是谁|叫什么|叫啥|姓什么|姓啥)`)

// countRE is a number followed by what it counts (up to six characters:
// the measure word and the thing counted).
var countRE = regexp.MustCompile(`(?:` + digits + `)(?:余|多)?([\p{Han}%]{1,7})`)

// yearRE is a year, which is no count.
var yearRE = regexp.MustCompile(`(?:19|20)[0-9]{2}年`)

// hasCount reports whether s holds a count of what a asks about: a number
// in one of a's units (any measure word or a percentage for nil units),
// next to something the question names: what follows the measure word
// ("32家社会组织" does not count the 山寨社团 of "几家山寨社团") or what
// was listed before the number ("建成暖新驿站、司机之家等52个实体阵地"). A
// number with neither is no count of anything asked ("实现“四个清”").
func (c *Cues) hasCount(s string, a Analysis) bool {
	s = yearRE.ReplaceAllString(s, "")
	q := glossary.Normalize(a.Question)
	given := c.countsIn(q)
	for _, m := range countRE.FindAllStringSubmatchIndex(s, -1) {
		if slices.Contains(given, strings.TrimRight(s[m[0]:m[2]], "余多")) {
			continue // the question's own number ("那52个阵地里，海岛上有几个") is no answer
		}
		after := s[m[2]:m[3]]
		unit := c.measureOf(after, a.Units)
		if unit == "" {
			continue
		}
		// The thing counted follows the number, or was listed before it
		// ("建成暖新驿站、司机之家等52个实体阵地").
		before := []rune(s[:m[0]])
		before = before[max(0, len(before)-12):]
		thing := strings.TrimPrefix(after, unit)
		if (thing == "" && !slices.Contains(classifiers, unit)) || shares(thing, q) || shares(string(before), q) {
			return true
		}
	}
	return false
}

// quotedCountRE is a name in quotation marks that starts with a number
// ("“两个覆盖”", "“八个一”").
var quotedCountRE = regexp.MustCompile(`“(?:` + digits + `)[^”]{1,8}”`)

// classifiers are measure words that say nothing of what they count: "个"
// of "四个清" is no count of 站点.
var classifiers = []string{"个", "家", "所", "座", "支", "项", "条", "类", "种", "件", "张", "方面"}

// countsIn returns the numbers q counts with, measure word and all
// ("52个" gives "52"): the question's own figures.
func (c *Cues) countsIn(q string) []string {
	var out []string
	for _, m := range countRE.FindAllStringSubmatchIndex(q, -1) {
		if c.measureOf(q[m[2]:m[3]], nil) != "" {
			out = append(out, strings.TrimRight(q[m[0]:m[2]], "余多"))
		}
	}
	return out
}

// shares reports whether s and q share a bigram.
func shares(s, q string) bool {
	rs := []rune(s)
	for i := 0; i+1 < len(rs); i++ {
		if strings.Contains(q, string(rs[i:i+2])) {
			return true
		}
	}
	return false
}

// measureOf returns the measure word s starts with, among units (or any
// known measure word for nil units), "" if none.
func (c *Cues) measureOf(s string, units []string) string {
	groups := c.measures
	if units != nil {
		groups = [][]string{units}
	}
	for _, g := range groups {
		for _, m := range g {
			if strings.HasPrefix(s, m) {
				return m
			}
		}
	}
	return ""
}
