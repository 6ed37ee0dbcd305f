package tickets

import (
	"context"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Draft is what the assistant understood of a demand, shown to the user for
// confirmation before a ticket is filed.
type Draft struct {
	Text           string
	Summary        string
	Category       string
	Department     string
	DepartmentName string
	Confidence     float64
	ManualDispatch bool
	Urgency        Urgency
	Location       string
	Contact        string
	Matched        []string // the keywords that decided the department
}

// ExtractFunc extracts a [Draft] from demand text. [*Router.ExtractContext]
// is the offline one; an LLM extractor can replace it and fall back to it.
type ExtractFunc func(ctx context.Context, text string) (Draft, error)

// Extract routes text and extracts its fields with the rules. The draft's
// text is text without the invisible characters [CleanText] removes.
func (r *Router) Extract(text string) Draft {
	text = CleanText(text)
	rt := r.route(text)
	return Draft{
		Text:           text,
		Summary:        Summarize(text),
		Category:       rt.Category,
		Department:     rt.Department,
		DepartmentName: r.depts.name(rt.Department),
		Confidence:     rt.Confidence,
		ManualDispatch: rt.ManualDispatch,
		Urgency:        DetectUrgency(text),
		Location:       ExtractLocation(text),
		Contact:        ExtractContact(text),
		Matched:        rt.Matched,
	}
}

// ExtractContext is [Router.Extract] as an [ExtractFunc]: it returns only
// ctx's error.
func (r *Router) ExtractContext(ctx context.Context, text string) (Draft, error) {
	if err := ctx.Err(); err != nil {
		return Draft{}, err
	}
	return r.Extract(text), nil
}

// Extract extracts a draft with [DefaultRouter].
func Extract(text string) Draft { return DefaultRouter().Extract(text) }

// urgentCues mark a demand as urgent (急): danger to people, something
// happening now, or an explicit request for speed.
var urgentCues = []string{
	"危险", "马上", "立刻", "立即", "赶紧", "赶快", "紧急", "急需", "十万火急", "刻不容缓", "火急",
	"人身安全", "生命安全", "着火", "起火", "失火", "火灾", "冒烟", "爆炸", "泄漏", "煤气味", "燃气味",
	"触电", "漏电", "坍塌", "倒塌", "塌陷", "被困", "困在", "受伤", "流血", "晕倒", "昏迷", "救命",
	"溺水", "砸到人", "砸伤", "随时会", "出人命", "要出事", "会出事", "急", "救护车", "报警",
}

// calmCues cancel an urgent cue they contain: "不急" is not urgent, and a
// hazard (隐患) is serious but not an emergency by itself.
var calmCues = []string{"不急", "不着急", "不紧急", "不是很急", "急性子", "火灾隐患", "着急上火", "急救培训", "急救知识"}

// DetectUrgency returns UrgencyUrgent when text has an urgency cue (危险,
// 马上, 人身安全, 紧急, 着火 …) that is not negated, else UrgencyNormal.
func DetectUrgency(text string) Urgency {
	t := text
	for _, c := range calmCues {
		t = strings.ReplaceAll(t, c, "　")
	}
	for _, c := range urgentCues {
		if strings.Contains(t, c) {
			return UrgencyUrgent
		}
	}
	return UrgencyNormal
}

// Place names: a run of name characters ending in a place word, optionally
// followed by building, unit and door numbers.
var (
	placeRE = regexp.MustCompile(`([\p{Han}A-Za-z0-9]{1,14}?(?:小区|花园|家园|新村|公寓|大厦|广场|商圈|园区|产业园|工业园|物流园|社区|街道|村|镇|乡|大道|路|街|巷|胡同|里弄|市场|商场|公园|医院|学校|小学|中学|地铁站|车站|站))((?:[0-9一二三四五六七八九十]+(?:号楼|栋|幢|座|单元|号院|号|室|层|楼))*)`)
	// placeStops end a name going backwards: verbs, pronouns and particles
	// that precede a place ("我住在XX小区" → "XX小区").
	placeStops = "在住于到从去往是的了我你他她们这那个条和与及附近旁边门口外上下前后对面给让把被有就都还也说"
	// genericPlaces are not names by themselves.
	genericPlaces = map[string]bool{"小区": true, "社区": true, "街道": true, "马路": true, "道路": true, "路": true,
		"街": true, "市场": true, "菜市场": true, "公园": true, "医院": true, "学校": true, "站": true, "车站": true,
		"地铁站": true, "商场": true, "广场": true, "园区": true, "村": true, "镇": true, "乡": true, "巷": true,
		"老旧小区": true, "本小区": true, "我们小区": true, "整条街": true, "这条街": true, "网约车站": true,
		"公交站": true, "一条街": true, "大街": true, "街上": true, "路上": true, "半路": true, "线路": true,
		"道路运输": true, "思路": true, "门路": true, "出路": true, "跑路": true, "走路": true, "马路边": true,
		"驿站": true, "服务站": true, "卫生站": true, "休息站": true, "加油站": true, "充电站": true, "小哥休息站": true,
		"社区卫生站": true, "站站": true}
)

// ExtractLocation returns the first named place in text ("阳光小区3号楼",
// "人民路", "西城街道"), or "" when it names none.
func ExtractLocation(text string) string {
	ms := placeRE.FindAllStringSubmatchIndex(text, -1)
	for i, m := range ms {
		name := trimPlace(text[m[2]:m[3]])
		if name == "" {
			continue
		}
		loc, end := name+text[m[4]:m[5]], m[1]
		// a place inside a place: "西城街道幸福里社区5号楼"
		for _, n := range ms[i+1:] {
			raw := text[n[2]:n[3]]
			if n[0] != end || trimPlace(raw) != raw {
				break
			}
			loc, end = loc+text[n[0]:n[1]], n[1]
		}
		return loc
	}
	return ""
}

// trimPlace cuts a matched place name back to the name proper, or returns
// "" when it is not a name.
func trimPlace(name string) string {
	rs := []rune(name)
	start := 0
	for i, r := range rs[:len(rs)-1] {
		if strings.ContainsRune(placeStops, r) {
			start = i + 1
		}
	}
	name = string(rs[start:])
	if genericPlaces[name] || utf8.RuneCountInString(name) < 2 || isPlaceWordOnly(name) {
		return ""
	}
	for _, w := range nonPlaceEndings {
		if strings.HasSuffix(name, w) {
			return ""
		}
	}
	return name
}

// nonPlaceEndings are words ending in a place character that name no place.
var nonPlaceEndings = []string{"跑路", "走路", "出路", "思路", "门路", "套路", "线路", "半路", "一路", "上路", "带路", "让路",
	"问路", "电路", "网路", "销路", "去路", "活路", "来路", "退路", "过路", "迷路", "修路", "车站站", "驿站", "服务站", "休息站"}

// isPlaceWordOnly reports whether name is a place word with nothing but a
// vague qualifier ("这个小区", "附近路").
func isPlaceWordOnly(name string) bool {
	for _, q := range []string{"这个", "那个", "这条", "那条", "一个", "整个", "所在", "我家", "我们", "他们", "周边", "附近", "本"} {
		if strings.HasPrefix(name, q) {
			return true
		}
	}
	return false
}

var (
	mobileRE   = regexp.MustCompile(`(?:^|[^0-9])(1[3-9][0-9](?:[ -]?[0-9]{4}){2})(?:$|[^0-9])`)
	landlineRE = regexp.MustCompile(`(?:^|[^0-9])(0[1-9][0-9]{1,2}-?[0-9]{7,8})(?:$|[^0-9])`)
	hotlineRE  = regexp.MustCompile(`(?:电话|手机|联系方式|联系电话|微信)[:：是为]?\s*([0-9][0-9 -]{4,19}[0-9])`)
)

// ExtractContact returns the first phone number in text (mobile, landline,
// or a number after 电话/手机/联系方式), or "".
func ExtractContact(text string) string {
	t := width.Fold.String(text)
	if m := mobileRE.FindStringSubmatch(t); m != nil {
		return strings.NewReplacer(" ", "", "-", "").Replace(m[1])
	}
	for _, re := range []*regexp.Regexp{landlineRE, hotlineRE} {
		if m := re.FindStringSubmatch(t); m != nil {
			return strings.ReplaceAll(m[1], " ", "")
		}
	}
	return ""
}

// Summarize returns the first sentence of text, shortened to about 60
// characters, for lists and notifications.
func Summarize(text string) string {
	t := strings.Join(strings.FieldsFunc(text, unicode.IsSpace), " ")
	if i := strings.IndexAny(t, "。！？!?；;\n"); i > 0 {
		t = t[:i]
	}
	rs := []rune(t)
	if len(rs) > maxSummaryRune {
		return string(rs[:maxSummaryRune-1]) + "…"
	}
	return t
}
