package question_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/question"
)

func cues(t testing.TB) *question.Cues {
	t.Helper()
	data, err := os.ReadFile("../corpus/cues.yaml")
	require.NoError(t, err)
	c, err := question.Parse("cues.yaml", data)
	require.NoError(t, err)
	return c
}

func TestAnalyze(t *testing.T) {
	c := cues(t)
	for _, tc := range []struct {
		q     string
		typ   question.Type
		units []string
		focus string
	}{
		{"四季暖新友好泉港行动是哪天启动的？", question.Time, nil, "四季暖新友好泉港行动是 启动的"},
		{"宛城区委社会工作部在哪办公，地址是什么？", question.Place, nil, ""},
		{"德江的移动网格员每个月有没有补贴，发多少？", question.Money, nil, ""},
		{"泉港给多少家社会组织派了党建指导员？", question.Number, []string{"个", "家", "所", "座", "支", "户", "处"}, ""},
		{"泉港的党建培训每期要培训几天？", question.Number, []string{"天", "日"}, ""},
		{"乌达的社会组织整顿是哪几个部门牵头的？", question.Who, nil, ""},
		{"整顿完以后怎么防止那些乱象又冒出来？", question.How, nil, ""},
		{"什么是“四个清”？", question.Definition, nil, "四个清"},
		{"“八个一”工作法包括哪些内容？", question.List, nil, ""},
		{"为啥要搞红色积分？", question.Why, nil, ""},
		{"八个一的帮办联系人电话是多少？", question.Contact, nil, ""},
		{"协会的会长能不能同时当党支部书记？", question.General, nil, ""},
		// A cue asking for a detail after a general one sets the type; one
		// before it is part of the topic.
		{"那6场专题学习研讨分别是几月几号办的？", question.Time, nil, ""},
		{"驿站的补贴有哪些？", question.List, nil, ""},
		// A cue inside quotation marks is part of a name.
		{"“打一通问询电话”是什么意思？", question.Definition, nil, ""},
		// A neutral phrase outranks the cue inside it.
		{"新兴领域党员思想教育难在哪儿？", question.General, nil, ""},
		{"骑手跟站点闹了纠纷，去哪能找人帮忙调解？", question.General, nil, ""},
		{"驿站是不是24小时都开门？", question.Time, nil, ""},
		// "那几场" points back to a count; the question asks who.
		{"那几场专题学习研讨是请谁来主讲的？", question.Who, nil, ""},
		{"排查整顿的闭环流程是怎么走的？", question.How, nil, ""},
		// The cue's own measure word, not the first character after it.
		{"服务体系包含几类场景？", question.Number, []string{"项", "条", "类", "种", "件", "张", "方面"}, ""},
		{"一共几个人参加？", question.Number, []string{"名", "人", "人次", "位", "余人"}, ""},
		// "个" before people counts them in 名 too; before things it does not.
		{"德江派了多少个党建指导员？", question.Number, []string{"个", "家", "所", "座", "支", "户", "处", "名", "人", "人次", "位", "余人"}, ""},
		{"海岛上有几个驿站？", question.Number, []string{"个", "家", "所", "座", "支", "户", "处"}, ""},
		// "哪十五件" asks for the items of a counted list.
		{"“十五件实事”具体是哪十五件？", question.List, nil, ""},
		{"德江的党建是分几级搭的架子？", question.Number, []string{"级", "层"}, ""},
		// A comparison outranks the other details.
		{"德江和泉港哪个地方对骑手的服务做得更好？", question.Rank, nil, ""},
		{"泉港的9个飞地支部都建在哪些地方？", question.Place, nil, ""},
		// A rate asks for a percentage.
		{"民情线索的办结率是多少？", question.Number, []string{"成", "%", "折"}, ""},
	} {
		t.Run(tc.q, func(t *testing.T) {
			a := c.Analyze(tc.q)
			assert.Equal(t, tc.typ, a.Type, "cue %q", a.Cue)
			assert.Equal(t, tc.units, a.Units)
			if tc.focus != "" {
				assert.Equal(t, tc.focus, a.Focus)
			}
		})
	}
}

