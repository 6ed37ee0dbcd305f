package push_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/push"
	"partybot/strictyaml"
)

func TestLookup(t *testing.T) {
	v := push.DefaultVocabulary()
	for _, tc := range []struct{ word, want string }{
		{"快递员", "快递员"},
		{"快递小哥", "快递员"},
		{"骑手", "外卖骑手"},
		{"外卖员", "外卖骑手"},
		{" 外卖 骑手 ", "外卖骑手"},
		{"滴滴司机", "网约车司机"},
		{"货车", "货车司机"},
		{"卡车司机", "货车司机"},
		{"行业协会", "社会组织"},
		{"民营企业", "非公企业"},
		{"党支部书记", "党务工作者"},
	} {
		t.Run(tc.word, func(t *testing.T) {
			got, ok := v.Lookup(tc.word)
			require.True(t, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestResolveRefusesUnknown: an unknown audience is refused, with the
// nearest when one is close and the list otherwise.
func TestResolveRefusesUnknown(t *testing.T) {
	v := push.DefaultVocabulary()
	for _, tc := range []struct{ name, word, suggest, want string }{
		{"typo", "外麦骑手", "外卖骑手", "未知的身份“外麦骑手”，是否想选“外卖骑手”？"},
		{"near synonym", "快递小弟", "快递员", "是否想选“快递员”？"},
		{"unrelated", "学生", "", "未知的身份“学生”，可选：快递员、外卖骑手、网约车司机、货车司机、新就业群体、社会组织、非公企业、党务工作者"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.suggest, v.Suggest(tc.word))
			_, err := v.Resolve(tc.word)
			require.Error(t, err)
			assert.Equal(t, apperr.EInvalid, apperr.Code(err))
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestParseVocabulary: the file is decoded strictly and checked; each
// problem names its line.
func TestParseVocabulary(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
		line             int
	}{
		{"unknown key", "- name: 骑手\n  synonym: [外卖员]\n", "未知的设置 synonym，是否想写 synonyms？", 2},
		{"no name", "- name: 骑手\n- synonyms: [快递员]\n", "第 2 个推送对象缺少 name", 2},
		{"shared", "- name: 外卖骑手\n  synonyms: [骑手]\n- name: 快递员\n  words: [骑手]\n", "“骑手”同时属于推送对象 外卖骑手 和 快递员", 3},
		{"unknown member", "- name: 新就业群体\n  members: [外卖骑手]\n", "成员 外卖骑手 不是已定义的推送对象", 2},
		{"empty", "[]\n", "推送对象列表是空的", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := push.ParseVocabulary([]byte(tc.yaml))
			require.Error(t, err)
			assert.Equal(t, apperr.EInvalid, apperr.Code(err))
			assert.Contains(t, err.Error(), tc.want)
			var se *strictyaml.Error
			require.True(t, errors.As(err, &se))
			assert.Equal(t, tc.line, se.Line)
		})
	}
}
