package strictyaml_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"partybot/strictyaml"
)

type config struct {
	Access struct {
		Mode   string   `yaml:"mode"`
		Admins []string `yaml:"admins"`
	} `yaml:"access"`
	Departments []struct {
		Key    string `yaml:"key"`
		ChatID int64  `yaml:"chat_id"`
	} `yaml:"departments"`
	Telegram struct {
		Workers int     `yaml:"workers"`
		Sweep   float64 `yaml:"sweep_minutes"`
		Secret  string  `yaml:"-"`
	} `yaml:"telegram"`
	Labels map[string]string `yaml:"labels"`
	Extra  `yaml:",inline"`
}

type Extra struct {
	Debug bool `yaml:"debug"`
}

func TestDecodeRefusesWhatTheTypeDoesNotDeclare(t *testing.T) {
	for _, tc := range []struct {
		name, doc, want string
		line            int
	}{
		{"misspelt section", "acess:\n  mode: allowlist\n", "未知的设置 acess，是否想写 access？", 1},
		{"misspelt nested key", "telegram:\n  workers: 2\n  sweep_minute: 1\n", "未知的设置 telegram.sweep_minute，是否想写 sweep_minutes？", 3},
		{"key in a list item", "departments:\n  - key: renshe\n    chat: -100\n", "未知的设置 departments.chat", 3},
		{"nothing near", "zzzzzzzz: 1\n", "这里可用的设置", 1},
		{"a field tagged -", "telegram:\n  secret: x\n", "未知的设置 telegram.secret", 2},
		{"wrong type", "telegram:\n  workers: many\n", "telegram.workers 应为整数，而不是“many”", 2},
		{"chat id not a number", "departments:\n  - key: renshe\n    chat_id: abc\n", "departments.chat_id 应为整数，而不是“abc”", 3},
		{"list for a scalar", "access:\n  mode: [a, b]\n", "access.mode 应为文本，而不是列表", 2},
		{"syntax", "access:\n  mode: open\n admins: [1]\n", "YAML 格式错误", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c config
			err := strictyaml.Decode([]byte(tc.doc), &c)
			var e *strictyaml.Error
			require.ErrorAs(t, err, &e)
			assert.Contains(t, e.Error(), tc.want)
			assert.Equal(t, tc.line, e.Line, e.Error())
		})
	}
}

func TestDecodeAcceptsWhatTheTypeDeclares(t *testing.T) {
	doc := "access:\n  mode: open\n  admins: [\"1\"]\ndepartments:\n  - {key: renshe, chat_id: -100}\n" +
		"telegram: &t\n  workers: 4\nlabels:\n  anything: goes\ndebug: true\n"
	var c config
	require.NoError(t, strictyaml.Decode([]byte(doc), &c))
	assert.Equal(t, "open", c.Access.Mode)
	assert.Equal(t, int64(-100), c.Departments[0].ChatID)
	assert.Equal(t, 4, c.Telegram.Workers)
	assert.Equal(t, "goes", c.Labels["anything"])
	assert.True(t, c.Debug)
	c = config{}
	require.NoError(t, strictyaml.Decode(nil, &c), "an empty file is no settings")
	require.NoError(t, strictyaml.Decode([]byte("# only a comment\n"), &c))
}

// custom checks itself through yaml.Unmarshaler.
type custom struct{ raw string }

func (c *custom) UnmarshalYAML(n *yaml.Node) error { c.raw = n.Value; return nil }

func TestDecodeLeavesUnmarshalersAlone(t *testing.T) {
	var v struct {
		C custom `yaml:"c"`
	}
	require.NoError(t, strictyaml.Decode([]byte("c: whatever\n"), &v))
	assert.Equal(t, "whatever", v.C.raw)
}

func FuzzDecode(f *testing.F) {
	f.Add("acess: 1\n")
	f.Add("a: &a [*a]\n")
	f.Add("telegram:\n  workers: !!int x\n")
	f.Add("- 1\n- 2\n")
	f.Fuzz(func(t *testing.T, doc string) {
		var c config
		_ = strictyaml.Decode([]byte(doc), &c) // never panics
	})
}
