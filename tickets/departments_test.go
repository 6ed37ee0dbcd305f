package tickets_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/strictyaml"
	"partybot/tickets"
)

// shuiwu is a complete new department in YAML.
const shuiwu = `- key: shegong
  name: 区委社会工作部
  response_hours: 24
  resolve_hours: 120
  urgent_response_hours: 2
  urgent_resolve_hours: 48
`

// TestParseDepartmentsIsStrict: a departments file is decoded strictly
// and validated, and every problem names its line and setting.
func TestParseDepartmentsIsStrict(t *testing.T) {
	for _, tc := range []struct {
		name, doc, want string
		line            int
	}{
		{"misspelt setting", shuiwu + "  chatid: -100\n", "未知的设置 chatid，是否想写 chat_id？", 7},
		{"misspelt topic setting", shuiwu + "  topics:\n    - categroy: 驿站\n", "未知的设置 topics.categroy，是否想写 category？", 8},
		{"chat id not a number", shuiwu + "  chat_id: abc\n", "chat_id 应为整数，而不是“abc”", 7},
		{"negative deadline", strings.Replace(shuiwu, "resolve_hours: 120", "resolve_hours: -1", 1), "部门 shegong 的 resolve_hours 应大于 0", 4},
		{"response longer than resolution", strings.Replace(shuiwu, "response_hours: 24", "response_hours: 240", 1), "response_hours 不能长于", 3},
		{"no name", strings.Replace(shuiwu, "  name: 区委社会工作部\n", "", 1), "缺少名称", 1},
		{"bad key", strings.Replace(shuiwu, "key: shegong", "key: 社工", 1), "部门标识 \"社工\" 无效", 1},
		{"duplicate", shuiwu + strings.Replace(shuiwu, "shegong", "shegong", 1), "重复", 7},
		{"blank staff id", shuiwu + "  staff: [\"1\", \" \"]\n", "工作人员 id 不能为空", 7},
		{"syntax", "- key: [\n", "YAML 格式错误", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tickets.ParseDepartments([]byte(tc.doc))
			require.Error(t, err)
			assert.Equal(t, apperr.EInvalid, apperr.Code(err))
			assert.Contains(t, apperr.Message(err), tc.want)
			var e *strictyaml.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.line, e.Line, e.Error())
		})
	}
	ds, err := tickets.ParseDepartments([]byte(shuiwu))
	require.NoError(t, err)
	assert.Equal(t, "区委社会工作部", ds[0].Name)
}

// TestMergeDepartmentsNamesTheOverride: a problem of an override names
// the override and its setting, for the config file's line.
func TestMergeDepartmentsNamesTheOverride(t *testing.T) {
	base := tickets.DefaultDepartments()
	newDept := tickets.Department{Key: "shuiwu", Name: "区水务局", ResponseHours: 4, ResolveHours: 24, UrgentResponseHours: 1, UrgentResolveHours: 8}
	for _, tc := range []struct {
		name      string
		overrides []tickets.Department
		key, want string
	}{
		{"misspelt key", []tickets.Department{{Key: "renshe"}, {Key: "renshee", ChatID: -100}},
			"[1].key", "未知的部门 renshee，是否想写 renshe？"},
		{"unknown key far from any", []tickets.Department{{Key: "shuiwu", Name: "区水务局"}},
			"[0].key", "已有的部门：shegong、zuzhi"},
		{"negative deadline", []tickets.Department{{Key: "renshe", ResolveHours: -4}},
			"[0].resolve_hours", "部门 renshe 的 resolve_hours 应在 0 到 8784 小时之间"},
		{"bad key", []tickets.Department{{Key: "Renshe"}}, "[0].key", "部门标识 \"Renshe\" 无效"},
		{"merged result", []tickets.Department{newDept, {Key: "renshe", ResponseHours: 500}},
			"[1].response_hours", "部门 renshe 的响应时限 response_hours 不能长于"},
		{"blank staff", []tickets.Department{{Key: "sifa", Staff: []string{"1", ""}}}, "[0].staff[1]", "工作人员 id 不能为空"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tickets.MergeDepartments(base, tc.overrides)
			assert.Equal(t, apperr.EInvalid, apperr.Code(err))
			assert.Contains(t, apperr.Message(err), tc.want)
			var e *strictyaml.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.key, e.Key)
		})
	}
	ds, err := tickets.MergeDepartments(base, []tickets.Department{newDept, {Key: "shuiwu", ChatID: -7}})
	require.NoError(t, err, "a complete new department, then an override of it")
	assert.Equal(t, int64(-7), ds[len(ds)-1].ChatID)
}

func TestShippedDepartmentsAreStrict(t *testing.T) {
	// DefaultDepartments panics when the embedded file does not decode
	// strictly or validate.
	ds := tickets.DefaultDepartments()
	assert.Len(t, ds, 13)
}