func TestEvidence(t *testing.T) {
	c := cues(t)
	for _, tc := range []struct {
		q, sentence string
		want        bool
	}{
		{"泉港给多少家社会组织派了党建指导员？", "向47家社会组织选派党建工作指导员", true},
		{"泉港的党建培训每期要培训几天？", "线下累计开展党建培训17期、覆盖411人次", false},
		{"四季暖新友好泉港行动是哪天启动的？", "横向实施“四季暖新友好泉港”行动，常态化开展送清凉", false},
		{"活动是哪年开始的？", "2026年以来，累计开展专题学习研讨6场", true},
		{"宛城区委社会工作部在哪办公？", "宛城区委社会工作部始终把新兴领域党建摆在基层党建突出位置", false},
		{"德江的暖新商户给骑手打几折？", "培育暖新商户4家、延伸服务站点11个", false},
		{"乌达的整顿是哪个部门牵头的？", "乌达区委社会工作部联合区委组织部、区民政局开展专项整顿", true},
		{"乌达的整顿是哪个部门牵头的？", "通过专项整顿，社会组织党建工作质量明显提升", false},
		{"帮办联系人的电话是多少？", "打一通问询电话、去一趟办公场所", false},
		{"书记是谁？", "选派148名党建指导员", false},
		// How to write a document wants how to write it.
		{"入党申请书应该怎么写？", "共有75人提交入党申请、储备积极分子45人", false},
		{"入党申请书应该怎么写？", "申请书应写明对党的认识和入党动机", true},
		// The question's own name or count restated is no answer.
		{"“新兴领域党建共享平台”新增的两大模块叫什么？", "升级为“新兴领域党建共享平台”，新增两大关键模块", false},
		{"“新兴领域党建共享平台”新增的两大模块叫什么？", "新增“惠企政策”“诉求直达”两大模块", true},
		{"六个试点社区分别是哪几个？", "与六个试点社区签订共建协议", false},
		{"一条线索能拿多少奖励？", "收集民情线索80余条", false},
		// Who serves in a role is a kind of people, not a name.
		{"移动网格员一般是谁来当？", "引导快递员、网约车司机担任“移动网格员”", true},
		// A classifier with nothing counted next to it counts nothing asked.
		{"一共给多少个快递外卖站点建了档？", "逐一建档立卡，实现“四个清”", false},
		{"覆盖多少人？", "覆盖新兴领域党组织书记、党务工作者及骨干党员200余人", true},
		{"这几期培训分别是几月几号办的？", "2026年以来，累计开展专题学习研讨6场", false},
		{"这几期培训分别是几月几号办的？", "6月12日举办第二期", true},
		{"积极分子要培养多久？", "2025年以来，储备积极分子45人", false},
		{"民情线索的办结率是多少？", "收集民情线索1200余条", false},
		{"民情线索的办结率是多少？", "办结率达98%", true},
		{"司机之家具体在哪条路上？", "在社区、商圈、乡村、海岛四类区域建成司机之家", false},
		{"包联的工作人员是谁？", "专人包联全程跟进", false},
		{"德江和泉港哪个地方的驿站服务得更好？", "在社区、商圈建成暖“新”驿站52个", false},
		{"哪个区的驿站最多？", "泉港区驿站数量位列全市第一", true},
		{"驿站建在哪个岛上？", "在社区、商圈、乡村、海岛四类区域建成暖“新”驿站", false},
		{"驿站建在哪个岛上？", "在湄洲岛建成暖“新”驿站", true},
		// The question's own number is no answer.
		{"那52个实体阵地里，海岛上有几个？", "建成暖“新”驿站、司机之家等52个实体阵地", false},
		{"一共建了多少个实体阵地？", "建成暖“新”驿站、司机之家等52个实体阵地", true},
		// A name answers a Name question when it stands next to the thing
		// asked about.
		{"那个党建小程序新加的两个大模块，具体叫什么？", "迭代升级为“新兴领域党建共享平台”，新增两大关键模块", false},
		{"原来那个惠企小程序升级以后叫啥？", "将原有“党建惠企共享中心”微信小程序迭代升级为“新兴领域党建共享平台”", true},
		// A name in quotation marks that starts with a number is no count.
		{"德江建了多少个党组织？", "扎实推进新兴领域“两个覆盖”提质增效", false},
		{"决策事项清单里都列了哪些事项？", "在推进“两个覆盖”上见行见效", false},
		{"德江建了多少个党组织？", "共设立党组织111个，覆盖党员342名", true},
		// The question's own bodies are no answer to who.
		{"那10家业务主管部门是哪几个单位？", "压紧压实行业主管部门牵头责任", false},
		{"那10家业务主管部门是哪几个单位？", "联合区委组织部、区民政局开展", true},
		// What one receives is an amount, which 免费 is not.
		{"每人能领多少钱的东西？", "开展夏送清凉、免费体检等关爱行动", false},
		{"体检要多少钱？", "开展夏送清凉、免费体检等关爱行动", true},
		// An address asked anywhere in the question wants an address.
		{"驿站具体地址在哪，物流园那边有没有？", "在城镇商圈、物流站点等重点区域布局驿站", false},
		// "主管部门" is a noun, no question of who.
		{"乌达联合民政和主管部门做了什么？", "常态化开展政策法规专题培训", true},
	} {
		t.Run(tc.q+"|"+tc.sentence, func(t *testing.T) {
			assert.Equal(t, tc.want, c.Evidence(c.Analyze(tc.q), tc.sentence))
		})
	}
}

