package strictyaml_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/strictyaml"
)

const doc = `access:
  mode: closed
departments:
  - key: renshe
    chat_id: -100
  - {key: renshee, name: x}
telegram: &t
  workers: 4
again: *t
`

func TestDocumentLine(t *testing.T) {
	d, err := strictyaml.Parse([]byte(doc))
	require.NoError(t, err)
	for _, tc := range []struct {
		path string
		line int
	}{
		{"access", 1},
		{"access.mode", 2},
		{"access.admins", 1}, // not written: its section's line
		{"departments", 3},
		{"departments[0]", 4},
		{"departments[0].chat_id", 5},
		{"departments[1].key", 6},
		{"departments[1].response_hours", 6},
		{"departments[7].key", 3},
		{"again.workers", 8}, // through the alias
		{"nosuch.key", 0},
		{"access[0]", 1},
		{"", 0},
	} {
		t.Run(tc.path, func(t *testing.T) {
			assert.Equal(t, tc.line, d.Line(tc.path))
		})
	}
	empty, err := strictyaml.Parse(nil)
	require.NoError(t, err)
	assert.Equal(t, 0, empty.Line("access"))
	assert.False(t, empty.Has("access"))

	assert.True(t, d.Has("access.mode"))
	assert.True(t, d.Has("departments[1].key"))
	assert.True(t, d.Has("again.workers"))
	assert.False(t, d.Has("access.admins"))
	assert.False(t, d.Has("departments[2]"))
	assert.False(t, d.Has(""))
}

func TestDocumentLocate(t *testing.T) {
	d, err := strictyaml.Parse([]byte(doc))
	require.NoError(t, err)

	err = d.Locate(strictyaml.Errorf("mode", "access.mode 应为 open 或 allowlist"), "access")
	var e *strictyaml.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 2, e.Line)
	assert.Equal(t, "access.mode", e.Key)
	assert.Equal(t, "第 2 行：access.mode 应为 open 或 allowlist", e.Error())

	wrapped := fmt.Errorf("merge: %w", strictyaml.Errorf("[1].key", "未知的部门 renshee"))
	require.ErrorAs(t, d.Locate(wrapped, "departments"), &e)
	assert.Equal(t, 6, e.Line)
	assert.Equal(t, "departments[1].key", e.Key)

	require.ErrorAs(t, d.Locate(strictyaml.Errorf("telegram.workers", "x"), ""), &e)
	assert.Equal(t, 8, e.Line)

	plain := errors.New("plain")
	assert.Same(t, plain, d.Locate(plain, "access"), "an error without a setting stays as it is")
	placed := &strictyaml.Error{Line: 9, Key: "k", Msg: "m"}
	assert.Same(t, placed, d.Locate(placed, "access"), "a placed error stays where it is")
}

func TestDocumentDecode(t *testing.T) {
	d, err := strictyaml.Parse([]byte("acess:\n  mode: open\n"))
	require.NoError(t, err)
	var c config
	var e *strictyaml.Error
	require.ErrorAs(t, d.Decode(&c), &e)
	assert.Equal(t, 1, e.Line)

	_, err = strictyaml.Parse([]byte("a: [\n"))
	require.ErrorAs(t, err, &e)
	assert.Contains(t, e.Msg, "YAML 格式错误")
}

func TestNearest(t *testing.T) {
	known := []string{"renshe", "shegong", "sifa"}
	assert.Equal(t, "renshe", strictyaml.Nearest("renshee", known))
	assert.Equal(t, "renshe", strictyaml.Nearest("RenShe", known))
	assert.Equal(t, "", strictyaml.Nearest("shuiwu", known))
}

func FuzzDocumentLine(f *testing.F) {
	f.Add(doc, "departments[1].key")
	f.Add("- a: 1\n", "[0].a")
	f.Add("a: &a [*a]\n", "a[0][0][0]")
	f.Fuzz(func(t *testing.T, data, path string) {
		d, err := strictyaml.Parse([]byte(data))
		if err != nil {
			return
		}
		assert.GreaterOrEqual(t, d.Line(path), 0) // never panics
	})
}
