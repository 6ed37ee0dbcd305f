package question_test

import (
	"os"
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
		{"泉港给多少家社会组织派了党建指导员？", question.Number, []string{"个", "家", "所", "座", "支", "户"}, ""},
		{"泉港的党建培训每期要培训几天？", question.Number, []string{"天", "日"}, ""},
		{"乌达的社会组织整顿是哪几个部门牵头的？", question.Who, nil, ""},
		{"整顿完以后怎么防止那些乱象又冒出来？", question.How, nil, ""},
		{"什么是“四个清”？", question.Definition, nil, "四个清"},
		{"“八个一”工作法包括哪些内容？", question.List, nil, ""},
		{"为啥要搞红色积分？", question.Why, nil, ""},
		{"八个一的帮办联系人电话是多少？", question.Contact, nil, ""},
		{"协会的会长能不能同时当党支部书记？", question.General, nil, ""},
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
	} {
		t.Run(tc.q+"|"+tc.sentence, func(t *testing.T) {
			assert.Equal(t, tc.want, c.Evidence(c.Analyze(tc.q), tc.sentence))
		})
	}
}

func TestParseRefusesBadCues(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown key":  "types:\n  - type: time\n    labl: 时间\n    cues: [哪天]\n",
		"unknown type": "types:\n  - type: weather\n    label: 天气\n    cues: [下雨]\n",
		"no cues":      "types:\n  - type: time\n    label: 时间\n",
		"wrong kind":   "types:\n  - type: time\n    label: 时间\n    cues: 哪天\n",
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
	for _, s := range []string{"", "？？？", "哪天哪天哪天", "多少", "几", "what is 六同步?", "\xff\xfe", "多少钱多少家"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		a := c.Analyze(q)
		for _, s := range []string{"47家", "2026年", "12345", q} {
			_ = c.Evidence(a, s)
		}
	})
}