func TestStrength(t *testing.T) {
	c := cues(t)
	a := c.Analyze("乌达的整顿是哪个部门牵头的？")
	assert.Equal(t, 2, c.Strength(a, "乌达区委社会工作部牵头开展专项整顿"), "the body with the verb of its part")
	assert.Equal(t, 1, c.Strength(a, "区民政局的工作人员参加了会议"), "a body alone")
	assert.Equal(t, 0, c.Strength(a, "通过专项整顿，质量明显提升"))
	why := c.Analyze("为什么说新兴领域的党员不好组织学习？")
	assert.Equal(t, 2, c.Strength(why, "聚焦行业党员流动性强、学习碎片化、思想引领弱等痛点，以党的创新理论凝心铸魂"), "the cause stated")
}

func TestAskFocus(t *testing.T) {
	c := cues(t)
	assert.Equal(t, "思想教育 搞", c.Analyze("行业里的党员跑来跑去、学习零零碎碎，思想教育咋搞？").AskFocus, "the clause that asks")
	a := c.Analyze("驿站在哪？")
	assert.Equal(t, a.Focus, a.AskFocus, "a question of one clause")
}

func TestNeeds(t *testing.T) {
	c := cues(t)
	assert.Empty(t, c.Analyze("闭环流程是怎么走的？").Needs, "the cue's own word is no need")
	assert.Contains(t, c.Analyze("红色积分的报名流程是什么？").Needs, "报名")
	assert.Empty(t, c.Analyze("排查用了哪些办法？").Needs, "a method is no regulation")
	assert.Equal(t, []string{"2027年"}, c.Analyze("到2027年党组织增加到多少个？").Years)
}

func TestCore(t *testing.T) {
	c := cues(t)
	for q, core := range map[string]string{
		"我在乌达跑外卖的，听说区里在整治社会组织乱象，这事儿是哪几个部门一起搞的？": "听说区里在整治社会组织乱象，这事儿是哪几个部门一起搞的？",
		"我们公司就十几个人，在德江还够不上建党组织，那咋办？":            "在德江还够不上建党组织，那咋办？",
		"我们怎么落实“六同步”？":   "我们怎么落实“六同步”？",
		"乌达的整顿是哪个部门牵头的？": "乌达的整顿是哪个部门牵头的？",
		"我是骑手。":          "我是骑手。",
	} {
		assert.Equal(t, core, c.Analyze(q).Core, q)
	}
}

func TestJudgeLeavesOtherPlaces(t *testing.T) {
	c := cues(t)
	a := c.Analyze("泉港那边的驿站提供哪些服务？")
	p := question.Passage{Sentences: []string{"提供休息、饮水、充电等服务。"}, Coverage: 0.9, Focus: 0.9, Concepts: true, Needs: true}
	th := question.Thresholds{Coverage: 0.4, Focus: 0.4, Near: 0.2}
	one := func(string) float64 { return 1 }
	assert.Equal(t, question.Answered, c.Judge(a, []question.Passage{p}, th, one).Outcome)
	p.Elsewhere = true
	assert.Equal(t, question.Refused, c.Judge(a, []question.Passage{p}, th, one).Outcome)
}

func TestJudgeTakesTheDetailFromThePassageOnTheFocus(t *testing.T) {
	c := cues(t)
	a := c.Analyze("飞地支部都建在哪些地方？")
	th := question.Thresholds{Coverage: 0.4, Focus: 0.4, Near: 0.2}
	one := func(string) float64 { return 1 }
	topic := question.Passage{Sentences: []string{"在园外灵活组建9个飞地支部。"}, Coverage: 0.9, Focus: 0.9, Concepts: true, Needs: true}
	other := question.Passage{Sentences: []string{"在永嘉商圈党委牵头搭建下签订共建协议。"}, Coverage: 0.5, Focus: 0.45, Concepts: true, Needs: true}
	v := c.Judge(a, []question.Passage{topic, other}, th, one)
	assert.Equal(t, question.Partial, v.Outcome, "the place is in a passage about something else")
	other.Focus = 0.8
	assert.Equal(t, question.Answered, c.Judge(a, []question.Passage{topic, other}, th, one).Outcome)
}

func TestJudgeWantsTheYearsAsked(t *testing.T) {
	c := cues(t)
	a := c.Analyze("到2027年党组织增加到多少个？")
	p := question.Passage{Sentences: []string{"2025年以来新建党组织12个。"}, Coverage: 0.9, Focus: 0.9, Concepts: true, Needs: true}
	th := question.Thresholds{Coverage: 0.4, Focus: 0.4, Near: 0.2}
	one := func(string) float64 { return 1 }
	assert.Equal(t, question.Refused, c.Judge(a, []question.Passage{p}, th, one).Outcome)
	p.Sentences = []string{"到2027年，党组织增加到30个。"}
	assert.Equal(t, question.Answered, c.Judge(a, []question.Passage{p}, th, one).Outcome)
}

func TestParseRefusesBadCues(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown key":  "types:\n  - type: time\n    labl: 时间\n    cues: [哪天]\n",
		"unknown type": "types:\n  - type: weather\n    label: 天气\n    cues: [下雨]\n",
		"no cues":      "types:\n  - type: time\n    label: 时间\n",
		"wrong kind":   "types:\n  - type: time\n    label: 时间\n    cues: 哪天\n",
		"neutral kind": "types:\n  - type: time\n    label: 时间\n    cues: [哪天]\nneutral: 难在哪\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := question.Parse("cues.yaml", []byte(doc))
			require.ErrorIs(t, err, question.ErrInvalid)
		})
	}
}

// FuzzAnalyze: any text is analysed without a panic; the focus is made of
// the question's own characters.
func FuzzAnalyze(f *testing.F) {
	c := cues(f)
	for _, s := range []string{"", "？？？", "哪天哪天哪天", "多少", "几", "what is 六同步?", "\xff\xfe", "多少钱多少家",
		"“电话”", "“", "”在哪”", "几类", "2027年几月", strings.Repeat("？", 10000), "难在哪儿在哪",
		"我，我们，咱", "我在哪？", "哪十五件哪三个", "，，，我"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		a := c.Analyze(q)
		for _, s := range []string{"47家", "2026年", "12345", q} {
			_ = c.Evidence(a, s)
		}
	})
}
